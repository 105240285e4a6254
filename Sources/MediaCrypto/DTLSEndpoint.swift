import COpenSSL

/// The keys for SRTP once DTLS is done (RFC 5764 §4.2): the exporter's output is laid out
/// client key, server key, client salt, server salt; "local" is ours, "remote" the peer's.
public struct SRTPKeyingMaterial: Sendable, Equatable {
    public var profile: SRTPProfile
    public var localKey: [UInt8]
    public var localSalt: [UInt8]
    public var remoteKey: [UInt8]
    public var remoteSalt: [UInt8]
}

/// One side of a DTLS 1.2 association over memory BIOs: datagrams in, datagrams out. The SFU
/// serves every session from one UDP socket, so OpenSSL never touches a socket. Not
/// thread-safe: the session that owns it drives it from one place.
public final class DTLSEndpoint: @unchecked Sendable {
    public enum Role: Sendable { case server, client }

    public enum State: Sendable, Equatable {
        case handshaking
        /// Done and authenticated: the peer's certificate matches the expected fingerprint.
        case connected(SRTPKeyingMaterial)
        case closed
        case failed(String)
    }

    /// What a step produced: datagrams to send to the peer, and the state afterwards.
    public struct Output: Sendable {
        public var datagrams: [[UInt8]]
        public var state: State
    }

    public let role: Role
    public let mtu: Int
    public private(set) var state: State = .handshaking
    private let ssl: OpaquePointer
    private let readBIO: OpaquePointer
    private let writeBIO: OpaquePointer
    private let expectedFingerprint: String?
    private let context: DTLSContext

    /// `expectedPeerFingerprint`: the SHA-256 fingerprint from the peer's SDP (`AB:CD:…`); nil
    /// accepts any certificate (tests only).
    public init(context: DTLSContext, role: Role, expectedPeerFingerprint: String?, mtu: Int = 1200) throws(MediaCryptoError) {
        guard let ssl = SSL_new(context.handle) else { throw .openSSL("SSL_new failed") }
        guard let rbio = marquee_bio_new_mem(), let wbio = marquee_bio_new_mem() else {
            SSL_free(ssl)
            throw .openSSL("BIO_new failed")
        }
        SSL_set_bio(ssl, rbio, wbio)  // the SSL owns both BIOs now
        _ = marquee_ssl_set_mtu(ssl, mtu)
        switch role {
        case .server: SSL_set_accept_state(ssl)
        case .client: SSL_set_connect_state(ssl)
        }
        self.ssl = ssl
        self.readBIO = rbio
        self.writeBIO = wbio
        self.role = role
        self.mtu = mtu
        self.context = context
        self.expectedFingerprint = expectedPeerFingerprint?.uppercased()
    }

    deinit { SSL_free(ssl) }

    /// A client starts the handshake (its ClientHello); a server waits for one.
    public func start() -> Output {
        guard role == .client else { return Output(datagrams: [], state: state) }
        return advance()
    }

    /// Feeds one datagram from the peer.
    public func receive(_ datagram: [UInt8]) -> Output {
        guard case .handshaking = state else {
            if case .connected = state { return readApplicationData(datagram) }
            return Output(datagrams: [], state: state)
        }
        guard !datagram.isEmpty, DTLSRecords.isDTLS(datagram[0]), datagram.count <= 65_535 else {
            return Output(datagrams: [], state: state)  // not DTLS: ignore, never fail on noise
        }
        _ = datagram.withUnsafeBytes { BIO_write(readBIO, $0.baseAddress, Int32($0.count)) }
        return advance()
    }

    /// Milliseconds until a handshake flight must be retransmitted (nil: no timer running).
    public var timeoutMillis: Int? {
        guard case .handshaking = state else { return nil }
        let ms = marquee_dtls_timeout_ms(ssl)
        return ms < 0 ? nil : ms
    }

    /// Call when `timeoutMillis` has passed: retransmits the last flight.
    public func handleTimeout() -> Output {
        guard case .handshaking = state else { return Output(datagrams: [], state: state) }
        if marquee_dtls_handle_timeout(ssl) < 0 {
            state = .failed(MediaCryptoError.openSSL("the DTLS handshake timed out").detail)
        }
        return Output(datagrams: drain(), state: state)
    }

    /// Sends close_notify.
    public func close() -> Output {
        if case .connected = state { _ = SSL_shutdown(ssl) }
        state = .closed
        return Output(datagrams: drain(), state: state)
    }

    private func advance() -> Output {
        let result = SSL_do_handshake(ssl)
        if result == 1 {
            state = finish()
        } else {
            let error = SSL_get_error(ssl, result)
            if error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE {
                state = .failed(MediaCryptoError.openSSL("the DTLS handshake failed").detail)
            }
        }
        return Output(datagrams: drain(), state: state)
    }

    /// After the handshake: authenticate the peer by fingerprint and export the SRTP keys.
    private func finish() -> State {
        guard let peer = SSL_get1_peer_certificate(ssl) else { return .failed("the peer sent no certificate") }
        let fingerprint = DTLSCertificate.fingerprint(of: peer)
        X509_free(peer)
        if let expected = expectedFingerprint, expected != fingerprint {
            return .failed("the peer's certificate fingerprint \(fingerprint) is not the one in its SDP (\(expected))")
        }
        guard let selected = SSL_get_selected_srtp_profile(ssl),
              let profile = SRTPProfile(rawValue: UInt(selected.pointee.id)) else {
            return .failed("the peer negotiated no SRTP profile Marquee supports")
        }
        let keyLength = profile.keyLength, saltLength = profile.saltLength
        var material = [UInt8](repeating: 0, count: 2 * (keyLength + saltLength))
        let label = "EXTRACTOR-dtls_srtp"
        guard SSL_export_keying_material(ssl, &material, material.count, label, label.utf8.count, nil, 0, 0) == 1 else {
            return .failed(MediaCryptoError.openSSL("exporting the SRTP keys failed").detail)
        }
        let clientKey = Array(material[0..<keyLength])
        let serverKey = Array(material[keyLength..<2 * keyLength])
        let clientSalt = Array(material[2 * keyLength..<2 * keyLength + saltLength])
        let serverSalt = Array(material[(2 * keyLength + saltLength)...])
        let keys = role == .client
            ? SRTPKeyingMaterial(profile: profile, localKey: clientKey, localSalt: clientSalt, remoteKey: serverKey, remoteSalt: serverSalt)
            : SRTPKeyingMaterial(profile: profile, localKey: serverKey, localSalt: serverSalt, remoteKey: clientKey, remoteSalt: clientSalt)
        return .connected(keys)
    }

    /// After the handshake the peer may still send (a retransmitted Finished, close_notify).
    private func readApplicationData(_ datagram: [UInt8]) -> Output {
        _ = datagram.withUnsafeBytes { BIO_write(readBIO, $0.baseAddress, Int32($0.count)) }
        var buffer = [UInt8](repeating: 0, count: 2048)
        let read = SSL_read(ssl, &buffer, Int32(buffer.count))
        if read <= 0 && SSL_get_error(ssl, read) == SSL_ERROR_ZERO_RETURN { state = .closed }
        return Output(datagrams: drain(), state: state)
    }

    private func drain() -> [[UInt8]] {
        let pending = marquee_bio_pending(writeBIO)
        guard pending > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: pending)
        let read = BIO_read(writeBIO, &bytes, Int32(pending))
        guard read > 0 else { return [] }
        return DTLSRecords.datagrams(Array(bytes.prefix(Int(read))), mtu: mtu)
    }
}
