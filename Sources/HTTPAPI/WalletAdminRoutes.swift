import Domain
import Engine
import EventLog
import Hummingbird
import MarqueeCore
import Projections
import SQLiteDB

/// `GET /api/v1/wallet`, `GET /api/v1/gifts` (catalog).
struct WalletRoutes: Sendable {
    let deps: APIDependencies
    var auth: Auth { Auth(deps: deps) }

    struct Catalog: Encodable { var gifts: [GiftType]; var platformFeePercent: Double; var feeRounding: String }

    func add(to router: RouterGroup<APIContext>) {
        router.get("wallet") { request, _ in
            let principal = try await auth.required(request, .walletRead)
            let wallet = try deps.readModels.withConnection { try ReadModels.wallet(accountId: principal.id, $0) }
            return try jsonResponse(wallet)
        }
        router.get("gifts") { _, _ in
            try jsonResponse(Catalog(gifts: deps.config.domain.giftCatalog,
                                     platformFeePercent: Double(deps.config.domain.feeBasisPoints) / 100,
                                     feeRounding: "feeTokens = floor(tokens * platformFeePercent / 100); creatorTokens = tokens - feeTokens"))
        }
    }
}

/// Admin routes: `POST /api/v1/admin/grants`, `GET /api/v1/events`, role and suspension changes.
struct AdminRoutes: Sendable {
    let deps: APIDependencies
    var auth: Auth { Auth(deps: deps) }
    var sender: CommandSender { CommandSender(deps: deps) }

    struct GrantBody: Decodable { var handle: String; var tokens: Int64; var reason: String? }
    struct GrantResponse: Encodable { var accountId: String; var handle: String; var tokens: Int64; var reason: String; var seq: Int64 }
    struct RoleBody: Decodable { var role: Role }
    struct ReasonBody: Decodable { var reason: String }

    func add(to router: RouterGroup<APIContext>) {
        router.post("admin/grants") { request, context in try await grant(request, context) }
        router.post("admin/accounts/:handle/role") { request, context in
            try await accountAction(request, context, RoleBody.self) { account, body, admin in
                .changeRole(ChangeRole(accountId: account.id, role: body.role, actorId: admin.id))
            }
        }
        router.post("admin/accounts/:handle/suspend") { request, context in
            try await accountAction(request, context, ReasonBody.self) { account, body, admin in
                .suspendAccount(SuspendAccount(accountId: account.id, reason: body.reason, actorId: admin.id))
            }
        }
        router.post("admin/accounts/:handle/reinstate") { request, context in
            try await accountAction(request, context, ReasonBody.self) { account, body, admin in
                .reinstateAccount(ReinstateAccount(accountId: account.id, reason: body.reason, actorId: admin.id))
            }
        }
        router.get("events") { request, _ in try await events(request) }
    }

    /// An admin action on the account named in the path: decode the body, send the command,
    /// answer with the account as it is afterwards.
    func accountAction<Body: Decodable>(_ request: Request, _ context: APIContext, _ type: Body.Type,
                                        _ command: (AccountView, Body, Principal) -> Domain.Command) async throws -> Response {
        let admin = try await auth.admin(request)
        let body = try await request.decodeJSON(type, limit: deps.config.maxBodyBytes)
        let account = try await target(context)
        _ = try await sender.send(command(account, body, admin), actor: admin.id, request: request, context: context)
        return try jsonResponse(try await target(context))
    }

    func target(_ context: APIContext) async throws -> AccountView {
        let handle = (context.parameters.get("handle") ?? "").lowercased()
        try await deps.consistentRead()
        guard let account = try deps.readModels.withConnection({ try ReadModels.account(handle: handle, $0) }) else {
            throw Problem.notFound("no account '\(handle)'")
        }
        return account
    }

    func grant(_ request: Request, _ context: APIContext) async throws -> Response {
        let admin = try await auth.admin(request)
        let bytes = try await request.bodyBytes(limit: deps.config.maxBodyBytes)
        let idempotency = try CommandSender.idempotency(request, body: bytes)
        let body = try decodeStrict(GrantBody.self, bytes, request)
        try await deps.consistentRead()
        let handle = body.handle.lowercased()
        guard let account = try deps.readModels.withConnection({ try ReadModels.account(handle: handle, $0) }) else {
            throw Problem.notFound("no account '\(handle)'")
        }
        let (recorded, event, replayed) = try await sender.sendForEvent(
            .grantTokens(GrantTokens(accountId: account.id, tokens: body.tokens, reason: body.reason ?? "admin grant", actorId: admin.id)),
            actor: admin.id, request: request, context: context, idempotency: idempotency)
        guard case .tokensGranted(let g) = event else {
            throw Problem.internal("the grant was not recorded")
        }
        var headers: HTTPFields = [:]
        if replayed { headers[.idempotentReplayed] = "true" }
        return try jsonResponse(GrantResponse(accountId: g.accountId, handle: account.handle, tokens: g.tokens, reason: g.reason, seq: recorded.seq),
                                status: .created, headers: headers)
    }

    /// `GET /api/v1/events?after=SEQ&limit=N`: the log itself, in the export format.
    func events(_ request: Request) async throws -> Response {
        _ = try await auth.admin(request)
        let after = try Query.int64(request, "after", default: 0, range: 0...Int64.max)
        let limit = try Query.int(request, "limit", default: 100, range: 1...1000)
        let events = try deps.events.withConnection { try EventStore(connection: $0).events(after: after, limit: limit) }
        var body = Array(#"{"events":["#.utf8)
        for (index, event) in events.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body.append(contentsOf: ExportFormat.line(event))
        }
        body.append(contentsOf: Array(#"],"next":\#(events.last?.seq ?? after),"head":\#(deps.logHead.head)}"#.utf8))
        return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// `GET /healthz`, `GET /metrics`.
struct SystemRoutes: Sendable {
    let deps: APIDependencies

    struct Health: Encodable { var status: String; var logHead: Int64; var projected: Int64 }

    func add(to router: Router<APIContext>) {
        router.get("healthz") { _, _ in
            try jsonResponse(Health(status: "ok", logHead: deps.logHead.head, projected: deps.projected.head))
        }
        router.get("metrics") { _, _ in
            var bytes: [UInt8] = []
            deps.metrics.emit(into: &bytes)
            if let media = deps.media { bytes.append(contentsOf: Array(await media.statistics().prometheus.utf8)) }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }
}
