import MarqueeJSON
import Testing

private struct Item: Codable, Equatable {
    var name: String
    var quantity: Int
}

private struct Cart: Codable, Equatable {
    var owner: Owner
    var items: [Item]
    var note: String?
}

private struct Owner: Codable, Equatable {
    var handle: String
}

private struct Flags: Codable {
    var flag: Bool
}

private struct Small: Codable {
    var q8: UInt8
}

private struct Unsigned: Codable {
    var u: UInt
}

private struct Wide: Codable {
    var n: Int64
}

private struct Ratio: Codable {
    var f: Float
}

private struct Kinded: Codable {
    var kind: GiftKind
}

private struct Counter: Codable {
    var count: Int?
}

private struct Validated: Decodable {
    var code: Int
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        code = try container.decode(Int.self, forKey: AnyKey("code"))
        guard code > 0 else {
            throw DecodingError.dataCorruptedError(forKey: AnyKey("code"), in: container,
                                                   debugDescription: "code must be positive")
        }
    }
}

/// Decodes `T` from `text` and returns the error's description, or `nil` on success.
private func failure<T: Decodable>(_ type: T.Type, _ text: String, rejectUnknownKeys: Bool = false) -> JSONDecodingError? {
    do {
        _ = try JSONDecoding.decode(type, from: utf8(text), rejectUnknownKeys: rejectUnknownKeys)
        return nil
    } catch let error as JSONDecodingError {
        return error
    } catch {
        Issue.record("unexpected error type: \(error)")
        return nil
    }
}

@Suite("Strict decoding")
struct DecodingErrorTests {
    @Test func typeMismatchesNameTheField() {
        let quantityString = failure(Item.self, #"{"name":"a","quantity":"3"}"#)
        #expect(quantityString?.description == "field 'quantity': expected an integer, got a string")
        #expect(quantityString?.path == "quantity")
        #expect(quantityString?.reason == .typeMismatch(expected: "an integer", found: "a string"))

        #expect(failure(Item.self, #"{"name":7,"quantity":3}"#)?.description
            == "field 'name': expected a string, got a number")
        #expect(failure(Flags.self, #"{"flag":1}"#)?.description == "field 'flag': expected a boolean, got a number")
        #expect(failure(Flags.self, #"{"flag":"true"}"#)?.description == "field 'flag': expected a boolean, got a string")
        #expect(failure(Item.self, #"{"name":{},"quantity":3}"#)?.description
            == "field 'name': expected a string, got an object")
        #expect(failure(Cart.self, #"{"owner":{"handle":"h"},"items":{},"note":null}"#)?.description
            == "field 'items': expected an array, got an object")
        #expect(failure(Item.self, "[]")?.description == "expected an object, got an array")
        #expect(failure([Int].self, #"[1,true]"#)?.description == "field '[1]': expected an integer, got a boolean")
    }

    @Test func nullIsNotAValueForNonOptionals() {
        #expect(failure(Owner.self, #"{"handle":null}"#)?.description == "field 'handle': expected a string, got null")
        #expect(failure(Item.self, "null")?.description == "expected an object, got null")
    }

    @Test func integersAreNeverTruncatedOrRounded() {
        #expect(failure(Item.self, #"{"name":"a","quantity":1.5}"#)?.description
            == "field 'quantity': expected an integer, got a number with a fraction or exponent (1.5)")
        #expect(failure(Item.self, #"{"name":"a","quantity":1.0}"#)?.description
            == "field 'quantity': expected an integer, got a number with a fraction or exponent (1.0)")
        #expect(failure(Item.self, #"{"name":"a","quantity":1e3}"#)?.description
            == "field 'quantity': expected an integer, got a number with a fraction or exponent (1000.0)")
        #expect(failure(Small.self, #"{"q8":256}"#)?.description
            == "field 'q8': expected an integer between 0 and 255, got 256")
        #expect(failure(Small.self, #"{"q8":-1}"#)?.reason
            == .unrepresentable(expected: "an integer between 0 and 255", found: "-1"))
        #expect(failure(Unsigned.self, #"{"u":-1}"#)?.description
            == "field 'u': expected an integer between 0 and 9223372036854775807, got -1")
        #expect(failure(Wide.self, #"{"n":9223372036854775808}"#)?.description
            == "field 'n': expected an integer between -9223372036854775808 and 9223372036854775807, got 9.223372036854776e+18")
    }

    @Test func int64IsExactAtItsLimits() throws {
        #expect(try JSONDecoding.decode(Wide.self, from: #"{"n":9223372036854775807}"#).n == .max)
        #expect(try JSONDecoding.decode(Wide.self, from: #"{"n":-9223372036854775808}"#).n == .min)
        #expect(try JSONDecoding.decode(Wide.self, from: #"{"n":-0}"#).n == 0)
        #expect(try JSONDecoding.decode(Small.self, from: #"{"q8":255}"#).q8 == 255)
    }

    @Test func floatsRejectValuesBeyondTheirRange() throws {
        #expect(failure(Ratio.self, #"{"f":1e39}"#)?.description
            == "field 'f': expected a number within the range of a 32-bit float, got 1e+39")
        #expect(try JSONDecoding.decode(Ratio.self, from: #"{"f":3}"#).f == 3)
        #expect(try JSONDecoding.decode(Double.self, from: "1e300") == 1e300)
        #expect(try JSONDecoding.decode(Double.self, from: "-7") == -7)
    }

    @Test func decodeNilIsTrueOnlyForNull() throws {
        #expect(try JSONDecoding.decode(Counter.self, from: #"{"count":0}"#).count == 0)
        #expect(try JSONDecoding.decode(Counter.self, from: #"{"count":null}"#).count == nil)
        #expect(try JSONDecoding.decode(Counter.self, from: #"{}"#).count == nil)
        #expect(failure(Counter.self, #"{"count":false}"#)?.description == "field 'count': expected an integer, got a boolean")
        #expect(try JSONDecoding.decode([String?].self, from: #"["",null]"#) == ["", nil])
    }

    @Test func missingFields() {
        #expect(failure(Owner.self, "{}")?.description == "missing required field 'handle'")
        let nested = failure(Cart.self, #"{"owner":{},"items":[]}"#)
        #expect(nested?.description == "missing required field 'owner.handle'")
        #expect(nested?.path == "owner.handle")
        #expect(nested?.reason == .missingField)
        #expect(failure(Cart.self, #"{"owner":{"handle":"h"},"items":[{"name":"a","quantity":1},{"name":"b"}]}"#)?
            .description == "missing required field 'items[1].quantity'")
    }

    @Test func errorsInsideArraysCarryTheIndexPath() {
        let text = #"{"owner":{"handle":"h"},"items":[{"name":"a","quantity":1},{"name":"b","quantity":2},{"name":3,"quantity":3}]}"#
        let error = failure(Cart.self, text)
        #expect(error?.path == "items[2].name")
        #expect(error?.description == "field 'items[2].name': expected a string, got a number")
    }

    @Test func invalidJSONIsWrapped() {
        let error = failure(Item.self, #"{"name":"a","quantity":1"#)
        #expect(error?.reason == .invalidJSON(.unexpectedEnd))
        #expect(error?.description == "invalid JSON: unexpected end of input; the JSON text is incomplete")
        #expect(failure(Item.self, #"{"name":"a","name":"b","quantity":1}"#)?.description
            == #"invalid JSON: duplicate key "name" at byte offset 12"#)
    }

    @Test func invalidEnumValueAndUserValidation() {
        let enumError = failure(Kinded.self, #"{"kind":"tulip"}"#)
        #expect(enumError?.path == "kind")
        #expect(enumError?.description.hasPrefix("field 'kind': ") == true)
        #expect(enumError?.description.contains("tulip") == true)
        #expect(failure(Validated.self, #"{"code":0}"#)?.description == "field 'code': code must be positive")
        #expect(failure(Validated.self, #"{"code":"0"}"#)?.description == "field 'code': expected an integer, got a string")
    }

    @Test func unknownKeysAreIgnoredByDefault() throws {
        let item = try JSONDecoding.decode(Item.self, from: #"{"name":"a","quantity":1,"extra":true}"#)
        #expect(item == Item(name: "a", quantity: 1))
    }

    @Test func unknownKeysAtTopLevel() {
        let error = failure(Item.self, #"{"name":"a","quantity":1,"extra":true}"#, rejectUnknownKeys: true)
        #expect(error?.description == "unknown field 'extra'")
        #expect(error?.path == "extra")
        #expect(error?.reason == .unknownField(name: "extra", objectPath: ""))
    }

    @Test func unknownKeysAtNestedPaths() {
        let text = #"{"owner":{"handle":"h"},"items":[{"name":"a","quantity":1},{"name":"b","quantity":2},"#
            + #"{"name":"c","quantity":3,"extra":1}],"note":null}"#
        let error = failure(Cart.self, text, rejectUnknownKeys: true)
        #expect(error?.description == "unknown field 'extra' at 'items[2]'")
        #expect(error?.path == "items[2].extra")
        let inOwner = failure(Cart.self, #"{"owner":{"handle":"h","x":0},"items":[]}"#, rejectUnknownKeys: true)
        #expect(inOwner?.description == "unknown field 'x' at 'owner'")
    }

    @Test func keysAskedForInAnyWayCountAsKnown() throws {
        struct Probe: Decodable {
            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: AnyKey.self)
                _ = container.contains(AnyKey("viaContains"))
                _ = try container.decodeNil(forKey: AnyKey("viaNil"))
                _ = try container.decodeIfPresent(Int.self, forKey: AnyKey("viaIfPresent"))
                _ = try container.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey("viaNested"))
                    .decode(Int.self, forKey: AnyKey("inner"))
                _ = try container.superDecoder(forKey: AnyKey("viaSuper"))
            }
        }
        let text = #"{"viaContains":1,"viaNil":null,"viaIfPresent":2,"viaNested":{"inner":3},"viaSuper":4}"#
        _ = try JSONDecoding.decode(Probe.self, from: text, rejectUnknownKeys: true)
        let extra = failure(Probe.self, String(text.dropLast()) + #","other":5}"#, rejectUnknownKeys: true)
        #expect(extra?.description == "unknown field 'other'")
        let nestedExtra = failure(
            Probe.self, #"{"viaContains":1,"viaNil":null,"viaNested":{"inner":3,"more":0}}"#, rejectUnknownKeys: true)
        #expect(nestedExtra?.description == "unknown field 'more' at 'viaNested'")
    }

    @Test func freeFormFieldsAndDictionariesAreNotCheckedInside() throws {
        struct Holder: Decodable {
            var data: JSONValue
            var map: [String: Int]
        }
        let holder = try JSONDecoding.decode(
            Holder.self, from: #"{"data":{"anything":{"goes":1}},"map":{"a":1,"b":2}}"#, rejectUnknownKeys: true)
        #expect(holder.data == ["anything": ["goes": 1]])
        #expect(holder.map == ["a": 1, "b": 2])
    }

    @Test func shortArraysReportTheMissingElement() {
        struct Pair: Decodable {
            var first: Int
            var second: Int
            init(from decoder: any Decoder) throws {
                var list = try decoder.unkeyedContainer()
                first = try list.decode(Int.self)
                second = try list.decode(Int.self)
            }
        }
        struct Holder: Decodable { var pair: Pair }
        let error = failure(Holder.self, #"{"pair":[1]}"#)
        #expect(error?.reason == .missingElement)
        #expect(error?.description == "missing required array element 'pair[1]'")
    }

    @Test func decodesFromRawBytesAndWideIntegers() throws {
        let bytes = utf8(#"{"name":"raw","quantity":7}"#)
        let item = try bytes.withUnsafeBytes { try JSONDecoding.decode(Item.self, from: $0) }
        #expect(item == Item(name: "raw", quantity: 7))
        #expect(try JSONDecoding.decode(Int128.self, from: "-9223372036854775808") == Int128(Int64.min))
        #expect(try JSONDecoding.decode([UInt128].self, from: "[0,9223372036854775807]") == [0, UInt128(Int64.max)])
        #expect(failure(UInt128.self, "-1")?.description
            == "expected an integer between 0 and 9223372036854775807, got -1")
    }

    @Test func unusualKeysAreQuotedInPaths() {
        struct Odd: Decodable {
            var value: Int
            enum CodingKeys: String, CodingKey { case value = "a.b" }
        }
        #expect(failure(Odd.self, #"{"a.b":"x"}"#)?.description == #"field '["a.b"]': expected an integer, got a string"#)
    }
}
