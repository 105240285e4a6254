import Foundation
import HTTPTypes
import OAuth
import Testing

/// One walk through apps, grants, personal access tokens and webhook endpoints over HTTP
/// (issue 4), producing every event type of that group with both an app's and a personal
/// endpoint (`appId` set and null). The server must allow webhook destinations on 127.0.0.1
/// (`ServerConfig.webhooks.allow`); nothing needs to answer there: failed deliveries are not
/// events.
enum AppsAndWebhooksScenario {
    static let redirect = "https://app.example/cb"
    static let hook = "http://127.0.0.1:9/hook"
    /// A PKCE code verifier (RFC 7636 §4.1: 43 to 128 unreserved characters).
    static let verifier = "schema-scenario-verifier-0123456789abcdefghijklmnopqrstuvwxyz"

    /// The event types `play` produces.
    static let types: Set<String> = [
        "app.registered", "app.authorized", "app.revoked", "access_token.created", "access_token.revoked",
        "webhook.endpoint_created", "webhook.endpoint_updated", "webhook.endpoint_disabled", "webhook.endpoint_enabled",
        "webhook.endpoint_deleted", "webhook.endpoint_secret_rotated",
    ]

    static func play(_ api: API) async throws {
        let devon = try await api.account("devon", role: "creator")
        let ivy = try await api.account("ivy")

        // app.registered: a confidential app (with a client secret) and a public one (PKCE only).
        let registered = try await api.post("/api/v1/apps", #"""
            {"name":"Clip Bot","redirectUris":["\#(redirect)"],"scopes":["webhooks:manage","chat:read","stream:read"],"clientType":"confidential"}
            """#, token: devon.token)
        try #require(registered.code == 201, "\(registered)")
        let app = try registered.json()
        let appId = try #require(app["id"]?.string, "\(registered)")
        let clientSecret = try #require(app["clientSecret"]?.string, "\(registered)")
        #expect(app["clientType"]?.string == "confidential" && app["scopes"]?.array?.count == 3, "\(registered)")
        let publicApp = try await api.post("/api/v1/apps", #"""
            {"name":"Desk \"app\" ✓","redirectUris":["com.example.desk:/oauth","http://127.0.0.1:51004/cb"],"scopes":["account:read"],"clientType":"public"}
            """#, token: devon.token)
        try #require(publicApp.code == 201, "\(publicApp)")
        #expect(try publicApp.json()["clientSecret"]?.string == nil, "a public app has no client secret: \(publicApp)")

        // app.authorized: Ivy allows the app on the consent form, signed in with handle and password.
        let authorize = FormBody.encode([
            ("response_type", "code"), ("client_id", appId), ("redirect_uri", redirect), ("scope", "webhooks:manage chat:read"),
            ("state", "s1"), ("code_challenge", PKCE.challengeS256(verifier: verifier)), ("code_challenge_method", "S256"),
            ("decision", "allow"), ("handle", "ivy"), ("password", "password-123"),
        ])
        let allowed = try await api.request(.post, "/oauth/authorize", body: authorize,
                                            headers: [.contentType: "application/x-www-form-urlencoded"])
        try #require(allowed.code == 303, "\(allowed)")
        let location = allowed.headers[.location] ?? ""
        try #require(location.hasPrefix(redirect + "?"), "\(location)")
        let answer = try FormBody(query: String(location.dropFirst(redirect.count + 1)))
        let code = try #require(answer["code"], "\(location)")
        #expect(answer["state"] == "s1", "\(location)")

        // The app's token for Ivy (authorization code + PKCE), holding webhooks:manage.
        let exchange = FormBody.encode([("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirect),
                                        ("code_verifier", verifier)])
        let tokens = try await api.request(.post, "/oauth/token", body: exchange, headers: [
            .contentType: "application/x-www-form-urlencoded",
            .authorization: ClientCredentials(clientId: appId, secret: clientSecret).basicAuthorization,
        ])
        try #require(tokens.code == 200, "\(tokens)")
        let appToken = try #require(try tokens.json()["access_token"]?.string, "\(tokens)")

        // The app's endpoint (appId set): created, its secret rotated, deleted.
        let appEndpoint = try await createEndpoint(api, #"{"url":"\#(hook)","eventTypes":["chat.*"]}"#, token: appToken)
        #expect(appEndpoint["appId"]?.string == appId, "\(appEndpoint)")
        let appEndpointId = try #require(appEndpoint["id"]?.string)
        let appRotated = try await api.post("/api/v1/webhooks/endpoints/\(appEndpointId)/rotate-secret", #"{"overlapSeconds":0}"#, token: appToken)
        try #require(appRotated.code == 200, "\(appRotated)")
        let appDeleted = try await api.delete("/api/v1/webhooks/endpoints/\(appEndpointId)", token: appToken)
        try #require(appDeleted.code == 204, "\(appDeleted)")

        // app.revoked: Ivy withdraws the grant; the app's token stops working.
        let revoked = try await api.delete("/api/v1/authorizations/\(appId)", token: ivy.token)
        try #require(revoked.code == 204, "\(revoked)")
        expectProblem(try await api.get("/api/v1/webhooks/endpoints", token: appToken), 401, nil, "the app's token after app.revoked")

        // access_token.created / access_token.revoked: a throwaway token, then the one for webhooks.
        let spare = try await mintToken(api, #"{"name":"spare","scopes":["account:read"]}"#, session: ivy.token)
        let spareRevoked = try await api.delete("/api/v1/tokens/\(spare.id)", token: ivy.token)
        try #require(spareRevoked.code == 204, "\(spareRevoked)")
        let bot = try await mintToken(api, #"{"name":"hook bot","scopes":["webhooks:manage","gifts:read","chat:read"]}"#, session: ivy.token)

        // A personal endpoint (appId null) through its whole life.
        let endpoint = try await createEndpoint(api, #"{"url":"\#(hook)","eventTypes":["gift.sent"]}"#, token: bot.token)
        #expect(endpoint["appId"]?.string == nil, "a personal access token's endpoint belongs to no app: \(endpoint)")
        let endpointId = try #require(endpoint["id"]?.string)
        let path = "/api/v1/webhooks/endpoints/\(endpointId)"
        for (body, enabled) in [(#"{"eventTypes":["gift.*","chat.message_posted"]}"#, true),   // webhook.endpoint_updated
                                (#"{"enabled":false}"#, false),                                 // webhook.endpoint_disabled
                                (#"{"enabled":true}"#, true)] {                                 // webhook.endpoint_enabled
            let patched = try await api.patch(path, body, token: bot.token)
            try #require(patched.code == 200, "\(body): \(patched)")
            #expect(try patched.json()["enabled"]?.bool == enabled, "\(body): \(patched)")
        }
        let rotated = try await api.post(path + "/rotate-secret", "{}", token: bot.token)             // webhook.endpoint_secret_rotated
        try #require(rotated.code == 200, "\(rotated)")
        #expect(try rotated.json()["previousSecretExpiresAt"]?.string != nil, "\(rotated)")
        let deleted = try await api.delete(path, token: bot.token)                                     // webhook.endpoint_deleted
        try #require(deleted.code == 204, "\(deleted)")
        expectProblem(try await api.get(path, token: bot.token), 404, "not-found", "a deleted endpoint")

        let botRevoked = try await api.delete("/api/v1/tokens/\(bot.id)", token: ivy.token)
        try #require(botRevoked.code == 204, "\(botRevoked)")
    }

    static func createEndpoint(_ api: API, _ body: String, token: String, sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> ResponseJSON {
        let reply = try await api.post("/api/v1/webhooks/endpoints", body, token: token)
        try #require(reply.code == 201, "create endpoint \(body): \(reply)", sourceLocation: sourceLocation)
        return try reply.json()
    }

    static func mintToken(_ api: API, _ body: String, session: String, sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> (id: String, token: String) {
        let reply = try await api.post("/api/v1/tokens", body, token: session)
        try #require(reply.code == 201, "mint token \(body): \(reply)", sourceLocation: sourceLocation)
        let json = try reply.json()
        return (try #require(json["id"]?.string, "\(reply)", sourceLocation: sourceLocation),
                try #require(json["token"]?.string, "\(reply)", sourceLocation: sourceLocation))
    }

    /// The stream each of this group's events belongs to (`DomainEvent.stream`), which
    /// schema_check.py does not know for these types: `app-<appId>` for apps and endpoints
    /// (`app-<ownerId>` for a personal endpoint), `account-<accountId>` for personal access tokens.
    static func expectedStream(_ event: ResponseJSON) -> String? {
        guard let type = event["type"]?.string, types.contains(type), let data = event["data"] else { return nil }
        if type.hasPrefix("access_token.") { return data["accountId"]?.string.map { "account-" + $0 } }
        if type.hasPrefix("app.") { return data["appId"]?.string.map { "app-" + $0 } }
        return (data["appId"]?.string ?? data["ownerId"]?.string).map { "app-" + $0 }
    }
}
