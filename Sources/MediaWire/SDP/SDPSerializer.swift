// Writing an `SDPSessionDescription` as SDP text (RFC 8866 §5 line order, CRLF line ends).
// Attributes come in the order Chromium writes them, codec lines grouped per payload type.

extension SDPSessionDescription {
    /// The description as SDP text with CRLF line endings.
    public func serialized() -> String {
        var out = SDPWriter()
        out.line("v", "0")
        out.line("o", origin.sdpValue)
        out.line("s", sessionName)
        for line in otherLines where line.rank < 4 { out.line(line.type, line.value) }
        if let connection { out.line("c", connection.sdpValue) }
        for line in otherLines where line.rank == 5 { out.line(line.type, line.value) }
        out.line("t", timing.sdpValue)
        for line in otherLines where line.rank > 5 { out.line(line.type, line.value) }
        for group in groups { out.attribute("group", group.sdpValue) }
        if iceLite { out.attribute("ice-lite") }
        out.transportAttributes(of: self)
        if let msidSemantic { out.attribute("msid-semantic", msidSemantic.sdpValue) }
        if let direction { out.attribute(direction.rawValue) }
        for attribute in otherAttributes { out.raw(attribute.sdpLine) }
        for section in media { out.media(section) }
        return out.text
    }
}

extension SDPMediaSection {
    /// The `m=` line's value: `<media> <port>[/<count>] <proto> <formats>`.
    public var mediaLineValue: String {
        let port = portCount.map { "\(self.port)/\($0)" } ?? "\(self.port)"
        return ([kind.rawValue, port, proto] + formats).joined(separator: " ")
    }
}

struct SDPWriter {
    private(set) var text = ""

    init() {
        text.reserveCapacity(4096)
    }

    mutating func raw(_ line: String) {
        text += line
        text += "\r\n"
    }

    mutating func line(_ type: String, _ value: String) {
        raw("\(type)=\(value)")
    }

    mutating func attribute(_ name: String, _ value: String? = nil) {
        if let value { raw("a=\(name):\(value)") } else { raw("a=\(name)") }
    }

    mutating func transportAttributes(of carrier: some SDPTransportAttributeCarrier) {
        if let ufrag = carrier.iceUfrag { attribute("ice-ufrag", ufrag) }
        if let pwd = carrier.icePwd { attribute("ice-pwd", pwd) }
        if let options = carrier.iceOptions { attribute("ice-options", options.joined(separator: " ")) }
        for fingerprint in carrier.fingerprints { attribute("fingerprint", fingerprint.sdpValue) }
        if let setup = carrier.setup { attribute("setup", setup.rawValue) }
    }

    mutating func media(_ media: SDPMediaSection) {
        line("m", media.mediaLineValue)
        for other in media.otherLines where other.rank < 4 { line(other.type, other.value) }
        if let connection = media.connection { line("c", connection.sdpValue) }
        for other in media.otherLines where other.rank >= 4 { line(other.type, other.value) }
        if let mid = media.mid { attribute("mid", mid) }
        transportAttributes(of: media)
        for extmap in media.extmaps { attribute("extmap", extmap.sdpValue) }
        if let direction = media.direction { attribute(direction.rawValue) }
        for msid in media.msids { attribute("msid", msid.sdpValue) }
        if media.rtcpMux { attribute("rtcp-mux") }
        if media.rtcpRsize { attribute("rtcp-rsize") }
        // The parser sorted codec lines by the m= line's order, so grouping them per payload
        // type here writes them in the order they are held.
        var feedback = media.rtcpFeedback[...]
        for payloadType in media.payloadTypes {
            if let map = media.rtpMap(for: payloadType) { attribute("rtpmap", map.sdpValue) }
            while let next = feedback.first, next.payloadType == payloadType {
                attribute("rtcp-fb", next.sdpValue)
                feedback = feedback.dropFirst()
            }
            if let fmtp = media.fmtp(for: payloadType) { attribute("fmtp", fmtp.sdpValue) }
        }
        for remaining in feedback { attribute("rtcp-fb", remaining.sdpValue) }
        // Values built in code (not parsed) could name payload types the m= line lacks.
        let listed = Set(media.payloadTypes)
        for map in media.rtpMaps where !listed.contains(map.payloadType) { attribute("rtpmap", map.sdpValue) }
        for fmtp in media.fmtps where !listed.contains(fmtp.payloadType) { attribute("fmtp", fmtp.sdpValue) }
        for group in media.ssrcGroups { attribute("ssrc-group", group.sdpValue) }
        for ssrc in media.ssrcs { attribute("ssrc", ssrc.sdpValue) }
        for rid in media.rids { attribute("rid", rid.sdpValue) }
        if let simulcast = media.simulcast { attribute("simulcast", simulcast.sdpValue) }
        for other in media.otherAttributes { raw(other.sdpLine) }
        for candidate in media.candidates { attribute("candidate", candidate.sdpValue) }
        if media.endOfCandidates { attribute("end-of-candidates") }
    }
}
