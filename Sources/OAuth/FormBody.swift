/// The parameters of an `application/x-www-form-urlencoded` body or URL query, with the
/// OAuth rules on top (RFC 6749 §3.1, Appendix B).
///
///     grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA&redirect_uri=https%3A%2F%2Fc.example%2Fcb
///     └ name ──┘ └ value ──────────┘ │                       └ percent-encoded bytes ───────────────┘
///                                    └ `&` separates pairs, `=` splits at its first occurrence
///
/// Decoding follows the WHATWG URL standard's urlencoded parser (`+` is a space, `%HH` a byte,
/// empty sequences between `&`s skipped), but stricter where OAuth wants it:
/// - an invalid percent sequence (`%`, `%4`, `%zz`) is an error, not literal text;
/// - the decoded bytes must be UTF-8 (WHATWG would substitute U+FFFD);
/// - C0 controls and DEL are refused in names and values (nothing in OAuth carries them, and
///   they are how header and log injection start);
/// - a parameter may appear only once (RFC 6749 §3.1: "MUST NOT be included more than once");
/// - a parameter without a value, or with an empty name, is treated as omitted (RFC 6749 §3.1).
///
/// The caller enforces a size limit before parsing.
public struct FormBody: Sendable {
    /// Parameter names in the order they first appeared, only those with a value.
    public private(set) var keys: [String] = []
    private var values: [String: String] = [:]

    /// Parses a request body.
    public init(parsing bytes: [UInt8]) throws(OAuthError) {
        var seen = Set<String>()
        var start = 0
        while start <= bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "&") { end += 1 }
            if end > start {
                try add(bytes[start..<end], seen: &seen)
            }
            start = end + 1
        }
    }

    /// Parses a URL query (the part after `?`; a leading `?` is skipped), e.g. the query of
    /// `GET /oauth/authorize`. Same rules as a body (WHATWG `URLSearchParams`).
    public init(query: String) throws(OAuthError) {
        var bytes = Array(query.utf8)
        if bytes.first == UInt8(ascii: "?") { bytes.removeFirst() }
        try self.init(parsing: bytes)
    }

    /// The value of a parameter, or nil when it is absent or empty.
    public subscript(_ key: String) -> String? { values[key] }

    /// `name=value` pairs joined by `&`, every byte outside RFC 3986 unreserved
    /// (`A-Z a-z 0-9 - . _ ~`) percent-encoded (a space becomes `%20`). Used for redirect
    /// queries (RFC 6749 §4.1.2, Appendix B) and Basic credentials (§2.3.1).
    public static func encode(_ pairs: [(String, String)]) -> String {
        var out: [UInt8] = []
        for (index, (name, value)) in pairs.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "&")) }
            percentEncode(name, into: &out)
            out.append(UInt8(ascii: "="))
            percentEncode(value, into: &out)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Percent-encodes one component: unreserved bytes stay, every other byte becomes `%HH`.
    public static func percentEncode(_ text: String) -> String {
        var out: [UInt8] = []
        percentEncode(text, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes one urlencoded component (`+` → space, `%HH` → byte) into a UTF-8 string
    /// without control characters; nil when it is malformed.
    public static func decodeComponent(_ text: String) -> String? {
        try? decode(Array(text.utf8)[...])
    }

    // MARK: - Internals

    private mutating func add(_ sequence: ArraySlice<UInt8>, seen: inout Set<String>) throws(OAuthError) {
        let equals = sequence.firstIndex(of: UInt8(ascii: "="))
        let rawName = sequence[sequence.startIndex..<(equals ?? sequence.endIndex)]
        let rawValue = equals.map { sequence[($0 + 1)...] } ?? sequence[sequence.endIndex...]
        let name = try FormBody.decode(rawName)
        let value = try FormBody.decode(rawValue)
        guard !name.isEmpty else { return }
        guard seen.insert(name).inserted else {
            throw OAuthError(.invalidRequest, "parameter '\(name)' is repeated")
        }
        guard !value.isEmpty else { return }
        keys.append(name)
        values[name] = value
    }

    static func decode(_ raw: ArraySlice<UInt8>) throws(OAuthError) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(raw.count)
        var i = raw.startIndex
        while i < raw.endIndex {
            let byte = raw[i]
            if byte == UInt8(ascii: "+") {
                bytes.append(0x20)
                i += 1
            } else if byte == UInt8(ascii: "%") {
                guard i + 2 < raw.endIndex,
                      let high = hexValue(raw[i + 1]), let low = hexValue(raw[i + 2])
                else { throw OAuthError(.invalidRequest, "malformed percent-encoding") }
                bytes.append(high << 4 | low)
                i += 3
            } else {
                bytes.append(byte)
                i += 1
            }
        }
        for byte in bytes where byte < 0x20 || byte == 0x7F {
            throw OAuthError(.invalidRequest, "control character in a parameter")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw OAuthError(.invalidRequest, "parameter is not UTF-8")
        }
        return text
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"): true
        default: false
        }
    }

    static func percentEncode(_ text: String, into out: inout [UInt8]) {
        let hexDigits = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            if isUnreserved(byte) {
                out.append(byte)
            } else {
                out.append(contentsOf: [UInt8(ascii: "%"), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]])
            }
        }
    }
}
