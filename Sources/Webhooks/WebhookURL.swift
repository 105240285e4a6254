/// An endpoint URL that passed validation: absolute `http` or `https` (RFC 3986 section 3),
/// with a host, without userinfo or fragment, at most 2048 bytes of printable ASCII.
///
/// Hosts are lowercased DNS names or IP literals. A host whose last label is numeric must be a
/// strict dotted quad: `127.1`, `0x7f.0.0.1`, `2130706433` and `017.0.0.1` are refused, because
/// resolvers read them as addresses in ways people do not expect.
public struct WebhookURL: Sendable, Hashable, CustomStringConvertible {
    /// `http` or `https`, lowercased.
    public let scheme: String
    /// Lowercased; IPv6 without brackets, in RFC 5952 form.
    public let host: String
    /// The explicit port, or 80 / 443.
    public let port: Int
    /// The path and query, at least `/`.
    public let pathAndQuery: String
    /// The normalized URL: scheme and host lowercased, the port only when not the default.
    public let text: String

    /// The most bytes a URL may have.
    public static let maximumLength = 2048

    public init(validating text: String) throws(WebhookInputError) {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { throw .invalidURL("it is empty") }
        guard bytes.count <= Self.maximumLength else { throw .invalidURL("it is longer than \(Self.maximumLength) bytes") }
        guard bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .invalidURL("it contains spaces, control characters or non-ASCII characters (percent-encode them, and write international host names in punycode)")
        }
        // scheme "://"
        guard let colon = bytes.firstIndex(of: 58), colon > 0 else { throw .invalidURL("it has no scheme (use http:// or https://)") }
        let schemeBytes = bytes[..<colon]
        guard schemeBytes.first.map(Self.isLetter) == true,
              schemeBytes.allSatisfy({ Self.isLetter($0) || Self.isDigit($0) || $0 == 43 || $0 == 45 || $0 == 46 })
        else { throw .invalidURL("it has no scheme (use http:// or https://)") }
        let scheme = String(decoding: schemeBytes.map { Self.lower($0) }, as: UTF8.self)
        guard scheme == "http" || scheme == "https" else { throw .unsupportedScheme(scheme) }
        guard bytes.count >= colon + 3, bytes[colon + 1] == 47, bytes[colon + 2] == 47 else {
            throw .invalidURL("it is not an absolute URL (expected \(scheme)://host/…)")
        }
        guard !bytes.contains(35) else { throw .invalidURL("it has a fragment ('#'), which is never sent to the server") }

        // authority = host [ ":" port ], up to the first "/" or "?"
        let authorityStart = colon + 3
        var authorityEnd = authorityStart
        while authorityEnd < bytes.count, bytes[authorityEnd] != 47, bytes[authorityEnd] != 63 { authorityEnd += 1 }
        let authority = bytes[authorityStart..<authorityEnd]
        guard !authority.contains(64) else { throw .invalidURL("it has user information ('user@'); put credentials in a header or the path instead") }
        guard !authority.isEmpty else { throw .invalidURL("it has no host") }

        var hostBytes: ArraySlice<UInt8>
        var portBytes: ArraySlice<UInt8>?
        if authority.first == 91 { // [IPv6]
            guard let close = authority.firstIndex(of: 93) else { throw .invalidURL("the IPv6 host has no closing ']'") }
            hostBytes = authority[(authority.startIndex + 1)..<close]
            let rest = authority[(close + 1)...]
            if !rest.isEmpty {
                guard rest.first == 58 else { throw .invalidURL("unexpected characters after the IPv6 host") }
                portBytes = rest.dropFirst()
            }
            guard !hostBytes.contains(37) else { throw .invalidURL("IPv6 zone identifiers ('%') are not allowed") }
            guard case .v6? = IPAddress.parseV6(hostBytes).map({ IPAddress.v6($0) }) else {
                throw .invalidURL("'\(String(decoding: hostBytes, as: UTF8.self))' is not an IPv6 address")
            }
        } else {
            if let portColon = authority.firstIndex(of: 58) {
                hostBytes = authority[..<portColon]
                portBytes = authority[(portColon + 1)...]
            } else {
                hostBytes = authority
            }
        }
        guard !hostBytes.isEmpty else { throw .invalidURL("it has no host") }

        let defaultPort = scheme == "https" ? 443 : 80
        var port = defaultPort
        if let portBytes, !portBytes.isEmpty {
            guard portBytes.count <= 5, portBytes.allSatisfy(Self.isDigit), let value = Int(String(decoding: portBytes, as: UTF8.self)),
                  (1...65535).contains(value)
            else { throw .invalidURL("the port '\(String(decoding: portBytes, as: UTF8.self))' is not a number from 1 to 65535") }
            port = value
        }

        let host: String
        let urlHost: String
        if authority.first == 91 {
            let address = IPAddress.v6(IPAddress.parseV6(hostBytes)!)
            host = address.description
            urlHost = "[\(host)]"
        } else {
            host = try Self.validateName(hostBytes)
            urlHost = host
        }

        try Self.validatePathAndQuery(bytes[authorityEnd...])
        var pathAndQuery = String(decoding: bytes[authorityEnd...], as: UTF8.self)
        if pathAndQuery.isEmpty || pathAndQuery.first == "?" { pathAndQuery = "/" + pathAndQuery }

        self.scheme = scheme
        self.host = host
        self.port = port
        self.pathAndQuery = pathAndQuery
        self.text = scheme + "://" + urlHost + (port == defaultPort ? "" : ":\(port)") + pathAndQuery
        // Normalizing can add a byte ("/" for an empty path): the normalized form must fit too.
        guard self.text.utf8.count <= Self.maximumLength else { throw .invalidURL("it is longer than \(Self.maximumLength) bytes") }
    }

    /// A registered name (lowercased) or a strict dotted quad.
    private static func validateName(_ bytes: ArraySlice<UInt8>) throws(WebhookInputError) -> String {
        let name = String(decoding: bytes.map(lower), as: UTF8.self)
        guard bytes.count <= 253 else { throw .invalidURL("the host name is longer than 253 bytes") }
        let labels = bytes.split(separator: 46, omittingEmptySubsequences: false)
        guard let last = labels.last else { throw .invalidURL("it has no host") }
        // WHATWG URL: a host whose last label is numeric (or hex) is an IPv4 address; only the
        // strict dotted quad is accepted, since other forms resolve to surprising addresses.
        let lastIsNumeric = !last.isEmpty && (last.allSatisfy(isDigit)
            || (last.count >= 2 && last.first == 48 && (last.dropFirst().first == 120 || last.dropFirst().first == 88)))
        if lastIsNumeric {
            guard IPAddress.parseV4(bytes) != nil else {
                throw .invalidURL("'\(name)' is not a valid host: write an IPv4 address as four decimal numbers from 0 to 255 without leading zeros")
            }
            return name
        }
        for label in labels {
            guard !label.isEmpty else { throw .invalidURL("the host '\(name)' has an empty label") }
            guard label.count <= 63 else { throw .invalidURL("the host '\(name)' has a label longer than 63 bytes") }
            guard label.allSatisfy({ isLetter($0) || isDigit($0) || $0 == 45 || $0 == 95 }) else {
                throw .invalidURL("the host '\(name)' contains characters other than letters, digits, '-', '_' and '.'")
            }
            guard label.first != 45, label.last != 45 else { throw .invalidURL("a label of the host '\(name)' starts or ends with '-'") }
        }
        return name
    }

    /// RFC 3986 section 3.3/3.4: pchar = unreserved / pct-encoded / sub-delims / ":" / "@", plus
    /// "/" and "?". Anything else (`{`, `|`, `\`, a bare `%`, …) must be percent-encoded.
    private static func validatePathAndQuery(_ bytes: ArraySlice<UInt8>) throws(WebhookInputError) {
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let c = bytes[i]
            if c == 37 { // %
                guard i + 2 < bytes.endIndex, isHex(bytes[i + 1]), isHex(bytes[i + 2]) else {
                    throw .invalidURL("a '%' in the path or query is not followed by two hex digits")
                }
                i += 3
                continue
            }
            guard isLetter(c) || isDigit(c) || pathPunctuation.contains(c) else {
                throw .invalidURL("the path or query contains '\(String(decoding: [c], as: UTF8.self))', which must be percent-encoded")
            }
            i += 1
        }
    }

    private static let pathPunctuation = Set("-._~!$&'()*+,;=:@/?".utf8)

    private static func isHex(_ c: UInt8) -> Bool { isDigit(c) || (65...70).contains(c) || (97...102).contains(c) }

    private static func isLetter(_ c: UInt8) -> Bool { (65...90).contains(c) || (97...122).contains(c) }
    private static func isDigit(_ c: UInt8) -> Bool { (48...57).contains(c) }
    private static func lower(_ c: UInt8) -> UInt8 { (65...90).contains(c) ? c | 0x20 : c }

    /// The host as an IP address, when it is a literal.
    public var hostAddress: IPAddress? { IPAddress(host) }

    public var description: String { text }
}
