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
                     remoteUfrag: "r\(id)", dtls: try DTLSEndpoint(context: context, role: .server, expectedPeerFingerprint: nil),
                     tracks: [], outboundSSRCs: [:], now: now)
    }

    static func address(_ n: Int) throws -> SocketAddress {
        try SocketAddress(ipAddress: "10.\(n >> 16 & 255).\(n >> 8 & 255).\(n & 255)", port: 40000 + n % 20000)
    }

    @Test func randomAndMalformedDatagramsAreDroppedAndCounted() throws {
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
