import MarqueeJSON
import Testing

private func encodingError(_ body: () throws -> Void) -> JSONEncodingError? {
    do {
        try body()
        return nil
    } catch let error as JSONEncodingError {
        return error
    } catch {
        Issue.record("unexpected error type: \(error)")
        return nil
    }
}

private struct Price: Encodable {
    var amount: Double
}

private struct Basket: Encodable {
    var items: [Price]
}

private struct TwiceTheKey: Encodable {
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: AnyKey.self)
        try container.encode(1, forKey: AnyKey("id"))
        try container.encode("x", forKey: AnyKey("name"))
        try container.encode(2, forKey: AnyKey("id"))
    }
}

/// Returns to a nested container after writing to its parent, which a
/// streaming encoder cannot honour.
private struct GoesBack: Encodable {
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: AnyKey.self)
        var nested = container.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey("inner"))
        try nested.encode(1, forKey: AnyKey("a"))
        try container.encode(2, forKey: AnyKey("b"))
        try nested.encode(3, forKey: AnyKey("c"))
    }
}

private struct SingleValueTwice: Encodable {
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(1)
        try container.encode(2)
    }
}

private struct KeyedThenUnkeyed: Encodable {
    func encode(to encoder: any Encoder) throws {
        var keyed = encoder.container(keyedBy: AnyKey.self)
        try keyed.encode(1, forKey: AnyKey("a"))
        var list = encoder.unkeyedContainer()
        try list.encode(2)
    }
}

private struct Nothing: Encodable {
    func encode(to encoder: any Encoder) throws {}
}

private struct UserError: Error, Equatable {}

private struct ThrowsOwnError: Encodable {
    func encode(to encoder: any Encoder) throws { throw UserError() }
}

private struct ThrowsEncodingError: Encodable {
    func encode(to encoder: any Encoder) throws {
        let container = encoder.container(keyedBy: AnyKey.self)
        throw EncodingError.invalidValue(0, .init(codingPath: container.codingPath + [AnyKey("code")],
                                                  debugDescription: "code must be positive"))
    }
}

@Suite("Encoding errors")
struct EncodingErrorTests {
    @Test func nonFiniteNumbersThrowWithTheirPath() {
        let error = encodingError { _ = try JSONEncoding.encode(Basket(items: [Price(amount: 1), Price(amount: .nan)])) }
        #expect(error == JSONEncodingError(path: "items[1].amount", reason: .nonFiniteNumber("nan")))
        #expect(error?.description == "field 'items[1].amount': cannot encode nan because JSON numbers must be finite")
        let top = encodingError { _ = try JSONEncoding.encode(-Double.infinity) }
        #expect(top == JSONEncodingError(path: "", reason: .nonFiniteNumber("-inf")))
        let inArray = encodingError { _ = try JSONEncoding.encode([1, Float.infinity]) }
        #expect(inArray?.path == "[1]")
        let inValue = encodingError { _ = try JSONEncoding.encode(["v": JSONValue.array([.double(.nan)])]) }
        #expect(inValue?.reason == .nonFiniteNumber("nan"))
    }

    @Test func integersOutsideInt64AreRejectedBecauseTheyCannotBeReadBack() throws {
        struct Big: Encodable {
            var u: UInt64
        }
        #expect(try JSONEncoding.encodeString(Big(u: UInt64(Int64.max))) == #"{"u":9223372036854775807}"#)
        let error = encodingError { _ = try JSONEncoding.encode(Big(u: .max)) }
        #expect(error == JSONEncodingError(path: "u", reason: .integerOutOfRange("18446744073709551615")))
        #expect(error?.description == "field 'u': cannot encode 18446744073709551615 because integers must fit "
            + "in 64-bit signed range; encode it as a string")
        #expect(encodingError { _ = try JSONEncoding.encode([UInt.max]) }?.path == "[0]")
        #expect(encodingError { _ = try JSONEncoding.encode(Int128(Int64.min) - 1) }?.path == "")
        #expect(try JSONEncoding.encodeString([Int128(Int64.min), Int128(Int64.max)]) == "[-9223372036854775808,9223372036854775807]")
    }

    @Test func duplicateKeysAreRejected() {
        let error = encodingError { _ = try JSONEncoding.encode(TwiceTheKey()) }
        #expect(error == JSONEncodingError(path: "id", reason: .duplicateKey("id")))
        #expect(error?.description == "field 'id': key 'id' was encoded twice in the same object")
    }

    @Test func duplicateKeysAreRejectedInLargeObjects() {
        struct Many: Encodable {
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: AnyKey.self)
                for i in 0..<50 { try container.encode(i, forKey: AnyKey("k\(i)")) }
                try container.encode(0, forKey: AnyKey("k7"))
            }
        }
        #expect(encodingError { _ = try JSONEncoding.encode(Many()) }?.reason == .duplicateKey("k7"))
    }

    @Test func sameKeyInDifferentObjectsIsFine() throws {
        #expect(try JSONEncoding.encodeString([Price(amount: 1), Price(amount: 2)]) == #"[{"amount":1.0},{"amount":2.0}]"#)
    }

    @Test func returningToAFinishedContainerThrows() {
        let error = encodingError { _ = try JSONEncoding.encode(GoesBack()) }
        guard case .invalidContainerUse = error?.reason else {
            Issue.record("expected invalidContainerUse, got \(String(describing: error))")
            return
        }
    }

    @Test func singleValueWrittenTwiceThrows() {
        let error = encodingError { _ = try JSONEncoding.encode(SingleValueTwice()) }
        guard case .invalidContainerUse = error?.reason else {
            Issue.record("expected invalidContainerUse, got \(String(describing: error))")
            return
        }
    }

    @Test func conflictingContainerKindsThrow() {
        let error = encodingError { _ = try JSONEncoding.encode(KeyedThenUnkeyed()) }
        guard case .invalidContainerUse = error?.reason else {
            Issue.record("expected invalidContainerUse, got \(String(describing: error))")
            return
        }
    }

    @Test func valueThatEncodesNothingAtTopLevelThrows() {
        #expect(encodingError { _ = try JSONEncoding.encode(Nothing()) } == JSONEncodingError(path: "", reason: .noValue))
    }

    @Test func foreignErrorsPassThroughAndEncodingErrorsAreWrapped() {
        #expect(throws: UserError()) { try JSONEncoding.encode(ThrowsOwnError()) }
        let error = encodingError { _ = try JSONEncoding.encode(ThrowsEncodingError()) }
        #expect(error == JSONEncodingError(path: "code", reason: .invalidValue("code must be positive")))
        #expect(error?.description == "field 'code': code must be positive")
    }
}
