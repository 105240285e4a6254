/// Why a codec payload (VP8 descriptor, H.264 packetization) was rejected.
public enum CodecPayloadError: Error, Hashable, Sendable {
    case packetTooShort(needed: Int, got: Int)
    /// A field's value breaks the payload format's rules.
    case malformed(reason: String)
    /// A rewrite asked for a field the descriptor does not have.
    case fieldAbsent(String)
}
