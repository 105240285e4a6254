/// The `scope` parameter (RFC 6749 §3.3):
///
///     scope       = scope-token *( SP scope-token )
///     scope-token = 1*( %x21 / %x23-5B / %x5D-7E )      (printable ASCII without `"`, `\`, space)
///
/// Order carries no meaning; this keeps the client's order (first occurrence) so the consent
/// page and the token response read the way the client asked.
public enum ScopeList {
    /// Parses `text`, drops duplicates and checks each token against `known`.
    ///
    /// Runs of spaces and leading or trailing spaces are tolerated; any other separator is not.
    /// An empty or all-space string gives `[]`: the caller picks a default or refuses
    /// (RFC 6749 §3.3).
    ///
    /// - Throws: `invalid_scope` for a malformed token or one not in `known`.
    public static func parse(_ text: String, known: Set<String>) throws(OAuthError) -> [String] {
        let scopes = try tokens(text)
        if let unknown = scopes.first(where: { !known.contains($0) }) {
            throw OAuthError(.invalidScope, "unknown scope '\(unknown)'")
        }
        return scopes
    }

    /// The scopes of a refresh (RFC 6749 §6): all of `granted` when `requested` is nil or blank,
    /// else `requested`, which must not include anything not originally granted.
    ///
    /// - Throws: `invalid_scope` for a malformed token or one outside `granted`.
    public static func narrow(requested: String?, granted: [String]) throws(OAuthError) -> [String] {
        guard let requested else { return granted }
        let scopes = try tokens(requested)
        if scopes.isEmpty { return granted }
        if let extra = scopes.first(where: { !granted.contains($0) }) {
            throw OAuthError(.invalidScope, "scope '\(extra)' was not granted")
        }
        return scopes
    }

    /// Well-formed tokens, first occurrence kept.
    static func tokens(_ text: String) throws(OAuthError) -> [String] {
        var scopes: [String] = []
        var seen = Set<String>()
        for token in text.utf8.split(separator: 0x20) {
            guard token.allSatisfy(isScopeCharacter) else {
                throw OAuthError(.invalidScope, "malformed scope (RFC 6749 section 3.3)")
            }
            let scope = String(decoding: token, as: UTF8.self)
            if seen.insert(scope).inserted { scopes.append(scope) }
        }
        return scopes
    }

    /// Space-separated, in the given order.
    public static func format(_ scopes: [String]) -> String {
        scopes.joined(separator: " ")
    }

    static func isScopeCharacter(_ byte: UInt8) -> Bool {
        byte == 0x21 || (0x23...0x5B).contains(byte) || (0x5D...0x7E).contains(byte)
    }
}
