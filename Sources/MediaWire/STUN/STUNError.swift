/// Why a STUN datagram or attribute was rejected (RFC 8489). One case per rule so callers
/// can count drops by reason.
public enum STUNError: Error, Hashable, Sendable {
    /// Fewer bytes than the structure needs.
    case packetTooShort(needed: Int, got: Int)
    /// The two most significant bits of the first byte are not zero (RFC 8489 §5).
    case notSTUN(firstByte: UInt8)
    /// The magic cookie is not 0x2112A442 (RFC 8489 §5).
    case badMagicCookie(UInt32)
    /// The header's message length is not a multiple of four (RFC 8489 §5).
    case lengthNotMultipleOfFour(Int)
    /// The header's message length disagrees with the bytes after the header.
    case lengthMismatch(declared: Int, actual: Int)
    /// An attribute's length runs past the end of the message.
    case attributeOverrun(type: UInt16, length: Int, remaining: Int)
    /// An attribute follows FINGERPRINT, which must be last (RFC 8489 §14.7).
    case attributeAfterFingerprint(type: UInt16)
    /// An attribute's value does not have the form its type requires.
    case invalidAttribute(type: UInt16, reason: String)
    /// A required attribute is absent.
    case missingAttribute(type: UInt16)
    /// MESSAGE-INTEGRITY or MESSAGE-INTEGRITY-SHA256 does not match the key.
    case integrityMismatch
    /// FINGERPRINT does not match the CRC-32 of the message.
    case fingerprintMismatch(expected: UInt32, got: UInt32)
    /// The HMAC could not be computed (OpenSSL failure).
    case cryptoFailure
}
