/// A STUN attribute type (RFC 8489 §14, RFC 8445 §16.1). Types below 0x8000 are
/// comprehension-required: a request carrying one we do not know gets 420.
public struct STUNAttributeType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let mappedAddress = STUNAttributeType(rawValue: 0x0001)
    public static let username = STUNAttributeType(rawValue: 0x0006)
    public static let messageIntegrity = STUNAttributeType(rawValue: 0x0008)
    public static let errorCode = STUNAttributeType(rawValue: 0x0009)
    public static let unknownAttributes = STUNAttributeType(rawValue: 0x000A)
    public static let realm = STUNAttributeType(rawValue: 0x0014)
    public static let nonce = STUNAttributeType(rawValue: 0x0015)
    public static let messageIntegritySHA256 = STUNAttributeType(rawValue: 0x001C)
    public static let passwordAlgorithm = STUNAttributeType(rawValue: 0x001D)
    public static let userhash = STUNAttributeType(rawValue: 0x001E)
    public static let xorMappedAddress = STUNAttributeType(rawValue: 0x0020)
    public static let priority = STUNAttributeType(rawValue: 0x0024)
    public static let useCandidate = STUNAttributeType(rawValue: 0x0025)
    public static let software = STUNAttributeType(rawValue: 0x8022)
    public static let alternateServer = STUNAttributeType(rawValue: 0x8023)
    public static let fingerprint = STUNAttributeType(rawValue: 0x8028)
    public static let iceControlled = STUNAttributeType(rawValue: 0x8029)
    public static let iceControlling = STUNAttributeType(rawValue: 0x802A)

    /// RFC 8489 §14: 0x0000–0x7FFF must be understood by the receiver.
    public var isComprehensionRequired: Bool { rawValue < 0x8000 }

    public var description: String { "0x" + String(rawValue, radix: 16) }
}

/// One attribute as it is on the wire: type and value (without padding).
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Type                  |            Length             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         Value (variable)                ....
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
public struct STUNAttribute: Hashable, Sendable {
    public var type: STUNAttributeType
    public var value: [UInt8]

    public init(type: STUNAttributeType, value: [UInt8]) {
        self.type = type
        self.value = value
    }
}

// MARK: - Constructors for the attributes ICE uses

extension STUNAttribute {
    /// USERNAME (RFC 8489 §14.3): UTF-8, under 513 bytes. For ICE: `receiverUfrag:senderUfrag`.
    public static func username(_ name: String) -> STUNAttribute {
        STUNAttribute(type: .username, value: Array(name.utf8))
    }

    /// SOFTWARE (RFC 8489 §14.14).
    public static func software(_ text: String) -> STUNAttribute {
        STUNAttribute(type: .software, value: Array(text.utf8))
    }

    /// PRIORITY (RFC 8445 §7.1.1).
    public static func priority(_ priority: UInt32) -> STUNAttribute {
        var v: [UInt8] = []
        v.appendBigEndian(priority)
        return STUNAttribute(type: .priority, value: v)
    }

    /// USE-CANDIDATE (RFC 8445 §7.1.2): no value.
    public static let useCandidate = STUNAttribute(type: .useCandidate, value: [])

    /// ICE-CONTROLLING with the sender's tiebreaker (RFC 8445 §7.1.3).
    public static func iceControlling(_ tiebreaker: UInt64) -> STUNAttribute {
        var v: [UInt8] = []
        v.appendBigEndian(tiebreaker)
        return STUNAttribute(type: .iceControlling, value: v)
    }

    /// ICE-CONTROLLED with the sender's tiebreaker (RFC 8445 §7.1.3).
    public static func iceControlled(_ tiebreaker: UInt64) -> STUNAttribute {
        var v: [UInt8] = []
        v.appendBigEndian(tiebreaker)
        return STUNAttribute(type: .iceControlled, value: v)
    }

    /// ERROR-CODE (RFC 8489 §14.8): `code` 300–699 and a short reason phrase.
    public static func errorCode(_ code: Int, reason: String) -> STUNAttribute {
        let clamped = min(max(code, 300), 699)
        var v: [UInt8] = [0, 0, UInt8(clamped / 100), UInt8(clamped % 100)]
        v.append(contentsOf: reason.utf8.prefix(763))
        return STUNAttribute(type: .errorCode, value: v)
    }

    /// UNKNOWN-ATTRIBUTES (RFC 8489 §14.9).
    public static func unknownAttributes(_ types: [STUNAttributeType]) -> STUNAttribute {
        var v: [UInt8] = []
        for t in types { v.appendBigEndian(t.rawValue) }
        return STUNAttribute(type: .unknownAttributes, value: v)
    }

    /// MAPPED-ADDRESS (RFC 8489 §14.1), plain address.
    public static func mappedAddress(_ address: STUNTransportAddress) -> STUNAttribute {
        STUNAttribute(type: .mappedAddress, value: encodeAddress(address, xorWith: nil))
    }

    /// XOR-MAPPED-ADDRESS (RFC 8489 §14.2): port XOR the cookie's top half, address XOR
    /// cookie (IPv4) or cookie ‖ transaction ID (IPv6).
    public static func xorMappedAddress(_ address: STUNTransportAddress, transactionID: STUNTransactionID) -> STUNAttribute {
        STUNAttribute(type: .xorMappedAddress, value: encodeAddress(address, xorWith: transactionID))
    }

    static func encodeAddress(_ address: STUNTransportAddress, xorWith transactionID: STUNTransactionID?) -> [UInt8] {
        var v: [UInt8] = [0]
        let cookie = STUNMessage.magicCookie
        let portMask: UInt16 = transactionID == nil ? 0 : UInt16(cookie >> 16)
        switch address.ip {
        case .v4(let a):
            v.append(0x01)
            v.appendBigEndian(address.port ^ portMask)
            v.appendBigEndian(transactionID == nil ? a : a ^ cookie)
        case .v6(let h, let l):
            v.append(0x02)
            v.appendBigEndian(address.port ^ portMask)
            if let tid = transactionID {
                v.appendBigEndian(h ^ (UInt64(cookie) << 32 | tid.high >> 32))
                v.appendBigEndian(l ^ (tid.high << 32 | UInt64(tid.low)))
            } else {
                v.appendBigEndian(h)
                v.appendBigEndian(l)
            }
        }
        return v
    }
}

// MARK: - Typed readers

extension STUNAttribute {
    /// The value as UTF-8 text (USERNAME, SOFTWARE, REALM, NONCE).
    public func text() throws(STUNError) -> String {
        guard let s = String(validating: value, as: UTF8.self) else {
            throw .invalidAttribute(type: type.rawValue, reason: "not valid UTF-8")
        }
        return s
    }

    /// A fixed-size big-endian integer value (PRIORITY: 4, ICE-CONTROLLING/CONTROLLED: 8).
    func integer(bytes size: Int) throws(STUNError) -> UInt64 {
        guard value.count == size else {
            throw .invalidAttribute(type: type.rawValue, reason: "length \(value.count), expected \(size)")
        }
        return value.reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// Decodes MAPPED-ADDRESS (`transactionID == nil`) or XOR-MAPPED-ADDRESS.
    public func address(xorWith transactionID: STUNTransactionID?) throws(STUNError) -> STUNTransportAddress {
        guard value.count >= 4 else {
            throw .invalidAttribute(type: type.rawValue, reason: "address shorter than 4 bytes")
        }
        let family = value[1]
        let cookie = STUNMessage.magicCookie
        let rawPort = UInt16(value[2]) << 8 | UInt16(value[3])
        let port = transactionID == nil ? rawPort : rawPort ^ UInt16(cookie >> 16)
        switch (family, value.count) {
        case (0x01, 8):
            let a = value[4...].reduce(0) { $0 << 8 | UInt32($1) }
            return STUNTransportAddress(ip: .v4(transactionID == nil ? a : a ^ cookie), port: port)
        case (0x02, 20):
            var h: UInt64 = 0
            var l: UInt64 = 0
            for i in 4..<12 { h = h << 8 | UInt64(value[i]) }
            for i in 12..<20 { l = l << 8 | UInt64(value[i]) }
            if let tid = transactionID {
                h ^= UInt64(cookie) << 32 | tid.high >> 32
                l ^= tid.high << 32 | UInt64(tid.low)
            }
            return STUNTransportAddress(ip: .v6(high: h, low: l), port: port)
        default:
            throw .invalidAttribute(type: type.rawValue, reason: "family \(family) with length \(value.count)")
        }
    }
}

/// ERROR-CODE's content (RFC 8489 §14.8).
public struct STUNErrorCode: Hashable, Sendable {
    /// 300–699.
    public var code: Int
    public var reason: String

    public init(code: Int, reason: String) {
        self.code = code
        self.reason = reason
    }

    public static let badRequest = 400
    public static let unauthorized = 401
    public static let unknownAttribute = 420
    public static let roleConflict = 487
}
