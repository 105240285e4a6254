/// Standard Base64 (RFC 4648 section 4, alphabet `A–Z a–z 0–9 + /`), as Standard Webhooks uses
/// for secrets and signatures. Small and strict, so the module needs no Foundation.
enum Base64 {
    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Padded encoding.
    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(alphabet[Int(n >> 6 & 63)])
            out.append(alphabet[Int(n & 63)])
            i += 3
        }
        switch bytes.count - i {
        case 1:
            let n = UInt32(bytes[i]) << 16
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(61); out.append(61) // ==
        case 2:
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(alphabet[Int(n >> 6 & 63)])
            out.append(61)
        default:
            break
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func value(_ c: UInt8) -> UInt32? {
        switch c {
        case 65...90: return UInt32(c - 65)        // A-Z
        case 97...122: return UInt32(c - 97 + 26)  // a-z
        case 48...57: return UInt32(c - 48 + 52)   // 0-9
        case 43: return 62                         // +
        case 47: return 63                         // /
        default: return nil
        }
    }

    /// Decodes padded or unpadded text; nil for a character outside the alphabet, misplaced or
    /// excess padding, an impossible length, or nonzero bits after the last byte (so every
    /// accepted text is the canonical encoding of its bytes, up to padding).
    static func decode<S: StringProtocol>(_ text: S) -> [UInt8]? {
        var chars = Array(text.utf8)
        var padding = 0
        while padding < 2, chars.last == 61 { chars.removeLast(); padding += 1 }
        if padding > 0 && (chars.count + padding) % 4 != 0 { return nil }
        if chars.count % 4 == 1 { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for c in chars {
            guard let v = value(c) else { return nil }
            accumulator = accumulator << 6 | v
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        // Leftover bits (2 or 4) must be zero in a canonical encoding.
        guard accumulator == 0 else { return nil }
        return out
    }
}
