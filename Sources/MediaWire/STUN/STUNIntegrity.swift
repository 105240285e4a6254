import COpenSSL

/// The HMAC used for STUN message integrity.
public enum STUNIntegrityAlgorithm: Sendable, Hashable {
    /// MESSAGE-INTEGRITY, HMAC-SHA1, 20 bytes (RFC 8489 §14.5). What browsers use for ICE.
    case sha1
    /// MESSAGE-INTEGRITY-SHA256, HMAC-SHA256, full 32 bytes (RFC 8489 §14.6).
    case sha256
}

/// CRC-32 (ISO-HDLC, the one in zlib and Ethernet), table driven, for FINGERPRINT.
public enum STUNCRC32 {
    static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// Continues a CRC (`crc` is the running value before final inversion: start with 0).
    public static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var c = ~crc
        table.withUnsafeBufferPointer { t in
            for b in bytes { c = t[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        }
        return ~c
    }

    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 { update(0, bytes) }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBytes { checksum($0) } }
}

extension STUNMessage {
    /// XORed into the CRC-32 for FINGERPRINT (RFC 8489 §14.7): "STUN".
    public static let fingerprintXOR: UInt32 = 0x5354_554E

    /// Serializes with fresh integrity and fingerprint. Any MESSAGE-INTEGRITY,
    /// MESSAGE-INTEGRITY-SHA256 or FINGERPRINT already in `attributes` is left out and
    /// recomputed: integrity (when `integrityKey` is given) over everything before it with
    /// the length adjusted (RFC 8489 §14.5), then FINGERPRINT last (§14.7).
    /// For ICE the key is the receiver's password bytes (short-term credential, §9.1.1).
    public func serialized(integrityKey: [UInt8]?, algorithm: STUNIntegrityAlgorithm = .sha1,
                           fingerprint: Bool = true, paddingByte: UInt8 = 0) -> [UInt8] {
        var body = self
        body.attributes.removeAll {
            $0.type == .messageIntegrity || $0.type == .messageIntegritySHA256 || $0.type == .fingerprint
        }
        var out: [UInt8] = []
        out.reserveCapacity(body.attributes.reduce(STUNMessage.headerLength + 68) { $0 + 4 + $1.value.count + 3 })
        body.write(to: &out, paddingByte: paddingByte)
        if let key = integrityKey {
            let (attributeType, size) = algorithm == .sha1
                ? (STUNAttributeType.messageIntegrity, 20) : (STUNAttributeType.messageIntegritySHA256, 32)
            out.setBigEndian(UInt16(out.count - STUNMessage.headerLength + 4 + size), at: 2)
            let mac = out.withUnsafeBytes { Self.hmac(algorithm, key: key, message: $0) }
            out.appendBigEndian(attributeType.rawValue)
            out.appendBigEndian(UInt16(size))
            out.append(contentsOf: mac)
        }
        if fingerprint {
            out.setBigEndian(UInt16(out.count - STUNMessage.headerLength + 8), at: 2)
            let crc = out.withUnsafeBytes { STUNCRC32.checksum($0) } ^ Self.fingerprintXOR
            out.appendBigEndian(STUNAttributeType.fingerprint.rawValue)
            out.appendBigEndian(UInt16(4))
            out.appendBigEndian(crc)
        }
        return out
    }

    /// Checks MESSAGE-INTEGRITY (HMAC-SHA1) in received bytes against `key`.
    /// Throws `.missingAttribute` if there is none, `.integrityMismatch` if it is wrong.
    public static func verifyMessageIntegrity(in bytes: UnsafeRawBufferPointer, key: [UInt8]) throws(STUNError) {
        try verifyIntegrity(in: bytes, key: key, algorithm: .sha1)
    }

    /// Checks MESSAGE-INTEGRITY-SHA256 (possibly truncated to 16–28 bytes) against `key`.
    public static func verifyMessageIntegritySHA256(in bytes: UnsafeRawBufferPointer, key: [UInt8]) throws(STUNError) {
        try verifyIntegrity(in: bytes, key: key, algorithm: .sha256)
    }

    /// Checks FINGERPRINT in received bytes: present, last, and equal to CRC-32 XOR "STUN".
    public static func verifyFingerprint(in bytes: UnsafeRawBufferPointer) throws(STUNError) {
        let location = try locate(.fingerprint, in: bytes)
        guard location.length == 4, location.valueOffset + 4 == bytes.count else {
            throw .invalidAttribute(type: STUNAttributeType.fingerprint.rawValue, reason: "must be 4 bytes and last")
        }
        let expected = STUNCRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<location.attributeOffset])) ^ fingerprintXOR
        let got = MediaWireBytes.uint32(bytes, location.valueOffset)
        guard expected == got else { throw .fingerprintMismatch(expected: expected, got: got) }
    }

    public static func verifyMessageIntegrity(in bytes: [UInt8], key: [UInt8]) throws(STUNError) {
        try withBytes(bytes) { b throws(STUNError) in try verifyMessageIntegrity(in: b, key: key) }
    }

    public static func verifyFingerprint(in bytes: [UInt8]) throws(STUNError) {
        try withBytes(bytes) { b throws(STUNError) in try verifyFingerprint(in: b) }
    }

    // MARK: - Internals

    private static func withBytes(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(STUNError) -> Void) throws(STUNError) {
        let result: Result<Void, STUNError> = bytes.withUnsafeBytes { raw in
            Result { () throws(STUNError) in try body(raw) }
        }
        try result.get()
    }

    private static func verifyIntegrity(in bytes: UnsafeRawBufferPointer, key: [UInt8], algorithm: STUNIntegrityAlgorithm) throws(STUNError) {
        let type: STUNAttributeType = algorithm == .sha1 ? .messageIntegrity : .messageIntegritySHA256
        let location = try locate(type, in: bytes)
        let validLength = algorithm == .sha1
            ? location.length == 20 : (16...32).contains(location.length) && location.length % 4 == 0
        guard validLength else {
            throw .invalidAttribute(type: type.rawValue, reason: "length \(location.length)")
        }
        let prefixCount = location.attributeOffset
        let adjustedLength = UInt16(prefixCount - headerLength + 4 + location.length)
        let mac = withUnsafeTemporaryAllocation(byteCount: prefixCount, alignment: 1) { scratch -> [UInt8] in
            _ = scratch.initializeMemory(as: UInt8.self, from: bytes[0..<prefixCount])
            MediaWireBytes.put16(adjustedLength, into: scratch, at: 2)
            return hmac(algorithm, key: key, message: UnsafeRawBufferPointer(scratch))
        }
        guard mac.count >= location.length else { throw .cryptoFailure }
        // Constant-time comparison over the sent length (SHA-256 may be truncated).
        var diff: UInt8 = 0
        for i in 0..<location.length { diff |= mac[i] ^ bytes[location.valueOffset + i] }
        guard diff == 0 else { throw .integrityMismatch }
    }

    private struct AttributeLocation {
        var attributeOffset: Int
        var valueOffset: Int
        var length: Int
    }

    /// Finds the first attribute of `type` by walking the TLVs with bounds checks.
    private static func locate(_ type: STUNAttributeType, in bytes: UnsafeRawBufferPointer) throws(STUNError) -> AttributeLocation {
        let header = try Header(parsing: bytes)
        guard header.length == bytes.count - headerLength else {
            throw .lengthMismatch(declared: header.length, actual: bytes.count - headerLength)
        }
        var offset = headerLength
        while offset + 4 <= bytes.count {
            let t = MediaWireBytes.uint16(bytes, offset)
            let length = Int(MediaWireBytes.uint16(bytes, offset + 2))
            let padded = (length + 3) & ~3
            guard offset + 4 + padded <= bytes.count else {
                throw .attributeOverrun(type: t, length: length, remaining: bytes.count - offset - 4)
            }
            if t == type.rawValue { return AttributeLocation(attributeOffset: offset, valueOffset: offset + 4, length: length) }
            offset += 4 + padded
        }
        throw .missingAttribute(type: type.rawValue)
    }

    /// HMAC via OpenSSL's one-shot `HMAC()`. Returns an empty array only if OpenSSL fails.
    static func hmac(_ algorithm: STUNIntegrityAlgorithm, key: [UInt8], message: UnsafeRawBufferPointer) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let md = algorithm == .sha1 ? EVP_sha1() : EVP_sha256()
        // An empty key still needs a non-null pointer for OpenSSL.
        let keyStorage = key.isEmpty ? [UInt8(0)] : key
        let ok = keyStorage.withUnsafeBytes { k in
            out.withUnsafeMutableBufferPointer { o in
                HMAC(md, k.baseAddress, Int32(key.count), message.baseAddress?.assumingMemoryBound(to: UInt8.self),
                     message.count, o.baseAddress, &length) != nil
            }
        }
        guard ok else { return [] }
        out.removeSubrange(Int(length)...)
        return out
    }
}
