import Testing
@testable import MediaWire

@Suite("STUN message (RFC 8489) with RFC 5769 vectors")
struct STUNMessageTests {
    let key = Array(RFC5769.password.utf8)
    var tid: STUNTransactionID { STUNTransactionID(bytes: RFC5769.transactionID)! }

    @Test func parsesSampleRequest() throws {
        let m = try STUNMessage(parsing: RFC5769.sampleRequest)
        #expect(m.type == .bindingRequest)
        #expect(m.transactionID == tid)
        #expect(m.attributes.map(\.type) == [.software, .priority, .iceControlled, .username, .messageIntegrity, .fingerprint])
        #expect(try m.software == "STUN test client")
        #expect(try m.username == "evtj:h6vY")
        #expect(try m.priority == 0x6e00_01ff)
        #expect(try m.iceControlled == 0x932f_f9b1_5126_3b36)
        #expect(try m.iceControlling == nil)
        #expect(!m.useCandidate)
        #expect(try m.fingerprint == 0xe57a_3bcf)
        try STUNMessage.verifyMessageIntegrity(in: RFC5769.sampleRequest, key: key)
        try STUNMessage.verifyFingerprint(in: RFC5769.sampleRequest)
    }

    @Test func parsesIPv4Response() throws {
        let m = try STUNMessage(parsing: RFC5769.ipv4Response)
        #expect(m.type == .bindingSuccess)
        #expect(try m.software == "test vector")
        #expect(try m.xorMappedAddress == STUNTransportAddress(ipv4: 192, 0, 2, 1, port: 32853))
        try STUNMessage.verifyMessageIntegrity(in: RFC5769.ipv4Response, key: key)
        try STUNMessage.verifyFingerprint(in: RFC5769.ipv4Response)
    }

    @Test func parsesIPv6Response() throws {
        let m = try STUNMessage(parsing: RFC5769.ipv6Response)
        let expected = STUNTransportAddress(
            addressBytes: [0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77],
            port: 32853)
        #expect(try m.xorMappedAddress == expected)
        #expect(expected?.description == "[2001:db8:1234:5678:11:2233:4455:6677]:32853")
        try STUNMessage.verifyMessageIntegrity(in: RFC5769.ipv6Response, key: key)
        try STUNMessage.verifyFingerprint(in: RFC5769.ipv6Response)
    }

    /// Building the three messages from their fields reproduces the RFC bytes exactly,
    /// which checks type packing, XOR addressing, the HMAC length rule and the CRC.
    @Test func serializesVectorsByteExact() throws {
        let request = STUNMessage(type: .bindingRequest, transactionID: tid, attributes: [
            .software("STUN test client"), .priority(0x6e00_01ff), .iceControlled(0x932f_f9b1_5126_3b36),
            .username("evtj:h6vY"),
        ])
        #expect(request.serialized(integrityKey: key, paddingByte: 0x20) == RFC5769.sampleRequest)

        let v4 = STUNMessage(type: .bindingSuccess, transactionID: tid, attributes: [
            .software("test vector"),
            .xorMappedAddress(STUNTransportAddress(ipv4: 192, 0, 2, 1, port: 32853), transactionID: tid),
        ])
        #expect(v4.serialized(integrityKey: key, paddingByte: 0x20) == RFC5769.ipv4Response)

        let v6Address = try #require(STUNTransportAddress(
            addressBytes: [0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77],
            port: 32853))
        let v6 = STUNMessage(type: .bindingSuccess, transactionID: tid, attributes: [
            .software("test vector"), .xorMappedAddress(v6Address, transactionID: tid),
        ])
        #expect(v6.serialized(integrityKey: key, paddingByte: 0x20) == RFC5769.ipv6Response)
    }

    @Test func roundTripsParsedMessages() throws {
        for vector in [RFC5769.sampleRequest, RFC5769.ipv4Response, RFC5769.ipv6Response] {
            let m = try STUNMessage(parsing: vector)
            #expect(m.serialized(paddingByte: 0x20) == vector)
            #expect(try STUNMessage(parsing: m.serialized()) == m)
        }
    }

    @Test func messageTypeEncoding() {
        for c in STUNMessageClass.allCases {
            for method in [UInt16(0x001), 0x003, 0x0FFF, 0x0A5A] {
                let t = STUNMessageType(method: STUNMethod(rawValue: method), messageClass: c)
                #expect(STUNMessageType(rawValue: t.rawValue) == t)
                #expect(t.rawValue & 0xC000 == 0)
            }
        }
        #expect(STUNMessageType.bindingRequest.rawValue == 0x0001)
        #expect(STUNMessageType.bindingIndication.rawValue == 0x0011)
        #expect(STUNMessageType.bindingSuccess.rawValue == 0x0101)
        #expect(STUNMessageType.bindingError.rawValue == 0x0111)
    }

    @Test func errorCodeAndUnknownAttributes() throws {
        let m = STUNMessage(type: .bindingError, transactionID: tid, attributes: [
            .errorCode(420, reason: "Unknown Attribute"), .unknownAttributes([STUNAttributeType(rawValue: 0x7777), .realm]),
            .mappedAddress(STUNTransportAddress(ipv4: 10, 1, 2, 3, port: 9)),
        ])
        let parsed = try STUNMessage(parsing: m.serialized(integrityKey: nil))
        #expect(try parsed.errorCode == STUNErrorCode(code: 420, reason: "Unknown Attribute"))
        #expect(try parsed.unknownAttributes == [STUNAttributeType(rawValue: 0x7777), .realm])
        #expect(try parsed.mappedAddress == STUNTransportAddress(ipv4: 10, 1, 2, 3, port: 9))
    }

    @Test func sha256IntegrityRoundTrip() throws {
        let m = STUNMessage(type: .bindingRequest, transactionID: tid, attributes: [.username("a:b")])
        let bytes = m.serialized(integrityKey: key, algorithm: .sha256)
        let parsed = try STUNMessage(parsing: bytes)
        #expect(try parsed.messageIntegritySHA256?.count == 32)
        try bytes.withUnsafeBytes { b in try STUNMessage.verifyMessageIntegritySHA256(in: b, key: key) }
        #expect(throws: STUNError.integrityMismatch) {
            try bytes.withUnsafeBytes { b in try STUNMessage.verifyMessageIntegritySHA256(in: b, key: [1, 2, 3]) }
        }
        try STUNMessage.verifyFingerprint(in: bytes)
    }

    @Test func crc32KnownValue() {
        // The standard check value of CRC-32/ISO-HDLC.
        #expect(STUNCRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }
}

@Suite("STUN malformed input")
struct STUNMalformedTests {
    func parse(_ bytes: [UInt8]) throws(STUNError) { _ = try STUNMessage(parsing: bytes) }

    @Test func truncatedHeader() {
        for n in 0..<20 {
            #expect(throws: STUNError.packetTooShort(needed: 20, got: n)) { try parse(Array(RFC5769.sampleRequest.prefix(n))) }
        }
    }

    @Test func topBitsSet() {
        var b = RFC5769.sampleRequest
        b[0] |= 0x80
        #expect(throws: STUNError.notSTUN(firstByte: 0x80)) { try parse(b) }
    }

    @Test func wrongCookie() {
        var b = RFC5769.sampleRequest
        b[4] = 0x22
        #expect(throws: STUNError.badMagicCookie(0x2212_a442)) { try parse(b) }
    }

    @Test func lengthMismatch() {
        #expect(throws: STUNError.lengthMismatch(declared: 88, actual: 84)) { try parse(Array(RFC5769.sampleRequest.dropLast(4))) }
        #expect(throws: STUNError.lengthMismatch(declared: 88, actual: 92)) { try parse(RFC5769.sampleRequest + [0, 0, 0, 0]) }
        var b = RFC5769.sampleRequest
        b[3] = 0x57
        #expect(throws: STUNError.lengthNotMultipleOfFour(0x57)) { try parse(b) }
    }

    @Test func attributeOverrun() {
        var b = RFC5769.sampleRequest
        b[20 + 3] = 0xF0  // SOFTWARE claims 240 bytes
        #expect(throws: STUNError.attributeOverrun(type: 0x8022, length: 0xF0, remaining: 84)) { try parse(b) }
        // A trailing partial TLV header (2 bytes) with a consistent length field.
        let m: [UInt8] = [0x00, 0x01, 0x00, 0x04, 0x21, 0x12, 0xa4, 0x42] + RFC5769.transactionID + [0x00, 0x06, 0x00, 0x01]
        #expect(throws: STUNError.attributeOverrun(type: 6, length: 1, remaining: 0)) { try parse(m) }
    }

    @Test func attributeAfterFingerprint() {
        let m = STUNMessage(type: .bindingRequest, transactionID: .random(), attributes: [.username("a:b")])
        let b = m.serialized(integrityKey: nil) + [0x00, 0x25, 0x00, 0x00]
        var fixed = b
        fixed.setBigEndian(UInt16(b.count - 20), at: 2)
        #expect(throws: STUNError.attributeAfterFingerprint(type: 0x25)) { try parse(fixed) }
    }

    @Test func badIntegrity() {
        var b = RFC5769.sampleRequest
        b[84] ^= 1  // one bit of the HMAC
        #expect(throws: STUNError.integrityMismatch) {
            try STUNMessage.verifyMessageIntegrity(in: b, key: Array(RFC5769.password.utf8))
        }
        #expect(throws: STUNError.integrityMismatch) {
            try STUNMessage.verifyMessageIntegrity(in: RFC5769.sampleRequest, key: Array("wrong".utf8))
        }
        // A flipped byte before the HMAC (the priority) also fails.
        var c = RFC5769.sampleRequest
        c[40] ^= 1
        #expect(throws: STUNError.integrityMismatch) {
            try STUNMessage.verifyMessageIntegrity(in: c, key: Array(RFC5769.password.utf8))
        }
    }

    @Test func badFingerprint() {
        var b = RFC5769.sampleRequest
        b[b.count - 1] ^= 0xFF
        #expect(throws: STUNError.fingerprintMismatch(expected: 0xe57a_3bcf, got: 0xe57a_3b30)) {
            try STUNMessage.verifyFingerprint(in: b)
        }
        let noFingerprint = STUNMessage(type: .bindingRequest, transactionID: .random()).serialized(integrityKey: nil, fingerprint: false)
        #expect(throws: STUNError.missingAttribute(type: 0x8028)) { try STUNMessage.verifyFingerprint(in: noFingerprint) }
    }

    @Test func badTypedValues() throws {
        let tid = STUNTransactionID.random()
        let m = STUNMessage(type: .bindingRequest, transactionID: tid, attributes: [
            STUNAttribute(type: .priority, value: [1, 2, 3]),
            STUNAttribute(type: .xorMappedAddress, value: [0, 3, 0, 0, 1, 2, 3, 4]),
            STUNAttribute(type: .username, value: [0xff, 0xfe]),
        ])
        #expect(throws: STUNError.invalidAttribute(type: 0x24, reason: "length 3, expected 4")) { _ = try m.priority }
        #expect(throws: STUNError.self) { _ = try m.xorMappedAddress }
        #expect(throws: STUNError.invalidAttribute(type: 6, reason: "not valid UTF-8")) { _ = try m.username }
    }
}
