import Foundation
import MediaCrypto
import Testing

/// Two real OpenSSL DTLS endpoints talking through memory (datagrams handed across by the test).
@Suite("DTLS over memory BIOs, with use_srtp")
struct DTLSTests {
    static let serverCertificate = try! DTLSCertificate(commonName: "marquee-server")
    static let clientCertificate = try! DTLSCertificate(commonName: "client")

    /// Runs the handshake, delivering every datagram unless `drop` says so; returns both endpoints.
    static func handshake(serverProfiles: [SRTPProfile] = [.aeadAes128Gcm, .aes128CmHmacSha1_80],
                          clientProfiles: [SRTPProfile] = [.aeadAes128Gcm, .aes128CmHmacSha1_80],
                          expectedByServer: String? = clientCertificate.fingerprint,
                          expectedByClient: String? = serverCertificate.fingerprint) throws -> (DTLSEndpoint, DTLSEndpoint, Int) {
        let server = try DTLSEndpoint(context: DTLSContext(certificate: serverCertificate, profiles: serverProfiles), role: .server,
                                      expectedPeerFingerprint: expectedByServer)
        let client = try DTLSEndpoint(context: DTLSContext(certificate: clientCertificate, profiles: clientProfiles), role: .client,
                                      expectedPeerFingerprint: expectedByClient)
        var toServer = client.start().datagrams
        var toClient: [[UInt8]] = []
        var rounds = 0
        while (!toServer.isEmpty || !toClient.isEmpty) && rounds < 20 {
            rounds += 1
            for datagram in toServer {
                #expect(datagram.count <= 1200, "a datagram of \(datagram.count) bytes exceeds the MTU")
                toClient += server.receive(datagram).datagrams
            }
            toServer = []
            for datagram in toClient { toServer += client.receive(datagram).datagrams }
            toClient = []
        }
        return (server, client, rounds)
    }

    static func keys(_ endpoint: DTLSEndpoint) throws -> SRTPKeyingMaterial {
        guard case .connected(let keys) = endpoint.state else { throw MediaCryptoError("not connected: \(endpoint.state)") }
        return keys
    }

    @Test("the handshake completes and both sides export mirrored SRTP keys", arguments: SRTPProfile.allCases)
    func handshakeAndKeys(profile: SRTPProfile) throws {
        let (server, client, _) = try Self.handshake(serverProfiles: [profile], clientProfiles: [profile])
        let s = try Self.keys(server), c = try Self.keys(client)
        #expect(s.profile == profile && c.profile == profile)
        #expect(s.localKey == c.remoteKey && s.localSalt == c.remoteSalt)
        #expect(s.remoteKey == c.localKey && s.remoteSalt == c.localSalt)
        #expect(s.localKey.count == 16 && s.localSalt.count == profile.saltLength)
        #expect(s.localKey != s.remoteKey)
    }

    @Test func gcmIsPreferredWhenBothOfferIt() throws {
        let (server, _, _) = try Self.handshake()
        #expect(try Self.keys(server).profile == .aeadAes128Gcm)
    }

    @Test func aFingerprintThatDoesNotMatchTheSDPFailsTheAssociation() throws {
        let other = try DTLSCertificate()
        let (server, _, _) = try Self.handshake(expectedByServer: other.fingerprint)
        guard case .failed(let reason) = server.state else { Issue.record("expected failure, got \(server.state)"); return }
        #expect(reason.contains("fingerprint"))
    }

    @Test func fingerprintsAreSHA256InSDPForm() throws {
        let fingerprint = Self.serverCertificate.fingerprint
        #expect(fingerprint.count == 32 * 3 - 1)
        #expect(fingerprint.split(separator: ":").allSatisfy { $0.count == 2 && $0.allSatisfy { $0.isHexDigit && !$0.isLowercase } })
        #expect(try DTLSCertificate().fingerprint != fingerprint)
    }

    @Test func noiseAndGarbageNeverBreakAnEndpoint() throws {
        let server = try DTLSEndpoint(context: DTLSContext(certificate: Self.serverCertificate), role: .server, expectedPeerFingerprint: nil)
        var rng = SystemRandomNumberGenerator()
        for length in [0, 1, 13, 100, 1500] {
            let garbage = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = server.receive(garbage)
        }
        // a DTLS-looking header with a lying length
        let out = server.receive([22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3])
        #expect(out.datagrams.isEmpty)
        if case .connected = server.state { Issue.record("garbage completed a handshake") }
    }

    @Test func aLostFlightIsRetransmittedWhenTheTimerFires() async throws {
        let server = try DTLSEndpoint(context: DTLSContext(certificate: Self.serverCertificate), role: .server, expectedPeerFingerprint: nil)
        let client = try DTLSEndpoint(context: DTLSContext(certificate: Self.clientCertificate), role: .client, expectedPeerFingerprint: nil)
        let lost = client.start().datagrams
        #expect(!lost.isEmpty)
        let wait = try #require(client.timeoutMillis)
        #expect(wait > 0 && wait <= 1000)
        try await Task.sleep(for: .milliseconds(wait + 50))
        let again = client.handleTimeout().datagrams
        #expect(again.count == lost.count)
        var toClient: [[UInt8]] = []
        for d in again { toClient += server.receive(d).datagrams }
        #expect(!toClient.isEmpty, "the retransmitted ClientHello got an answer")
    }

    @Test func splittingFlightsCutsOnlyBetweenRecords() {
        func record(_ length: Int, type: UInt8 = 22) -> [UInt8] {
            [type, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 1, UInt8(length >> 8), UInt8(length & 0xff)] + [UInt8](repeating: 7, count: length)
        }
        let flight = record(500) + record(600) + record(300) + record(50)
        let datagrams = DTLSRecords.datagrams(flight, mtu: 1200)
        #expect(datagrams.map(\.count) == [513 + 613, 313 + 63])
        #expect(datagrams.flatMap { $0 } == flight)
        // a record larger than the MTU travels alone rather than being cut
        #expect(DTLSRecords.datagrams(record(1300), mtu: 1200).map(\.count) == [1313])
        // a truncated tail is kept as it is
        #expect(DTLSRecords.datagrams(record(10) + [22, 0xfe], mtu: 1200).map(\.count) == [25])
    }
}

@Suite("SRTP with keys from the DTLS exporter (libsrtp2)")
struct SRTPTests {
    static func rtp(sequence: UInt16, ssrc: UInt32 = 0x1234_5678, payload: [UInt8] = Array("hello video".utf8)) -> [UInt8] {
        [0x80, 96, UInt8(sequence >> 8), UInt8(sequence & 0xff), 0, 0, 0x10, 0, UInt8(ssrc >> 24), UInt8((ssrc >> 16) & 0xff),
         UInt8((ssrc >> 8) & 0xff), UInt8(ssrc & 0xff)] + payload
    }

    @Test("a packet protected by one side is unprotected by the other", arguments: SRTPProfile.allCases)
    func roundTrip(profile: SRTPProfile) throws {
        let (server, client, _) = try DTLSTests.handshake(serverProfiles: [profile], clientProfiles: [profile])
        let c = try DTLSTests.keys(client), s = try DTLSTests.keys(server)
        let sender = try SRTPSession(profile: profile, key: c.localKey, salt: c.localSalt, direction: .outbound)
        let receiver = try SRTPSession(profile: profile, key: s.remoteKey, salt: s.remoteSalt, direction: .inbound)
        let plain = Self.rtp(sequence: 1)
        var packet = plain
        try sender.protect(rtp: &packet)
        #expect(packet.count == plain.count + profile.rtpOverhead)
        #expect(packet[12...] != plain[12...], "the payload is encrypted")
        var received = packet
        try receiver.unprotect(rtp: &received)
        #expect(received == plain)
        // replaying the same packet is refused; a flipped bit is refused
        var replay = packet
        #expect(throws: MediaCryptoError.self) { try receiver.unprotect(rtp: &replay) }
        var next = Self.rtp(sequence: 2)
        try sender.protect(rtp: &next)
        next[next.count - 1] ^= 1
        #expect(throws: MediaCryptoError.self) { try receiver.unprotect(rtp: &next) }
        // RTCP (a PLI) both ways through the other pair of keys
        let rtcpOut = try SRTPSession(profile: profile, key: s.localKey, salt: s.localSalt, direction: .outbound)
        let rtcpIn = try SRTPSession(profile: profile, key: c.remoteKey, salt: c.remoteSalt, direction: .inbound)
        let pli: [UInt8] = [0x81, 206, 0, 2, 0, 0, 0, 1, 0x12, 0x34, 0x56, 0x78]
        var protected = pli
        try rtcpOut.protect(rtcp: &protected)
        #expect(protected.count == pli.count + profile.rtcpOverhead)
        try rtcpIn.unprotect(rtcp: &protected)
        #expect(protected == pli)
    }

    @Test func wrongKeysAndWrongLengthsAreRefused() throws {
        let profile = SRTPProfile.aes128CmHmacSha1_80
        #expect(throws: MediaCryptoError.self) { try SRTPSession(profile: profile, key: [1, 2], salt: [], direction: .inbound) }
        let sender = try SRTPSession(profile: profile, key: [UInt8](repeating: 1, count: 16), salt: [UInt8](repeating: 2, count: 14), direction: .outbound)
        let stranger = try SRTPSession(profile: profile, key: [UInt8](repeating: 9, count: 16), salt: [UInt8](repeating: 2, count: 14), direction: .inbound)
        var packet = Self.rtp(sequence: 7)
        try sender.protect(rtp: &packet)
        #expect(throws: MediaCryptoError.self) { try stranger.unprotect(rtp: &packet) }
        var tiny: [UInt8] = [0x80, 96]
        #expect(throws: MediaCryptoError.self) { try stranger.unprotect(rtp: &tiny) }
    }

    @Test func retransmissionsOfTheSamePacketCanBeProtectedAgain() throws {
        let profile = SRTPProfile.aeadAes128Gcm
        let key = [UInt8](repeating: 3, count: 16), salt = [UInt8](repeating: 4, count: 12)
        let sender = try SRTPSession(profile: profile, key: key, salt: salt, direction: .outbound)
        var first = Self.rtp(sequence: 10), second = Self.rtp(sequence: 10)
        try sender.protect(rtp: &first)
        try sender.protect(rtp: &second)   // a NACK answer re-sends sequence 10
        #expect(first == second)
    }
}

/// AEAD_AES_128_GCM runs on our OpenSSL cipher inside libsrtp2 (`CSRTPCipher`): it passed
/// libsrtp2's self tests, and it produces byte for byte what Debian's libsrtp2 on NSS produces
/// (the expected bytes below were made by that build, with `MARQUEE_SRTP_GCM=nss`).
@Suite("SRTP: AES-GCM on OpenSSL inside libsrtp2")
struct SRTPGCMTests {
    static let key = (0..<16).map { UInt8($0 * 7 + 1) }, salt = (0..<12).map { UInt8(0xA0 + $0) }
    static let rtp = SRTPTests.rtp(sequence: 0x1234, payload: (0..<40).map { UInt8($0 * 3) })
    static let rtcp: [UInt8] = [0x81, 201, 0, 7, 0x12, 0x34, 0x56, 0x78, 0xCA, 0xFE, 0xBA, 0xBE, 0x05, 0, 0, 3, 0, 0, 0x12, 0x34,
                                0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0]

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    @Test func theImplementationIsOurs() {
        #expect(SRTPSession.gcmImplementation == (ProcessInfo.processInfo.environment["MARQUEE_SRTP_GCM"] == "nss" ? "nss" : "openssl"))
    }

    @Test func packetsAreByteForByteWhatLibsrtpOnNSSMakes() throws {
        let sender = try SRTPSession(profile: .aeadAes128Gcm, key: Self.key, salt: Self.salt, direction: .outbound)
        var packet = Self.rtp
        try sender.protect(rtp: &packet)
        var control = Self.rtcp
        try sender.protect(rtcp: &control)
        #expect(Self.hex(packet) == Self.expectedRTP)
        #expect(Self.hex(control) == Self.expectedRTCP)
        let receiver = try SRTPSession(profile: .aeadAes128Gcm, key: Self.key, salt: Self.salt, direction: .inbound)
        try receiver.unprotect(rtp: &packet)
        try receiver.unprotect(rtcp: &control)
        #expect(packet == Self.rtp && control == Self.rtcp)
    }

    static let expectedRTP = "806012340000100012345678bf84476ad2f5f668a9fff77f400e1d673e5590c4f45e238d8c3886e46b52198218630cd82ace5cf850c79e0a9dcdbf2dfb1731a2b5c9837e"
    static let expectedRTCP = "81c90007123456786d05ec9f651f4f0c05ddd1f3aa5493bad8334a8ecd3d19227db47458c445055c687f9f1381448dc280000001"
}
