/// Base64 (RFC 4648 §4) and base64url (§5), small and strict, with no Foundation: Standard
/// Webhooks secrets and signatures, HTTP Basic credentials, PKCE challenges, random tokens.
public enum Base64 {
    static let standard: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    static let url: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Standard alphabet, padded.
    public static func encode(_ bytes: [UInt8]) -> String {
        String(decoding: encode(bytes, alphabet: standard, pad: true), as: UTF8.self)
    }

    /// URL-safe alphabet without padding (RFC 7636 Appendix A).
    public static func urlEncodedNoPadding(_ bytes: [UInt8]) -> String {
        String(decoding: encode(bytes, alphabet: url, pad: false), as: UTF8.self)
    }

    static func encode(_ bytes: [UInt8], alphabet: [UInt8], pad: Bool) -> [UInt8] {
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
            if pad { out.append(61); out.append(61) }
        case 2:
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(alphabet[Int(n >> 6 & 63)])
            if pad { out.append(61) }
        default:
            break
        }
        return out
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

    /// Decodes standard base64, padded or not; nil for a character outside the alphabet
    /// (whitespace too), misplaced or excess padding, an impossible length, or nonzero bits after
    /// the last byte (so every accepted text is the canonical encoding of its bytes).
    public static func decode<S: StringProtocol>(_ text: S) -> [UInt8]? {
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
        guard accumulator == 0 else { return nil }
        return out
    }
}
