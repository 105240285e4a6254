import MarqueeJSON
import Testing

@Suite("Writer")
struct WriterTests {
    private func written(_ body: (inout JSONWriter) -> Void) -> String {
        var writer = JSONWriter()
        body(&writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    @Test func escapesExactlyPerRFC8259Section7() {
        let input = "\"\\/\u{08}\u{0C}\n\r\t\u{00}\u{01}\u{1F}\u{7F}é😀"
        var writer = JSONWriter()
        writer.write(input)
        let expected: [UInt8] = utf8(#""\"\\/\b\f\n\r\t\u0000\u0001\u001f"#) + [0x7F] + utf8("é😀\"")
        #expect(writer.bytes == expected, "got \(show(writer.bytes))")
    }

    @Test func everyControlCharacterHasTheExpectedEscape() {
        let short: [UInt8: String] = [0x08: #"\b"#, 0x09: #"\t"#, 0x0A: #"\n"#, 0x0C: #"\f"#, 0x0D: #"\r"#]
        let hex = Array("0123456789abcdef")
        for byte in UInt8(0)..<0x20 {
            let expected = short[byte] ?? "\\u00" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 0xF)])
            let text = written { $0.write(String(Unicode.Scalar(byte))) }
            #expect(text == "\"" + expected + "\"", "byte \(byte)")
            // The Codable path and JSONValue serialization use a second implementation; it must agree.
            #expect(JSONValue.string(String(Unicode.Scalar(byte))).serializedString == text)
        }
    }

    @Test func longStringsWithScatteredEscapesMatchAcrossWriters() throws {
        // Longer than the 64-byte staging buffer and the 8-byte word scan.
        let long = String(repeating: "abcdefg\"", count: 20) + String(repeating: "é\n", count: 50) + "tail"
        let text = written { $0.write(long) }
        #expect(text == JSONValue.string(long).serializedString)
        #expect(try JSONValue(parsing: text) == .string(long))
        #expect(text.hasPrefix(#""abcdefg\"abcdefg\""#))
    }

    @Test func integers() {
        #expect(written { $0.write(Int64.min) } == "-9223372036854775808")
        #expect(written { $0.write(Int64.max) } == "9223372036854775807")
        #expect(written { $0.write(0 as Int64) } == "0")
        #expect(written { $0.write(-7) } == "-7")
        #expect(written { $0.write(UInt64.max) } == "18446744073709551615")
        #expect(JSONValue.integer(.min).serializedString == "-9223372036854775808")
        #expect(JSONValue.integer(1_000_000).serializedString == "1000000")
    }

    @Test func doublesUseShortestRoundTripForm() {
        #expect(written { $0.write(0.1) } == "0.1")
        #expect(written { $0.write(1.0) } == "1.0")
        #expect(written { $0.write(-0.0) } == "-0.0")
        #expect(written { $0.write(1e16) } == "1e+16")
        #expect(written { $0.write(Double.leastNonzeroMagnitude) } == "5e-324")
        #expect(written { $0.write(Float(0.1)) } == "0.1")
        #expect(JSONValue.double(123.25).serializedString == "123.25")
    }

    @Test func nonFiniteDoublesAreWrittenAsNull() {
        #expect(written { $0.write(Double.nan) } == "null")
        #expect(written { $0.write(-Double.infinity) } == "null")
        #expect(written { $0.write(Float.infinity) } == "null")
        #expect(JSONValue.array([.double(.nan), 1]).serializedString == "[null,1]")
    }

    @Test func commasAreAutomatic() {
        let text = written { w in
            w.beginObject()
            w.writeKey("a")
            w.write(1)
            w.writeKey("b")
            w.beginArray()
            w.write(true)
            w.writeNull()
            w.beginObject()
            w.endObject()
            w.beginArray()
            w.endArray()
            w.endArray()
            w.writeKey("c\"")
            w.write("x")
            w.endObject()
        }
        #expect(text == #"{"a":1,"b":[true,null,{},[]],"c\"":"x"}"#)
    }

    @Test func topLevelSequenceOfValues() {
        let text = written { w in
            w.beginArray()
            w.write(JSONValue.object(["k": [1, 2]]))
            w.write(false)
            w.endArray()
        }
        #expect(text == #"[{"k":[1,2]},false]"#)
    }

    @Test func serializedPreservesMemberOrder() throws {
        let text = #"{"z":1,"a":{"y":[],"b":{}},"m":"é\u0000"}"#
        let value = try JSONValue(parsing: text)
        #expect(value.serializedString == #"{"z":1,"a":{"y":[],"b":{}},"m":"é\u0000"}"#)
        #expect(value.serialized() == utf8(value.serializedString))
        #expect(value.description == value.serializedString)
    }

    @Test func jsonObjectMutationKeepsKeysUnique() {
        var object: JSONObject = ["a": 1, "b": 2]
        object["a"] = 3
        object["c"] = nil
        object["d"] = .null
        #expect(JSONValue.object(object).serializedString == #"{"a":3,"b":2,"d":null}"#)
        object["b"] = nil
        #expect(object.keys == ["a", "d"])
        #expect(object.removeValue(forKey: "a") == .integer(3))
        #expect(object.removeValue(forKey: "zzz") == nil)
        let merged = JSONObject([(key: "x", value: 1), (key: "y", value: 2), (key: "x", value: 3)])
        #expect(JSONValue.object(merged).serializedString == #"{"x":3,"y":2}"#)
    }
}
