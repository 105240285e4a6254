/// Why an RTP or RTCP packet was rejected. One case per rule so drops can be counted by reason.
public enum RTPError: Error, Hashable, Sendable {
    case packetTooShort(needed: Int, got: Int)
    /// Version field is not 2 (RFC 3550 §5.1).
    case badVersion(UInt8)
    /// Padding flag set but the count is zero or larger than what follows the header.
    case badPadding(count: Int, available: Int)
    /// The header extension's length runs past the packet.
    case extensionOverrun(declaredBytes: Int, available: Int)
    /// An RFC 8285 element's length runs past the extension block.
    case extensionElementOverrun(id: UInt8, length: Int, available: Int)
    /// Element IDs must be 1–14 (one-byte) or 1–255 (two-byte).
    case invalidExtensionID(UInt8)
    /// A rewrite asked for a value of a different size than the element has.
    case extensionSizeMismatch(id: UInt8, existing: Int, new: Int)
    /// No element with that ID is in the packet.
    case extensionNotFound(id: UInt8)
    /// A value cannot be encoded (too long for the form, and so on).
    case unencodable(reason: String)
}

/// Why an RTCP packet was rejected.
public enum RTCPError: Error, Hashable, Sendable {
    case packetTooShort(needed: Int, got: Int)
    case badVersion(UInt8)
    /// The length field points past the datagram.
    case lengthOverrun(declaredBytes: Int, available: Int)
    /// The padding count is zero, larger than the packet, or not on the last packet.
    case badPadding(count: Int)
    /// The body does not have the layout its type needs.
    case malformed(packetType: UInt8, reason: String)
    /// A value cannot be encoded.
    case unencodable(reason: String)
}
