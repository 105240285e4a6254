/// An in-memory JSON value (RFC 8259 section 3).
///
/// Numbers are split the way the parser reads them: a number written without
/// fraction and exponent that fits in `Int64` is `.integer`; every other number
/// is `.double`. (So `-0` parses as `.integer(0)`, while `-0.0` parses as
/// `.double(-0.0)`.)
///
/// Equality is structural and exact: strings and object keys compare by their
/// Unicode scalars (UTF-8 bytes), not by Swift's canonical equivalence, as
/// RFC 8259 section 8.3 recommends; objects compare in member order;
/// `.integer(1)` is not equal to `.double(1.0)`.
///
/// Deep trees are processed recursively by `==`, serialization and
/// deallocation, which is one reason the parser limits nesting depth.
public enum JSONValue: Sendable, Equatable {
    /// The literal `null` (RFC 8259 section 3).
    case null
    /// The literals `true` and `false` (RFC 8259 section 3).
    case bool(Bool)
    /// A number (RFC 8259 section 6) written without fraction or exponent that fits in `Int64`.
    case integer(Int64)
    /// Any other number (RFC 8259 section 6). Always finite when produced by the parser.
    case double(Double)
    /// A string (RFC 8259 section 7), escapes decoded.
    case string(String)
    /// An array (RFC 8259 section 5).
    case array([JSONValue])
    /// An object (RFC 8259 section 4) with unique keys in document order.
    case object(JSONObject)

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.integer(let a), .integer(let b)): return a == b
        case (.double(let a), .double(let b)): return a == b
        case (.string(let a), .string(let b)): return utf8Equal(a, b)
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)): return a == b
        default: return false
        }
    }
}

// MARK: - Parsing entry points

extension JSONValue {
    /// The default maximum nesting depth of arrays and objects accepted by the parser.
    public static var defaultMaxDepth: Int { 64 }

    /// Parses exactly one JSON value, optionally surrounded by whitespace
    /// (RFC 8259 section 2), from UTF-8 bytes.
    ///
    /// Strict RFC 8259: exactly one value; no comments, trailing commas, `NaN`,
    /// `Infinity`, leading zeros or `+` (section 6); no unescaped control
    /// characters (section 7); well-formed UTF-8 only, without a byte order mark
    /// (section 8.1); `\u` escapes must pair surrogates (section 7); duplicate
    /// object keys are rejected (section 4). Numbers too large for a finite
    /// `Double` are rejected (section 6 allows such limits).
    ///
    /// - Parameter maxDepth: the deepest nesting of arrays/objects accepted;
    ///   `[]` has depth 1. Values below 1 are treated as 1. The parser itself
    ///   is iterative, but very deep trees are expensive for recursive consumers
    ///   (see the type's documentation), so keep the limit modest.
    /// - Throws: `JSONError` describing the first problem and its byte offset.
    public init(parsing bytes: [UInt8], maxDepth: Int = JSONValue.defaultMaxDepth) throws(JSONError) {
        self = try bytes.withUnsafeBufferPointer { (buffer) throws(JSONError) -> JSONValue in
            try JSONParser.parse(buffer, maxDepth: maxDepth)
        }
    }

    /// Parses exactly one JSON value from raw UTF-8 bytes (for example a SQLite
    /// blob or a network buffer) without copying them.
    public init(parsing bytes: UnsafeRawBufferPointer, maxDepth: Int = JSONValue.defaultMaxDepth) throws(JSONError) {
        self = try JSONParser.parse(bytes.assumingMemoryBound(to: UInt8.self), maxDepth: maxDepth)
    }

    /// Parses exactly one JSON value from UTF-8 bytes in a typed buffer.
    public init(parsing bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int = JSONValue.defaultMaxDepth) throws(JSONError) {
        self = try JSONParser.parse(bytes, maxDepth: maxDepth)
    }

    /// Parses exactly one JSON value from any sequence of UTF-8 bytes
    /// (`ArraySlice<UInt8>`, `Data`, a NIO `ByteBufferView`, …). Contiguous
    /// storage is read in place; anything else is copied once.
    public init(parsing bytes: some Sequence<UInt8>, maxDepth: Int = JSONValue.defaultMaxDepth) throws(JSONError) {
        let result = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONError) -> JSONValue in try JSONParser.parse(buffer, maxDepth: maxDepth) }
        }
        if let result {
            self = try result.get()
        } else {
            try self.init(parsing: Array(bytes), maxDepth: maxDepth)
        }
    }

    /// Parses exactly one JSON value from the UTF-8 encoding of `text`.
    /// Error offsets are byte offsets into `text.utf8`.
    public init(parsing text: String, maxDepth: Int = JSONValue.defaultMaxDepth) throws(JSONError) {
        try self.init(parsing: text.utf8, maxDepth: maxDepth)
    }
}

// MARK: - Serialization

extension JSONValue: CustomStringConvertible {
    /// The compact JSON text of this value (see `serialized()`).
    public var description: String { serializedString }

    /// The compact UTF-8 JSON text of this value, with no insignificant whitespace.
    /// Non-finite doubles are written as `null` (see `JSONWriter.write(_:)`).
    public func serialized() -> [UInt8] {
        var out = OutputBuffer(capacity: 256)
        out.write(self)
        return out.toArray()
    }

    /// The compact JSON text of this value as a `String`.
    public var serializedString: String {
        String(decoding: serialized(), as: UTF8.self)
    }
}

// MARK: - Accessors

extension JSONValue {
    /// `true` only for `.null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The payload of `.bool`, otherwise `nil`.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The payload of `.integer`, otherwise `nil`.
    public var int64Value: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The numeric value of `.integer` or `.double` as a `Double`, otherwise `nil`.
    public var doubleValue: Double? {
        switch self {
        case .integer(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    /// The payload of `.integer` converted to `T` when it fits exactly, otherwise `nil`.
    @inline(__always)
    func exactInteger<T: FixedWidthInteger>(_ type: T.Type) -> T? {
        if case .integer(let value) = self { return T(exactly: value) }
        return nil
    }

    /// The payload of `.string`, otherwise `nil`.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The elements of `.array`, otherwise `nil`.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The members of `.object`, otherwise `nil`.
    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// The member named `key` when this is an object, otherwise `nil`.
    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    /// The element at `index` when this is an array and the index is in range, otherwise `nil`.
    public subscript(index: Int) -> JSONValue? {
        if case .array(let array) = self, array.indices.contains(index) { return array[index] }
        return nil
    }
}

// MARK: - Literals

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// Duplicate keys in a literal are a programming error and trap, as with `Dictionary`.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(uniqueKeysWithValues: elements))
    }
}

// MARK: - Byte-wise string comparison

/// Compares two strings by their UTF-8 bytes (Unicode scalar equality), unlike
/// `==`, which treats canonically equivalent strings as equal.
@inline(__always)
func utf8Equal(_ a: String, _ b: String) -> Bool {
    let au = a.utf8
    let bu = b.utf8
    guard au.count == bu.count else { return false }
    let fast: Bool?? = au.withContiguousStorageIfAvailable { pa in
        bu.withContiguousStorageIfAvailable { pb in
            pa.count == 0 || memoryEqual(pa.baseAddress!, pb.baseAddress!, pa.count)
        }
    }
    if let fast, let fast { return fast }
    return au.elementsEqual(bu)
}

@inline(__always)
func memoryEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    var i = 0
    while i + 8 <= count {
        let x = UnsafeRawPointer(a + i).loadUnaligned(as: UInt64.self)
        let y = UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self)
        if x != y { return false }
        i += 8
    }
    while i < count {
        if a[i] != b[i] { return false }
        i += 1
    }
    return true
}

/// A `String` wrapper hashed and compared by UTF-8 bytes, for duplicate-key sets.
struct ByteKey: Hashable {
    let string: String

    static func == (lhs: ByteKey, rhs: ByteKey) -> Bool { utf8Equal(lhs.string, rhs.string) }

    func hash(into hasher: inout Hasher) {
        var copy = string
        copy.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}
