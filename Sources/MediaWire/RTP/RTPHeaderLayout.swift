/// Where the parts of an RTP packet sit, found by one strict pass over the bytes.
/// Works on any contiguous buffer, so the SFU can use it on a NIO `ByteBuffer` with
/// `withUnsafeReadableBytes` and rewrite fields with the `set…(in:)` helpers.
public struct RTPHeaderLayout: Sendable, Hashable {
    /// The RFC 8285 one-byte header profile.
    public static let oneByteProfile: UInt16 = 0xBEDE
    /// RFC 8285 two-byte header profile: 0x100 followed by 4 application bits.
    public static let twoByteProfileMask: UInt16 = 0xFFF0
    public static let twoByteProfile: UInt16 = 0x1000

    /// The profile field of the header extension, or nil when X=0.
    public let extensionProfile: UInt16?
    /// The extension data (after its 4-byte header), empty when X=0.
    public let extensionRange: Range<Int>
    /// Between header and padding.
    public let payloadRange: Range<Int>
    /// Bytes of padding at the end, including the count byte (0 when P=0).
    public let paddingLength: Int

    /// Parses and validates: version 2, CSRCs and extension inside the packet, RFC 8285
    /// elements inside the extension, padding count ≥ 1 and inside the packet (RFC 3550 §5.1).
    public init(parsing bytes: UnsafeRawBufferPointer) throws(RTPError) {
        guard bytes.count >= 12 else { throw .packetTooShort(needed: 12, got: bytes.count) }
        let first = bytes[0]
        guard first >> 6 == 2 else { throw .badVersion(first >> 6) }
        var offset = 12 + 4 * Int(first & 0x0F)
        guard bytes.count >= offset else { throw .packetTooShort(needed: offset, got: bytes.count) }
        if first & 0x10 != 0 {
            guard bytes.count >= offset + 4 else { throw .packetTooShort(needed: offset + 4, got: bytes.count) }
            let profile = MediaWireBytes.uint16(bytes, offset)
            let length = 4 * Int(MediaWireBytes.uint16(bytes, offset + 2))
            guard bytes.count >= offset + 4 + length else {
                throw .extensionOverrun(declaredBytes: length, available: bytes.count - offset - 4)
            }
            extensionProfile = profile
            extensionRange = offset + 4..<offset + 4 + length
            offset += 4 + length
        } else {
            extensionProfile = nil
            extensionRange = offset..<offset
        }
        var end = bytes.count
        if first & 0x20 != 0 {
            let count = Int(bytes[bytes.count - 1])
            guard count >= 1, count <= bytes.count - offset else {
                throw .badPadding(count: count, available: bytes.count - offset)
            }
            end -= count
        }
        paddingLength = bytes.count - end
        payloadRange = offset..<end
        try validateExtensionElements(in: bytes)
    }

    public init(parsing bytes: [UInt8]) throws(RTPError) {
        let result: Result<RTPHeaderLayout, RTPError> = bytes.withUnsafeBytes { raw in
            Result { () throws(RTPError) in try RTPHeaderLayout(parsing: raw) }
        }
        self = try result.get()
    }

    public var isOneByteForm: Bool { extensionProfile == Self.oneByteProfile }
    public var isTwoByteForm: Bool { extensionProfile.map { $0 & Self.twoByteProfileMask == Self.twoByteProfile } ?? false }

    private func validateExtensionElements(in bytes: UnsafeRawBufferPointer) throws(RTPError) {
        var failure: RTPError?
        walk(bytes) { _, _ in true } onError: { failure = $0 }
        if let failure { throw failure }
    }

    /// Visits RFC 8285 elements in order (nothing for other profiles).
    public func forEachExtensionElement(in bytes: UnsafeRawBufferPointer, _ body: (UInt8, Range<Int>) -> Void) {
        walk(bytes) { id, range in body(id, range); return true } onError: { _ in }
    }

    /// The value range of element `id` in the packet, or nil.
    public func extensionValueRange(id: UInt8, in bytes: UnsafeRawBufferPointer) -> Range<Int>? {
        var found: Range<Int>?
        walk(bytes) { elementID, range in
            if elementID == id { found = range; return false }
            return true
        } onError: { _ in }
        return found
    }

    /// Walks the elements; `visit` returns false to stop.
    private func walk(_ bytes: UnsafeRawBufferPointer, visit: (UInt8, Range<Int>) -> Bool, onError: (RTPError) -> Void) {
        let end = extensionRange.upperBound
        var i = extensionRange.lowerBound
        if isOneByteForm {
            while i < end {
                let b = bytes[i]
                if b == 0 { i += 1; continue }  // padding
                let id = b >> 4
                if id == 15 { return }  // RFC 8285 §4.2: stop processing
                if id == 0 { onError(.invalidExtensionID(0)); return }
                let length = Int(b & 0x0F) + 1
                guard i + 1 + length <= end else {
                    onError(.extensionElementOverrun(id: id, length: length, available: end - i - 1))
                    return
                }
                if !visit(id, i + 1..<i + 1 + length) { return }
                i += 1 + length
            }
        } else if isTwoByteForm {
            while i < end {
                let id = bytes[i]
                if id == 0 { i += 1; continue }  // padding
                guard i + 2 <= end else {
                    onError(.extensionElementOverrun(id: id, length: 0, available: end - i - 1))
                    return
                }
                let length = Int(bytes[i + 1])
                guard i + 2 + length <= end else {
                    onError(.extensionElementOverrun(id: id, length: length, available: end - i - 2))
                    return
                }
                if !visit(id, i + 2..<i + 2 + length) { return }
                i += 2 + length
            }
        }
    }

    // MARK: In-place rewrites on a borrowed buffer (same packet the layout was parsed from)

    public static func setSequenceNumber(_ value: UInt16, in bytes: UnsafeMutableRawBufferPointer) {
        MediaWireBytes.put16(value, into: bytes, at: 2)
    }

    public static func setTimestamp(_ value: UInt32, in bytes: UnsafeMutableRawBufferPointer) {
        MediaWireBytes.put32(value, into: bytes, at: 4)
    }

    public static func setSSRC(_ value: UInt32, in bytes: UnsafeMutableRawBufferPointer) {
        MediaWireBytes.put32(value, into: bytes, at: 8)
    }

    /// Sets the 7-bit payload type, keeping the marker bit.
    public static func setPayloadType(_ value: UInt8, in bytes: UnsafeMutableRawBufferPointer) {
        bytes[1] = bytes[1] & 0x80 | value & 0x7F
    }

    /// Overwrites element `id` in place; the new value must have the same size.
    public func setExtensionValue(id: UInt8, to value: UnsafeRawBufferPointer, in bytes: UnsafeMutableRawBufferPointer) throws(RTPError) {
        guard let range = extensionValueRange(id: id, in: UnsafeRawBufferPointer(bytes)) else { throw .extensionNotFound(id: id) }
        guard range.count == value.count else { throw .extensionSizeMismatch(id: id, existing: range.count, new: value.count) }
        UnsafeMutableRawBufferPointer(rebasing: bytes[range]).copyMemory(from: value)
    }
}
