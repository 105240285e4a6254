import COpenSSL

/// Why a DTLS or SRTP operation failed; `detail` carries OpenSSL's or libsrtp's own words.
public struct MediaCryptoError: Error, Equatable, Sendable, CustomStringConvertible {
    public var detail: String
    public init(_ detail: String) { self.detail = detail }
    public var description: String { detail }

    /// The oldest error on OpenSSL's thread-local queue (clears the queue).
    static func openSSL(_ what: String) -> MediaCryptoError {
        var text = ""
        var code = ERR_get_error()
        while code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            if text.isEmpty { text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
            code = ERR_get_error()
        }
        return MediaCryptoError(text.isEmpty ? what : "\(what): \(text)")
    }
}

/// The server's self-signed ECDSA P-256 certificate for DTLS (RFC 8827: WebRTC endpoints
/// authenticate by the certificate fingerprint in the SDP, not by a CA).
public final class DTLSCertificate: @unchecked Sendable {
    let key: OpaquePointer
    let certificate: OpaquePointer
    /// `sha-256 AB:CD:…` as the SDP's `a=fingerprint` wants it (the part after the algorithm).
    public let fingerprint: String

    /// Generates a key and a certificate valid from a day ago for `days`.
    public init(commonName: String = "marquee", days: Int = 365) throws(MediaCryptoError) {
        guard let key = marquee_ec_p256_keygen() else { throw .openSSL("generating a P-256 key failed") }
        guard let x509 = X509_new() else { EVP_PKEY_free(key); throw .openSSL("X509_new failed") }
        var ok = X509_set_version(x509, 2) == 1
        var serial = [UInt8](repeating: 0, count: 16)
        ok = ok && RAND_bytes(&serial, Int32(serial.count)) == 1
        serial[0] &= 0x7f
        let bn = BN_bin2bn(serial, Int32(serial.count), nil)
        ok = ok && bn != nil && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x509)) != nil
        BN_free(bn)
        ok = ok && X509_gmtime_adj(X509_getm_notBefore(x509), -86_400) != nil
        ok = ok && X509_gmtime_adj(X509_getm_notAfter(x509), days * 86_400) != nil
        let name = X509_get_subject_name(x509)
        ok = ok && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, commonName, -1, -1, 0) == 1
        ok = ok && X509_set_issuer_name(x509, name) == 1
        ok = ok && X509_set_pubkey(x509, key) == 1
        ok = ok && X509_sign(x509, key, EVP_sha256()) > 0
        guard ok else {
            X509_free(x509); EVP_PKEY_free(key)
            throw .openSSL("building the self-signed certificate failed")
        }
        self.key = key
        self.certificate = x509
        self.fingerprint = Self.fingerprint(of: x509)
    }

    deinit {
        X509_free(certificate)
        EVP_PKEY_free(key)
    }

    static func fingerprint(of x509: OpaquePointer) -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        X509_digest(x509, EVP_sha256(), &digest, &length)
        return digest.prefix(Int(length)).map { byte in
            let hex = String(byte, radix: 16, uppercase: true)
            return hex.count == 1 ? "0" + hex : hex
        }.joined(separator: ":")
    }
}
