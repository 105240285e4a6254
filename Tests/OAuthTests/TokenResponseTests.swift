import Testing
@testable import OAuth

@Suite("Token and introspection responses")
struct TokenResponseTests {
    @Test("token response, exact bytes (RFC 6749 §5.1)")
    func token() {
        let response = TokenResponse(accessToken: "mqa_2YotnFZFEjr1zCsicMWpAA", expiresIn: 3600,
                                     refreshToken: "mqr_tGzv3JOkF0XG5Qx2TlKWIA", scopes: ["profile:read", "gifts:read"])
        #expect(String(decoding: response.jsonBody, as: UTF8.self) ==
                #"{"access_token":"mqa_2YotnFZFEjr1zCsicMWpAA","token_type":"Bearer","expires_in":3600,"refresh_token":"mqr_tGzv3JOkF0XG5Qx2TlKWIA","scope":"profile:read gifts:read"}"#)
        let noRefresh = TokenResponse(accessToken: "a", expiresIn: 60, refreshToken: nil, scopes: [])
        #expect(String(decoding: noRefresh.jsonBody, as: UTF8.self) ==
                #"{"access_token":"a","token_type":"Bearer","expires_in":60,"scope":""}"#)
        let headers = Dictionary(uniqueKeysWithValues: TokenResponse.headers)
        #expect(headers["Cache-Control"] == "no-store")
        #expect(headers["Pragma"] == "no-cache")
    }

    @Test("hostile strings are escaped")
    func escaping() throws {
        let nasty = "\"}\\,\"x\":1\n\u{0}\u{1F}\u{2028}é🎁"
        let response = TokenResponse(accessToken: nasty, expiresIn: -1, refreshToken: nasty, scopes: [nasty])
        let object = try #require(jsonObject(response.jsonBody))
        #expect(object["access_token"] as? String == nasty)
        #expect(object["refresh_token"] as? String == nasty)
        #expect(object["scope"] as? String == nasty)
        #expect(object["expires_in"] as? Int == -1)
        #expect(object["x"] == nil)
        let text = String(decoding: response.jsonBody, as: UTF8.self)
        #expect(text.contains(#"\u0000"#) && text.contains(#"\u001f"#) && text.contains(#"\u2028"#) && text.contains(#"\n"#))
    }

    @Test("introspection: active (RFC 7662 §2.2)")
    func active() throws {
        let response = IntrospectionResponse(active: true, scopes: ["profile:read"], clientId: "app_1", username: "alice",
                                             exp: 1_763_805_845, iat: 1_763_802_245, sub: "acc_1")
        #expect(String(decoding: response.jsonBody, as: UTF8.self) ==
                #"{"active":true,"scope":"profile:read","client_id":"app_1","username":"alice","token_type":"Bearer","exp":1763805845,"iat":1763802245,"sub":"acc_1"}"#)
        let partial = IntrospectionResponse(active: true, scopes: [], clientId: nil, username: "a\"b", tokenType: nil,
                                            exp: nil, iat: nil, sub: nil)
        let object = try #require(jsonObject(partial.jsonBody))
        #expect(object["active"] as? Bool == true)
        #expect(object["username"] as? String == "a\"b")
        #expect(Set(object.keys) == ["active", "scope", "username"])
    }

    @Test("introspection: inactive says nothing else")
    func inactive() {
        #expect(String(decoding: IntrospectionResponse.inactive.jsonBody, as: UTF8.self) == #"{"active":false}"#)
        var leaky = IntrospectionResponse(active: true, scopes: ["x"], clientId: "c", username: "u", exp: 1, iat: 1, sub: "s")
        leaky.active = false
        #expect(String(decoding: leaky.jsonBody, as: UTF8.self) == #"{"active":false}"#)
    }
}
