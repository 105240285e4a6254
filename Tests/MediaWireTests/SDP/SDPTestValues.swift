@testable import MediaWire

/// Server-side inputs shared by the negotiation tests.
enum SDPTestValues {
    static let fingerprint = SDPFingerprint(digest: (0..<32).map { UInt8($0 * 7 & 0xFF) })

    static let server = WebRTCServerTransport(
        iceUfrag: "Mq7Rserv", icePwd: "s3rverPassw0rdForTests1", fingerprint: fingerprint,
        candidates: [WebRTCHostCandidate(address: "192.0.2.10", port: 8443), WebRTCHostCandidate(address: "2001:db8::10", port: 8443)])

    static let opus = WebRTCCodecDescription(name: "opus", clockRate: 48000, channels: 2, fmtp: "minptime=10;useinbandfec=1")
    static let vp8 = WebRTCCodecDescription(name: "VP8", clockRate: 90000)
    static func h264(_ profileLevelID: String, mode: Int = 1) -> WebRTCCodecDescription {
        WebRTCCodecDescription(name: "H264", clockRate: 90000,
                               fmtp: "level-asymmetry-allowed=1;packetization-mode=\(mode);profile-level-id=\(profileLevelID)")
    }

    static func audioTrack(_ codec: WebRTCCodecDescription = opus) -> WebRTCOutgoingTrack {
        WebRTCOutgoingTrack(kind: .audio, codec: codec, ssrc: 1111, cname: "marquee-cname", streamID: "stream-1", trackID: "audio-1")
    }

    static func videoTrack(_ codec: WebRTCCodecDescription = vp8) -> WebRTCOutgoingTrack {
        WebRTCOutgoingTrack(kind: .video, codec: codec, ssrc: 2222, cname: "marquee-cname", streamID: "stream-1", trackID: "video-1")
    }

    static func parse(_ text: String) throws -> SDPSessionDescription {
        try SDPSessionDescription(parsing: text)
    }

    /// A minimal publisher offer with one section per `sections` entry (already `a=`-formatted).
    static func offer(session: [String] = [], _ sections: [[String]], bundle: Bool = true) -> String {
        var lines = ["v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0"]
        let mids = sections.indices.map(String.init)
        if bundle { lines.append("a=group:BUNDLE " + mids.joined(separator: " ")) }
        lines += session
        for section in sections { lines += section }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    static let transport = [
        "a=ice-ufrag:abcd", "a=ice-pwd:abcdefghijklmnopqrstuvwx",
        "a=fingerprint:sha-256 \(fingerprint.value)", "a=setup:actpass",
    ]

    static func audioSection(mid: String, direction: String = "sendonly", extra: [String] = [], transport: [String] = transport) -> [String] {
        ["m=audio 9 UDP/TLS/RTP/SAVPF 111", "c=IN IP4 0.0.0.0", "a=mid:\(mid)", "a=\(direction)", "a=rtcp-mux"]
            + transport + ["a=rtpmap:111 opus/48000/2", "a=fmtp:111 minptime=10;useinbandfec=1"] + extra
    }

    static func videoSection(mid: String, direction: String = "sendonly", codecs: [String]? = nil, extra: [String] = [],
                             transport: [String] = transport) -> [String] {
        let codecLines = codecs ?? ["a=rtpmap:96 VP8/90000", "a=rtcp-fb:96 nack", "a=rtcp-fb:96 nack pli"]
        let pts = codecLines.compactMap { line -> String? in
            guard line.hasPrefix("a=rtpmap:") else { return nil }
            return String(line.dropFirst(9).prefix { $0 != " " })
        }
        return ["m=video 9 UDP/TLS/RTP/SAVPF " + pts.joined(separator: " "), "c=IN IP4 0.0.0.0", "a=mid:\(mid)", "a=\(direction)", "a=rtcp-mux"]
            + transport + codecLines + extra
    }
}
