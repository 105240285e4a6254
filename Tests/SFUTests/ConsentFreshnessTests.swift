import MediaCrypto
import MediaWire
import NIOCore
import Testing
@testable import SFU

/// Consent freshness (RFC 7675) in the router, driven by its injected clock (`now:`): real
/// STUN Binding requests with MESSAGE-INTEGRITY and FINGERPRINT keep a session fresh; silence
/// past `consentDisconnectMillis` disconnects it, past `consentTimeoutMillis` ends it.
@Suite("SFU router: consent freshness (RFC 7675)")
struct ConsentFreshnessTests {
    static let config = MediaConfig(consentDisconnectMillis: 1500, consentTimeoutMillis: 4000)

    /// A session whose ICE and DTLS are done (media keys in place), known to the log as `logId`,
    /// that sent its first check from `address` at time 0.
    static func connected(_ id: String, role: MediaSession.Role, logId: String, router: MediaRouter,
                          address: SocketAddress) throws -> MediaSession {
        let session = try MediaRouterTests.session(id, role: role)
        try router.add(session)
        let key = [UInt8](repeating: 7, count: 16), salt = [UInt8](repeating: 8, count: 14)
        session.srtpIn = try SRTPSession(profile: .aes128CmHmacSha1_80, key: key, salt: salt, direction: .inbound)
        session.srtpOut = try SRTPSession(profile: .aes128CmHmacSha1_80, key: key, salt: salt, direction: .outbound)
        router.setLogId(logId, of: id)
        let answer = router.receive(check(session), from: address, now: 0)
        try #require(answer.count == 1 && answer[0].to == address, "the first check is answered")
        return session
    }

    /// A consent check as a browser sends it: USERNAME `server:client`, keyed with the server's password.
    static func check(_ session: MediaSession) -> [UInt8] {
        let message = STUNMessage(type: .bindingRequest, transactionID: .random(), attributes: [
            .username("\(session.credentials.localUfrag):\(session.remoteUfrag)"), .priority(0x6e7f_1eff), .iceControlling(42),
        ])
        return message.serialized(integrityKey: Array(session.credentials.localPassword.utf8), fingerprint: true)
    }

    @Test func aSilentViewerIsDisconnectedAndReconnectsWhenItsChecksResume() throws {
        let router = MediaRouter(config: Self.config)
        let address = try MediaRouterTests.address(1), moved = try MediaRouterTests.address(2)
        let viewer = try Self.connected("v", role: .viewer, logId: "ses_1", router: router, address: address)
        // checks every 500 ms keep it fresh
        for t in stride(from: Int64(500), through: 3000, by: 500) {
            #expect(router.receive(Self.check(viewer), from: address, now: t).count == 1)
            _ = router.tick(now: t + 250)
        }
        #expect(router.takeActions().isEmpty && !viewer.disconnected)
        // the last check was at 3000: silent for 1500 ms is still fresh, a millisecond more is not
        _ = router.tick(now: 4500)
        #expect(router.takeActions().isEmpty)
        _ = router.tick(now: 4501)
        #expect(router.takeActions() == [.viewerDisconnected(logId: "ses_1")] && viewer.disconnected)
        _ = router.tick(now: 5000)
        #expect(router.takeActions().isEmpty, "disconnected is said once")
        // checks resume before the timeout, from a new address (a network change): the session follows
        let answer = router.receive(Self.check(viewer), from: moved, now: 6000)
        #expect(answer.count == 1 && answer[0].to == moved)
        #expect(router.takeActions() == [.viewerReconnected(logId: "ses_1")] && !viewer.disconnected)
        #expect(viewer.address == moved && router.sessionCount == 1)
        _ = router.tick(now: 7000)
        #expect(router.takeActions().isEmpty)
    }

    @Test func aViewerSilentPastTheTimeoutLeavesAndItsStateIsFreed() throws {
        let router = MediaRouter(config: Self.config)
        let address = try MediaRouterTests.address(3)
        let viewer = try Self.connected("v", role: .viewer, logId: "ses_2", router: router, address: address)
        _ = router.tick(now: 1501)
        #expect(router.takeActions() == [.viewerDisconnected(logId: "ses_2")])
        _ = router.tick(now: 4000)
        #expect(router.takeActions().isEmpty && router.sessionCount == 1)
        _ = router.tick(now: 4001)
        #expect(router.takeActions() == [.viewerGone(sessionId: "v", logId: "ses_2", reason: .timeout)])
        #expect(router.sessionCount == 0 && viewer.closed)
        // nothing of it is left: its address and credentials are unknown now
        #expect(router.receive([0x80, 100, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1], from: address, now: 4100).isEmpty)
        #expect(router.counters.dropped["unknown_address"] == 1)
        _ = router.receive(Self.check(viewer), from: address, now: 4200)
        #expect(router.counters.dropped["stun_rejected"] == 1 && router.sessionCount == 0)
        _ = router.tick(now: 60_000)
        #expect(router.takeActions().isEmpty, "the log hears of it once")
    }

    @Test func aPublisherSilentPastTheTimeoutEndsItsStream() throws {
        let router = MediaRouter(config: Self.config)
        let address = try MediaRouterTests.address(4)
        _ = try Self.connected("p", role: .publisher, logId: "str_1", router: router, address: address)
        _ = router.tick(now: 1501)
        #expect(router.takeActions().isEmpty, "a publisher has no disconnected event; its viewers simply get nothing")
        _ = router.tick(now: 4001)
        #expect(router.takeActions() == [.publisherGone(sessionId: "p", streamId: "str_1", reason: .publisherLeft)])
        #expect(router.sessionCount == 0)
    }
}
