/// A strict, iterative RFC 8259 parser over a contiguous UTF-8 buffer.
///
/// Nesting is tracked on explicit stacks, so deep input can never overflow the
/// call stack; finished containers are copied off the shared stacks with one
/// exact-size allocation each.
struct JSONParser: ~Copyable {
    let input: UnsafeBufferPointer<UInt8>
    var pos = 0
    let maxDepth: Int
    /// Elements of all open arrays, innermost last.
    var values: [JSONValue] = []
    /// Members of all open objects, innermost last.
    var members: [JSONObject.Entry] = []
    /// The open arrays and objects, innermost last.
    var open: [OpenContainer] = []
    /// Reused buffer for strings that contain escapes.
    var scratch: [UInt8] = []
    /// A cheap hash of the last string parsed (its decoded length and last two bytes).
    var stringHash = 0

    struct OpenContainer {
        let isObject: Bool
        /// Index of this container's first element in `values` or `members`.
        let start: Int
        /// The key whose value is being parsed (objects only).
        var key: String = ""
        /// A 64-bit Bloom filter over the keys seen so far (see `stringHash`).
        var keyFilter: UInt64 = 0
        /// Keys seen so far, built only once an object grows large.
        var seen: Set<ByteKey>? = nil
    }

    /// Objects with at most this many members check for duplicates by linear scan.
    static var linearKeyScanLimit: Int { 16 }

    init(input: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.input = input
        self.maxDepth = max(1, maxDepth)
    }

    static func parse(_ input: UnsafeBufferPointer<UInt8>, maxDepth: Int) throws(JSONError) -> JSONValue {
        var parser = JSONParser(input: input, maxDepth: maxDepth)
        return try parser.parseDocument()
    }

    // MARK: Structure

    mutating func parseDocument() throws(JSONError) -> JSONValue {
        let count = input.count
        skipWhitespace()
        var value: JSONValue
        parsing: while true {
            // A value starts at `pos` (whitespace already skipped).
            guard pos < count else { throw .unexpectedEnd }
            let byte = input[pos]
            switch byte {
            case UInt8(ascii: "{"):
                try beginContainer(isObject: true)
                guard pos < count else { throw .unexpectedEnd }
                if input[pos] == UInt8(ascii: "}") {
                    pos += 1
                    open.removeLast()
                    value = .object(JSONObject())
                } else {
                    try parseKey()
                    continue parsing
                }
            case UInt8(ascii: "["):
                try beginContainer(isObject: false)
                guard pos < count else { throw .unexpectedEnd }
                if input[pos] == UInt8(ascii: "]") {
                    pos += 1
                    open.removeLast()
                    value = .array([])
                } else {
                    continue parsing
                }
            case UInt8(ascii: "\""):
                value = .string(try parseString())
            case UInt8(ascii: "t"):
                try expectLiteral("true")
                value = .bool(true)
            case UInt8(ascii: "f"):
                try expectLiteral("false")
                value = .bool(false)
            case UInt8(ascii: "n"):
                try expectLiteral("null")
                value = .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = try parseNumber()
            default:
                throw .unexpectedByte(byte, offset: pos)
            }

            // A value is complete: add it to its container, closing containers as they end.
            while !open.isEmpty {
                let top = open.count - 1
                let isObject = open[top].isObject
                skipWhitespace()
                if isObject {
                    members.append(JSONObject.Entry(key: open[top].key, value: value))
                } else {
                    values.append(value)
                }
                guard pos < count else { throw .unexpectedEnd }
                let next = input[pos]
                let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
                if next == UInt8(ascii: ",") {
                    let comma = pos
                    pos += 1
                    skipWhitespace()
                    guard pos < count else { throw .unexpectedEnd }
                    if input[pos] == close { throw .trailingComma(offset: comma) }
                    if isObject { try parseKey() }
                    continue parsing
                }
                guard next == close else { throw .unexpectedByte(next, offset: pos) }
                pos += 1
                let start = open[top].start
                open.removeLast()
                value = isObject
                    ? .object(JSONObject(uncheckedEntries: Self.take(&members, from: start)))
                    : .array(Self.take(&values, from: start))
            }
            break parsing
        }
        skipWhitespace()
        guard pos == count else { throw .trailingData(offset: pos) }
        return value
    }

    /// Moves the elements `stack[start...]` into their own array. When they are
    /// the whole stack and fill at least half of its capacity, the stack's storage
    /// is handed over as is (no copying, no reference counting); otherwise they are
    /// copied into an exact-size array.
    @inline(__always)
    static func take<Element>(_ stack: inout [Element], from start: Int) -> [Element] {
        if start == 0 && stack.count * 2 >= stack.capacity {
            var taken: [Element] = []
            swap(&taken, &stack)
            return taken
        }
        let result = Array(stack[start...])
        stack.removeSubrange(start...)
        return result
    }

    /// Consumes `{` or `[` and following whitespace, enforcing the depth limit.
    @inline(__always)
    mutating func beginContainer(isObject: Bool) throws(JSONError) {
        guard open.count < maxDepth else { throw .tooDeep(offset: pos) }
        if isObject {
            if members.capacity == 0 { members.reserveCapacity(16) }
        } else {
            if values.capacity == 0 { values.reserveCapacity(16) }
        }
        open.append(OpenContainer(isObject: isObject, start: isObject ? members.count : values.count))
        pos += 1
        skipWhitespace()
    }

    /// Parses `"key" :` and following whitespace for the innermost object,
    /// rejecting a key that the object already has.
    mutating func parseKey() throws(JSONError) {
        let byte = input[pos]
        guard byte == UInt8(ascii: "\"") else { throw .unexpectedByte(byte, offset: pos) }
        let keyOffset = pos
        let key = try parseString()
        let top = open.count - 1
        let start = open[top].start
        let existing = members.count - start
        if existing < Self.linearKeyScanLimit {
            let bit: UInt64 = 1 << UInt64(stringHash & 63)
            if open[top].keyFilter & bit != 0 {
                var i = start
                while i < members.count {
                    if utf8Equal(members[i].key, key) { throw .duplicateKey(key, offset: keyOffset) }
                    i += 1
                }
            }
            open[top].keyFilter |= bit
        } else {
            if open[top].seen == nil {
                open[top].seen = Set(members[start...].map { ByteKey(string: $0.key) })
            }
            guard open[top].seen!.insert(ByteKey(string: key)).inserted else {
                throw .duplicateKey(key, offset: keyOffset)
            }
        }
        skipWhitespace()
        guard pos < input.count else { throw .unexpectedEnd }
        guard input[pos] == UInt8(ascii: ":") else { throw .unexpectedByte(input[pos], offset: pos) }
        pos += 1
        skipWhitespace()
        open[top].key = key
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while pos < input.count {
            switch input[pos] {
            case 0x20, 0x0A, 0x0D, 0x09: pos += 1
            default: return
            }
        }
    }

    /// Matches `true`, `false` or `null` at `pos`.
    mutating func expectLiteral(_ literal: StaticString) throws(JSONError) {
        let bytes = literal.utf8Start
        for i in 0..<literal.utf8CodeUnitCount {
            guard pos + i < input.count else { throw .unexpectedEnd }
            let byte = input[pos + i]
            guard byte == bytes[i] else { throw .unexpectedByte(byte, offset: pos + i) }
        }
        pos += literal.utf8CodeUnitCount
    }
}
