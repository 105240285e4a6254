import COpenSSL

/// The SRTP protection profiles Marquee negotiates in DTLS `use_srtp` (RFC 5764, RFC 7714).
public enum SRTPProfile: UInt, Sendable, CaseIterable {
    case aes128CmHmacSha1_80 = 0x0001
    case aeadAes128Gcm = 0x0007

    /// OpenSSL's name, in our order of preference (GCM first: faster with AES-NI).
    public var openSSLName: String {
        switch self {
        case .aes128CmHmacSha1_80: return "SRTP_AES128_CM_SHA1_80"
        case .aeadAes128Gcm: return "SRTP_AEAD_AES_128_GCM"
        }
    }

    public var keyLength: Int { 16 }
    public var saltLength: Int { self == .aeadAes128Gcm ? 12 : 14 }
    /// Bytes an SRTP packet grows by when protected (the auth tag).
    public var rtpOverhead: Int { self == .aeadAes128Gcm ? 16 : 10 }
    /// Bytes an SRTCP packet grows by (tag plus the 4-byte SRTCP index).
    public var rtcpOverhead: Int { rtpOverhead + 4 }
}

/// An OpenSSL DTLS context: the certificate, `use_srtp`, and peer certificates accepted during
/// the handshake (the fingerprint is checked by `DTLSEndpoint` afterwards). Thread-safe.
public final class DTLSContext: @unchecked Sendable {
    let handle: OpaquePointer
    public let certificate: DTLSCertificate
    public let profiles: [SRTPProfile]

    public init(certificate: DTLSCertificate, profiles: [SRTPProfile] = [.aeadAes128Gcm, .aes128CmHmacSha1_80]) throws(MediaCryptoError) {
        guard let ctx = SSL_CTX_new(DTLS_method()) else { throw .openSSL("SSL_CTX_new failed") }
        guard SSL_CTX_use_certificate(ctx, certificate.certificate) == 1,
              SSL_CTX_use_PrivateKey(ctx, certificate.key) == 1,
              SSL_CTX_check_private_key(ctx) == 1 else {
            SSL_CTX_free(ctx)
            throw .openSSL("loading the certificate into the DTLS context failed")
        }
        // DTLS 1.2 only (WebRTC's baseline); returns 1 on success.
        _ = SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MIN_PROTO_VERSION, Int(DTLS1_2_VERSION), nil)
        // Note: unlike most of OpenSSL, this returns 0 on success.
        guard SSL_CTX_set_tlsext_use_srtp(ctx, profiles.map(\.openSSLName).joined(separator: ":")) == 0 else {
            SSL_CTX_free(ctx)
            throw .openSSL("configuring use_srtp failed")
        }
        marquee_ssl_ctx_verify_peer(ctx)
        self.handle = ctx
        self.certificate = certificate
        self.profiles = profiles
    }

    deinit { SSL_CTX_free(handle) }
}
