import Foundation
import HTTPTypes
import MarqueeApp
import MarqueeCore
import OAuth
import Testing

/// OAuth 2.0 end to end over HTTP: consent, code with PKCE, refresh rotation, client
/// credentials, revocation, introspection, expiry and scopes, against a live server.
private let redirect = "https://bot.example/cb"
private let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-plus-some-more-entropy"

struct OAuthApp { var id: String; var secret: String }

func oauthForm(_ pairs: [(String, String)]) -> String { FormBody.encode(pairs) }

func oauthPost(_ api: API, _ path: String, _ pairs: [(String, String)], basic: String? = nil, token: String? = nil) async throws -> Reply {
    var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
    if let basic { headers[.authorization] = basic }
    return try await api.request(.post, path, body: oauthForm(pairs), token: token, headers: headers)
}

func registerOAuthApp(_ api: API, owner: String, scopes: [String], clientType: String = "confidential") async throws -> OAuthApp {
    let list = scopes.map { "\"\($0)\"" }.joined(separator: ",")
    let reply = try await api.post("/api/v1/apps", #"{"name":"Gift Bot","redirectUris":["\#(redirect)"],"scopes":[\#(list)],"clientType":"\#(clientType)"}"#,
                                   token: owner)
    #expect(reply.code == 201, "\(reply)")
    let json = try reply.json()
    return OAuthApp(id: json["clientId"]?.string ?? "", secret: json["clientSecret"]?.string ?? "")
}

func authorizeParams(_ app: OAuthApp, scope: String, state: String = "xyz", challenge: String? = PKCE.challengeS256(verifier: verifier))
    -> [(String, String)] {
    var pairs = [("response_type", "code"), ("client_id", app.id), ("redirect_uri", redirect), ("scope", scope), ("state", state)]
    if let challenge { pairs += [("code_challenge", challenge), ("code_challenge_method", "S256")] }
    return pairs
}

/// The consent form's "Allow", signed in with handle and password: the code from the redirect.
func oauthAllow(_ api: API, _ app: OAuthApp, handle: String, scope: String) async throws -> String {
    let reply = try await oauthPost(api, "/oauth/authorize", authorizeParams(app, scope: scope)
                               + [("decision", "allow"), ("handle", handle), ("password", "password-123")])
    #expect(reply.code == 303, "\(reply)")
    let location = reply.headers[.location] ?? ""
    #expect(location.hasPrefix(redirect + "?code="), "\(location)")
    #expect(location.hasSuffix("&state=xyz"), "\(location)")
    let query = try FormBody(query: String(location.split(separator: "?", maxSplits: 1).last ?? ""))
    return query["code"] ?? ""
}

func oauthExchange(_ api: API, _ app: OAuthApp, code: String, verifier: String = verifier) async throws -> Reply {
    try await oauthPost(api, "/oauth/token", [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirect),
                                         ("code_verifier", verifier)],
                   basic: ClientCredentials(clientId: app.id, secret: app.secret).basicAuthorization)
}

func oauthError(_ reply: Reply, _ status: Int, _ error: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(reply.code == status, "\(reply)", sourceLocation: sourceLocation)
    #expect((try? reply.json())?["error"]?.string == error, "\(reply)", sourceLocation: sourceLocation)
}


@Suite("OAuth 2.0 over HTTP", .timeLimit(.minutes(4)))
struct OAuthFlowTests {
    @Test func authorizationCodeWithPKCEConsentAndScopes() async throws {
        let directory = try TemporaryDirectory("oauth")
        defer { directory.remove() }
        let clock = ManualClock()
        let config = LiveServer.config(dataDir: try directory.directory("data"))
        try await LiveServer.runParts(config: config, clock: clock) { api, _, _ in
            let cleo = try await api.account("cleo", role: "creator")
            _ = try await api.account("vera")
            let app = try await registerOAuthApp(api, owner: cleo.token, scopes: ["account:read", "events:read", "gifts:read", "webhooks:manage"])

            // The consent page names the app and each scope; an unknown client is shown, not redirected.
            let query = oauthForm(authorizeParams(app, scope: "account:read gifts:read"))
            let page = try await api.get("/oauth/authorize?" + query)
            #expect(page.code == 200 && page.body.contains("Gift Bot") && page.body.contains("See gifts you send and receive"), "\(page.code)")
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            let unknown = try await api.get("/oauth/authorize?" + oauthForm([("response_type", "code"), ("client_id", "app_nope"),
                                                                       ("redirect_uri", redirect)]))
            #expect(unknown.code == 400 && unknown.headers[.location] == nil)
            let evil = try await api.get("/oauth/authorize?" + oauthForm(authorizeParams(app, scope: "gifts:read").map {
                $0.0 == "redirect_uri" ? ($0.0, "https://evil.example/cb") : $0 }))
            #expect(evil.code == 400 && evil.headers[.location] == nil, "a redirect URI that is not registered is never redirected to")
            // No PKCE, or a scope the app did not register: back to the app with the error.
            let noPKCE = try await api.get("/oauth/authorize?" + oauthForm(authorizeParams(app, scope: "gifts:read", challenge: nil)))
            #expect(noPKCE.code == 303 && (noPKCE.headers[.location] ?? "").contains("error=invalid_request"), "\(noPKCE)")
            let badScope = try await api.get("/oauth/authorize?" + oauthForm(authorizeParams(app, scope: "wallet:read")))
            #expect(badScope.code == 303 && (badScope.headers[.location] ?? "").contains("error=invalid_scope"), "\(badScope)")

            // Deny, a wrong password, then allow.
            let denied = try await oauthPost(api, "/oauth/authorize", authorizeParams(app, scope: "gifts:read") + [("decision", "deny")])
            #expect(denied.code == 303 && (denied.headers[.location] ?? "").contains("error=access_denied"))
            let wrong = try await oauthPost(api, "/oauth/authorize", authorizeParams(app, scope: "gifts:read")
                                       + [("decision", "allow"), ("handle", "vera"), ("password", "not-her-password")])
            #expect(wrong.code == 401 && wrong.headers[.location] == nil)
            let code = try await oauthAllow(api, app, handle: "vera", scope: "account:read gifts:read")

            // A wrong verifier is refused (and does not spend the code); the right one gets tokens.
            oauthError(try await oauthExchange(api, app, code: code, verifier: String(repeating: "a", count: 43)), 400, "invalid_grant")
            let granted = try await oauthExchange(api, app, code: code)
            #expect(granted.code == 200, "\(granted)")
            #expect(granted.headers[.cacheControl] == "no-store")
            let tokens = try granted.json()
            let access = tokens["access_token"]?.string ?? ""
            let refresh = tokens["refresh_token"]?.string ?? ""
            #expect(tokens["token_type"]?.string == "Bearer" && tokens["expires_in"]?.int == 3600)
            #expect(tokens["scope"]?.string == "account:read gifts:read")
            #expect(access.hasPrefix("mq_at_") && refresh.hasPrefix("mq_rt_"))

            // The token acts as vera, within its scopes: 403 naming the missing one.
            let me = try await api.get("/api/v1/me", token: access)
            let meJSON = try me.json()
            #expect(me.code == 200 && meJSON["handle"]?.string == "vera", "\(me)")
            let wallet = try await api.get("/api/v1/wallet", token: access)
            expectProblem(wallet, 403, "insufficient-scope")
            #expect((try wallet.json())["missingScope"]?.string == "wallet:read")
            #expect(wallet.headers[.wwwAuthenticate] == #"Bearer error="insufficient_scope", scope="wallet:read""#)
            // A token never mints tokens or registers apps.
            expectProblem(try await api.post("/api/v1/tokens", #"{"name":"x","scopes":["chat:read"]}"#, token: access), 403, "forbidden")

            // The code a second time: refused, and what it was exchanged for is revoked (RFC 6749 §4.1.2).
            oauthError(try await oauthExchange(api, app, code: code), 400, "invalid_grant")
            expectProblem(try await api.get("/api/v1/me", token: access), 401)
            oauthError(try await oauthPost(api, "/oauth/token", [("grant_type", "refresh_token"), ("refresh_token", refresh)],
                                      basic: ClientCredentials(clientId: app.id, secret: app.secret).basicAuthorization), 400, "invalid_grant")

            // The grant is listed for vera; she revokes it and a fresh code's tokens die with it.
            let vera = try await api.login("vera")
            let listed = try await api.get("/api/v1/authorizations", token: vera)
            #expect((try listed.json())["authorizations"]?[0]?["appId"]?.string == app.id)
            let second = try (try await oauthExchange(api, app, code: try await oauthAllow(api, app, handle: "vera", scope: "gifts:read"))).json()
            let access2 = second["access_token"]?.string ?? ""
            #expect(try await api.get("/api/v1/gifts", token: access2).code == 200)
            #expect(try await api.delete("/api/v1/authorizations/\(app.id)", token: vera).code == 204)
            expectProblem(try await api.get("/api/v1/wallet", token: access2), 401)
            #expect((try (try await api.get("/api/v1/authorizations", token: vera)).json())["authorizations"]?.array?.isEmpty == true)
        }
    }

    @Test func refreshRotationReuseDetectionExpiryRevocationAndIntrospection() async throws {
        let directory = try TemporaryDirectory("oauth")
        defer { directory.remove() }
        let clock = ManualClock()
        let config = LiveServer.config(dataDir: try directory.directory("data"))
        try await LiveServer.runParts(config: config, clock: clock) { api, _, _ in
            let cleo = try await api.account("cleo", role: "creator")
            _ = try await api.account("vera")
            let app = try await registerOAuthApp(api, owner: cleo.token, scopes: ["account:read", "gifts:read"])
            let other = try await registerOAuthApp(api, owner: cleo.token, scopes: ["account:read"])
            let basic = ClientCredentials(clientId: app.id, secret: app.secret).basicAuthorization
            let first = try (try await oauthExchange(api, app, code: try await oauthAllow(api, app, handle: "vera", scope: "account:read gifts:read"))).json()
            let refresh1 = first["refresh_token"]?.string ?? ""

            // Rotation: the old refresh token is spent; narrowing the scope is allowed, widening not.
            let rotated = try await oauthPost(api, "/oauth/token", [("grant_type", "refresh_token"), ("refresh_token", refresh1), ("scope", "account:read")],
                                         basic: basic)
            #expect(rotated.code == 200, "\(rotated)")
            let second = try rotated.json()
            let access2 = second["access_token"]?.string ?? ""
            let refresh2 = second["refresh_token"]?.string ?? ""
            #expect(second["scope"]?.string == "account:read" && refresh2 != refresh1)
            oauthError(try await oauthPost(api, "/oauth/token", [("grant_type", "refresh_token"), ("refresh_token", refresh2), ("scope", "wallet:read")],
                                      basic: basic), 400, "invalid_scope")

            // Introspection answers the app that owns the token, and nobody else.
            let mine = try (try await oauthPost(api, "/oauth/introspect", [("token", access2)], basic: basic)).json()
            #expect(mine["active"]?.bool == true && mine["username"]?.string == "vera" && mine["client_id"]?.string == app.id)
            #expect(mine["scope"]?.string == "account:read")
            let theirs = try (try await oauthPost(api, "/oauth/introspect", [("token", access2)],
                                             basic: ClientCredentials(clientId: other.id, secret: other.secret).basicAuthorization)).json()
            #expect(theirs["active"]?.bool == false && theirs["username"] == nil)
            oauthError(try await oauthPost(api, "/oauth/introspect", [("token", access2)],
                                      basic: ClientCredentials(clientId: app.id, secret: "mq_cs_wrong").basicAuthorization), 401, "invalid_client")

            // Reusing a spent refresh token revokes the whole chain, including the newest tokens.
            oauthError(try await oauthPost(api, "/oauth/token", [("grant_type", "refresh_token"), ("refresh_token", refresh1)], basic: basic),
                       400, "invalid_grant")
            expectProblem(try await api.get("/api/v1/me", token: access2), 401)
            oauthError(try await oauthPost(api, "/oauth/token", [("grant_type", "refresh_token"), ("refresh_token", refresh2)], basic: basic),
                       400, "invalid_grant")

            // Expiry: an access token dies after expires_in (manual clock).
            let third = try (try await oauthExchange(api, app, code: try await oauthAllow(api, app, handle: "vera", scope: "account:read"))).json()
            let access3 = third["access_token"]?.string ?? ""
            #expect(try await api.get("/api/v1/me", token: access3).code == 200)
            clock.advance(seconds: 3601)
            let expired = try await api.get("/api/v1/me", token: access3)
            expectProblem(expired, 401)
            #expect(expired.headers[.wwwAuthenticate]?.contains(#"error="invalid_token""#) == true)
            // The refresh token still works after the access token expired, and RFC 7009 revokes it.
            let refresh3 = third["refresh_token"]?.string ?? ""
            let fourth = try await oauthPost(api, "/oauth/token", [("grant_type", "refresh_token"), ("refresh_token", refresh3)], basic: basic)
            #expect(fourth.code == 200, "\(fourth)")
            let access4 = (try fourth.json())["access_token"]?.string ?? ""
            let refresh4 = (try fourth.json())["refresh_token"]?.string ?? ""
            #expect(try await oauthPost(api, "/oauth/revoke", [("token", refresh4)], basic: basic).code == 200)
            #expect(try await oauthPost(api, "/oauth/revoke", [("token", "mq_rt_never-issued")], basic: basic).code == 200)
            expectProblem(try await api.get("/api/v1/me", token: access4), 401)
            oauthError(try await oauthPost(api, "/oauth/token", [("grant_type", "refresh_token"), ("refresh_token", refresh4)], basic: basic),
                       400, "invalid_grant")
            oauthError(try await oauthPost(api, "/oauth/token", [("grant_type", "password"), ("username", "vera")], basic: basic),
                       400, "unsupported_grant_type")
        }
    }

    @Test func clientCredentialsActAsTheOwnerAndPublicClientsUsePKCEOnly() async throws {
        let directory = try TemporaryDirectory("oauth")
        defer { directory.remove() }
        try await LiveServer.runParts(config: LiveServer.config(dataDir: try directory.directory("data")), clock: SystemWallClock()) { api, _, _ in
            let cleo = try await api.account("cleo", role: "creator")
            _ = try await api.account("vera")
            let app = try await registerOAuthApp(api, owner: cleo.token, scopes: ["account:read", "gifts:read"])
            let reply = try await oauthPost(api, "/oauth/token", [("grant_type", "client_credentials"), ("scope", "account:read")],
                                       basic: ClientCredentials(clientId: app.id, secret: app.secret).basicAuthorization)
            #expect(reply.code == 200, "\(reply)")
            let json = try reply.json()
            #expect(json["refresh_token"] == nil && json["scope"]?.string == "account:read")
            let me = try await api.get("/api/v1/me", token: json["access_token"]?.string)
            #expect((try me.json())["handle"]?.string == "cleo")
            oauthError(try await oauthPost(api, "/oauth/token", [("grant_type", "client_credentials")],
                                      basic: ClientCredentials(clientId: app.id, secret: "mq_cs_wrong").basicAuthorization), 401, "invalid_client")

            // A public app: no secret, no client credentials, PKCE carries the code exchange.
            let spa = try await registerOAuthApp(api, owner: cleo.token, scopes: ["account:read"], clientType: "public")
            #expect(spa.secret.isEmpty)
            oauthError(try await oauthPost(api, "/oauth/token", [("grant_type", "client_credentials"), ("client_id", spa.id)]), 400, "unauthorized_client")
            let code = try await oauthAllow(api, spa, handle: "vera", scope: "account:read")
            let tokens = try await oauthPost(api, "/oauth/token", [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirect),
                                                              ("code_verifier", verifier), ("client_id", spa.id)])
            #expect(tokens.code == 200, "\(tokens)")
        }
    }
}
