/// Writes compact JSON for hand-written encoders of hot payloads, byte for byte as
/// `JSONEncoding` writes the same values, as long as no string needs escaping.
///
/// The writer appends events' payloads on its critical path, and the Codable bridge (a container
/// per object, a key lookup per field) cost more than the bytes themselves. A hand-written
/// encoder writes its keys as literals and its values with this, then checks `isPlain` once: a
/// string that JSON escapes (`"`, `\` or a control character) clears it, and the caller falls
/// back to `JSONEncoding` for the whole value instead of repeating the escaping rules. Every other
/// string, non-ASCII included, is plain UTF-8 in both.
public struct PlainJSONWriter: Sendable {
    /// The UTF-8 JSON text written so far.
    public private(set) var bytes: [UInt8]
    /// False once a string needed escaping: `bytes` is then not the value's JSON, and the caller
    /// encodes the value with `JSONEncoding` instead.
    public private(set) var isPlain = true

    /// An empty writer with room for `capacity` bytes.
    public init(capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Appends `text` as it is (keys, punctuation, `null`).
    @inline(__always)
    public mutating func literal(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Appends `"value"`, or clears `isPlain` when JSON would escape a byte of it.
    public mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            for byte in utf8 where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                isPlain = false
                return
            }
            bytes.append(UInt8(ascii: "\""))
            bytes.append(contentsOf: utf8)
            bytes.append(UInt8(ascii: "\""))
        }
    }

    /// Appends `null` for nil, else as `string`.
    public mutating func optionalString(_ value: String?) {
        guard let value else { return literal("null") }
        string(value)
    }

    /// Appends an integer in plain decimal, as `JSONWriter.write(_: Int64)` does.
    public mutating func integer(_ value: Int64) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 21) { buffer in
            let length = JSONWriter.formatDecimal(value.magnitude, negative: value < 0, into: buffer.baseAddress!)
            bytes.append(contentsOf: UnsafeBufferPointer(start: buffer.baseAddress!, count: length))
        }
    }
}
