import Domain
import Engine
import Hummingbird
import MarqueeCore
import Projections

/// `POST /api/v1/accounts`, `POST /api/v1/sessions`, `DELETE /api/v1/sessions/current`, `GET /api/v1/me`.
struct AccountRoutes: Sendable {
    let deps: APIDependencies
    /// A bcrypt hash of a random secret, made at startup with the configured cost: verified
    /// against when a handle is unknown, so timing does not reveal which handles exist.
    let dummyHash: String
    var auth: Auth { Auth(deps: deps) }
    var sender: CommandSender { CommandSender(deps: deps) }

    struct RegisterBody: Decodable { var handle: String; var password: String; var role: Role? }
    struct SessionBody: Decodable { var handle: String; var password: String }
    struct AccountResponse: Encodable { var id: String; var handle: String; var role: Role; var seq: Int64 }
    struct SessionResponse: Encodable { var token: String; var tokenType = "Bearer"; var accountId: String; var handle: String; var expiresAt: String }
    struct MeResponse: Encodable {
        var id: String; var handle: String; var role: Role; var suspended: Bool; var registeredAt: String; var wallet: WalletView
    }

    func add(to router: RouterGroup<APIContext>) {
        router.post("accounts") { request, context in try await register(request, context) }
        router.post("sessions") { request, context in try await login(request, context) }
        router.delete("sessions/current") { request, context in try await logout(request, context) }
        router.get("me") { request, context in try await me(request, context) }
        router.get("accounts/:id") { request, context in try await profile(request, context) }
    }

    struct Profile: Encodable { var id: String; var handle: String; var role: Role; var registeredAt: String }

    /// An account's public profile (what chat and gifts already show: handle and role), where
    /// `POST /accounts` points its `Location`. Suspension and wallets stay with `/me` and admins.
    func profile(_ request: Request, _ context: APIContext) async throws -> Response {
        _ = try await auth.required(request, .accountRead)
        let id = context.parameters.get("id") ?? ""
        try await deps.consistentRead()
        guard let account = try deps.readModels.withConnection({ try ReadModels.account(id: id, $0) }) else {
            throw Problem.notFound("no account '\(id)'")
        }
        return try jsonResponse(Profile(id: account.id, handle: account.handle, role: account.role, registeredAt: account.registeredAt))
    }

    /// Anyone registers as viewer (default) or creator; an admin's session may register moderators and admins.
    func register(_ request: Request, _ context: APIContext) async throws -> Response {
        let body = try await request.decodeJSON(RegisterBody.self, limit: deps.config.maxBodyBytes)
        let actor = try await request.headers[.authorization] != nil && (body.role == .moderator || body.role == .admin) ? auth.admin(request) : auth.optional(request)
        if let problem = Auth.passwordProblem(body.password) { throw Problem(DomainError.invalid(field: "password", reason: problem)) }
        let handle = body.handle.lowercased()
        if let problem = Validation.handleProblem(handle) { throw Problem(DomainError.invalid(field: "handle", reason: problem)) }
        let hash = try await Auth.hashPassword(body.password, cost: deps.config.bcryptCost)
        let accountId = deps.ids.next("acc")
        let appended = try await sender.send(
            .registerAccount(RegisterAccount(accountId: accountId, handle: handle, role: body.role ?? .viewer, actorId: actor?.id)),
            secrets: [.password(accountId: accountId, hash: hash)], actor: actor?.id, request: request, context: context)
        guard let recorded = appended.events.first, case .appended(let events) = appended.outcome,
              case .accountRegistered(let e)? = events.first else { throw Problem.from(DomainError.conflict("not registered")) }
        return try jsonResponse(AccountResponse(id: e.accountId, handle: e.handle, role: e.role, seq: recorded.seq), status: .created,
                                headers: [.location: "/api/v1/accounts/\(e.accountId)"])
    }

    /// The account behind a handle and password (bcrypt; an unknown handle costs the same time).
    func authenticate(handle: String, password: String) async throws -> AccountView {
        try await deps.consistentRead()
        let account = try deps.readModels.withConnection { try ReadModels.account(handle: handle.lowercased(), $0) }
        let stored = try account.flatMap { a in try deps.events.withConnection { try SecretStore.passwordHash(accountId: a.id, $0) } }
        let valid = try await Auth.verifyPassword(password, hash: stored ?? dummyHash)
        guard let account, stored != nil, valid else {
            throw Problem.unauthorized("the handle or password is wrong")
        }
        guard !account.suspended else { throw Problem.forbidden("the account '\(account.handle)' is suspended") }
        return account
    }

    func login(_ request: Request, _ context: APIContext) async throws -> Response {
        let body = try await request.decodeJSON(SessionBody.self, limit: deps.config.maxBodyBytes)
        let account = try await authenticate(handle: body.handle, password: body.password)
        let token = Auth.randomSecret(prefix: "mqs_")
        let expires = deps.clock.now().adding(milliseconds: deps.config.sessionTTLMillis).rfc3339
        try await sender.sendSession(.createSession(SessionRecord(tokenHash: Digest.sha256Hex(token), accountId: account.id, expiresAt: expires)))
        return try jsonResponse(SessionResponse(token: token, accountId: account.id, handle: account.handle, expiresAt: expires), status: .created)
    }

    func logout(_ request: Request, _ context: APIContext) async throws -> Response {
        _ = try await auth.session(request)
        let token = String(request.headers[.authorization]!.dropFirst("Bearer ".count)).trimmingSpaces
        try await sender.sendSession(.deleteSession(tokenHash: Digest.sha256Hex(token)))
        return Response(status: .noContent)
    }

    func me(_ request: Request, _ context: APIContext) async throws -> Response {
        let principal = try await auth.required(request, .accountRead)
        let (account, wallet) = try deps.readModels.withConnection { c in
            (try ReadModels.account(id: principal.id, c), try ReadModels.wallet(accountId: principal.id, c))
        }
        guard let account else { throw Problem.notFound("no account '\(principal.id)'") }
        return try jsonResponse(MeResponse(id: account.id, handle: account.handle, role: account.role, suspended: account.suspended,
                                           registeredAt: account.registeredAt, wallet: wallet))
    }
}

import EventLog
