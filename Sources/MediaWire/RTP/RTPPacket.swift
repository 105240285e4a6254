/// An RTP packet (RFC 3550 §5.1) as a mutable view over its own bytes. Parsing records
/// where things are; reading a field reads the bytes; setting a field writes them in place.
/// The payload is never copied (the `[UInt8]` is moved in and out with `consuming`/`bytes`).
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|X|  CC   |M|     PT      |       sequence number         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                           timestamp                           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           synchronization source (SSRC) identifier            |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |            contributing source (CSRC) identifiers             |
/// |                             ....                              |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |      defined by profile       |           length              |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                        header extension                       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// For buffers the SFU does not own as `[UInt8]` (a NIO `ByteBuffer`), use ``RTPHeaderLayout``
/// directly with `withUnsafeMutableReadableBytes`.
public struct RTPPacket: Sendable, Hashable {
    /// The whole packet, header to padding. Mutate only through the setters.
    public private(set) var bytes: [UInt8]
    /// Where each part sits in `bytes`.
    public let layout: RTPHeaderLayout

    /// Parses `bytes` (moved in, not copied) strictly; see ``RTPHeaderLayout/init(parsing:)``.
    public init(parsing bytes: consuming [UInt8]) throws(RTPError) {
        let owned = bytes
        let result: Result<RTPHeaderLayout, RTPError> = owned.withUnsafeBytes { raw in
            Result { () throws(RTPError) in try RTPHeaderLayout(parsing: raw) }
        }
        layout = try result.get()
        self.bytes = owned
    }

    // MARK: Fixed header

    public var version: UInt8 { bytes[0] >> 6 }
    public var hasPadding: Bool { bytes[0] & 0x20 != 0 }
    public var hasExtension: Bool { bytes[0] & 0x10 != 0 }
    public var csrcCount: Int { Int(bytes[0] & 0x0F) }

    public var marker: Bool {
        get { bytes[1] & 0x80 != 0 }
        set { bytes[1] = newValue ? bytes[1] | 0x80 : bytes[1] & 0x7F }
    }

    /// 7 bits; setting keeps the marker bit.
    public var payloadType: UInt8 {
        get { bytes[1] & 0x7F }
        set { bytes[1] = bytes[1] & 0x80 | newValue & 0x7F }
    }

    public var sequenceNumber: UInt16 {
        get { UInt16(bytes[2]) << 8 | UInt16(bytes[3]) }
        set { bytes.setBigEndian(newValue, at: 2) }
    }

    public var timestamp: UInt32 {
        get { read32(4) }
        set { write32(newValue, 4) }
    }

    public var ssrc: UInt32 {
        get { read32(8) }
        set { write32(newValue, 8) }
    }

    public func csrc(_ index: Int) -> UInt32 {
        precondition(index >= 0 && index < csrcCount, "CSRC index out of range")
        return read32(12 + 4 * index)
    }

    public var csrcs: [UInt32] { (0..<csrcCount).map(csrc) }

    // MARK: Extensions, payload, padding

    /// The header extension's 16-bit profile (0xBEDE one-byte, 0x100x two-byte), if any.
    public var extensionProfile: UInt16? { layout.extensionProfile }

    /// The value of the RFC 8285 element `id` (no copy: a slice of `bytes`).
    public func extensionValue(id: UInt8) -> ArraySlice<UInt8>? {
        bytes.withUnsafeBytes { layout.extensionValueRange(id: id, in: $0) }.map { bytes[$0] }
    }

    /// All RFC 8285 elements as (id, value range in `bytes`), in order.
    public var extensionElements: [(id: UInt8, range: Range<Int>)] {
        bytes.withUnsafeBytes { raw in
            var out: [(UInt8, Range<Int>)] = []
            layout.forEachExtensionElement(in: raw) { out.append(($0, $1)) }
            return out
        }
    }

    /// Overwrites element `id`'s value in place; `value` must have the element's current size
    /// (what an SFU does for abs-send-time, transport-wide sequence numbers, mid).
    public mutating func setExtensionValue(id: UInt8, to value: some Collection<UInt8>) throws(RTPError) {
        let layout = self.layout
        guard let range = bytes.withUnsafeBytes({ layout.extensionValueRange(id: id, in: $0) }) else {
            throw .extensionNotFound(id: id)
        }
        guard range.count == value.count else {
            throw .extensionSizeMismatch(id: id, existing: range.count, new: value.count)
        }
        bytes.replaceSubrange(range, with: value)
    }

    /// The payload (between header and padding) as a slice of `bytes`.
    public var payload: ArraySlice<UInt8> { bytes[layout.payloadRange] }
    public var payloadRange: Range<Int> { layout.payloadRange }
    public var paddingLength: Int { layout.paddingLength }
    public var headerLength: Int { layout.payloadRange.lowerBound }

    /// Calls `body` with the payload bytes, without copying.
    public func withUnsafePayload<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try bytes.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[layout.payloadRange])) }
    }

    /// Calls `body` with the payload for in-place edits (VP8 picture ID rewrite).
    public mutating func withUnsafeMutablePayload<T>(_ body: (UnsafeMutableRawBufferPointer) throws -> T) rethrows -> T {
        let range = layout.payloadRange
        return try bytes.withUnsafeMutableBytes { try body(UnsafeMutableRawBufferPointer(rebasing: $0[range])) }
    }

    /// Gives the bytes back without copying.
    public consuming func takeBytes() -> [UInt8] { bytes }

    @inline(__always) private func read32(_ o: Int) -> UInt32 {
        UInt32(bytes[o]) << 24 | UInt32(bytes[o + 1]) << 16 | UInt32(bytes[o + 2]) << 8 | UInt32(bytes[o + 3])
    }

    @inline(__always) private mutating func write32(_ v: UInt32, _ o: Int) {
        bytes[o] = UInt8(truncatingIfNeeded: v >> 24)
        bytes[o + 1] = UInt8(truncatingIfNeeded: v >> 16)
        bytes[o + 2] = UInt8(truncatingIfNeeded: v >> 8)
        bytes[o + 3] = UInt8(truncatingIfNeeded: v)
    }

    public static func == (a: RTPPacket, b: RTPPacket) -> Bool { a.bytes == b.bytes }
    public func hash(into hasher: inout Hasher) { hasher.combine(bytes) }
}
