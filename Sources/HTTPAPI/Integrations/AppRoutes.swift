import Domain
import Engine
import EventLog
import Hummingbird
import MarqueeCore
import OAuth
import Projections

/// Apps (OAuth clients), the apps an account authorized, and personal access tokens:
/// `POST|GET /api/v1/apps`, `GET /api/v1/apps/{id}`, `GET /api/v1/authorizations`,
/// `DELETE /api/v1/authorizations/{appId}`, `POST|GET /api/v1/tokens`, `DELETE /api/v1/tokens/{id}`.
/// Registering apps and minting tokens takes a login session: a token never mints tokens.
struct AppRoutes: Sendable {
    let deps: APIDependencies
    var auth: Auth { Auth(deps: deps) }
    var sender: CommandSender { CommandSender(deps: deps) }

    struct RegisterBody: Decodable {
        var name: String
        var redirectUris: [String]
        var scopes: [String]
        /// `confidential` (default: gets a client secret) or `public` (PKCE only, e.g. a browser or desktop app).
        var clientType: String?
    }
    struct Registered: Encodable {
        var id: String
        var clientId: String
        var clientSecret: String?
        var name: String
        var redirectUris: [String]
        var scopes: [String]
        var clientType: String
        var createdAt: String
    }
    struct TokenBody: Decodable { var name: String; var scopes: [String] }
    struct MintedToken: Encodable { var id: String; var token: String; var name: String; var scopes: [String]; var createdAt: String }
    struct Apps: Encodable { var apps: [AppView] }
    struct Grants: Encodable { var authorizations: [AppGrantView] }
    struct Tokens: Encodable { var tokens: [AccessTokenView] }

    func add(to router: RouterGroup<APIContext>) {
        router.post("apps") { request, context in try await register(request, context) }
        router.get("apps") { request, _ in
            let principal = try await auth.required(request, .accountRead)
            try await deps.consistentRead()
            return try jsonResponse(Apps(apps: try deps.readModels.withConnection { try ReadModels.apps(where: "owner_id = ?1", principal.id, $0) }))
        }
        router.get("apps/:id") { request, context in
            let principal = try await auth.required(request, .accountRead)
            let id = context.parameters.get("id") ?? ""
            try await deps.consistentRead()
            guard let app = try deps.readModels.withConnection({ try ReadModels.app(id: id, $0) }),
                  app.ownerId == principal.id || principal.appId == app.id || principal.role == .admin else {
                throw Problem.notFound("no app '\(id)' of yours")
            }
            return try jsonResponse(app)
        }
        router.get("authorizations") { request, _ in
            let principal = try await auth.required(request, .accountRead)
            try await deps.consistentRead()
            return try jsonResponse(Grants(authorizations: try deps.readModels.withConnection { try ReadModels.appGrants(accountId: principal.id, $0) }))
        }
        router.delete("authorizations/:appId") { request, context in
            let principal = try await auth.session(request)
            let appId = context.parameters.get("appId") ?? ""
            _ = try await sender.send(.revokeApp(RevokeApp(appId: appId, actorId: principal.id, accountId: principal.id)),
                                      actor: principal.id, request: request, context: context)
            return Response(status: .noContent)
        }
        router.post("tokens") { request, context in try await mint(request, context) }
        router.get("tokens") { request, _ in
            let principal = try await auth.required(request, .accountRead)
            try await deps.consistentRead()
            return try jsonResponse(Tokens(tokens: try deps.readModels.withConnection { try ReadModels.accessTokens(accountId: principal.id, $0) }))
        }
        router.delete("tokens/:id") { request, context in
            let principal = try await auth.session(request)
            _ = try await sender.send(.revokeAccessToken(RevokeAccessToken(tokenId: context.parameters.get("id") ?? "", actorId: principal.id)),
                                      actor: principal.id, request: request, context: context)
            return Response(status: .noContent)
        }
    }

    func register(_ request: Request, _ context: APIContext) async throws -> Response {
        let principal = try await auth.session(request)
        let body = try await request.decodeJSON(RegisterBody.self, limit: deps.config.maxBodyBytes)
        let clientType = body.clientType ?? "confidential"
        guard clientType == "confidential" || clientType == "public" else {
            throw Problem(.unprocessableContent, "invalid-value", "Invalid value", detail: "clientType: must be 'confidential' or 'public'")
        }
        for uri in body.redirectUris {
            if let problem = RedirectURI.problem(uri) {
                throw Problem(.unprocessableContent, "invalid-value", "Invalid value", detail: "redirectUris: '\(uri)' \(problem)")
            }
        }
        let appId = deps.ids.next("app")
        var secret: String?
        var secrets: [SecretWrite] = []
        if clientType == "confidential" {
            let value = Auth.randomSecret(prefix: "mq_cs_")
            secret = value
            secrets.append(.clientSecret(appId: appId, hash: Digest.sha256Hex(value)))
        }
        let (recorded, event, _) = try await sender.sendForEvent(
            .registerApp(RegisterApp(appId: appId, actorId: principal.id, name: body.name, redirectUris: body.redirectUris, scopes: body.scopes,
                                     confidential: clientType == "confidential")),
            secrets: secrets, actor: principal.id, request: request, context: context, idempotency: nil)
        guard case .appRegistered(let e) = event else { throw Problem.internal("registering the app recorded \(event.type)") }
        return try jsonResponse(Registered(id: e.appId, clientId: e.appId, clientSecret: secret, name: e.name, redirectUris: e.redirectUris,
                                           scopes: e.scopes, clientType: e.clientType, createdAt: recorded.recordedAt),
                                status: .created, headers: [.location: "/api/v1/apps/\(e.appId)"])
    }

    func mint(_ request: Request, _ context: APIContext) async throws -> Response {
        let principal = try await auth.session(request)
        let body = try await request.decodeJSON(TokenBody.self, limit: deps.config.maxBodyBytes)
        let scopes = Array(Set(body.scopes)).sorted()
        let tokenId = deps.ids.next("pat")
        let token = Auth.randomSecret(prefix: Auth.personalTokenPrefix)
        let now = deps.clock.now().rfc3339
        let record = TokenRecord(tokenHash: Digest.sha256Hex(token), kind: .pat, tokenId: tokenId, accountId: principal.id,
                                 scopes: scopes, expiresAt: nil, createdAt: now)
        let (recorded, event, _) = try await sender.sendForEvent(
            .createAccessToken(CreateAccessToken(tokenId: tokenId, actorId: principal.id, name: body.name, scopes: scopes)),
            secrets: [.token(record)], actor: principal.id, request: request, context: context, idempotency: nil)
        guard case .accessTokenCreated(let e) = event else { throw Problem.internal("minting the token recorded \(event.type)") }
        return try jsonResponse(MintedToken(id: e.tokenId, token: token, name: e.name, scopes: e.scopes, createdAt: recorded.recordedAt),
                                status: .created)
    }
}
