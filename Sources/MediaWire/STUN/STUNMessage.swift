/// A STUN message (RFC 8489 §5), parsed strictly and kept as raw attributes in wire order.
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |0 0|     STUN Message Type     |         Message Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         Magic Cookie                          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                     Transaction ID (96 bits)                  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// Integrity and fingerprint are checked against the received bytes with
/// ``verifyMessageIntegrity(in:key:)`` and ``verifyFingerprint(in:)``, never against a
/// re-serialization (padding bytes are covered by the HMAC but not kept here).
public struct STUNMessage: Hashable, Sendable {
    public static let magicCookie: UInt32 = 0x2112_A442
    public static let headerLength = 20

    public var type: STUNMessageType
    public var transactionID: STUNTransactionID
    public var attributes: [STUNAttribute]

    public init(type: STUNMessageType, transactionID: STUNTransactionID, attributes: [STUNAttribute] = []) {
        self.type = type
        self.transactionID = transactionID
        self.attributes = attributes
    }

    /// Just the fixed header: enough to answer a malformed request with 400 using its
    /// transaction ID. Validates the top bits and the magic cookie, nothing else.
    public struct Header: Hashable, Sendable {
        public var type: STUNMessageType
        public var length: Int
        public var transactionID: STUNTransactionID

        public init(parsing bytes: UnsafeRawBufferPointer) throws(STUNError) {
            guard bytes.count >= STUNMessage.headerLength else {
                throw .packetTooShort(needed: STUNMessage.headerLength, got: bytes.count)
            }
            guard bytes[0] & 0xC0 == 0 else { throw .notSTUN(firstByte: bytes[0]) }
            let cookie = MediaWireBytes.uint32(bytes, 4)
            guard cookie == STUNMessage.magicCookie else { throw .badMagicCookie(cookie) }
            type = STUNMessageType(rawValue: MediaWireBytes.uint16(bytes, 0))
            length = Int(MediaWireBytes.uint16(bytes, 2))
            transactionID = STUNTransactionID(high: MediaWireBytes.uint64(bytes, 8), low: MediaWireBytes.uint32(bytes, 16))
        }
    }

    /// Parses one whole datagram. The header length must equal the bytes after the header,
    /// be a multiple of four, and every attribute (with its padding) must fit.
    public init(parsing bytes: UnsafeRawBufferPointer) throws(STUNError) {
        let header = try Header(parsing: bytes)
        guard header.length % 4 == 0 else { throw .lengthNotMultipleOfFour(header.length) }
        guard header.length == bytes.count - Self.headerLength else {
            throw .lengthMismatch(declared: header.length, actual: bytes.count - Self.headerLength)
        }
        type = header.type
        transactionID = header.transactionID
        attributes = []
        var offset = Self.headerLength
        var sawFingerprint = false
        while offset < bytes.count {
            let remaining = bytes.count - offset
            guard remaining >= 4 else { throw .packetTooShort(needed: offset + 4, got: bytes.count) }
            let rawType = MediaWireBytes.uint16(bytes, offset)
            let length = Int(MediaWireBytes.uint16(bytes, offset + 2))
            let padded = (length + 3) & ~3
            guard padded <= remaining - 4 else {
                throw .attributeOverrun(type: rawType, length: length, remaining: remaining - 4)
            }
            if sawFingerprint { throw .attributeAfterFingerprint(type: rawType) }
            if rawType == STUNAttributeType.fingerprint.rawValue { sawFingerprint = true }
            let start = offset + 4
            attributes.append(STUNAttribute(type: STUNAttributeType(rawValue: rawType),
                                            value: Array(bytes[start..<start + length])))
            offset = start + padded
        }
    }

    public init(parsing bytes: [UInt8]) throws(STUNError) {
        let result: Result<STUNMessage, STUNError> = bytes.withUnsafeBytes { raw in
            Result { () throws(STUNError) in try STUNMessage(parsing: raw) }
        }
        self = try result.get()
    }

    /// Appends the message exactly as its attributes are (no integrity or fingerprint
    /// added). Padding uses `paddingByte` (RFC 8489 allows any value; zero is usual).
    public func write(to out: inout [UInt8], paddingByte: UInt8 = 0) {
        let start = out.count
        out.appendBigEndian(type.rawValue)
        out.appendBigEndian(UInt16(0))
        out.appendBigEndian(Self.magicCookie)
        out.appendBigEndian(transactionID.high)
        out.appendBigEndian(transactionID.low)
        for attribute in attributes {
            out.appendBigEndian(attribute.type.rawValue)
            out.appendBigEndian(UInt16(truncatingIfNeeded: attribute.value.count))
            out.append(contentsOf: attribute.value)
            while (out.count - start) % 4 != 0 { out.append(paddingByte) }
        }
        out.setBigEndian(UInt16(truncatingIfNeeded: out.count - start - Self.headerLength), at: start + 2)
    }

    /// The message as bytes, with no integrity or fingerprint added.
    public func serialized(paddingByte: UInt8 = 0) -> [UInt8] {
        var out: [UInt8] = []
        write(to: &out, paddingByte: paddingByte)
        return out
    }

    // MARK: - Attribute lookup

    /// The first attribute of `type`, if any (RFC 8489 §14: only the first counts).
    public func attribute(_ type: STUNAttributeType) -> STUNAttribute? {
        attributes.first { $0.type == type }
    }

    public func contains(_ type: STUNAttributeType) -> Bool { attribute(type) != nil }

    /// USERNAME as text.
    public var username: String? {
        get throws(STUNError) { try attribute(.username)?.text() }
    }

    /// SOFTWARE as text.
    public var software: String? {
        get throws(STUNError) { try attribute(.software)?.text() }
    }

    /// PRIORITY (RFC 8445 §16.1).
    public var priority: UInt32? {
        get throws(STUNError) { try attribute(.priority).map { a throws(STUNError) in UInt32(try a.integer(bytes: 4)) } }
    }

    /// USE-CANDIDATE present (RFC 8445 §16.1).
    public var useCandidate: Bool { contains(.useCandidate) }

    /// ICE-CONTROLLING tiebreaker.
    public var iceControlling: UInt64? {
        get throws(STUNError) { try attribute(.iceControlling).map { a throws(STUNError) in try a.integer(bytes: 8) } }
    }

    /// ICE-CONTROLLED tiebreaker.
    public var iceControlled: UInt64? {
        get throws(STUNError) { try attribute(.iceControlled).map { a throws(STUNError) in try a.integer(bytes: 8) } }
    }

    /// XOR-MAPPED-ADDRESS, decoded with this message's transaction ID.
    public var xorMappedAddress: STUNTransportAddress? {
        get throws(STUNError) {
            try attribute(.xorMappedAddress).map { a throws(STUNError) in try a.address(xorWith: transactionID) }
        }
    }

    /// MAPPED-ADDRESS (legacy, not XORed).
    public var mappedAddress: STUNTransportAddress? {
        get throws(STUNError) { try attribute(.mappedAddress).map { a throws(STUNError) in try a.address(xorWith: nil) } }
    }

    /// MESSAGE-INTEGRITY's 20-byte HMAC-SHA1.
    public var messageIntegrity: [UInt8]? {
        get throws(STUNError) {
            guard let a = attribute(.messageIntegrity) else { return nil }
            guard a.value.count == 20 else { throw .invalidAttribute(type: a.type.rawValue, reason: "length \(a.value.count), expected 20") }
            return a.value
        }
    }

    /// MESSAGE-INTEGRITY-SHA256's HMAC-SHA256 (16–32 bytes, a multiple of 4; RFC 8489 §14.6).
    public var messageIntegritySHA256: [UInt8]? {
        get throws(STUNError) {
            guard let a = attribute(.messageIntegritySHA256) else { return nil }
            guard (16...32).contains(a.value.count), a.value.count % 4 == 0 else {
                throw .invalidAttribute(type: a.type.rawValue, reason: "length \(a.value.count), expected 16–32 in steps of 4")
            }
            return a.value
        }
    }

    /// FINGERPRINT's value as sent (CRC-32 XOR 0x5354554E).
    public var fingerprint: UInt32? {
        get throws(STUNError) { try attribute(.fingerprint).map { a throws(STUNError) in UInt32(try a.integer(bytes: 4)) } }
    }

    /// ERROR-CODE (RFC 8489 §14.8).
    public var errorCode: STUNErrorCode? {
        get throws(STUNError) {
            guard let a = attribute(.errorCode) else { return nil }
            guard a.value.count >= 4 else { throw .invalidAttribute(type: a.type.rawValue, reason: "shorter than 4 bytes") }
            let hundreds = Int(a.value[2] & 0x07)
            let number = Int(a.value[3])
            guard (3...6).contains(hundreds), number < 100 else {
                throw .invalidAttribute(type: a.type.rawValue, reason: "class \(hundreds) number \(number) out of range")
            }
            guard let reason = String(validating: a.value[4...], as: UTF8.self) else {
                throw .invalidAttribute(type: a.type.rawValue, reason: "reason phrase not valid UTF-8")
            }
            return STUNErrorCode(code: hundreds * 100 + number, reason: reason)
        }
    }

    /// UNKNOWN-ATTRIBUTES (RFC 8489 §14.9).
    public var unknownAttributes: [STUNAttributeType]? {
        get throws(STUNError) {
            guard let a = attribute(.unknownAttributes) else { return nil }
            guard a.value.count % 2 == 0 else { throw .invalidAttribute(type: a.type.rawValue, reason: "odd length") }
            return stride(from: 0, to: a.value.count, by: 2).map {
                STUNAttributeType(rawValue: UInt16(a.value[$0]) << 8 | UInt16(a.value[$0 + 1]))
            }
        }
    }
}
