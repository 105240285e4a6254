import Testing
@testable import OAuth

@Suite("ClientCredentials (RFC 6749 §2.3.1)")
struct ClientCredentialsTests {
    func credentials(_ authorization: String?, _ body: String = "") throws(OAuthError) -> ClientCredentials? {
        try ClientCredentials.from(authorization: authorization, form: try form(body))
    }

    @Test("Basic header: RFC 6749 §4.1.3 and RFC 7617 examples")
    func basic() throws {
        #expect(try credentials("Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW") == ClientCredentials(clientId: "s6BhdRkqt3", secret: "gX1fBat3bV"))
        #expect(try credentials("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==") == ClientCredentials(clientId: "Aladdin", secret: "open sesame"))
        // The scheme is case-insensitive; extra spaces are tolerated.
        #expect(try credentials("basic czZCaGRSa3F0MzpnWDFmQmF0M2JW")?.clientId == "s6BhdRkqt3")
        #expect(try credentials("BASIC   czZCaGRSa3F0MzpnWDFmQmF0M2JW ")?.clientId == "s6BhdRkqt3")
    }

    @Test("Basic parts are form-urlencoded before base64")
    func basicEncoded() throws {
        // base64("my%3Aclient:p%40ss+word%2B")
        let parsed = try credentials("Basic bXklM0FjbGllbnQ6cCU0MHNzK3dvcmQlMkI=")
        #expect(parsed == ClientCredentials(clientId: "my:client", secret: "p@ss word+"))
        let original = ClientCredentials(clientId: "a:b c&é", secret: "s+e/c=r%e t")
        #expect(try credentials(original.basicAuthorization) == original)
    }

    @Test("Basic with an empty secret is a public client")
    func emptySecret() throws {
        #expect(try credentials("Basic YWJjOg==") == ClientCredentials(clientId: "abc", secret: nil))  // "abc:"
    }

    @Test("malformed headers are invalid_client (401)", arguments: [
        "",
        "Basic",
        "Basic ",
        "Bearer czZCaGRSa3F0MzpnWDFmQmF0M2JW",
        "Basicczz",
        "Basic YWJj",            // "abc": no colon
        "Basic OnNlY3JldA==",    // ":secret": empty client id
        "Basic aWQ6JXp6",        // "id:%zz": bad percent-encoding
        "Basic aWQ6YSUwQWI=",    // "id:a%0Ab": control character
        "Basic !!!!",
        "Basic czZC aGRS",
        "Basic wDp4",            // "\xC0:x": invalid UTF-8
        "Digest username=x",
    ])
    func malformed(_ header: String) {
        let error = oauthError { () throws(OAuthError) in try credentials(header) }
        #expect(error?.code == .invalidClient, "\(header)")
        #expect(error?.status == 401)
    }

    @Test("form fields")
    func formFields() throws {
        #expect(try credentials(nil, "client_id=app1&client_secret=s3") == ClientCredentials(clientId: "app1", secret: "s3"))
        #expect(try credentials(nil, "client_id=app1") == ClientCredentials(clientId: "app1", secret: nil))
        #expect(try credentials(nil, "client_id=app1&client_secret=") == ClientCredentials(clientId: "app1", secret: nil))
        #expect(try credentials(nil, "grant_type=x") == nil)
        #expect(try credentials(nil) == nil)
    }

    @Test("two methods at once, or inconsistent ids, are invalid_request")
    func twoMethods() throws {
        let header = "Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW"
        #expect(oauthError { () throws(OAuthError) in try credentials(header, "client_secret=gX1fBat3bV") }?.code == .invalidRequest)
        #expect(oauthError { () throws(OAuthError) in try credentials(header, "client_id=other") }?.code == .invalidRequest)
        #expect(oauthError { () throws(OAuthError) in try credentials(nil, "client_secret=s") }?.code == .invalidRequest)
        // Repeating client_id in the body alongside Basic is allowed when it agrees.
        #expect(try credentials(header, "client_id=s6BhdRkqt3")?.secret == "gX1fBat3bV")
    }
}
