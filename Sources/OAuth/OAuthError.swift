/// An OAuth 2.0 error, as the token endpoint answers it (RFC 6749 §5.2) and as the
/// authorization endpoint puts it into a redirect (RFC 6749 §4.1.2.1).
///
///     HTTP/1.1 400 Bad Request
///     Content-Type: application/json;charset=UTF-8
///     Cache-Control: no-store
///
///     {"error":"invalid_request","error_description":"parameter 'code' is missing"}
///
/// The OAuth endpoints answer with this body rather than problem+json because OAuth client
/// libraries parse `error` and nothing else.
public struct OAuthError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The error codes of RFC 6749 §4.1.2.1 and §5.2.
    public enum Code: String, Sendable, Equatable, CaseIterable {
        case invalidRequest = "invalid_request"
        case invalidClient = "invalid_client"
        case invalidGrant = "invalid_grant"
        case unauthorizedClient = "unauthorized_client"
        case unsupportedGrantType = "unsupported_grant_type"
        case invalidScope = "invalid_scope"
        case accessDenied = "access_denied"
        case unsupportedResponseType = "unsupported_response_type"
        case serverError = "server_error"
    }

    public var code: Code
    /// Human-readable, for the client's developer (`error_description`). May contain any text;
    /// `jsonBody` and `redirectParameters` reduce it to the characters RFC 6749 allows.
    public var description: String

    public init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    /// The HTTP status for a direct (non-redirect) answer: 401 for `invalid_client`
    /// (RFC 6749 §5.2), 500 for `server_error` (an internal failure is not the client's fault),
    /// 400 for everything else.
    public var status: Int {
        switch code {
        case .invalidClient: 401
        case .serverError: 500
        default: 400
        }
    }

    /// The `WWW-Authenticate` value to send with a 401 (RFC 6749 §5.2 asks for one matching the
    /// scheme the client tried; the token endpoint only knows Basic). Nil for other codes.
    public var wwwAuthenticate: String? {
        code == .invalidClient ? #"Basic realm="oauth", charset="UTF-8""# : nil
    }

    /// `{"error":"…","error_description":"…"}` as UTF-8 JSON.
    public var jsonBody: [UInt8] {
        var json = JSONText()
        json.beginObject()
        json.field("error", code.rawValue)
        json.field("error_description", OAuthError.descriptionCharacters(description))
        json.endObject()
        return json.bytes
    }

    /// The parameters for an error redirect (RFC 6749 §4.1.2.1): `error`, `error_description`
    /// and, when the request carried one, `state` exactly as received.
    public func redirectParameters(state: String?) -> [(String, String)] {
        var params = [("error", code.rawValue), ("error_description", OAuthError.descriptionCharacters(description))]
        if let state, !state.isEmpty { params.append(("state", state)) }
        return params
    }

    /// RFC 6749 §5.2: `error_description` characters are %x20-21 / %x23-5B / %x5D-7E (printable
    /// ASCII without `"` and `\`). Anything else becomes `?`, so a hostile parameter name echoed
    /// in a description cannot break a client's parser. At most 300 characters.
    static func descriptionCharacters(_ text: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(min(text.unicodeScalars.count, 300))
        for scalar in text.unicodeScalars.prefix(300) {
            let v = scalar.value
            let allowed = (v >= 0x20 && v <= 0x7E) && v != 0x22 && v != 0x5C
            out.unicodeScalars.append(allowed ? scalar : "?")
        }
        return out
    }
}
