import MediaCrypto
import MediaWire
import NIOCore
import Testing
import TestSupport
@testable import SFU

/// The router without sockets: noise, half-open sessions and timeouts.
@Suite("SFU router: noise, half-open sessions, timeouts")
struct MediaRouterTests {
    static let context = try! DTLSContext(certificate: DTLSCertificate())

    static func session(_ id: String, role: MediaSession.Role = .viewer, channel: String = "chn_1", now: Int64 = 0) throws -> MediaSession {
        MediaSession(id: id, role: role, channelId: channel, accountId: nil,
                     credentials: STUNResponder.Credentials(localUfrag: "u\(id)", localPassword: "p\(id)xxxxxxxxxxxxxxxxxxxxxx"),
                     remoteUfrag: "r\(id)", dtls: try DTLSEndpoint(context: MediaRouterTests.context, role: .server, expectedPeerFingerprint: nil),
                     tracks: [], outboundSSRCs: [:], now: now)
    }

    static func address(_ n: Int) throws -> SocketAddress {
        try SocketAddress(ipAddress: "10.\(n >> 16 & 255).\(n >> 8 & 255).\(n & 255)", port: 40000 + n % 20000)
    }

    @Test func randomAndMalformedDatagramsAreDroppedAndCounted() async throws {
        try await onOwnThread {
            let router = MediaRouter(config: MediaConfig(setupTimeoutMillis: 1000))
            try router.add(try Self.session("a"))
            var rng = SplitMix64(seed: 99)
            var answered = 0
            for i in 0..<20_000 {
                let length = Int(rng.next() % 1300)
                var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                // also datagrams that look like STUN, DTLS, RTP and RTCP by their first byte
                if !bytes.isEmpty { bytes[0] = [0x00, 0x01, 22, 0x80, 0x81, 0xff][i % 6] }
                answered += router.receive(bytes, from: try Self.address(i), now: 10).count
            }
            #expect(router.sessionCount == 1)
            let dropped = router.counters.dropped.values.reduce(0, +)
            #expect(dropped + answered == 20_000, "every datagram is either answered (a STUN error) or dropped: \(router.counters.dropped)")
            #expect((router.counters.dropped["unknown_address"] ?? 0) > 0)
            #expect(router.counters.forwarded == 0)
        }
    }

    @Test func halfOpenSessionsTimeOutAndFreeTheirState() throws {
        let router = MediaRouter(config: MediaConfig(setupTimeoutMillis: 1000, maxSessions: 5000))
        for i in 0..<1000 { try router.add(try Self.session("s\(i)", now: 0)) }
        #expect(router.sessionCount == 1000)
        _ = router.tick(now: 999)
        #expect(router.sessionCount == 1000)
        _ = router.tick(now: 1001)
        #expect(router.sessionCount == 0)
        #expect(router.counters.dropped["setup_timeout"] == 1000)
        // half-open sessions never reached the log, so it hears nothing about them
        #expect(router.takeActions().isEmpty)
    }

    @Test func oneChannelHasOnePublisherAndTheServerHasALimit() throws {
        let router = MediaRouter(config: MediaConfig(maxSessions: 2))
        try router.add(try Self.session("p1", role: .publisher))
        #expect(throws: MediaRouterError.alreadyPublishing) { try router.add(try Self.session("p2", role: .publisher)) }
        try router.add(try Self.session("v1"))
        #expect(throws: MediaRouterError.full) { try router.add(try Self.session("v2")) }
        _ = router.close("p1")
        #expect(router.takeActions() == [.publisherGone(sessionId: "p1", streamId: nil, reason: .publisherLeft)])
    }
}

/// Forwarding and NACK answers through the router with real SRTP on both sides.
@Suite("SFU router: forwarding and retransmission")
struct MediaForwardingTests {
    static let profile = SRTPProfile.aes128CmHmacSha1_80

    static let vp8 = WebRTCCodecDescription(name: "VP8", clockRate: 90000)

    /// A router with one publisher ("pub", by default VP8 on PT 96, at 127.0.0.1:5000) and one
    /// viewer ("view", by default VP8 on PT 100, outbound SSRC 0xABC, at 127.0.0.1:6000), both
    /// attached; SRTP is left to the test (`keySRTP`).
    static func videoPair(config: MediaConfig = MediaConfig(),
                          publisherTracks: [NegotiatedTrack] = [NegotiatedTrack(kind: .video, mid: "0", payloadType: 96, codec: vp8)],
                          viewerTracks: [NegotiatedTrack] = [NegotiatedTrack(kind: .video, mid: "0", payloadType: 100, codec: vp8)],
                          viewerSSRCs: [NegotiatedTrack.Kind: UInt32] = [.video: 0xABC]) throws
        -> (router: MediaRouter, publisher: MediaSession, viewer: MediaSession, pubAddress: SocketAddress, viewAddress: SocketAddress) {
        let router = MediaRouter(config: config)
        let publisher = MediaSession(id: "pub", role: .publisher, channelId: "chn_1", accountId: "acc_c",
                                     credentials: .init(localUfrag: "up", localPassword: "ppppppppppppppppppppppp"), remoteUfrag: "rp",
                                     dtls: try DTLSEndpoint(context: MediaRouterTests.context, role: .server, expectedPeerFingerprint: nil),
                                     tracks: publisherTracks, outboundSSRCs: [:], now: 0)
        let viewer = MediaSession(id: "view", role: .viewer, channelId: "chn_1", accountId: nil,
                                  credentials: .init(localUfrag: "uv", localPassword: "vvvvvvvvvvvvvvvvvvvvvvv"), remoteUfrag: "rv",
                                  dtls: try DTLSEndpoint(context: MediaRouterTests.context, role: .server, expectedPeerFingerprint: nil),
                                  tracks: viewerTracks, outboundSSRCs: viewerSSRCs, now: 0)
        try router.add(publisher)
        try router.add(viewer)
        let pubAddress = try SocketAddress(ipAddress: "127.0.0.1", port: 5000)
        let viewAddress = try SocketAddress(ipAddress: "127.0.0.1", port: 6000)
        router.attach("pub", to: pubAddress)
        router.attach("view", to: viewAddress)
        return (router, publisher, viewer, pubAddress, viewAddress)
    }
    static func key(_ n: UInt8) -> ([UInt8], [UInt8]) { ([UInt8](repeating: n, count: 16), [UInt8](repeating: n &+ 1, count: 14)) }

    /// The test's end of each SRTP direction, the router's sessions keyed to match: key 1
    /// publisher → router, 4 router → publisher, 2 router → viewer, 3 viewer → router.
    struct Ends { let publisherSends, publisherReceives, viewerReceives, viewerSends: SRTPSession }
    static func keySRTP(_ publisher: MediaSession, _ viewer: MediaSession) throws -> Ends {
        let (k1, s1) = key(1), (k2, s2) = key(2), (k3, s3) = key(3), (k4, s4) = key(4)
        publisher.srtpIn = try SRTPSession(profile: profile, key: k1, salt: s1, direction: .inbound)
        publisher.srtpOut = try SRTPSession(profile: profile, key: k4, salt: s4, direction: .outbound)
        viewer.srtpOut = try SRTPSession(profile: profile, key: k2, salt: s2, direction: .outbound)
        viewer.srtpIn = try SRTPSession(profile: profile, key: k3, salt: s3, direction: .inbound)
        return Ends(publisherSends: try SRTPSession(profile: profile, key: k1, salt: s1, direction: .outbound),
                    publisherReceives: try SRTPSession(profile: profile, key: k4, salt: s4, direction: .inbound),
                    viewerReceives: try SRTPSession(profile: profile, key: k2, salt: s2, direction: .inbound),
                    viewerSends: try SRTPSession(profile: profile, key: k3, salt: s3, direction: .outbound))
    }

    static func rtp(_ sequence: UInt16, ssrc: UInt32 = 0x5555_0001, payload: [UInt8]) -> [UInt8] {
        [0x80, 96, UInt8(sequence >> 8), UInt8(sequence & 0xff), 0, 1, 0, 0,
         UInt8(ssrc >> 24), UInt8((ssrc >> 16) & 0xff), UInt8((ssrc >> 8) & 0xff), UInt8(ssrc & 0xff)] + payload
    }

    @Test func packetsAreRewrittenPerViewerAndNACKsAnsweredFromTheCache() throws {
        let (router, publisher, viewer, pubAddress, viewAddress) = try MediaForwardingTests.videoPair()
        let ends = try Self.keySRTP(publisher, viewer)
        let (publisherSends, viewerReceives, viewerSends) = (ends.publisherSends, ends.viewerReceives, ends.viewerSends)

        var forwarded: [[UInt8]] = []
        for sequence in UInt16(1000)...1004 {
            var packet = Self.rtp(sequence, payload: Array("frame \(sequence)".utf8))
            try publisherSends.protect(rtp: &packet)
            // (the first packet also brings the viewer's first keyframe request to the publisher)
            let out = router.receive(packet, from: pubAddress, now: 1).filter { $0.to == viewAddress }
            try #require(out.count == 1)
            #expect(out[0].to == viewAddress)
            if sequence == 1002 { continue }   // lost on the way to the viewer
            var plain = out[0].bytes
            try viewerReceives.unprotect(rtp: &plain)
            forwarded.append(plain)
        }
        let rewritten = try forwarded.map { try RTPPacket(parsing: $0) }
        #expect(rewritten.allSatisfy { $0.ssrc == 0xABC && $0.payloadType == 100 })
        let first = rewritten[0].sequenceNumber
        #expect(rewritten.map(\.sequenceNumber) == [0, 1, 3, 4].map { first &+ UInt16($0) })
        #expect(rewritten.map { String(decoding: $0.payload, as: UTF8.self) } == [1000, 1001, 1003, 1004].map { "frame \($0)" })

        // the viewer lost its third packet and asks for it (and for one that never existed)
        var nack: [UInt8] = []
        try RTCPPacket.genericNACK(RTCPGenericNACK(senderSSRC: 1, mediaSSRC: 0xABC, lostSequenceNumbers: [first &+ 2, first &+ 300])).write(to: &nack)
        try viewerSends.protect(rtcp: &nack)
        let answers = router.receive(nack, from: viewAddress, now: 2)
        try #require(answers.count == 1, "\(router.counters)")
        var again = answers[0].bytes
        try viewerReceives.unprotect(rtp: &again)
        let retransmitted = try RTPPacket(parsing: again)
        #expect(retransmitted.sequenceNumber == first &+ 2 && retransmitted.ssrc == 0xABC, "the retransmission is the lost packet as first sent")
        #expect(String(decoding: retransmitted.payload, as: UTF8.self) == "frame 1002")
        #expect(router.counters.retransmitted == 1 && router.counters.dropped["nack_miss"] == 1)
        #expect(router.counters.forwarded == 5)
    }
}
