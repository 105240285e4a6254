import Domain
import Engine
import EventLog
import Hummingbird
import MarqueeCore
import Projections

/// Subscriptions: `PUT /api/v1/channels/{slug}/subscription-tiers`,
/// `POST|GET /api/v1/channels/{slug}/subscriptions`, `GET /api/v1/subscriptions`,
/// `POST /api/v1/subscriptions/{id}/cancel`.
struct SubscriptionRoutes: Sendable {
    let deps: APIDependencies
    var auth: Auth { Auth(deps: deps) }
    var sender: CommandSender { CommandSender(deps: deps) }
    var channels: ChannelRoutes { ChannelRoutes(deps: deps) }

    struct TiersBody: Decodable { var tiers: [SubscriptionTier]; var subscribersWatchPaidFree: Bool? }
    struct SubscribeBody: Decodable { var tier: String }
    struct List: Encodable { var subscriptions: [SubscriptionView] }

    func add(to router: RouterGroup<APIContext>) {
        router.put("channels/:slug/subscription-tiers") { request, context in
            let principal = try await auth.required(request, .channelsWrite)
            let body = try await request.decodeJSON(TiersBody.self, limit: deps.config.maxBodyBytes)
            let channel = try await channels.channel(context)
            _ = try await sender.send(.setSubscriptionTiers(SetSubscriptionTiers(
                channelId: channel.id, actorId: principal.id, tiers: body.tiers,
                subscribersWatchPaidFree: body.subscribersWatchPaidFree ?? channel.subscribersWatchPaidFree)),
                actor: principal.id, request: request, context: context)
            return try jsonResponse(try channels.response(try await channels.channel(context), for: principal))
        }
        router.post("channels/:slug/subscriptions") { request, context in try await subscribe(request, context) }
        router.get("channels/:slug/subscriptions") { request, context in
            let principal = try await auth.required(request, .subscriptionsRead)
            let channel = try await channels.channel(context)
            guard principal.id == channel.ownerId || principal.role == .admin else {
                throw Problem.forbidden("only the channel's owner sees its subscribers")
            }
            return try jsonResponse(List(subscriptions: try deps.readModels.withConnection {
                try ReadModels.subscriptions(where: "channel_id = ?1", channel.id, limit: 1000, $0)
            }))
        }
        router.get("subscriptions") { request, _ in
            let principal = try await auth.required(request, .subscriptionsRead)
            try await deps.consistentRead()
            return try jsonResponse(List(subscriptions: try deps.readModels.withConnection {
                try ReadModels.subscriptions(where: "viewer_id = ?1", principal.id, $0)
            }))
        }
        router.get("subscriptions/:id") { request, context in
            let principal = try await auth.required(request, .subscriptionsRead)
            let id = context.parameters.get("id") ?? ""
            try await deps.consistentRead()
            guard let view = try deps.readModels.withConnection({ try ReadModels.subscription(id: id, $0) }),
                  view.viewerId == principal.id || view.creatorId == principal.id || principal.role == .admin else {
                throw Problem.notFound("no subscription '\(id)' of yours")
            }
            return try jsonResponse(view)
        }
        router.post("subscriptions/:id/cancel") { request, context in
            let principal = try await auth.required(request, .subscriptionsWrite)
            let id = context.parameters.get("id") ?? ""
            try await deps.consistentRead()
            guard let current = try deps.readModels.withConnection({ try ReadModels.subscription(id: id, $0) }),
                  current.viewerId == principal.id || principal.role == .admin else {
                throw Problem.notFound("no subscription '\(id)' of yours")
            }
            _ = try await sender.send(.cancelSubscription(CancelSubscription(subscriptionId: id, actorId: principal.id)),
                                      actor: principal.id, request: request, context: context)
            try await deps.consistentRead()
            return try jsonResponse(try deps.readModels.withConnection { try ReadModels.subscription(id: id, $0) })
        }
    }

    /// Subscribes the caller (charged at once). With `Idempotency-Key`, a retry returns the first answer.
    func subscribe(_ request: Request, _ context: APIContext) async throws -> Response {
        let principal = try await auth.required(request, .subscriptionsWrite)
        let bytes = try await request.bodyBytes(limit: deps.config.maxBodyBytes)
        let idempotency = try CommandSender.idempotency(request, body: bytes)
        let body = try decodeStrict(SubscribeBody.self, bytes, request)
        let channel = try await channels.channel(context)
        let (_, event, replayed) = try await sender.sendForEvent(
            .subscribe(Subscribe(subscriptionId: deps.ids.next("sub"), viewerId: principal.id, channelId: channel.id, tier: body.tier)),
            actor: principal.id, request: request, context: context, idempotency: idempotency)
        guard case .subscriptionStarted(let started) = event else {
            throw Problem.internal("the subscription was not recorded")
        }
        try await deps.consistentRead()
        guard let view = try deps.readModels.withConnection({ try ReadModels.subscription(id: started.subscriptionId, $0) }) else {
            throw Problem.internal("the subscription is not readable yet")
        }
        var headers: HTTPFields = [.location: "/api/v1/subscriptions/\(started.subscriptionId)"]
        if replayed { headers[.idempotentReplayed] = "true" }
        return try jsonResponse(view, status: .created, headers: headers)
    }
}

/// Payouts: `POST|GET /api/v1/payouts` for creators; `GET /api/v1/admin/payouts` and
/// `POST /api/v1/admin/payouts/{id}/approve|reject|paid` for admins.
struct PayoutRoutes: Sendable {
    let deps: APIDependencies
    var auth: Auth { Auth(deps: deps) }
    var sender: CommandSender { CommandSender(deps: deps) }

    struct RequestBody: Decodable { var tokens: Int64; var destination: String }
    struct RejectBody: Decodable { var reason: String }
    struct PaidBody: Decodable { var providerRef: String }
    struct Empty: Decodable {}
    struct List: Encodable { var payouts: [PayoutView]; var policy: Policy }
    struct Policy: Encodable { var minimumTokens: Int64; var currency: String; var minorUnits: Int64; var perTokens: Int64; var rounding: String }

    var policy: Policy {
        let p = deps.config.domain.payout
        return Policy(minimumTokens: p.minimumTokens, currency: p.currency, minorUnits: p.minorUnits, perTokens: p.perTokens,
                      rounding: "amount.minor = floor(tokens * minorUnits / perTokens)")
    }

    func add(to router: RouterGroup<APIContext>) {
        router.post("payouts") { request, context in
            let principal = try await auth.required(request, .payoutsWrite)
            let bytes = try await request.bodyBytes(limit: deps.config.maxBodyBytes)
            let idempotency = try CommandSender.idempotency(request, body: bytes)
            let body = try decodeStrict(RequestBody.self, bytes, request)
            let (_, event, replayed) = try await sender.sendForEvent(
                .requestPayout(RequestPayout(payoutId: deps.ids.next("pay"), creatorId: principal.id, tokens: body.tokens,
                                             destination: body.destination)),
                actor: principal.id, request: request, context: context, idempotency: idempotency)
            guard case .payoutRequested(let requested) = event else {
                throw Problem.internal("the payout was not recorded")
            }
            var headers: HTTPFields = [.location: "/api/v1/payouts/\(requested.payoutId)"]
            if replayed { headers[.idempotentReplayed] = "true" }
            return try jsonResponse(try await payout(requested.payoutId), status: .created, headers: headers)
        }
        router.get("payouts") { request, _ in
            let principal = try await auth.required(request, .payoutsRead)
            try await deps.consistentRead()
            return try jsonResponse(List(payouts: try deps.readModels.withConnection {
                try ReadModels.payouts(where: "creator_id = ?1", principal.id, $0)
            }, policy: policy))
        }
        router.get("payouts/:id") { request, context in
            let principal = try await auth.required(request, .payoutsRead)
            let view = try await payout(context.parameters.get("id") ?? "")
            guard view.creatorId == principal.id || principal.role == .admin else { throw Problem.notFound("no payout '\(view.id)' of yours") }
            return try jsonResponse(view)
        }
        router.get("admin/payouts") { request, _ in
            _ = try await auth.admin(request)
            let status = request.uri.queryParameters.get("status") ?? "requested"
            guard ["requested", "approved", "rejected", "paid"].contains(status) else {
                throw Problem.badRequest("the query parameter 'status' must be requested, approved, rejected or paid")
            }
            try await deps.consistentRead()
            return try jsonResponse(List(payouts: try deps.readModels.withConnection {
                try ReadModels.payouts(where: "status = ?1", status, limit: 1000, $0)
            }, policy: policy))
        }
        router.post("admin/payouts/:id/approve") { request, context in
            try await decide(request, context, Empty.self) { _ in .approve }
        }
        router.post("admin/payouts/:id/reject") { request, context in
            try await decide(request, context, RejectBody.self) { .reject(reason: $0.reason) }
        }
        router.post("admin/payouts/:id/paid") { request, context in
            try await decide(request, context, PaidBody.self) { .markPaid(providerRef: $0.providerRef) }
        }
    }

    func decide<Body: Decodable>(_ request: Request, _ context: APIContext, _ type: Body.Type,
                                 _ action: (Body) -> DecidePayout.Action) async throws -> Response {
        let admin = try await auth.admin(request)
        let bytes = try await request.bodyBytes(limit: deps.config.maxBodyBytes)
        // approving needs no body; the others need their field
        let body: Body = if bytes.isEmpty, let empty = Empty() as? Body { empty } else { try decodeStrict(type, bytes, request) }
        let id = context.parameters.get("id") ?? ""
        _ = try await sender.send(.decidePayout(DecidePayout(payoutId: id, actorId: admin.id, action: action(body))),
                                  actor: admin.id, request: request, context: context)
        return try jsonResponse(try await payout(id))
    }

    func payout(_ id: String) async throws -> PayoutView {
        try await deps.consistentRead()
        guard let view = try deps.readModels.withConnection({ try ReadModels.payouts(where: "payout_id = ?1", id, limit: 1, $0).first }) else {
            throw Problem.notFound("no payout '\(id)'")
        }
        return view
    }
}
