import COpenSSL

/// The hash chain over the `events` table.
///
/// `hash = SHA-256(prev_hash ‖ canonical(row))` where the canonical bytes of a row are
///
///     u64be(seq) ‖ lp(stream) ‖ u64be(version) ‖ lp(type) ‖ u32be(schema)
///       ‖ lp(data) ‖ lp(meta) ‖ lp(recorded_at)
///     lp(x) = u32be(byte length of x) ‖ x          (x as stored: UTF-8)
///
/// and `prev_hash` of the first event is 32 zero bytes. Length prefixes make the encoding
/// unambiguous, so two different rows can never produce the same canonical bytes. Auditors can
/// recompute this with any SHA-256 implementation (see README, "Auditing").
public enum HashChain {
    public static let genesis = [UInt8](repeating: 0, count: 32)

    /// Computes the hash of one row given the previous row's hash.
    public static func hash(prevHash: [UInt8], seq: Int64, stream: String, version: Int64, type: String, schema: Int,
                            data: [UInt8], meta: [UInt8], recordedAt: String) -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(prevHash.count + 40 + stream.utf8.count + type.utf8.count + data.count + meta.count + recordedAt.utf8.count)
        buffer.append(contentsOf: prevHash)
        appendU64(&buffer, UInt64(bitPattern: seq))
        appendLP(&buffer, stream.utf8)
        appendU64(&buffer, UInt64(bitPattern: version))
        appendLP(&buffer, type.utf8)
        appendU32(&buffer, UInt32(truncatingIfNeeded: schema))
        appendLP(&buffer, data)
        appendLP(&buffer, meta)
        appendLP(&buffer, recordedAt.utf8)
        return sha256(buffer)
    }

    public static func hash(prevHash: [UInt8], event: RecordedEvent) -> [UInt8] {
        hash(prevHash: prevHash, seq: event.seq, stream: event.stream, version: event.version, type: event.type,
             schema: event.schema, data: event.data, meta: event.meta, recordedAt: event.recordedAt)
    }

    /// SHA-256 (FIPS 180-4) through OpenSSL's libcrypto (without its per-call algorithm fetch).
    public static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 32) { output, initialized in
            bytes.withUnsafeBufferPointer { input in marquee_sha256(input.baseAddress, input.count, output.baseAddress) }
            initialized = 32
        }
    }

    public static func hex(_ bytes: [UInt8]) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xf)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func appendU64(_ buffer: inout [UInt8], _ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { buffer.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    private static func appendU32(_ buffer: inout [UInt8], _ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { buffer.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    private static func appendLP<C: Collection>(_ buffer: inout [UInt8], _ bytes: C) where C.Element == UInt8 {
        appendU32(&buffer, UInt32(truncatingIfNeeded: bytes.count))
        buffer.append(contentsOf: bytes)
    }
}
