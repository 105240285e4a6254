/// A successful token response (RFC 6749 §5.1; RFC 6750 for the Bearer type).
///
///     HTTP/1.1 200 OK
///     Content-Type: application/json;charset=UTF-8
///     Cache-Control: no-store
///     Pragma: no-cache
///
///     {"access_token":"…","token_type":"Bearer","expires_in":3600,"refresh_token":"…","scope":"profile:read"}
public struct TokenResponse: Sendable, Equatable {
    public var accessToken: String
    /// Lifetime of the access token in seconds.
    public var expiresIn: Int64
    /// Nil when no refresh token is issued (or the old one stays valid).
    public var refreshToken: String?
    /// The granted scopes; always sent, so the client sees when it got less than it asked for.
    public var scopes: [String]

    public init(accessToken: String, expiresIn: Int64, refreshToken: String?, scopes: [String]) {
        self.accessToken = accessToken
        self.expiresIn = expiresIn
        self.refreshToken = refreshToken
        self.scopes = scopes
    }

    /// The headers RFC 6749 §5.1 requires on every token response, errors included.
    public static let headers: [(String, String)] = [
        ("Content-Type", "application/json;charset=UTF-8"),
        ("Cache-Control", "no-store"),
        ("Pragma", "no-cache"),
    ]

    public var jsonBody: [UInt8] {
        var json = JSONText()
        json.beginObject()
        json.field("access_token", accessToken)
        json.field("token_type", "Bearer")
        json.field("expires_in", expiresIn)
        if let refreshToken { json.field("refresh_token", refreshToken) }
        json.field("scope", ScopeList.format(scopes))
        json.endObject()
        return json.bytes
    }
}

/// The answer of the introspection endpoint (RFC 7662 §2.2).
///
///     {"active":true,"scope":"profile:read","client_id":"…","username":"alice","token_type":"Bearer",
///      "exp":1763805845,"iat":1763802245,"sub":"acc_…"}
///
/// An inactive token (expired, revoked, unknown, or not the caller's to see) answers
/// `{"active":false}` and nothing else, so the endpoint does not tell why.
public struct IntrospectionResponse: Sendable, Equatable {
    public var active: Bool
    public var scopes: [String]
    public var clientId: String?
    /// Human-readable identifier of the resource owner (the account's handle).
    public var username: String?
    public var tokenType: String?
    /// Expiry and issue time, seconds since the Unix epoch (RFC 7519 NumericDate).
    public var exp: Int64?
    public var iat: Int64?
    /// The resource owner's account id.
    public var sub: String?

    /// `{"active":false}`.
    public static let inactive = IntrospectionResponse(active: false, scopes: [], clientId: nil, username: nil,
                                                       tokenType: nil, exp: nil, iat: nil, sub: nil)

    public init(active: Bool, scopes: [String], clientId: String?, username: String?, tokenType: String? = "Bearer",
                exp: Int64?, iat: Int64?, sub: String?) {
        self.active = active
        self.scopes = scopes
        self.clientId = clientId
        self.username = username
        self.tokenType = tokenType
        self.exp = exp
        self.iat = iat
        self.sub = sub
    }

    /// JSON; only `{"active":false}` when inactive, whatever else is set.
    public var jsonBody: [UInt8] {
        var json = JSONText()
        json.beginObject()
        json.field("active", active)
        if active {
            json.field("scope", ScopeList.format(scopes))
            if let clientId { json.field("client_id", clientId) }
            if let username { json.field("username", username) }
            if let tokenType { json.field("token_type", tokenType) }
            if let exp { json.field("exp", exp) }
            if let iat { json.field("iat", iat) }
            if let sub { json.field("sub", sub) }
        }
        json.endObject()
        return json.bytes
    }
}
