/// The shared state of one `JSONDecoding.decode` call.
final class DecoderCore {
    let rejectUnknownKeys: Bool
    /// Objects opened as keyed containers, in the order they were first opened
    /// (tracked only with `rejectUnknownKeys`).
    var usages: [KeyUsage] = []
    /// Index over `usages` by object storage, built once there are many.
    var usageIndex: [UnsafeRawPointer: KeyUsage] = [:]

    init(rejectUnknownKeys: Bool) {
        self.rejectUnknownKeys = rejectUnknownKeys
    }

    /// Drops the usage records, which reference decoders that reference this
    /// core; called when a decode call ends so that nothing outlives it.
    func finish() {
        usages.removeAll()
        usageIndex.removeAll()
    }

    /// The key-usage record for `object`, shared by every container opened on
    /// the same object (found by the identity of its member storage, which all
    /// copies of one parsed object share). `nil` for an empty object.
    func usage(for decoder: JSONDecoderImpl, object: JSONObject) -> KeyUsage? {
        guard let storage = object.entries.withUnsafeBufferPointer({ $0.baseAddress }) else { return nil }
        let id = UnsafeRawPointer(storage)
        if usages.count <= 16 {
            for usage in usages where usage.storage == id { return usage }
        } else {
            if usageIndex.isEmpty { for usage in usages { usageIndex[usage.storage] = usage } }
            if let usage = usageIndex[id] { return usage }
        }
        let usage = KeyUsage(decoder: decoder, object: object, storage: id)
        usages.append(usage)
        if !usageIndex.isEmpty { usageIndex[id] = usage }
        return usage
    }

    /// Throws for the first member (in decoding order) that nothing asked for.
    func checkUnknownKeys() throws(JSONDecodingError) {
        for usage in usages {
            guard let index = usage.used.firstIndex(of: false) else { continue }
            let name = usage.object.entries[index].key
            let components = usage.components
            throw JSONDecodingError(
                path: PathComponent.render(components + [.key(name)]),
                reason: .unknownField(name: name, objectPath: PathComponent.render(components)))
        }
    }

    /// Turns a `DecodingError` into the public error type.
    static func publicError(_ error: DecodingError) -> any Error {
        let context: DecodingError.Context
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c), .dataCorrupted(let c):
            context = c
        @unknown default:
            return error
        }
        if let underlying = context.underlyingError as? JSONDecodingError { return underlying }
        if case .keyNotFound(let key, _) = error {
            return JSONDecodingError(path: PathComponent.render(codingPath: context.codingPath + [key]),
                                     reason: .missingField)
        }
        return JSONDecodingError(path: PathComponent.render(codingPath: context.codingPath),
                                 reason: .invalidValue(context.debugDescription))
    }
}

/// Which members of one object have been asked for.
///
/// Holds the opening decoder's *parent* and its own path component rather than
/// the decoder itself, so that decoder → usage → decoder never forms a cycle.
final class KeyUsage {
    let parent: JSONDecoderImpl?
    let component: PathComponent?
    let object: JSONObject
    let storage: UnsafeRawPointer
    @exclusivity(unchecked) var used: [Bool]

    init(decoder: JSONDecoderImpl, object: JSONObject, storage: UnsafeRawPointer) {
        self.parent = decoder.parent
        self.component = decoder.component
        self.object = object
        self.storage = storage
        self.used = Array(repeating: false, count: object.count)
    }

    /// The path of the object.
    var components: [PathComponent] {
        var path = parent?.components ?? []
        if let component { path.append(component) }
        return path
    }
}

/// The `Decoder` handed to `init(from:)`: one JSON value plus its path, which
/// is kept as a chain of parent decoders and only rendered when needed.
final class JSONDecoderImpl: Decoder {
    let core: DecoderCore
    let value: JSONValue
    let parent: JSONDecoderImpl?
    let component: PathComponent?
    /// Where the next keyed lookup starts: fields are usually read in document order.
    @exclusivity(unchecked) var hint = 0
    @exclusivity(unchecked) var usage: KeyUsage?
    /// The members of `value` once a keyed container has been opened on it.
    @exclusivity(unchecked) var members: [JSONObject.Entry] = []

    init(core: DecoderCore, value: JSONValue, parent: JSONDecoderImpl?, component: PathComponent?) {
        self.core = core
        self.value = value
        self.parent = parent
        self.component = component
    }

    var components: [PathComponent] {
        var reversed: [PathComponent] = []
        var node: JSONDecoderImpl? = self
        while let current = node {
            if let component = current.component { reversed.append(component) }
            node = current.parent
        }
        return reversed.reversed()
    }

    var codingPath: [any CodingKey] { components.map(\.codingKey) }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// The index of member `name` of this object, marked as used. Members are
    /// usually read in document order, so the search starts after the last hit.
    @inline(__always)
    func find(_ name: String) -> Int? {
        if hint < members.count && utf8Equal(members[hint].key, name) { return found(hint) }
        return findSlow(name)
    }

    func findSlow(_ name: String) -> Int? {
        for index in members.indices where utf8Equal(members[index].key, name) {
            return found(index)
        }
        return nil
    }

    @inline(__always)
    private func found(_ index: Int) -> Int {
        hint = index + 1
        if let usage { usage.used[index] = true }
        return index
    }

    /// Converts member `name` with `convert`, or throws `missingField`.
    func member<T>(_ name: String, _ convert: (DecodingSite, JSONValue) throws -> T) throws -> T {
        let site = DecodingSite(decoder: self, component: .key(name))
        guard let index = find(name) else { throw site.missingField() }
        return try convert(site, members[index].value)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let object) = value else {
            throw DecodingSite(decoder: self, component: nil).mismatch(expected: "an object", found: value, type: [String: Int].self)
        }
        if core.rejectUnknownKeys && usage == nil { usage = core.usage(for: self, object: object) }
        members = object.entries
        return KeyedDecodingContainer(KeyedDecoder<Key>(decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = value else {
            throw DecodingSite(decoder: self, component: nil).mismatch(expected: "an array", found: value, type: [Int].self)
        }
        return UnkeyedDecoder(decoder: self, elements: elements)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleValueDecoder(decoder: self)
    }

    func decodeFast<T: Decodable>(_ type: T.Type) throws -> T? {
        try DecodingSite(decoder: self, component: nil).decodeFast(type, from: value)
    }
}

/// A value's position for error messages: a decoder plus, for container
/// members, the key or index below it. Converts JSON values to Swift types strictly.
struct DecodingSite {
    let decoder: JSONDecoderImpl
    let component: PathComponent?

    var components: [PathComponent] {
        var path = decoder.components
        if let component { path.append(component) }
        return path
    }

    /// A decoder for `value` at this site (the same decoder when there is no extra component).
    func childDecoder(_ value: JSONValue) -> JSONDecoderImpl {
        guard let component else { return decoder }
        return JSONDecoderImpl(core: decoder.core, value: value, parent: decoder, component: component)
    }

    func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        if let fast = try decodeFast(type, from: value) { return fast }
        return try T(from: childDecoder(value))
    }

    /// Decodes common leaf types without creating a decoder.
    @inline(__always)
    func decodeFast<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T? {
        if T.self == String.self { return unsafeBitCast(try string(value), to: T.self) }
        if T.self == Int.self { return unsafeBitCast(try integer(value, Int.self), to: T.self) }
        if T.self == Int64.self { return unsafeBitCast(try integer(value, Int64.self), to: T.self) }
        if T.self == Double.self { return unsafeBitCast(try double(value), to: T.self) }
        if T.self == Bool.self { return unsafeBitCast(try bool(value), to: T.self) }
        if T.self == JSONValue.self { return unsafeBitCast(value, to: T.self) }
        return nil
    }

    func bool(_ value: JSONValue) throws -> Bool {
        if case .bool(let result) = value { return result }
        throw mismatch(expected: "a boolean", found: value, type: Bool.self)
    }

    func string(_ value: JSONValue) throws -> String {
        if case .string(let result) = value { return result }
        throw mismatch(expected: "a string", found: value, type: String.self)
    }

    func integer<T: FixedWidthInteger>(_ value: JSONValue, _ type: T.Type) throws -> T {
        switch value {
        case .integer(let number):
            if let result = T(exactly: number) { return result }
            throw unrepresentable(expected: Self.range(of: T.self), found: String(number), type: T.self)
        case .double(let number):
            // Integer fields never take a number written with a fraction or exponent, and
            // integer literals beyond Int64 (parsed as doubles) are out of the supported range.
            if Self.isIntegral(number) && (number.magnitude >= 0x1p63 || T(exactly: Int64(number)) == nil) {
                throw unrepresentable(expected: Self.range(of: T.self), found: "\(number)", type: T.self)
            }
            throw unrepresentable(expected: "an integer",
                                  found: "a number with a fraction or exponent (\(number))", type: T.self)
        default:
            throw mismatch(expected: "an integer", found: value, type: T.self)
        }
    }

    func double(_ value: JSONValue) throws -> Double {
        switch value {
        case .double(let number): return number
        case .integer(let number): return Double(number)
        default: throw mismatch(expected: "a number", found: value, type: Double.self)
        }
    }

    func float(_ value: JSONValue) throws -> Float {
        let number = try double(value)
        let result = Float(number)
        if result.isInfinite && number.isFinite {
            throw unrepresentable(expected: "a number within the range of a 32-bit float",
                                  found: "\(number)", type: Float.self)
        }
        return result
    }

    /// The range an integer field accepts: the type's range, limited to Int64's
    /// because JSON integers are read as `Int64`.
    static func range<T: FixedWidthInteger>(of type: T.Type) -> String {
        let fitsInt64 = T.bitWidth < 64 || (T.bitWidth == 64 && T.isSigned)
        if fitsInt64 { return "an integer between \(T.min) and \(T.max)" }
        return "an integer between \(T.isSigned ? String(Int64.min) : "0") and \(Int64.max)"
    }

    /// Whether a finite double has no fractional part (decided from its bits,
    /// which avoids a libm dependency).
    static func isIntegral(_ number: Double) -> Bool {
        guard number.isFinite else { return false }
        if number == 0 { return true }
        let exponent = number.exponent
        if exponent >= 52 { return true }
        if exponent < 0 { return false }
        return number.significandBitPattern & ((1 << UInt64(52 - exponent)) - 1) == 0
    }

    static func kind(of value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "a boolean"
        case .integer, .double: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    // MARK: Errors

    func mismatch(expected: String, found value: JSONValue, type: Any.Type) -> DecodingError {
        let error = JSONDecodingError(path: PathComponent.render(components),
                                      reason: .typeMismatch(expected: expected, found: Self.kind(of: value)))
        let context = DecodingError.Context(codingPath: components.map(\.codingKey),
                                            debugDescription: error.description, underlyingError: error)
        if case .null = value { return .valueNotFound(type, context) }
        return .typeMismatch(type, context)
    }

    func unrepresentable(expected: String, found: String, type: Any.Type) -> DecodingError {
        let error = JSONDecodingError(path: PathComponent.render(components),
                                      reason: .unrepresentable(expected: expected, found: found))
        return .dataCorrupted(.init(codingPath: components.map(\.codingKey),
                                    debugDescription: error.description, underlyingError: error))
    }

    /// The object at this site's decoder has no member `component`.
    func missingField() -> DecodingError {
        let error = JSONDecodingError(path: PathComponent.render(components), reason: .missingField)
        return .keyNotFound(component?.codingKey ?? AnyCodingKey(stringValue: ""),
                            .init(codingPath: decoder.codingPath, debugDescription: error.description,
                                  underlyingError: error))
    }

    /// The array at this site's decoder has no element `component`.
    func missingElement(type: Any.Type) -> DecodingError {
        let error = JSONDecodingError(path: PathComponent.render(components), reason: .missingElement)
        return .valueNotFound(type, .init(codingPath: components.map(\.codingKey),
                                          debugDescription: error.description, underlyingError: error))
    }
}
