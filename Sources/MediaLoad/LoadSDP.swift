import MediaWire

/// The harness's SDP: a one-section VP8 offer (the publisher's `sendonly`, a WHEP viewer's
/// `recvonly`) and an answer to a server's offer (Janus offers to its subscribers). One host
/// candidate: the peer's own socket.
enum LoadSDP {
    static func transportLines(_ peer: LoadPeer, ip: String, fingerprint: String, setup: String) -> [String] {
        ["a=ice-ufrag:\(peer.localUfrag)", "a=ice-pwd:\(peer.localPassword)", "a=fingerprint:sha-256 \(fingerprint)",
         "a=setup:\(setup)", "a=rtcp-mux",
         "a=candidate:1 1 udp 2130706431 \(ip) \(peer.socket.port) typ host", "a=end-of-candidates"]
    }

    static func header(_ mids: [String]) -> [String] {
        ["v=0", "o=- \(UInt32.random(in: 1...UInt32.max)) 2 IN IP4 127.0.0.1", "s=-", "t=0 0",
         "a=group:BUNDLE " + mids.joined(separator: " "), "a=msid-semantic: WMS bench"]
    }

    static func offer(_ peer: LoadPeer, ip: String, fingerprint: String, sendingSSRC ssrc: UInt32?) -> String {
        var lines = header(["0"])
        lines += ["m=video 9 UDP/TLS/RTP/SAVPF 96", "c=IN IP4 0.0.0.0", "a=mid:0", ssrc == nil ? "a=recvonly" : "a=sendonly"]
        lines += transportLines(peer, ip: ip, fingerprint: fingerprint, setup: "actpass")
        lines += ["a=rtpmap:96 VP8/90000", "a=rtcp-fb:96 nack", "a=rtcp-fb:96 nack pli", "a=rtcp-fb:96 ccm fir"]
        if let ssrc {
            lines += ["a=msid:bench video0", "a=ssrc:\(ssrc) cname:bench", "a=ssrc:\(ssrc) msid:bench video0"]
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// Accepts the offer's VP8 video section `recvonly` and rejects every other section.
    static func answer(to offer: SDPSessionDescription, _ peer: LoadPeer, ip: String, fingerprint: String) throws(LoadError) -> String {
        var sections: [[String]] = []
        var accepted: [String] = []
        for (index, section) in offer.media.enumerated() {
            let mid = section.mid ?? String(index)
            let vp8 = section.kind == .video ? section.rtpMaps.first { $0.encodingName.uppercased() == "VP8" } : nil
            guard let vp8, accepted.isEmpty else {
                sections.append(["m=\(section.kind.rawValue) 0 \(section.proto) \(section.formats.first ?? "0")", "c=IN IP4 0.0.0.0", "a=mid:\(mid)", "a=inactive"])
                continue
            }
            accepted.append(mid)
            var lines = ["m=video 9 UDP/TLS/RTP/SAVPF \(vp8.payloadType)", "c=IN IP4 0.0.0.0", "a=mid:\(mid)", "a=recvonly"]
            lines += transportLines(peer, ip: ip, fingerprint: fingerprint, setup: "active")
            lines += ["a=rtpmap:\(vp8.payloadType) VP8/90000", "a=rtcp-fb:\(vp8.payloadType) nack", "a=rtcp-fb:\(vp8.payloadType) nack pli"]
            sections.append(lines)
        }
        guard !accepted.isEmpty else { throw LoadError("the server's offer has no VP8 video section") }
        return (header(accepted) + sections.flatMap { $0 }).joined(separator: "\r\n") + "\r\n"
    }
}
