import MarqueeJSON
import Testing

struct Gift: Codable, Equatable {
    var giftId: String
    var streamId: String?
    var channelId: String
    var fromAccountId: String
    var toAccountId: String
    var gift: String
    var quantity: Int
    var tokens: Int64
    var creatorTokens: Int64
    var feeTokens: Int64
    var message: String?
}

enum GiftKind: String, Codable, Equatable {
    case rose, heart
    case bigCake = "big_cake"
}

struct Numbers: Codable, Equatable {
    var i: Int, i8: Int8, i16: Int16, i32: Int32, i64: Int64
    var u: UInt, u8: UInt8, u16: UInt16, u32: UInt32, u64: UInt64
    var f: Float, d: Double, b: Bool, s: String
}

struct AllOptionals: Codable, Equatable {
    var i: Int?, i8: Int8?, i16: Int16?, i32: Int32?, i64: Int64?
    var u: UInt?, u8: UInt8?, u16: UInt16?, u32: UInt32?, u64: UInt64?
    var f: Float?, d: Double?, b: Bool?, s: String?, kind: GiftKind?
}

struct Order: Codable, Equatable {
    struct Line: Codable, Equatable {
        var sku: String
        var count: Int
        var tags: [String]
    }
    var id: String
    var lines: [Line]
    var kind: GiftKind
    var note: String?
    var extra: JSONValue
    var matrix: [[Int]]
}

enum Event: Codable, Equatable {
    case started(at: Int64)
    case gift(Gift)
    case ended
}

/// A value type that encodes as a bare string.
struct Handle: Codable, Equatable {
    var raw: String
    init(_ raw: String) { self.raw = raw }
    init(from decoder: any Decoder) throws { raw = try decoder.singleValueContainer().decode(String.self) }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(raw)
    }
}

let sampleGift = Gift(
    giftId: "gift_01HZX4K7Q9M2N8P3R5T6V7W8X9", streamId: nil, channelId: "chan_01HZX4K7Q9M2N8P3R5T6V7W8X9",
    fromAccountId: "acct_01HZX4K7Q9M2N8P3R5T6V7W8X9", toAccountId: "acct_01HZX4K7Q9M2N8P3R5T6V7W8Y0",
    gift: "rose", quantity: 3, tokens: 300, creatorTokens: 255, feeTokens: 45, message: "Great stream! 🌹")

@Suite("Codable round trips")
struct CodableRoundTripTests {
    @Test func giftEncodesInDeclarationOrderWithExplicitNull() throws {
        let text = try JSONEncoding.encodeString(sampleGift)
        #expect(text == #"{"giftId":"gift_01HZX4K7Q9M2N8P3R5T6V7W8X9","streamId":null,"#
            + #""channelId":"chan_01HZX4K7Q9M2N8P3R5T6V7W8X9","fromAccountId":"acct_01HZX4K7Q9M2N8P3R5T6V7W8X9","#
            + #""toAccountId":"acct_01HZX4K7Q9M2N8P3R5T6V7W8Y0","gift":"rose","quantity":3,"tokens":300,"#
            + #""creatorTokens":255,"feeTokens":45,"message":"Great stream! 🌹"}"#)
        #expect(try JSONDecoding.decode(Gift.self, from: utf8(text)) == sampleGift)
    }

    @Test func omitLeavesNilKeysOut() throws {
        var gift = sampleGift
        gift.message = nil
        let text = try JSONEncoding.encodeString(gift, nulls: .omit)
        #expect(!text.contains("streamId") && !text.contains("message"))
        #expect(text.hasSuffix(#""feeTokens":45}"#))
        #expect(try JSONDecoding.decode(Gift.self, from: text) == gift)
    }

    @Test func everyOptionalOverloadHonoursNullEncoding() throws {
        let empty = AllOptionals()
        let explicit = try JSONEncoding.encodeString(empty)
        #expect(explicit == #"{"i":null,"i8":null,"i16":null,"i32":null,"i64":null,"u":null,"u8":null,"#
            + #""u16":null,"u32":null,"u64":null,"f":null,"d":null,"b":null,"s":null,"kind":null}"#)
        #expect(try JSONEncoding.encodeString(empty, nulls: .omit) == "{}")
        #expect(try JSONDecoding.decode(AllOptionals.self, from: explicit) == empty)
        #expect(try JSONDecoding.decode(AllOptionals.self, from: "{}") == empty)

        let full = AllOptionals(i: -1, i8: -8, i16: -16, i32: -32, i64: -64, u: 1, u8: 8, u16: 16, u32: 32, u64: 64,
                                f: 1.5, d: 2.5, b: false, s: "s", kind: .bigCake)
        let text = try JSONEncoding.encodeString(full, nulls: .omit)
        #expect(text == #"{"i":-1,"i8":-8,"i16":-16,"i32":-32,"i64":-64,"u":1,"u8":8,"u16":16,"u32":32,"#
            + #""u64":64,"f":1.5,"d":2.5,"b":false,"s":"s","kind":"big_cake"}"#)
        #expect(try JSONDecoding.decode(AllOptionals.self, from: text) == full)
    }

    @Test func allScalarTypesAtTheirLimits() throws {
        let value = Numbers(i: .min, i8: .min, i16: .min, i32: .min, i64: .min,
                            u: UInt(Int64.max), u8: .max, u16: .max, u32: .max, u64: UInt64(Int64.max),
                            f: .greatestFiniteMagnitude, d: -.leastNonzeroMagnitude, b: true, s: "\u{0}\"\\")
        let bytes = try JSONEncoding.encode(value)
        #expect(try JSONDecoding.decode(Numbers.self, from: bytes) == value)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains(#""i64":-9223372036854775808,"#))
        #expect(text.contains(#""u8":255,"#))
        #expect(text.contains(#""s":"\u0000\"\\""#))
    }

    @Test func nestedStructsArraysEnumsAndFreeFormJSON() throws {
        let order = Order(
            id: "o1",
            lines: [.init(sku: "a", count: 1, tags: []), .init(sku: "b", count: 2, tags: ["x", "y"])],
            kind: .heart, note: nil, extra: ["nested": [1, "two", nil, ["deep": true]]], matrix: [[1, 2], [], [3]])
        let text = try JSONEncoding.encodeString(order)
        #expect(text == #"{"id":"o1","lines":[{"sku":"a","count":1,"tags":[]},{"sku":"b","count":2,"tags":["x","y"]}],"#
            + #""kind":"heart","note":null,"extra":{"nested":[1,"two",null,{"deep":true}]},"matrix":[[1,2],[],[3]]}"#)
        #expect(try JSONDecoding.decode(Order.self, from: text) == order)
        #expect(try JSONDecoding.decode(Order.self, from: text, rejectUnknownKeys: true) == order)
    }

    @Test func enumsWithAssociatedValues() throws {
        let events: [Event] = [.started(at: 5), .gift(sampleGift), .ended]
        let bytes = try JSONEncoding.encode(events)
        #expect(String(decoding: bytes, as: UTF8.self).hasPrefix(#"[{"started":{"at":5}},{"gift":{"_0":{"giftId""#))
        #expect(try JSONDecoding.decode([Event].self, from: bytes) == events)
        #expect(try JSONDecoding.decode([Event].self, from: bytes, rejectUnknownKeys: true) == events)
    }

    @Test func topLevelScalarsOptionalsAndCollections() throws {
        #expect(try JSONEncoding.encodeString("a\nb") == #""a\nb""#)
        #expect(try JSONEncoding.encodeString(42) == "42")
        #expect(try JSONEncoding.encodeString(Int?.none) == "null")
        #expect(try JSONEncoding.encodeString([1, 2, 3]) == "[1,2,3]")
        #expect(try JSONEncoding.encodeString([Int?]([1, nil])) == "[1,null]")
        #expect(try JSONEncoding.encodeString(["only": 1]) == #"{"only":1}"#)
        #expect(try JSONEncoding.encodeString(Handle("h1")) == #""h1""#)
        #expect(try JSONEncoding.encodeString([Handle("a"), Handle("b")]) == #"["a","b"]"#)
        #expect(try JSONDecoding.decode(String.self, from: #""a\nb""#) == "a\nb")
        #expect(try JSONDecoding.decode(Int?.self, from: "null") == nil)
        #expect(try JSONDecoding.decode([Int?].self, from: "[1,null]") == [1, nil])
        #expect(try JSONDecoding.decode([String: Int].self, from: #"{"a":1,"b":2}"#) == ["a": 1, "b": 2])
        #expect(try JSONDecoding.decode([Handle].self, from: #"["a","b"]"#) == [Handle("a"), Handle("b")])
        #expect(try JSONDecoding.decode(JSONValue.self, from: "[1,{}]") == [1, [:]])
    }

    @Test func encodeValueBuildsATree() throws {
        let value = try JSONEncoding.encodeValue(Order.Line(sku: "z", count: 9, tags: ["t"]))
        #expect(value == ["sku": "z", "count": 9, "tags": ["t"]])
        #expect(try JSONDecoding.decode(Order.Line.self, from: value) == Order.Line(sku: "z", count: 9, tags: ["t"]))
    }

    @Test func encodeIntoAnExistingWriterAddsCommas() throws {
        var writer = JSONWriter()
        writer.beginArray()
        try JSONEncoding.encode(Handle("a"), into: &writer)
        try JSONEncoding.encode([1], into: &writer)
        #expect(throws: JSONEncodingError.self) { try JSONEncoding.encode(Double.nan, into: &writer) }
        writer.write(true)
        writer.endArray()
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #"["a",[1],true]"#)
    }

    @Test func jsonValueWorksWithOtherCoders() throws {
        // Through a Codable wrapper, the generic container paths (not the fast path) are used.
        struct Box: Codable, Equatable { var value: JSONValue }
        let box = Box(value: ["a": [1, 2.5, "s", true, nil], "b": [:]])
        let text = try JSONEncoding.encodeString(box)
        #expect(text == #"{"value":{"a":[1,2.5,"s",true,null],"b":{}}}"#)
        #expect(try JSONDecoding.decode(Box.self, from: text) == box)
    }
}
