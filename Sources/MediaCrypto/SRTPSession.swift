import CSRTP
import CSRTPCipher
import Foundation

/// One direction of SRTP/SRTCP for one peer (libsrtp2). Outbound protects what we send with
/// our keys; inbound unprotects what the peer sends with theirs. Not thread-safe.
public final class SRTPSession: @unchecked Sendable {
    public enum Direction: Sendable { case inbound, outbound }

    private var session: srtp_t?
    public let profile: SRTPProfile
    public let direction: Direction

    private static let initialized: Bool = {
        guard srtp_init() == srtp_err_status_ok else { return false }
        gcmOnOpenSSL = ProcessInfo.processInfo.environment["MARQUEE_SRTP_GCM"] != "nss" && mq_srtp_use_openssl_gcm() == 0
        return true
    }()
    nonisolated(unsafe) private static var gcmOnOpenSSL = false

    /// Which AES-GCM libsrtp2 runs: "openssl" (ours, `CSRTPCipher`, registered through libsrtp2's
    /// `srtp_replace_cipher_type` after its self tests pass) or "nss" (Debian's build of
    /// libsrtp2; also chosen with `MARQUEE_SRTP_GCM=nss`, or when ours failed its self tests).
    public static var gcmImplementation: String {
        _ = initialized
        return gcmOnOpenSSL ? "openssl" : "nss"
    }

    public init(profile: SRTPProfile, key: [UInt8], salt: [UInt8], direction: Direction, replayWindow: UInt = 1024) throws(MediaCryptoError) {
        guard Self.initialized else { throw MediaCryptoError("libsrtp could not be initialized") }
        guard key.count == profile.keyLength, salt.count == profile.saltLength else {
            throw MediaCryptoError("SRTP key material has the wrong length for \(profile)")
        }
        var policy = srtp_policy_t()
        switch profile {
        case .aes128CmHmacSha1_80:
            marquee_srtp_policy_aes_cm_128_hmac_sha1_80(&policy.rtp)
            marquee_srtp_policy_aes_cm_128_hmac_sha1_80(&policy.rtcp)
        case .aeadAes128Gcm:
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp)
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp)
        }
        policy.ssrc.type = direction == .inbound ? ssrc_any_inbound : ssrc_any_outbound
        policy.window_size = replayWindow
        // Answering a NACK re-sends a packet with the same sequence number.
        policy.allow_repeat_tx = 1
        var master = key + salt
        var created: srtp_t?
        let status = master.withUnsafeMutableBufferPointer { buffer -> srtp_err_status_t in
            policy.key = buffer.baseAddress
            return srtp_create(&created, &policy)
        }
        guard status == srtp_err_status_ok, let created else { throw MediaCryptoError("srtp_create failed (status \(status.rawValue))") }
        session = created
        self.profile = profile
        self.direction = direction
    }

    deinit { if let session { srtp_dealloc(session) } }

    /// Protects an RTP packet in place; `packet` grows by `profile.rtpOverhead`.
    public func protect(rtp packet: inout [UInt8]) throws(MediaCryptoError) {
        try run(&packet, grow: profile.rtpOverhead, "protect") { srtp_protect($0, $1, $2) }
    }

    /// Unprotects an SRTP packet in place (authentication, replay protection); shrinks it.
    public func unprotect(rtp packet: inout [UInt8]) throws(MediaCryptoError) {
        try run(&packet, grow: 0, "unprotect") { srtp_unprotect($0, $1, $2) }
    }

    public func protect(rtcp packet: inout [UInt8]) throws(MediaCryptoError) {
        try run(&packet, grow: profile.rtcpOverhead, "protect RTCP") { srtp_protect_rtcp($0, $1, $2) }
    }

    public func unprotect(rtcp packet: inout [UInt8]) throws(MediaCryptoError) {
        try run(&packet, grow: 0, "unprotect RTCP") { srtp_unprotect_rtcp($0, $1, $2) }
    }

    /// Protects an RTP packet of `length` bytes in place in memory the caller owns, which must
    /// have room for `length + profile.rtpOverhead`; returns the protected length. For hot paths
    /// that write packets straight into send buffers.
    public func protect(rtp buffer: UnsafeMutableRawPointer, length: Int, capacity: Int) throws(MediaCryptoError) -> Int {
        try run(buffer, length: length, capacity: capacity, grow: profile.rtpOverhead, "protect") { srtp_protect($0, $1, $2) }
    }

    /// Unprotects an SRTP packet of `length` bytes in place; returns the plain length.
    public func unprotect(rtp buffer: UnsafeMutableRawPointer, length: Int) throws(MediaCryptoError) -> Int {
        try run(buffer, length: length, capacity: length, grow: 0, "unprotect") { srtp_unprotect($0, $1, $2) }
    }

    private func run(_ packet: inout [UInt8], grow: Int, _ what: String,
                     _ call: (srtp_t?, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int32>) -> srtp_err_status_t) throws(MediaCryptoError) {
        let length = packet.count
        packet.append(contentsOf: repeatElement(0, count: grow))
        let result = packet.withUnsafeMutableBytes { raw -> Result<Int, MediaCryptoError> in
            do throws(MediaCryptoError) {
                return .success(try run(raw.baseAddress!, length: length, capacity: raw.count, grow: grow, what, call))
            } catch { return .failure(error) }
        }
        switch result {
        case .success(let newLength): packet.removeLast(packet.count - newLength)
        case .failure(let error):
            packet.removeLast(grow)
            throw error
        }
    }

    private func run(_ buffer: UnsafeMutableRawPointer, length: Int, capacity: Int, grow: Int, _ what: String,
                     _ call: (srtp_t?, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int32>) -> srtp_err_status_t) throws(MediaCryptoError) -> Int {
        guard length >= 12, length <= 1500 else { throw MediaCryptoError("cannot \(what): a packet of \(length) bytes") }
        guard capacity >= length + grow else { throw MediaCryptoError("cannot \(what): no room for the \(grow)-byte tag") }
        var newLength = Int32(length)
        let status = call(session, buffer, &newLength)
        guard status == srtp_err_status_ok else { throw MediaCryptoError("SRTP \(what) failed (status \(status.rawValue))") }
        return Int(newLength)
    }
}
