import MarqueeJSON
import Testing

struct InvalidCase: Sendable, CustomTestStringConvertible {
    let comment: String
    let input: [UInt8]
    let expected: JSONError
    var testDescription: String { comment }

    init(_ comment: String, _ input: [UInt8], _ expected: JSONError) {
        self.comment = comment
        self.input = input
        self.expected = expected
    }

    init(_ comment: String, _ input: String, _ expected: JSONError) {
        self.init(comment, utf8(input), expected)
    }
}

private let quote: [UInt8] = [0x22]

let invalidCases: [InvalidCase] = [
    // Document structure (RFC 8259 section 2)
    InvalidCase("empty input", "", .unexpectedEnd),
    InvalidCase("only whitespace", " \n\t ", .unexpectedEnd),
    InvalidCase("unclosed array", "[", .unexpectedEnd),
    InvalidCase("unclosed array after element", "[1", .unexpectedEnd),
    InvalidCase("unclosed object after colon", #"{"a":"#, .unexpectedEnd),
    InvalidCase("two top-level values", "1 2", .trailingData(offset: 2)),
    InvalidCase("garbage after object", "{}x", .trailingData(offset: 2)),
    InvalidCase("comment after value", "[1]/**/", .trailingData(offset: 3)),
    InvalidCase("line comment before value", "// c\n1", .unexpectedByte(UInt8(ascii: "/"), offset: 0)),
    InvalidCase("block comment before value", "/* c */1", .unexpectedByte(UInt8(ascii: "/"), offset: 0)),
    InvalidCase("byte order mark is not accepted", [0xEF, 0xBB, 0xBF, 0x31], .unexpectedByte(0xEF, offset: 0)),
    InvalidCase("NUL byte", [0x00], .unexpectedByte(0x00, offset: 0)),
    InvalidCase("single-quoted string", "['a']", .unexpectedByte(0x27, offset: 1)),

    // Arrays and objects
    InvalidCase("trailing comma in array", "[1,]", .trailingComma(offset: 2)),
    InvalidCase("trailing comma in object", #"{"a":1,}"#, .trailingComma(offset: 6)),
    InvalidCase("trailing comma before whitespace", "[1, ]", .trailingComma(offset: 2)),
    InvalidCase("leading comma in array", "[,1]", .unexpectedByte(UInt8(ascii: ","), offset: 1)),
    InvalidCase("leading comma in object", "{,}", .unexpectedByte(UInt8(ascii: ","), offset: 1)),
    InvalidCase("missing comma in array", "[1 2]", .unexpectedByte(UInt8(ascii: "2"), offset: 3)),
    InvalidCase("missing comma in object", #"{"a":1 "b":2}"#, .unexpectedByte(UInt8(ascii: "\""), offset: 7)),
    InvalidCase("unquoted key", "{a:1}", .unexpectedByte(UInt8(ascii: "a"), offset: 1)),
    InvalidCase("missing colon", #"{"a" 1}"#, .unexpectedByte(UInt8(ascii: "1"), offset: 5)),
    InvalidCase("missing value", #"{"a":}"#, .unexpectedByte(UInt8(ascii: "}"), offset: 5)),
    InvalidCase("mismatched close", #"{"a":1]"#, .unexpectedByte(UInt8(ascii: "]"), offset: 6)),
    InvalidCase("comma then wrong close is not a trailing comma", #"{"a":1,]"#, .unexpectedByte(UInt8(ascii: "]"), offset: 7)),
    InvalidCase("duplicate key", #"{"a":1,"a":2}"#, .duplicateKey("a", offset: 7)),
    InvalidCase("duplicate key spelled with an escape", #"{"a":1,"\u0061":2}"#, .duplicateKey("a", offset: 7)),
    InvalidCase("duplicate key in nested object", #"[{"x":{"k":1,"k":1}}]"#, .duplicateKey("k", offset: 13)),
    InvalidCase("too deep: 65 nested arrays", nestedArrays(65), .tooDeep(offset: 64)),
    InvalidCase("too deep: objects count too", utf8(String(repeating: #"{"a":"#, count: 65) + "1" + String(repeating: "}", count: 65)),
                .tooDeep(offset: 64 * 5)),

    // Literals
    InvalidCase("truncated true", "tru", .unexpectedEnd),
    InvalidCase("misspelled true", "trux", .unexpectedByte(UInt8(ascii: "x"), offset: 3)),
    InvalidCase("truncated null", "nul", .unexpectedEnd),
    InvalidCase("capitalized literal", "True", .unexpectedByte(UInt8(ascii: "T"), offset: 0)),
    InvalidCase("NaN is not JSON", "NaN", .unexpectedByte(UInt8(ascii: "N"), offset: 0)),
    InvalidCase("Infinity is not JSON", "Infinity", .unexpectedByte(UInt8(ascii: "I"), offset: 0)),

    // Numbers (RFC 8259 section 6)
    InvalidCase("leading zero", "01", .invalidNumber(offset: 0)),
    InvalidCase("leading zero after minus", "-01", .invalidNumber(offset: 0)),
    InvalidCase("leading zero inside array", "[1,00]", .invalidNumber(offset: 3)),
    InvalidCase("leading plus", "+1", .unexpectedByte(UInt8(ascii: "+"), offset: 0)),
    InvalidCase("leading decimal point", ".5", .unexpectedByte(UInt8(ascii: "."), offset: 0)),
    InvalidCase("trailing decimal point", "1.", .invalidNumber(offset: 0)),
    InvalidCase("decimal point before exponent", "1.e5", .invalidNumber(offset: 0)),
    InvalidCase("exponent without digits", "1e", .invalidNumber(offset: 0)),
    InvalidCase("signed exponent without digits", "[1e+]", .invalidNumber(offset: 1)),
    InvalidCase("lone minus", "-", .invalidNumber(offset: 0)),
    InvalidCase("minus before Infinity", "-Infinity", .invalidNumber(offset: 0)),
    InvalidCase("hexadecimal", "0x10", .trailingData(offset: 1)),
    InvalidCase("overflowing exponent", "1e400", .numberOutOfRange(offset: 0)),
    InvalidCase("overflowing exponent inside array", "[0,-1e999]", .numberOutOfRange(offset: 3)),

    // Strings (RFC 8259 section 7)
    InvalidCase("unterminated string", #""abc"#, .unexpectedEnd),
    InvalidCase("raw control character", quote + [0x61, 0x01, 0x62] + quote, .controlCharacterInString(offset: 2)),
    InvalidCase("raw newline", quote + [0x0A] + quote, .controlCharacterInString(offset: 1)),
    InvalidCase("raw tab after an escape", utf8(#""\n"#) + [0x09] + quote, .controlCharacterInString(offset: 3)),
    InvalidCase("unknown escape", #""\x""#, .invalidEscape(offset: 1)),
    InvalidCase("escaped single quote", #""\'""#, .invalidEscape(offset: 1)),
    InvalidCase("short \\u escape", #""\u12""#, .invalidEscape(offset: 1)),
    InvalidCase("non-hex \\u escape", #""ab\u12G4""#, .invalidEscape(offset: 3)),
    InvalidCase("truncated \\u escape at end", #""\u00"#, .unexpectedEnd),
    InvalidCase("lone high surrogate", #""\uD800""#, .loneSurrogate(offset: 1)),
    InvalidCase("lone low surrogate", #""\uDC00""#, .loneSurrogate(offset: 1)),
    InvalidCase("high surrogate then non-surrogate escape", #""\uD800\u0041""#, .loneSurrogate(offset: 1)),
    InvalidCase("high surrogate then short escape", #""\uD800\n""#, .loneSurrogate(offset: 1)),
    InvalidCase("two high surrogates", #""x\uD83D\uD83D""#, .loneSurrogate(offset: 2)),
    InvalidCase("high surrogate then bad hex", #""\uD83D\uDEZZ""#, .invalidEscape(offset: 7)),

    // UTF-8 (RFC 8259 section 8.1, RFC 3629)
    InvalidCase("0xFF is never UTF-8", quote + [0xFF] + quote, .invalidUTF8(offset: 1)),
    InvalidCase("lone continuation byte", quote + [0x61, 0x80] + quote, .invalidUTF8(offset: 2)),
    InvalidCase("overlong NUL (C0 80)", quote + [0xC0, 0x80] + quote, .invalidUTF8(offset: 1)),
    InvalidCase("overlong three-byte form", quote + [0xE0, 0x80, 0xAF] + quote, .invalidUTF8(offset: 1)),
    InvalidCase("UTF-8 encoded surrogate", quote + [0xED, 0xA0, 0x80] + quote, .invalidUTF8(offset: 1)),
    InvalidCase("code point above U+10FFFF", quote + [0xF4, 0x90, 0x80, 0x80] + quote, .invalidUTF8(offset: 1)),
    InvalidCase("truncated sequence before quote", quote + [0xE2, 0x82] + quote, .invalidUTF8(offset: 1)),
    InvalidCase("truncated sequence at end of input", quote + [0xC3], .unexpectedEnd),
    InvalidCase("invalid UTF-8 after a long ASCII run", quote + utf8("abcdefghijkl") + [0xFE] + quote, .invalidUTF8(offset: 13)),
    InvalidCase("invalid UTF-8 in a key", [0x7B] + quote + [0xC1, 0xBF] + quote + utf8(":1}"), .invalidUTF8(offset: 2)),
    InvalidCase("non-ASCII byte outside a string", [0x5B, 0xC3, 0xA9, 0x5D], .unexpectedByte(0xC3, offset: 1)),
]

@Suite("Parser: invalid documents")
struct ParserInvalidTests {
    @Test(arguments: invalidCases)
    func rejects(_ testCase: InvalidCase) {
        let error = parseError(testCase.input)
        #expect(error == testCase.expected, "\(testCase.comment): input \(show(testCase.input))")
    }

    @Test func customDepthLimit() {
        #expect(parseError(nestedArrays(3), maxDepth: 2) == .tooDeep(offset: 2))
        #expect(parseError(nestedArrays(1), maxDepth: 0) == nil)  // limits below 1 act as 1
        #expect(parseError(nestedArrays(2), maxDepth: 0) == .tooDeep(offset: 1))
    }

    @Test func duplicateKeyInLargeObject() {
        // Past 16 members the duplicate check switches to a set; it must still catch repeats.
        var members = (0..<40).map { "\"k\($0)\":\($0)" }
        members.append(#""k3":0"#)
        let text = "{" + members.joined(separator: ",") + "}"
        let offset = text.utf8.count - #""k3":0}"#.utf8.count
        #expect(parseError(utf8(text)) == .duplicateKey("k3", offset: offset))
    }

    @Test func descriptionsAreSentences() {
        #expect(JSONError.unexpectedEnd.description == "unexpected end of input; the JSON text is incomplete")
        #expect(JSONError.unexpectedByte(UInt8(ascii: "}"), offset: 9).description
            == "unexpected character '}' at byte offset 9")
        #expect(JSONError.unexpectedByte(0xFF, offset: 0).description == "unexpected byte 0xFF at byte offset 0")
        #expect(JSONError.trailingComma(offset: 2).description
            == "trailing comma at byte offset 2 is not allowed in JSON")
        #expect(JSONError.invalidNumber(offset: 4).description == "invalid number at byte offset 4")
        #expect(JSONError.numberOutOfRange(offset: 0).description
            == "number at byte offset 0 is too large to represent")
        #expect(JSONError.invalidEscape(offset: 1).description == "invalid escape sequence in string at byte offset 1")
        #expect(JSONError.loneSurrogate(offset: 1).description
            == "unpaired UTF-16 surrogate escape in string at byte offset 1")
        #expect(JSONError.invalidUTF8(offset: 3).description == "invalid UTF-8 at byte offset 3")
        #expect(JSONError.controlCharacterInString(offset: 1).description.hasPrefix(
            "unescaped control character in string at byte offset 1"))
        #expect(JSONError.tooDeep(offset: 64).description
            == "arrays and objects are nested too deeply at byte offset 64")
        #expect(JSONError.duplicateKey("a\"b", offset: 7).description == #"duplicate key "a\"b" at byte offset 7"#)
        #expect(JSONError.trailingData(offset: 2).description
            == "unexpected data after the JSON value at byte offset 2")
        #expect(JSONError.unexpectedEnd.offset == nil)
        #expect(JSONError.tooDeep(offset: 5).offset == 5)
    }
}
