/// Appends compact JSON text (RFC 8259, no insignificant whitespace) to a byte buffer.
///
/// Commas between array elements and object members are inserted automatically:
/// call `beginObject()`, then `writeKey(_:)` followed by one value per member,
/// then `endObject()`; arrays likewise without keys. The writer does not check
/// that calls are balanced or that every key gets a value; that is the
/// caller's job (the Codable bridge and `write(_: JSONValue)` always are).
public struct JSONWriter: Sendable {
    /// The UTF-8 JSON text written so far.
    public var bytes: [UInt8]
    /// Whether the next value or key needs a separating comma.
    var needsComma = false

    /// An empty writer.
    public init() {
        bytes = []
    }

    /// An empty writer whose buffer is preallocated for `capacity` bytes.
    public init(reservingCapacity capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    @inline(__always)
    mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    @inline(__always)
    mutating func appendLiteral(_ literal: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    // MARK: Structure

    /// Writes `{`.
    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    /// Writes `}`.
    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    /// Writes `[`.
    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    /// Writes `]`.
    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Writes an object member name and the `:` that follows it (RFC 8259 section 4).
    /// The writer does not detect duplicate keys.
    public mutating func writeKey(_ key: String) {
        appendQuoted(key, comma: needsComma, colon: true)
        needsComma = false
    }

    // MARK: Scalars

    /// Writes `null`.
    public mutating func writeNull() {
        separate()
        appendLiteral("null")
        needsComma = true
    }

    /// Writes `true` or `false`.
    public mutating func write(_ value: Bool) {
        separate()
        if value { appendLiteral("true") } else { appendLiteral("false") }
        needsComma = true
    }

    /// Writes an integer in decimal (RFC 8259 section 6).
    public mutating func write(_ value: Int64) {
        separate()
        appendDecimal(value.magnitude, negative: value < 0)
        needsComma = true
    }

    /// Writes an integer in decimal (RFC 8259 section 6).
    public mutating func write(_ value: Int) {
        write(Int64(value))
    }

    /// Writes an unsigned integer in decimal (RFC 8259 section 6). Values above
    /// `Int64.max` are valid JSON but parse back as `.double` (rounded).
    public mutating func write(_ value: UInt64) {
        separate()
        appendDecimal(value, negative: false)
        needsComma = true
    }

    /// Writes any integer in decimal, including 128-bit ones.
    mutating func writeInteger<T: FixedWidthInteger>(_ value: T) {
        if T.bitWidth <= 64 {
            separate()
            appendDecimal(UInt64(truncatingIfNeeded: value.magnitude), negative: value < 0)
            needsComma = true
        } else {
            separate()
            bytes.append(contentsOf: String(value).utf8)
            needsComma = true
        }
    }

    /// Writes a double using the shortest digits that parse back to exactly the
    /// same value (Swift's `description`, e.g. `0.1`, `1.0`, `1e+16`, `-0.0`).
    /// A number written with a fraction or exponent reads back as `.double`.
    ///
    /// JSON has no NaN or infinity (RFC 8259 section 6), so non-finite values
    /// are written as `null` here, like ECMAScript's `JSON.stringify`.
    /// (`JSONEncoding` throws for them instead.)
    public mutating func write(_ value: Double) {
        guard value.isFinite else { return writeNull() }
        separate()
        bytes.append(contentsOf: value.description.utf8)
        needsComma = true
    }

    /// Writes a float using the shortest digits that parse back to the same
    /// `Float`. Non-finite values are written as `null`.
    public mutating func write(_ value: Float) {
        guard value.isFinite else { return writeNull() }
        separate()
        bytes.append(contentsOf: value.description.utf8)
        needsComma = true
    }

    /// Writes a string, escaping per RFC 8259 section 7: `"` and `\` are
    /// backslash-escaped; U+0008, U+0009, U+000A, U+000C and U+000D use the
    /// short forms `\b` `\t` `\n` `\f` `\r`; other U+0000...U+001F use `\u00xx`
    /// (lowercase hex). Everything else, including `/`, DEL and all non-ASCII
    /// characters, is written as plain UTF-8.
    public mutating func write(_ value: String) {
        appendQuoted(value, comma: needsComma)
        needsComma = true
    }

    /// Writes bytes that already are one complete, valid JSON value, unchanged (a stored
    /// document embedded as it is, so its exact bytes survive). The caller vouches for them.
    public mutating func writeVerbatim(_ json: [UInt8]) {
        separate()
        bytes.append(contentsOf: json)
        needsComma = true
    }

    /// Writes a whole `JSONValue` tree (through `OutputBuffer`, the one tree walker).
    public mutating func write(_ value: JSONValue) {
        separate()
        bytes.append(contentsOf: value.serialized())
        needsComma = true
    }

    // MARK: Encoding helpers

    mutating func appendDecimal(_ magnitude: UInt64, negative: Bool) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 21) { buffer in
            let length = Self.formatDecimal(magnitude, negative: negative, into: buffer.baseAddress!)
            bytes.append(contentsOf: UnsafeBufferPointer(start: buffer.baseAddress!, count: length))
        }
    }

    /// Writes an optional `-` and the decimal digits of `magnitude` (at most 21
    /// bytes) to `out` and returns the number of bytes written.
    @inline(__always)
    static func formatDecimal(_ magnitude: UInt64, negative: Bool, into out: UnsafeMutablePointer<UInt8>) -> Int {
        var length = 0
        if negative { out[0] = UInt8(ascii: "-"); length = 1 }
        if magnitude < 10 {
            out[length] = UInt8(truncatingIfNeeded: magnitude) &+ UInt8(ascii: "0")
            return length + 1
        }
        var digits = 1
        var probe = magnitude
        while probe >= 10 {
            probe /= 10
            digits += 1
        }
        var index = length + digits
        var rest = magnitude
        repeat {
            let (quotient, remainder) = rest.quotientAndRemainder(dividingBy: 10)
            index -= 1
            out[index] = UInt8(truncatingIfNeeded: remainder) &+ UInt8(ascii: "0")
            rest = quotient
        } while rest != 0
        return length + digits
    }

    /// The exact length of `utf8` after escaping (without quotes).
    static func escapedLength(_ utf8: UnsafeBufferPointer<UInt8>) -> Int {
        var length = 0
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x08, 0x09, 0x0A, 0x0C, 0x0D: length += 2
            case 0..<0x20: length += 6
            default: length += 1
            }
        }
        return length
    }

    /// Eight bytes need escaping when any is `"`, `\` or below U+0020.
    @inline(__always)
    static func escapeMask(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let quoteZero = (quote &- ones) & ~quote
        let backslashZero = (backslash &- ones) & ~backslash
        let control = (word &- ones &* 0x20) & ~word
        return (quoteZero | backslashZero | control) & 0x8080_8080_8080_8080
    }

    /// Appends `string` quoted and escaped, optionally preceded by a comma and
    /// followed by a colon, with a single append for short strings.
    @inline(__always)
    mutating func appendQuoted(_ string: String, comma: Bool = false, colon: Bool = false) {
        var string = string
        string.withUTF8 { utf8 in
            if utf8.count <= 64 {
                // Worst case every byte becomes `\u00xx`; plus comma, quotes and colon.
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64 * 6 + 4) { buffer in
                    let out = buffer.baseAddress!
                    var length = 0
                    if comma { out[0] = UInt8(ascii: ","); length = 1 }
                    out[length] = UInt8(ascii: "\"")
                    length += 1
                    length += Self.escape(utf8, into: out + length)
                    out[length] = UInt8(ascii: "\"")
                    length += 1
                    if colon { out[length] = UInt8(ascii: ":"); length += 1 }
                    bytes.append(contentsOf: UnsafeBufferPointer(start: out, count: length))
                }
            } else {
                if comma { bytes.append(UInt8(ascii: ",")) }
                bytes.append(UInt8(ascii: "\""))
                appendEscapedRuns(utf8)
                bytes.append(UInt8(ascii: "\""))
                if colon { bytes.append(UInt8(ascii: ":")) }
            }
        }
    }

    /// Escapes `utf8` into `out` (which has room for six bytes per input byte)
    /// and returns the number of bytes written.
    @inline(__always)
    static func escape(_ utf8: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) -> Int {
        guard let base = utf8.baseAddress else { return 0 }
        let count = utf8.count
        var i = 0
        var o = 0
        var cleanFrom = 0  // input index after the last escaped byte
        while true {
            while i &+ 8 <= count {
                let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                if escapeMask(word) != 0 { break }
                UnsafeMutableRawPointer(out + o).storeBytes(of: word, as: UInt64.self)
                i &+= 8
                o &+= 8
            }
            guard i < count else { return o }
            if i &+ 8 > count && count &- 8 >= cleanFrom {
                // Tail: re-check the last eight bytes (overlapping clean, already
                // copied ones) and copy them in one store when none needs escaping.
                let word = UnsafeRawPointer(base + (count &- 8)).loadUnaligned(as: UInt64.self)
                if escapeMask(word) == 0 {
                    UnsafeMutableRawPointer(out + (o &- (i &- (count &- 8)))).storeBytes(of: word, as: UInt64.self)
                    return o &+ (count &- i)
                }
            }
            let byte = base[i]
            i &+= 1
            if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                out[o] = byte
                o &+= 1
            } else {
                o &+= writeEscape(byte, into: out + o)
                cleanFrom = i
            }
        }
    }

    /// Writes the escape sequence for `byte` and returns its length.
    static func writeEscape(_ byte: UInt8, into out: UnsafeMutablePointer<UInt8>) -> Int {
        out[0] = UInt8(ascii: "\\")
        switch byte {
        case UInt8(ascii: "\""): out[1] = UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): out[1] = UInt8(ascii: "\\")
        case 0x08: out[1] = UInt8(ascii: "b")
        case 0x09: out[1] = UInt8(ascii: "t")
        case 0x0A: out[1] = UInt8(ascii: "n")
        case 0x0C: out[1] = UInt8(ascii: "f")
        case 0x0D: out[1] = UInt8(ascii: "r")
        default:
            let hex: StaticString = "0123456789abcdef"
            out[1] = UInt8(ascii: "u")
            out[2] = UInt8(ascii: "0")
            out[3] = UInt8(ascii: "0")
            out[4] = hex.utf8Start[Int(byte >> 4)]
            out[5] = hex.utf8Start[Int(byte & 0xF)]
            return 6
        }
        return 2
    }

    /// Appends long strings run by run: clean runs are copied in bulk.
    mutating func appendEscapedRuns(_ utf8: UnsafeBufferPointer<UInt8>) {
        guard let base = utf8.baseAddress else { return }
        let count = utf8.count
        var runStart = 0
        var i = 0
        while true {
            while i &+ 8 <= count {
                let mask = Self.escapeMask(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
                if mask != 0 {
                    #if _endian(little)
                    i &+= mask.trailingZeroBitCount &>> 3
                    #endif
                    break
                }
                i &+= 8
            }
            guard i < count else { break }
            let byte = base[i]
            if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                i += 1
                continue
            }
            if i > runStart { bytes.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: i - runStart)) }
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 6) { escape in
                let length = Self.writeEscape(byte, into: escape.baseAddress!)
                bytes.append(contentsOf: UnsafeBufferPointer(start: escape.baseAddress!, count: length))
            }
            i += 1
            runStart = i
        }
        if count > runStart { bytes.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: count - runStart)) }
    }
}
