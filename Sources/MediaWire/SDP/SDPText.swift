// Byte-level helpers for the SDP parser. SDP is UTF-8 text whose separators are all ASCII, so
// the parser tokenizes bytes (never grapheme clusters: "\r\n" is one Character in Swift, and a
// combining mark after a space would glue two tokens together) and makes Strings at the leaves.

/// Namespace for the SDP tokenizer; internal, prefixed so it cannot clash with other MediaWire code.
enum SDPText {
    typealias Bytes = ArraySlice<UInt8>

    static let space: UInt8 = 0x20
    static let colon: UInt8 = 0x3A
    static let slash: UInt8 = 0x2F
    static let semicolon: UInt8 = 0x3B
    static let equals: UInt8 = 0x3D
    static let comma: UInt8 = 0x2C

    /// Splits on single spaces, dropping empty tokens (several spaces count as one).
    static func tokens(_ bytes: Bytes) -> [Bytes] {
        var result: [Bytes] = []
        var start = bytes.startIndex
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if bytes[index] == space {
                if start < index { result.append(bytes[start..<index]) }
                start = index + 1
            }
            index += 1
        }
        if start < bytes.endIndex { result.append(bytes[start..<bytes.endIndex]) }
        return result
    }

    /// Splits at the first `separator`: (before, after) or (all, nil) when it is absent.
    static func splitOnce(_ bytes: Bytes, at separator: UInt8) -> (Bytes, Bytes?) {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if bytes[index] == separator { return (bytes[bytes.startIndex..<index], bytes[(index + 1)..<bytes.endIndex]) }
            index += 1
        }
        return (bytes, nil)
    }

    /// Drops leading spaces.
    static func trimLeadingSpaces(_ bytes: Bytes) -> Bytes {
        guard let first = bytes.firstIndex(where: { $0 != space }) else { return bytes[bytes.endIndex...] }
        return bytes[first...]
    }

    static func string(_ bytes: Bytes) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    /// A decimal number made of ASCII digits only (no sign, no spaces), at most `maximum`.
    static func decimal(_ bytes: Bytes, maximum: UInt64) -> UInt64? {
        guard !bytes.isEmpty, bytes.count <= 20 else { return nil }
        var value: UInt64 = 0
        for byte in bytes {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(byte - 0x30))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
        }
        return value <= maximum ? value : nil
    }

    static func decimal(_ string: String, maximum: UInt64) -> UInt64? {
        decimal(Bytes(string.utf8), maximum: maximum)
    }

    /// RFC 8866 token characters (used for attribute names and similar identifiers).
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x21, 0x23...0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x30...0x39, 0x41...0x5A, 0x5E...0x7E: true
        default: false
        }
    }

    static func isToken(_ bytes: Bytes) -> Bool {
        guard !bytes.isEmpty else { return false }
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if !isTokenByte(bytes[index]) { return false }
            index += 1
        }
        return true
    }

    static func isToken(_ string: String) -> Bool {
        isToken(Bytes(string.utf8))
    }

    /// True if `string` is non-empty and contains no space, CR, LF or NUL, so that it survives
    /// being written as one space-separated field.
    static func isField(_ string: String) -> Bool {
        !string.isEmpty && !string.utf8.contains(where: { $0 == space || $0 == 0x0D || $0 == 0x0A || $0 == 0 })
    }

    /// True if `string` has no CR, LF or NUL (it can be written as the rest of a line).
    static func isLineSafe(_ string: String) -> Bool {
        !string.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 })
    }
}
