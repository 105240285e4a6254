/// A growable, uniquely owned byte buffer that the Codable bridge and
/// `JSONValue.serialized()` write compact JSON into through raw pointers,
/// avoiding `Array`'s per-append uniqueness and capacity bookkeeping.
/// Same output rules as `JSONWriter`, which shares its escaping and number code.
struct OutputBuffer: ~Copyable {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int
    var needsComma = false

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit {
        base.deallocate()
    }

    /// The bytes written so far as an array.
    func toArray() -> [UInt8] {
        Array(UnsafeBufferPointer(start: base, count: count))
    }

    /// Calls `body` with the bytes written so far.
    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: base, count: count))
    }

    /// Returns a pointer with room for `extra` more bytes at the end.
    @inline(__always)
    mutating func tail(reserving extra: Int) -> UnsafeMutablePointer<UInt8> {
        if count &+ extra > capacity { grow(extra) }
        return base + count
    }

    private mutating func grow(_ extra: Int) {
        let newCapacity = max(capacity * 2, count + extra)
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    @inline(__always)
    mutating func advance(_ written: Int) {
        count &+= written
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        tail(reserving: 1).pointee = byte
        count &+= 1
    }

    @inline(__always)
    mutating func appendLiteral(_ literal: StaticString) {
        let length = literal.utf8CodeUnitCount
        tail(reserving: length).update(from: literal.utf8Start, count: length)
        count &+= length
    }

    @inline(__always)
    mutating func separate() {
        if needsComma { append(UInt8(ascii: ",")) }
    }

    // MARK: Structure

    mutating func beginObject() {
        separate()
        append(UInt8(ascii: "{"))
        needsComma = false
    }

    mutating func endObject() {
        append(UInt8(ascii: "}"))
        needsComma = true
    }

    mutating func beginArray() {
        separate()
        append(UInt8(ascii: "["))
        needsComma = false
    }

    mutating func endArray() {
        append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Writes `"key":`, preceded by a comma when needed.
    @inline(__always)
    mutating func writeKey(_ key: String) {
        appendQuoted(key, colon: true)
        needsComma = false
    }

    // MARK: Scalars

    mutating func writeNull() {
        separate()
        appendLiteral("null")
        needsComma = true
    }

    mutating func write(_ value: Bool) {
        separate()
        if value { appendLiteral("true") } else { appendLiteral("false") }
        needsComma = true
    }

    @inline(__always)
    mutating func writeInteger<T: FixedWidthInteger>(_ value: T) {
        if T.bitWidth <= 64 {
            let out = tail(reserving: 21)
            var length = 0
            if needsComma { out[0] = UInt8(ascii: ","); length = 1 }
            length += JSONWriter.formatDecimal(UInt64(truncatingIfNeeded: value.magnitude), negative: value < 0,
                                               into: out + length)
            count &+= length
        } else {
            separate()
            var text = String(value)
            text.withUTF8 { utf8 in
                tail(reserving: utf8.count).update(from: utf8.baseAddress!, count: utf8.count)
                count &+= utf8.count
            }
        }
        needsComma = true
    }

    /// Non-finite values are written as `null`, as `JSONWriter` does.
    mutating func write(_ value: Double) {
        guard value.isFinite else { return writeNull() }
        separate()
        appendText(value.description)
        needsComma = true
    }

    mutating func write(_ value: Float) {
        guard value.isFinite else { return writeNull() }
        separate()
        appendText(value.description)
        needsComma = true
    }

    private mutating func appendText(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            guard let source = utf8.baseAddress else { return }
            tail(reserving: utf8.count).update(from: source, count: utf8.count)
            count &+= utf8.count
        }
    }

    @inline(__always)
    mutating func write(_ value: String) {
        appendQuoted(value, colon: false)
        needsComma = true
    }

    /// Writes a whole tree (non-finite doubles become `null`).
    mutating func write(_ value: JSONValue) {
        switch value {
        case .null: writeNull()
        case .bool(let b): write(b)
        case .integer(let i): writeInteger(i)
        case .double(let d): write(d)
        case .string(let s): write(s)
        case .array(let elements):
            beginArray()
            for element in elements { write(element) }
            endArray()
        case .object(let object):
            beginObject()
            for member in object.entries {
                writeKey(member.key)
                write(member.value)
            }
            endObject()
        }
    }

    /// Appends `[,]"escaped"[:]`, escaping straight into the buffer.
    @inline(__always)
    private mutating func appendQuoted(_ string: String, colon: Bool) {
        var string = string
        string.withUTF8 { utf8 in
            // Worst case every byte becomes `\u00xx`; long strings are measured exactly instead.
            let room = utf8.count <= 1024 ? utf8.count &* 6 : JSONWriter.escapedLength(utf8)
            let out = tail(reserving: room &+ 4)
            var length = 0
            if needsComma { out[0] = UInt8(ascii: ","); length = 1 }
            out[length] = UInt8(ascii: "\"")
            length &+= 1
            length &+= JSONWriter.escape(utf8, into: out + length)
            out[length] = UInt8(ascii: "\"")
            length &+= 1
            if colon { out[length] = UInt8(ascii: ":"); length &+= 1 }
            count &+= length
        }
    }
}
