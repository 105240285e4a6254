/// Redirection endpoints: what an app may register, how a request's `redirect_uri` is matched,
/// and how the authorization response is appended (RFC 6749 §3.1.2, RFC 8252 §7, RFC 9700 §4.1).
///
///     https://app.example/oauth/cb?tenant=1       a web app (https, any host)
///     http://127.0.0.1:51004/cb                   a native app's loopback listener (RFC 8252 §7.3)
///     com.example.app:/oauth2redirect             a native app's private-use scheme (RFC 8252 §7.1)
///     └ scheme ┘ └ authority / path / query ──┘   never a fragment (RFC 6749 §3.1.2)
public enum RedirectURI {
    /// Longest redirect URI accepted at registration, in bytes.
    public static let maxLength = 2048

    /// The loopback hosts for which plain `http` is allowed (RFC 8252 §7.3, §8.3).
    public static let loopbackHosts: Set<String> = ["127.0.0.1", "[::1]", "localhost"]

    /// Checks a redirect URI an app wants to register.
    ///
    /// Accepted: an absolute `https` URI with a host and no userinfo; `http` only for
    /// 127.0.0.1, [::1] or localhost; a private-use scheme containing a period
    /// (`com.example.app:/cb`, RFC 8252 §7.1; this also excludes `javascript:`, `data:`,
    /// `file:` and friends). Never a fragment; at most `maxLength` bytes; only characters
    /// RFC 3986 allows in a URI, with well-formed percent-encoding.
    ///
    /// - Throws: `invalid_request` with the reason.
    public static func validate(_ uri: String) throws(OAuthError) {
        do {
            _ = try parse(uri)
        } catch {
            throw OAuthError(.invalidRequest, "redirect_uri " + error.description)
        }
    }

    /// Why `uri` cannot be registered, as a phrase to follow the URI in a message
    /// ("must not contain a fragment"), or nil when it can. Same rules as `validate`.
    public static func problem(_ uri: String) -> String? {
        do {
            _ = try parse(uri)
            return nil
        } catch {
            return error.description
        }
    }

    /// Whether a redirect URI from an authorization or token request matches a registered one:
    /// exact string comparison (RFC 9700 §4.1.3), except that for `http` on a loopback IP
    /// literal the port may differ (RFC 8252 §7.3: native apps get an ephemeral port).
    public static func matches(registered: String, requested: String) -> Bool {
        if registered == requested { return true }
        guard let a = try? parse(registered), let b = try? parse(requested),
              a.scheme == "http", b.scheme == "http",
              a.host == b.host, a.host == "127.0.0.1" || a.host == "[::1]"
        else { return false }
        return a.withoutPort == b.withoutPort
    }

    /// The redirect URI to use for an authorization request (RFC 6749 §3.1.2.3): the requested
    /// one when it matches a registered one; the only registered one when none was requested.
    ///
    /// - Throws: `invalid_request` when it cannot be decided. Per RFC 6749 §4.1.2.1 the server
    ///   must then show the error to the user (`ConsentPage.error`) and not redirect.
    public static func select(requested: String?, registered: [String]) throws(OAuthError) -> String {
        guard let requested else {
            guard registered.count == 1 else {
                throw OAuthError(.invalidRequest, "redirect_uri is required: the app registered several")
            }
            return registered[0]
        }
        guard registered.contains(where: { matches(registered: $0, requested: requested) }) else {
            throw OAuthError(.invalidRequest, "redirect_uri is not registered for this app")
        }
        return requested
    }

    /// `uri` with `params` added to its query (RFC 6749 §4.1.2): `?` when it has no query,
    /// `&` after an existing one, nothing after a trailing `?` or `&`. Parameters are
    /// form-encoded (`FormBody.encode`).
    public static func redirect(to uri: String, params: [(String, String)]) -> String {
        guard !params.isEmpty else { return uri }
        var base = Substring(uri)
        var fragment = Substring()
        if let hash = uri.firstIndex(of: "#") {  // never registered, but keep it last if present
            base = uri[..<hash]
            fragment = uri[hash...]
        }
        let separator: String
        if !base.contains("?") {
            separator = "?"
        } else if base.hasSuffix("?") || base.hasSuffix("&") {
            separator = ""
        } else {
            separator = "&"
        }
        return String(base) + separator + FormBody.encode(params) + String(fragment)
    }

    /// What to show the user as the destination: `host[:port]` for http(s), the scheme for a
    /// private-use URI. Empty when `uri` is not a valid redirect URI.
    public static func displayHost(_ uri: String) -> String {
        guard let parts = try? parse(uri) else { return "" }
        if let host = parts.host {
            return parts.port.map { host + ":" + $0 } ?? host
        }
        return parts.scheme
    }

    // MARK: - Parsing

    struct Parts: Equatable {
        var scheme: String
        var host: String?
        var port: String?
        /// The URI with `:port` removed from the authority.
        var withoutPort: String
    }

    /// Splits a redirect URI, or throws `invalid_request` whose description is a phrase
    /// ("must not contain a fragment") for `validate` and `problem` to put in context.
    static func parse(_ uri: String) throws(OAuthError) -> Parts {
        let bytes = Array(uri.utf8)
        guard !bytes.isEmpty else { throw OAuthError(.invalidRequest, "is empty") }
        guard bytes.count <= maxLength else {
            throw OAuthError(.invalidRequest, "is longer than \(maxLength) bytes")
        }
        guard !bytes.contains(UInt8(ascii: "#")) else {
            throw OAuthError(.invalidRequest, "must not contain a fragment")
        }
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%") {
                guard i + 2 < bytes.count, FormBody.hexValue(bytes[i + 1]) != nil, FormBody.hexValue(bytes[i + 2]) != nil else {
                    throw OAuthError(.invalidRequest, "has malformed percent-encoding")
                }
                i += 3
                continue
            }
            guard isURICharacter(bytes[i]) else {
                throw OAuthError(.invalidRequest, "contains a character not allowed in a URI")
            }
            i += 1
        }
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon > 0,
              isAlpha(bytes[0]), bytes[1..<colon].allSatisfy(isSchemeCharacter)
        else { throw OAuthError(.invalidRequest, "must be an absolute URI") }
        let scheme = String(decoding: bytes[..<colon], as: UTF8.self).lowercased()
        let rest = bytes[(colon + 1)...]

        guard scheme == "http" || scheme == "https" else {
            guard scheme.contains(".") else {
                throw OAuthError(.invalidRequest, "must use https, http on a loopback host, or a private-use scheme such as com.example.app:/callback")
            }
            guard !rest.isEmpty else { throw OAuthError(.invalidRequest, "has nothing after the scheme") }
            return Parts(scheme: scheme, host: nil, port: nil, withoutPort: uri)
        }

        guard rest.starts(with: Array("//".utf8)) else {
            throw OAuthError(.invalidRequest, "must have a host")
        }
        let authorityStart = rest.startIndex + 2
        let authorityEnd = bytes[authorityStart...].firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }) ?? bytes.endIndex
        let authority = bytes[authorityStart..<authorityEnd]
        guard !authority.contains(UInt8(ascii: "@")) else {
            throw OAuthError(.invalidRequest, "must not contain user information")
        }
        var hostBytes = authority
        var portBytes: ArraySlice<UInt8>? = nil
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else {
                throw OAuthError(.invalidRequest, "has a malformed IP literal")
            }
            hostBytes = authority[...close]
            let after = authority[(close + 1)...]
            if !after.isEmpty {
                guard after.first == UInt8(ascii: ":") else {
                    throw OAuthError(.invalidRequest, "has a malformed IP literal")
                }
                portBytes = after.dropFirst()
            }
            guard hostBytes.dropFirst().dropLast().allSatisfy(isIPLiteralCharacter), hostBytes.count > 2 else {
                throw OAuthError(.invalidRequest, "has a malformed IP literal")
            }
        } else {
            if let portColon = authority.firstIndex(of: UInt8(ascii: ":")) {
                hostBytes = authority[..<portColon]
                portBytes = authority[(portColon + 1)...]
            }
            guard !hostBytes.isEmpty, hostBytes.allSatisfy(isHostNameCharacter) else {
                throw OAuthError(.invalidRequest, "must have a valid host name")
            }
        }
        if let portBytes {
            guard (1...5).contains(portBytes.count), portBytes.allSatisfy(isDigit),
                  let port = Int(String(decoding: portBytes, as: UTF8.self)), port <= 65535
            else { throw OAuthError(.invalidRequest, "has an invalid port") }
        }
        let host = String(decoding: hostBytes, as: UTF8.self).lowercased()
        if scheme == "http" && !loopbackHosts.contains(host) {
            throw OAuthError(.invalidRequest, "may use http only for 127.0.0.1, [::1] or localhost; use https")
        }
        let withoutPort = portBytes.map { port in
            String(decoding: bytes[..<(port.startIndex - 1)] + bytes[port.endIndex...], as: UTF8.self)
        } ?? uri
        return Parts(scheme: scheme, host: host, port: portBytes.map { String(decoding: $0, as: UTF8.self) },
                     withoutPort: withoutPort)
    }

    private static func isAlpha(_ b: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b)
    }

    private static func isDigit(_ b: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) }

    /// RFC 3986 §3.1: `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`.
    private static func isSchemeCharacter(_ b: UInt8) -> Bool {
        isAlpha(b) || isDigit(b) || b == UInt8(ascii: "+") || b == UInt8(ascii: "-") || b == UInt8(ascii: ".")
    }

    /// A DNS name or IPv4 address: letters, digits, `-`, `.` (IDNs arrive as punycode).
    private static func isHostNameCharacter(_ b: UInt8) -> Bool {
        isAlpha(b) || isDigit(b) || b == UInt8(ascii: "-") || b == UInt8(ascii: ".")
    }

    /// Inside `[…]`: an IPv6 address (hex digits, `:`, `.` for an embedded IPv4).
    private static func isIPLiteralCharacter(_ b: UInt8) -> Bool {
        FormBody.hexValue(b) != nil || b == UInt8(ascii: ":") || b == UInt8(ascii: ".")
    }

    /// RFC 3986 §2: unreserved, gen-delims, sub-delims (`%` is checked separately).
    private static func isURICharacter(_ b: UInt8) -> Bool {
        if FormBody.isUnreserved(b) { return true }
        return switch b {
        case UInt8(ascii: ":"), UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#"), UInt8(ascii: "["),
             UInt8(ascii: "]"), UInt8(ascii: "@"), UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"),
             UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"),
             UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="): true
        default: false
        }
    }
}
