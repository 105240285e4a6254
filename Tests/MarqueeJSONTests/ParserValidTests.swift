import MarqueeJSON
import Testing

struct ValidCase: Sendable, CustomTestStringConvertible {
    let comment: String
    let input: [UInt8]
    let expected: JSONValue
    var testDescription: String { comment }

    init(_ comment: String, _ input: [UInt8], _ expected: JSONValue) {
        self.comment = comment
        self.input = input
        self.expected = expected
    }

    init(_ comment: String, _ input: String, _ expected: JSONValue) {
        self.init(comment, utf8(input), expected)
    }
}

let validCases: [ValidCase] = [
    // Literals
    ValidCase("null literal", "null", .null),
    ValidCase("true literal", "true", .bool(true)),
    ValidCase("false literal", "false", .bool(false)),
    ValidCase("surrounding whitespace of all four kinds", " \t\r\n true \n", .bool(true)),

    // Integers
    ValidCase("zero", "0", .integer(0)),
    ValidCase("negative zero without fraction is the integer 0", "-0", .integer(0)),
    ValidCase("negative zero with fraction keeps its sign as a double", "-0.0", .double(-0.0)),
    ValidCase("small negative", "-1", .integer(-1)),
    ValidCase("Int64.max stays an integer", "9223372036854775807", .integer(.max)),
    ValidCase("Int64.min stays an integer", "-9223372036854775808", .integer(.min)),
    ValidCase("Int64.max + 1 becomes a double", "9223372036854775808", .double(9_223_372_036_854_775_808)),
    ValidCase("Int64.min - 1 becomes a double", "-9223372036854775809", .double(-9_223_372_036_854_775_808)),
    ValidCase("30-digit integer becomes the nearest double", "123456789012345678901234567890",
              .double(1.2345678901234568e29)),

    // Fractions and exponents (always doubles)
    ValidCase("simple fraction", "1.5", .double(1.5)),
    ValidCase("0.1 rounds to the nearest double", "0.1", .double(0.1)),
    ValidCase("integral value with fraction is a double", "1.0", .double(1.0)),
    ValidCase("negative with exponent", "-1.5e3", .double(-1500)),
    ValidCase("uppercase E", "1E2", .double(100)),
    ValidCase("explicit plus in exponent", "1e+2", .double(100)),
    ValidCase("negative exponent", "1e-2", .double(0.01)),
    ValidCase("zero exponent digits may lead with zeros", "1e007", .double(1e7)),
    ValidCase("largest finite double", "1.7976931348623157e308", .double(.greatestFiniteMagnitude)),
    ValidCase("smallest subnormal", "4.9e-324", .double(.leastNonzeroMagnitude)),
    ValidCase("underflow rounds to zero", "1e-400", .double(0)),
    ValidCase("hard rounding case near DBL_MIN", "2.2250738585072011e-308", .double(Double(bitPattern: 0x000F_FFFF_FFFF_FFFF))),
    ValidCase("long mantissa takes the slow path", "3.14159265358979323846264338327950288", .double(3.141592653589793)),
    ValidCase("many leading fraction zeros", "0.000000000000000000000000000001", .double(1e-30)),

    // Strings
    ValidCase("empty string", #""""#, .string("")),
    ValidCase("plain ASCII", #""abc""#, .string("abc")),
    ValidCase("all short escapes", #""\"\\\/\b\f\n\r\t""#, .string("\"\\/\u{08}\u{0C}\n\r\t")),
    ValidCase("\\u escape for ASCII", #""\u0041""#, .string("A")),
    ValidCase("\\u escape, lowercase hex, two-byte UTF-8", #""\u00e9""#, .string("é")),
    ValidCase("\\u escape, uppercase hex, three-byte UTF-8", #""\u20AC""#, .string("€")),
    ValidCase("surrogate pair becomes one scalar", #""\uD83D\uDE00""#, .string("😀")),
    ValidCase("escaped NUL is allowed", #""a\u0000b""#, .string("a\u{0}b")),
    ValidCase("raw multi-byte UTF-8 passes through", #""é€😀""#, .string("é€😀")),
    ValidCase("DEL (0x7F) is not a control character in JSON", [0x22, 0x7F, 0x22], .string("\u{7F}")),
    ValidCase("escape after a long plain run", #""abcdefghijklmnopqrstuvwxyz\n""#, .string("abcdefghijklmnopqrstuvwxyz\n")),
    ValidCase("string longer than 15 bytes (heap storage)", #""0123456789abcdefghij""#, .string("0123456789abcdefghij")),

    // Arrays
    ValidCase("empty array", "[]", .array([])),
    ValidCase("empty array with inner whitespace", "[ \n ]", .array([])),
    ValidCase("mixed elements", #"[1,"a",null,true,1.5]"#, .array([1, "a", nil, true, 1.5])),
    ValidCase("nested arrays", "[[[]],[1]]", .array([.array([.array([])]), .array([1])])),
    ValidCase("whitespace around every token", " [ 1 , [ 2 ] ] ", .array([1, .array([2])])),

    // Objects
    ValidCase("empty object", "{}", .object([:])),
    ValidCase("members keep document order", #"{"b":1,"a":2}"#, .object(JSONObject([(key: "b", value: 1), (key: "a", value: 2)]))),
    ValidCase("nested object and array", #"{"a":{"b":[true,null]}}"#, ["a": ["b": [true, nil]]]),
    ValidCase("empty key", #"{"":0}"#, ["": 0]),
    ValidCase("keys that differ only by case", #"{"a":1,"A":2}"#, ["a": 1, "A": 2]),
    ValidCase("same key in different objects is fine", #"[{"a":1},{"a":2}]"#, [["a": 1], ["a": 2]]),
    ValidCase("escaped key", #"{"\u0061\n":1}"#, ["a\n": 1]),
    ValidCase("whitespace around colon and comma", "{ \"a\" : 1 , \"b\" : 2 }", ["a": 1, "b": 2]),
]

@Suite("Parser: valid documents")
struct ParserValidTests {
    @Test(arguments: validCases)
    func parses(_ testCase: ValidCase) throws {
        let value = try JSONValue(parsing: testCase.input)
        #expect(identical(value, testCase.expected), "\(testCase.comment): got \(value)")
    }

    @Test(arguments: validCases)
    func parsesFromEveryInputKind(_ testCase: ValidCase) throws {
        let fromSlice = try JSONValue(parsing: testCase.input[...])
        let fromRaw = try testCase.input.withUnsafeBytes { try JSONValue(parsing: $0) }
        let fromString = try JSONValue(parsing: String(decoding: testCase.input, as: UTF8.self))
        #expect(identical(fromSlice, testCase.expected))
        #expect(identical(fromRaw, testCase.expected))
        #expect(identical(fromString, testCase.expected))
    }

    @Test func depthLimitIsInclusive() throws {
        // 64 nested arrays is exactly the default limit.
        let value = try JSONValue(parsing: nestedArrays(64))
        var depth = 0
        var current = value
        while case .array(let elements) = current {
            depth += 1
            guard let first = elements.first else { break }
            current = first
        }
        #expect(depth == 64)
        #expect(try JSONValue(parsing: nestedArrays(3), maxDepth: 3) == [[[]]])
    }

    @Test func largeObjectUsesSetForDuplicateDetection() throws {
        // More than 16 members switches duplicate detection from a scan to a set.
        let members = (0..<100).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        let value = try JSONValue(parsing: "{\(members)}")
        #expect(value.objectValue?.count == 100)
        #expect(value["k99"] == .integer(99))
        #expect(value.objectValue?.keys.first == "k0")
    }

    @Test func objectAccessors() throws {
        let value = try JSONValue(parsing: #"{"name":"x","n":3,"list":[1,2],"flag":false,"nothing":null}"#)
        #expect(value["name"]?.stringValue == "x")
        #expect(value["n"]?.int64Value == 3)
        #expect(value["n"]?.doubleValue == 3)
        #expect(value["list"]?[1] == .integer(2))
        #expect(value["list"]?[2] == nil)
        #expect(value["flag"]?.boolValue == false)
        #expect(value["nothing"]?.isNull == true)
        #expect(value["missing"] == nil)
        #expect(value.objectValue?.keys == ["name", "n", "list", "flag", "nothing"])
    }

    @Test func stringsCompareByScalarsNotCanonicalEquivalence() throws {
        // "é" precomposed vs "e" + combining acute: equal as Swift Strings, different JSON strings.
        let precomposed = try JSONValue(parsing: #""\u00e9""#)
        let decomposed = try JSONValue(parsing: #""e\u0301""#)
        #expect("\u{e9}" == "e\u{301}")
        #expect(precomposed != decomposed)
        // ...and therefore they are distinct keys, not duplicates.
        let object = try JSONValue(parsing: #"{"\u00e9":1,"e\u0301":2}"#)
        #expect(object.objectValue?.count == 2)
        #expect(object["\u{e9}"] == .integer(1))
    }
}
