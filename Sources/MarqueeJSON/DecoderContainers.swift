/// Reads the members of one JSON object.
///
/// Each typed `decode` tries an inlined fast path (member found, exact JSON
/// type, value in range) and only on failure goes through `DecodingSite`,
/// which works out the precise error.
struct KeyedDecoder<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: JSONDecoderImpl

    var codingPath: [any CodingKey] { decoder.codingPath }
    var allKeys: [Key] { decoder.members.compactMap { Key(stringValue: $0.key) } }

    @inline(__always)
    func required<T>(
        _ key: Key, _ fast: (JSONValue) -> T?, _ slow: (DecodingSite, JSONValue) throws -> T
    ) throws -> T {
        let name = key.stringValue
        if let index = decoder.find(name), let result = fast(decoder.members[index].value) { return result }
        return try decoder.member(name, slow)
    }

    @inline(__always)
    func optional<T>(
        _ key: Key, _ fast: (JSONValue) -> T?, _ slow: (DecodingSite, JSONValue) throws -> T
    ) throws -> T? {
        let name = key.stringValue
        guard let index = decoder.find(name) else { return nil }
        if let result = fast(decoder.members[index].value) { return result }
        if decoder.members[index].value.isNull { return nil }
        return try decoder.member(name, slow)
    }

    func contains(_ key: Key) -> Bool {
        decoder.find(key.stringValue) != nil
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        try required(key, { $0.isNull }, { _, value in value.isNull })
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool {
        try required(key, { $0.boolValue }, { try $0.bool($1) })
    }
    func decode(_ type: String.Type, forKey key: Key) throws -> String {
        try required(key, { $0.stringValue }, { try $0.string($1) })
    }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
        try required(key, { $0.doubleValue }, { try $0.double($1) })
    }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float {
        try required(key, { _ in nil }, { try $0.float($1) })
    }
    @inline(__always)
    func integer<T: FixedWidthInteger>(_ key: Key, _ type: T.Type) throws -> T {
        try required(key, { $0.exactInteger(T.self) }, { try $0.integer($1, T.self) })
    }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try integer(key, type) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try integer(key, type) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try integer(key, type) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try integer(key, type) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try integer(key, type) }
    func decode(_ type: Int128.Type, forKey key: Key) throws -> Int128 { try integer(key, type) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try integer(key, type) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try integer(key, type) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try integer(key, type) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try integer(key, type) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try integer(key, type) }
    func decode(_ type: UInt128.Type, forKey key: Key) throws -> UInt128 { try integer(key, type) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try required(key, { _ in nil }, { try $0.decode(type, from: $1) })
    }

    // One lookup instead of the default `contains` + `decodeNil` + `decode`.
    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
        try optional(key, { $0.boolValue }, { try $0.bool($1) })
    }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
        try optional(key, { $0.stringValue }, { try $0.string($1) })
    }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? {
        try optional(key, { $0.doubleValue }, { try $0.double($1) })
    }
    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? {
        try optional(key, { _ in nil }, { try $0.float($1) })
    }
    @inline(__always)
    func optionalInteger<T: FixedWidthInteger>(_ key: Key, _ type: T.Type) throws -> T? {
        try optional(key, { $0.exactInteger(T.self) }, { try $0.integer($1, T.self) })
    }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try optionalInteger(key, type) }
    func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? { try optionalInteger(key, type) }
    func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? { try optionalInteger(key, type) }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try optionalInteger(key, type) }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try optionalInteger(key, type) }
    func decodeIfPresent(_ type: Int128.Type, forKey key: Key) throws -> Int128? { try optionalInteger(key, type) }
    func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? { try optionalInteger(key, type) }
    func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? { try optionalInteger(key, type) }
    func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? { try optionalInteger(key, type) }
    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? { try optionalInteger(key, type) }
    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? { try optionalInteger(key, type) }
    func decodeIfPresent(_ type: UInt128.Type, forKey key: Key) throws -> UInt128? { try optionalInteger(key, type) }
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        try optional(key, { _ in nil }, { try $0.decode(type, from: $1) })
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type, forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try decoder.member(key.stringValue) { site, value in try site.childDecoder(value).container(keyedBy: type) }
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder.member(key.stringValue) { site, value in try site.childDecoder(value).unkeyedContainer() }
    }

    func superDecoder() throws -> any Decoder {
        superDecoder(named: "super")
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        superDecoder(named: key.stringValue)
    }

    /// Like Foundation, a missing key yields a decoder for `null`.
    private func superDecoder(named name: String) -> any Decoder {
        let value = decoder.find(name).map { decoder.members[$0].value } ?? .null
        return DecodingSite(decoder: decoder, component: .key(name)).childDecoder(value)
    }
}

/// Reads the elements of one JSON array. An element is consumed only when it
/// decodes successfully.
struct UnkeyedDecoder: UnkeyedDecodingContainer {
    let decoder: JSONDecoderImpl
    let elements: [JSONValue]
    private(set) var currentIndex = 0

    init(decoder: JSONDecoderImpl, elements: [JSONValue]) {
        self.decoder = decoder
        self.elements = elements
    }

    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    @inline(__always)
    mutating func next<T>(_ type: T.Type, _ convert: (DecodingSite, JSONValue) throws -> T) throws -> T {
        let site = DecodingSite(decoder: decoder, component: .index(currentIndex))
        guard currentIndex < elements.count else { throw site.missingElement(type: type) }
        let result = try convert(site, elements[currentIndex])
        currentIndex += 1
        return result
    }

    mutating func decodeNil() throws -> Bool {
        guard currentIndex < elements.count else {
            throw DecodingSite(decoder: decoder, component: .index(currentIndex)).missingElement(type: Never?.self)
        }
        guard elements[currentIndex].isNull else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try next(type) { try $0.bool($1) } }
    mutating func decode(_ type: String.Type) throws -> String { try next(type) { try $0.string($1) } }
    mutating func decode(_ type: Double.Type) throws -> Double { try next(type) { try $0.double($1) } }
    mutating func decode(_ type: Float.Type) throws -> Float { try next(type) { try $0.float($1) } }
    mutating func decode(_ type: Int.Type) throws -> Int { try next(type) { try $0.integer($1, type) } }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try next(type) { try $0.integer($1, type) } }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try next(type) { try $0.integer($1, type) } }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try next(type) { try $0.integer($1, type) } }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try next(type) { try $0.integer($1, type) } }
    mutating func decode(_ type: Int128.Type) throws -> Int128 { try next(type) { try $0.integer($1, type) } }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try next(type) { try $0.integer($1, type) } }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try next(type) { try $0.integer($1, type) } }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try next(type) { try $0.integer($1, type) } }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try next(type) { try $0.integer($1, type) } }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try next(type) { try $0.integer($1, type) } }
    mutating func decode(_ type: UInt128.Type) throws -> UInt128 { try next(type) { try $0.integer($1, type) } }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next(type) { try $0.decode(type, from: $1) } }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try next(KeyedDecodingContainer<NestedKey>.self) { site, value in
            try site.childDecoder(value).container(keyedBy: type)
        }
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try next((any UnkeyedDecodingContainer).self) { site, value in try site.childDecoder(value).unkeyedContainer() }
    }

    mutating func superDecoder() throws -> any Decoder {
        try next((any Decoder).self) { site, value in site.childDecoder(value) }
    }
}

/// Reads the single value of one decoder.
struct SingleValueDecoder: SingleValueDecodingContainer {
    let decoder: JSONDecoderImpl

    var codingPath: [any CodingKey] { decoder.codingPath }
    private var site: DecodingSite { DecodingSite(decoder: decoder, component: nil) }

    func decodeNil() -> Bool { decoder.value.isNull }

    func decode(_ type: Bool.Type) throws -> Bool { try site.bool(decoder.value) }
    func decode(_ type: String.Type) throws -> String { try site.string(decoder.value) }
    func decode(_ type: Double.Type) throws -> Double { try site.double(decoder.value) }
    func decode(_ type: Float.Type) throws -> Float { try site.float(decoder.value) }
    func decode(_ type: Int.Type) throws -> Int { try site.integer(decoder.value, type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try site.integer(decoder.value, type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try site.integer(decoder.value, type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try site.integer(decoder.value, type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try site.integer(decoder.value, type) }
    func decode(_ type: Int128.Type) throws -> Int128 { try site.integer(decoder.value, type) }
    func decode(_ type: UInt.Type) throws -> UInt { try site.integer(decoder.value, type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try site.integer(decoder.value, type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try site.integer(decoder.value, type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try site.integer(decoder.value, type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try site.integer(decoder.value, type) }
    func decode(_ type: UInt128.Type) throws -> UInt128 { try site.integer(decoder.value, type) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try site.decode(type, from: decoder.value) }
}
