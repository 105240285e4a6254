import MarqueeCore

/// How a client identified (and maybe authenticated) itself at the token endpoint
/// (RFC 6749 §2.3.1).
///
///     Authorization: Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW
///                    └ scheme ┘ └ base64( urlencode(client_id) ":" urlencode(secret) ) ┘
///
/// or, in the form body, `client_id=s6BhdRkqt3&client_secret=gX1fBat3bV`. A public client sends
/// `client_id` alone (its proof is the PKCE verifier).
public struct ClientCredentials: Sendable, Equatable {
    public var clientId: String
    /// Nil for a public client (no secret, or an empty one).
    public var secret: String?

    public init(clientId: String, secret: String?) {
        self.clientId = clientId
        self.secret = secret
    }

    /// Reads the credentials from the `Authorization` header, else from the form.
    ///
    /// - Returns: nil when the request carries neither (the caller answers `invalid_client`
    ///   if the grant needs a client).
    /// - Throws: `invalid_client` (401) for a header that is not well-formed `Basic`;
    ///   `invalid_request` when the header and `client_secret` are both used (RFC 6749 §2.3:
    ///   one method per request), when a form `client_id` differs from the header's, or for a
    ///   `client_secret` without a `client_id`.
    public static func from(authorization: String?, form: FormBody) throws(OAuthError) -> ClientCredentials? {
        if let authorization {
            let fromHeader = try parseBasic(authorization)
            if form["client_secret"] != nil {
                throw OAuthError(.invalidRequest, "client authenticated with both HTTP Basic and client_secret")
            }
            if let formId = form["client_id"], formId != fromHeader.clientId {
                throw OAuthError(.invalidRequest, "client_id does not match the Authorization header")
            }
            return fromHeader
        }
        guard let clientId = form["client_id"] else {
            if form["client_secret"] != nil {
                throw OAuthError(.invalidRequest, "client_secret without client_id")
            }
            return nil
        }
        return ClientCredentials(clientId: clientId, secret: form["client_secret"])
    }

    /// `Basic` credentials (RFC 7617 §2): scheme case-insensitive, one or more spaces, then
    /// base64 of `id:secret`, each part form-urlencoded first (RFC 6749 §2.3.1).
    static func parseBasic(_ header: String) throws(OAuthError) -> ClientCredentials {
        let malformed = OAuthError(.invalidClient, "malformed HTTP Basic credentials")
        var bytes = Array(header.utf8)[...]
        while bytes.last == 0x20 || bytes.last == 0x09 { bytes.removeLast() }
        while bytes.first == 0x20 || bytes.first == 0x09 { bytes.removeFirst() }
        guard bytes.count > 6,
              String(decoding: bytes.prefix(5), as: UTF8.self).lowercased() == "basic",
              bytes[bytes.startIndex + 5] == 0x20
        else {
            throw OAuthError(.invalidClient, "the token endpoint accepts HTTP Basic client authentication only")
        }
        var token = bytes.dropFirst(5)
        while token.first == 0x20 { token.removeFirst() }
        guard let decoded = Base64.decode(String(decoding: token, as: UTF8.self)),
              let colon = decoded.firstIndex(of: UInt8(ascii: ":"))
        else { throw malformed }
        let id: String
        let secret: String
        do {
            id = try FormBody.decode(decoded[..<colon])
            secret = try FormBody.decode(decoded[(colon + 1)...])
        } catch {
            throw malformed
        }
        guard !id.isEmpty else { throw malformed }
        return ClientCredentials(clientId: id, secret: secret.isEmpty ? nil : secret)
    }

    /// The header value a client would send: the inverse of parsing, for tests and tools.
    public var basicAuthorization: String {
        let pair = FormBody.percentEncode(clientId) + ":" + FormBody.percentEncode(secret ?? "")
        return "Basic " + Base64.encode(Array(pair.utf8))
    }
}
