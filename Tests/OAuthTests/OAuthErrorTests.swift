import Testing
@testable import OAuth

@Suite("OAuthError: RFC 6749 §5.2 bodies")
struct OAuthErrorTests {
    @Test("codes are the RFC 6749 strings")
    func codes() {
        #expect(OAuthError.Code.allCases.map(\.rawValue) == [
            "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type",
            "invalid_scope", "access_denied", "unsupported_response_type", "server_error",
        ])
    }

    @Test("status: 401 for invalid_client, 500 for server_error, else 400")
    func status() {
        for code in OAuthError.Code.allCases {
            let expected = code == .invalidClient ? 401 : code == .serverError ? 500 : 400
            #expect(OAuthError(code, "x").status == expected)
        }
        #expect(OAuthError(.invalidClient, "x").wwwAuthenticate?.hasPrefix("Basic ") == true)
        #expect(OAuthError(.invalidGrant, "x").wwwAuthenticate == nil)
    }

    @Test("JSON body, exact bytes")
    func jsonBody() {
        let body = OAuthError(.invalidGrant, "authorization code expired").jsonBody
        #expect(String(decoding: body, as: UTF8.self) == #"{"error":"invalid_grant","error_description":"authorization code expired"}"#)
    }

    @Test("hostile descriptions stay valid JSON within the RFC 6749 character set", arguments: [
        "quote \" backslash \\ end",
        "newline\nCR\rtab\tNUL\u{0}",
        "</script><script>alert(1)</script>",
        "unicode é ✓ 🎁 \u{2028}\u{2029}",
        String(repeating: "long ", count: 200),
    ])
    func hostileDescription(_ description: String) throws {
        let error = OAuthError(.invalidRequest, description)
        let object = try #require(jsonObject(error.jsonBody))
        #expect(object["error"] as? String == "invalid_request")
        let sent = try #require(object["error_description"] as? String)
        #expect(sent.unicodeScalars.allSatisfy { (0x20...0x7E).contains($0.value) && $0 != "\"" && $0 != "\\" })
        #expect(sent.count <= 300)
        #expect(error.description == description)  // the original is kept for logs
    }

    @Test("redirect parameters carry state exactly")
    func redirectParameters() {
        let params = OAuthError(.accessDenied, "the user denied access").redirectParameters(state: "xyz 1&2")
        #expect(params.map(\.0) == ["error", "error_description", "state"])
        #expect(params[2].1 == "xyz 1&2")
        #expect(OAuthError(.accessDenied, "x").redirectParameters(state: nil).count == 2)
        #expect(OAuthError(.accessDenied, "x").redirectParameters(state: "").count == 2)
    }
}
