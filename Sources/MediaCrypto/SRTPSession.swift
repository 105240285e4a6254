import CSRTP

/// One direction of SRTP/SRTCP for one peer (libsrtp2). Outbound protects what we send with
/// our keys; inbound unprotects what the peer sends with theirs. Not thread-safe.
public final class SRTPSession: @unchecked Sendable {
    public enum Direction: Sendable { case inbound, outbound }

    private var session: srtp_t?
    public let profile: SRTPProfile
    public let direction: Direction

    private static let initialized: Bool = { srtp_init() == srtp_err_status_ok }()

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

    private func run(_ packet: inout [UInt8], grow: Int, _ what: String,
                     _ call: (srtp_t?, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int32>) -> srtp_err_status_t) throws(MediaCryptoError) {
        guard packet.count >= 12, packet.count <= 1500 else { throw MediaCryptoError("cannot \(what): a packet of \(packet.count) bytes") }
        var length = Int32(packet.count)
        packet.append(contentsOf: repeatElement(0, count: grow))
        let status = packet.withUnsafeMutableBytes { call(session, $0.baseAddress, &length) }
        guard status == srtp_err_status_ok else {
            packet.removeLast(grow)
            throw MediaCryptoError("SRTP \(what) failed (status \(status.rawValue))")
        }
        packet.removeLast(packet.count - Int(length))
    }
}
