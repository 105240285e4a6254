/// The `Encoder` handed to `encode(to:)`: a reference to one value slot.
struct JSONEncoderImpl: Encoder {
    let core: EncoderCore
    let slot: Int

    var codingPath: [any CodingKey] { core.codingPath(of: slot).map(\.codingKey) }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(KeyedEncoder<Key>(core: core, id: core.openContainer(inSlot: slot, object: true)))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        UnkeyedEncoder(core: core, id: core.openContainer(inSlot: slot, object: false))
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleValueEncoder(core: core, slot: slot)
    }
}

/// Writes the members of one JSON object.
struct KeyedEncoder<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let core: EncoderCore
    let id: Int

    var codingPath: [any CodingKey] { core.codingPath(of: id).map(\.codingKey) }

    mutating func encodeNil(forKey key: Key) throws {
        try core.writeKey(key.stringValue, in: id)
        core.out.writeNull()
    }

    mutating func encode(_ value: Bool, forKey key: Key) throws {
        try core.writeKey(key.stringValue, in: id)
        core.out.write(value)
    }

    mutating func encode(_ value: String, forKey key: Key) throws {
        try core.writeKey(key.stringValue, in: id)
        core.out.write(value)
    }

    mutating func encode(_ value: Double, forKey key: Key) throws {
        let name = key.stringValue
        try core.writeKey(name, in: id)
        try core.writeDouble(value, component: .key(name))
    }

    mutating func encode(_ value: Float, forKey key: Key) throws {
        let name = key.stringValue
        try core.writeKey(name, in: id)
        try core.writeFloat(value, component: .key(name))
    }

    @inline(__always)
    mutating func encodeInteger<T: FixedWidthInteger>(_ value: T, forKey key: Key) throws {
        let name = key.stringValue
        try core.writeKey(name, in: id)
        try core.writeInteger(value, component: .key(name))
    }

    mutating func encode(_ value: Int, forKey key: Key) throws { try encodeInteger(value, forKey: key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try encodeInteger(value, forKey: key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try encodeInteger(value, forKey: key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try encodeInteger(value, forKey: key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try encodeInteger(value, forKey: key) }
    mutating func encode(_ value: Int128, forKey key: Key) throws { try encodeInteger(value, forKey: key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try encodeInteger(value, forKey: key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try encodeInteger(value, forKey: key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try encodeInteger(value, forKey: key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try encodeInteger(value, forKey: key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try encodeInteger(value, forKey: key) }
    mutating func encode(_ value: UInt128, forKey key: Key) throws { try encodeInteger(value, forKey: key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        let name = key.stringValue
        try core.writeKey(name, in: id)
        try core.encodeNested(value, component: .key(name))
    }

    // `encodeIfPresent` honours `NullEncoding` for every overload; the standard
    // library's default implementations would always omit the key.

    @inline(__always)
    mutating func absent(_ key: Key) throws {
        if core.nulls == .explicit { try encodeNil(forKey: key) }
    }

    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try absent(key) }
    }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try absent(key) }
    }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try absent(key) }
    }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try absent(key) }
    }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws {
        if let value { try encodeInteger(value, forKey: key) } else { try absent(key) }
    }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws {
        if let value { try encodeInteger(value, forKey: key) } else { try absent(key) }
    }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws {
        if let value { try encodeInteger(value, forKey: key) } else { try absent(key) }
    }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws {
        if let value { try encodeInteger(value, forKey: key) } else { try absent(key) }
    }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws {
        if let value { try encodeInteger(value, forKey: key) } else { try absent(key) }
    }
    mutating func encodeIfPresent(_ value: Int128?, forKey key: Key) throws {
        if let value { try encodeInteger(value, forKey: key) } else { try absent(key) }
    }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws {
        if let value { try encodeInteger(value, forKey: key) } else { try absent(key) }
    }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws {
        if let value { try encodeInteger(value, forKey: key) } else { try absent(key) }
    }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws {
        if let value { try encodeInteger(value, forKey: key) } else { try absent(key) }
    }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws {
        if let value { try encodeInteger(value, forKey: key) } else { try absent(key) }
    }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws {
        if let value { try encodeInteger(value, forKey: key) } else { try absent(key) }
    }
    mutating func encodeIfPresent(_ value: UInt128?, forKey key: Key) throws {
        if let value { try encodeInteger(value, forKey: key) } else { try absent(key) }
    }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try absent(key) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(KeyedEncoder<NestedKey>(core: core, id: nested(object: true, key: key.stringValue)))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        UnkeyedEncoder(core: core, id: nested(object: false, key: key.stringValue))
    }

    private func nested(object: Bool, key: String) -> Int {
        do {
            try core.writeKey(key, in: id)
        } catch {
            core.record(error)
            return 0
        }
        return core.pushContainer(object: object, component: .key(key))
    }

    mutating func superEncoder() -> any Encoder {
        superEncoder(named: "super")
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        superEncoder(named: key.stringValue)
    }

    private func superEncoder(named name: String) -> any Encoder {
        do {
            try core.writeKey(name, in: id)
        } catch {
            core.record(error)
            return JSONEncoderImpl(core: core, slot: 0)
        }
        return JSONEncoderImpl(core: core, slot: core.pushSlot(.key(name)))
    }
}

/// Writes the elements of one JSON array.
struct UnkeyedEncoder: UnkeyedEncodingContainer {
    let core: EncoderCore
    let id: Int
    private(set) var count = 0

    init(core: EncoderCore, id: Int) {
        self.core = core
        self.id = id
    }

    var codingPath: [any CodingKey] { core.codingPath(of: id).map(\.codingKey) }

    mutating func encodeNil() throws {
        try core.activate(id)
        core.out.writeNull()
        count += 1
    }

    mutating func encode(_ value: Bool) throws {
        try core.activate(id)
        core.out.write(value)
        count += 1
    }

    mutating func encode(_ value: String) throws {
        try core.activate(id)
        core.out.write(value)
        count += 1
    }

    mutating func encode(_ value: Double) throws {
        try core.activate(id)
        try core.writeDouble(value, component: .index(count))
        count += 1
    }

    mutating func encode(_ value: Float) throws {
        try core.activate(id)
        try core.writeFloat(value, component: .index(count))
        count += 1
    }

    @inline(__always)
    mutating func encodeInteger<T: FixedWidthInteger>(_ value: T) throws {
        try core.activate(id)
        try core.writeInteger(value, component: .index(count))
        count += 1
    }

    mutating func encode(_ value: Int) throws { try encodeInteger(value) }
    mutating func encode(_ value: Int8) throws { try encodeInteger(value) }
    mutating func encode(_ value: Int16) throws { try encodeInteger(value) }
    mutating func encode(_ value: Int32) throws { try encodeInteger(value) }
    mutating func encode(_ value: Int64) throws { try encodeInteger(value) }
    mutating func encode(_ value: Int128) throws { try encodeInteger(value) }
    mutating func encode(_ value: UInt) throws { try encodeInteger(value) }
    mutating func encode(_ value: UInt8) throws { try encodeInteger(value) }
    mutating func encode(_ value: UInt16) throws { try encodeInteger(value) }
    mutating func encode(_ value: UInt32) throws { try encodeInteger(value) }
    mutating func encode(_ value: UInt64) throws { try encodeInteger(value) }
    mutating func encode(_ value: UInt128) throws { try encodeInteger(value) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try core.activate(id)
        try core.encodeNested(value, component: .index(count))
        count += 1
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(KeyedEncoder<NestedKey>(core: core, id: nested(object: true)))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        UnkeyedEncoder(core: core, id: nested(object: false))
    }

    private mutating func nested(object: Bool) -> Int {
        guard core.activateDeferred(id) else { return 0 }
        count += 1
        return core.pushContainer(object: object, component: .index(count - 1))
    }

    mutating func superEncoder() -> any Encoder {
        guard core.activateDeferred(id) else { return JSONEncoderImpl(core: core, slot: 0) }
        count += 1
        return JSONEncoderImpl(core: core, slot: core.pushSlot(.index(count - 1)))
    }
}

/// Writes the single value of one slot.
struct SingleValueEncoder: SingleValueEncodingContainer {
    let core: EncoderCore
    let slot: Int

    var codingPath: [any CodingKey] { core.codingPath(of: slot).map(\.codingKey) }

    mutating func encodeNil() throws {
        try core.fillSlot(slot)
        core.out.writeNull()
    }

    mutating func encode(_ value: Bool) throws {
        try core.fillSlot(slot)
        core.out.write(value)
    }

    mutating func encode(_ value: String) throws {
        try core.fillSlot(slot)
        core.out.write(value)
    }

    mutating func encode(_ value: Double) throws {
        try core.fillSlot(slot)
        try core.writeDouble(value, component: nil)
    }

    mutating func encode(_ value: Float) throws {
        try core.fillSlot(slot)
        try core.writeFloat(value, component: nil)
    }

    @inline(__always)
    mutating func encodeInteger<T: FixedWidthInteger>(_ value: T) throws {
        try core.fillSlot(slot)
        try core.writeInteger(value, component: nil)
    }

    mutating func encode(_ value: Int) throws { try encodeInteger(value) }
    mutating func encode(_ value: Int8) throws { try encodeInteger(value) }
    mutating func encode(_ value: Int16) throws { try encodeInteger(value) }
    mutating func encode(_ value: Int32) throws { try encodeInteger(value) }
    mutating func encode(_ value: Int64) throws { try encodeInteger(value) }
    mutating func encode(_ value: Int128) throws { try encodeInteger(value) }
    mutating func encode(_ value: UInt) throws { try encodeInteger(value) }
    mutating func encode(_ value: UInt8) throws { try encodeInteger(value) }
    mutating func encode(_ value: UInt16) throws { try encodeInteger(value) }
    mutating func encode(_ value: UInt32) throws { try encodeInteger(value) }
    mutating func encode(_ value: UInt64) throws { try encodeInteger(value) }
    mutating func encode(_ value: UInt128) throws { try encodeInteger(value) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try core.encode(value, intoSlot: slot)
    }
}
