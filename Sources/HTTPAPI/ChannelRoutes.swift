import Domain
import Engine
import EventLog
import Hummingbird
import MarqueeCore
import Projections

/// Channels and gifts: `POST /api/v1/channels`, `GET|PATCH /api/v1/channels/{slug}`,
/// `POST /api/v1/channels/{slug}/stream-key`, `GET|POST /api/v1/channels/{slug}/gifts`.
struct ChannelRoutes: Sendable {
    let deps: APIDependencies
    var auth: Auth { Auth(deps: deps) }
    var sender: CommandSender { CommandSender(deps: deps) }

    struct CreateBody: Decodable { var slug: String; var title: String }
    struct PatchBody: Decodable {
        var title: String?; var access: ChannelAccess?; var pricePerMinute: Int64?; var ageRestricted: Bool?
    }
    struct GiftBody: Decodable { var gift: String; var quantity: Int?; var message: String? }

    struct ChannelResponse: Encodable {
        var id: String; var slug: String; var ownerId: String; var ownerHandle: String; var title: String
        var access: ChannelAccess; var pricePerMinute: Int64; var ageRestricted: Bool
        var createdAt: String; var updatedAt: String
        var liveStreamId: String?; var viewersNow: Int64; var subscriptionTiers: [SubscriptionTier]; var subscribersWatchPaidFree: Bool
        /// Only in answers to the channel's owner.
        var streamKey: String?
    }

    struct GiftResponse: Encodable {
        var giftId: String; var seq: Int64; var channelId: String; var streamId: String?; var fromAccountId: String
        var toAccountId: String; var gift: String; var quantity: Int; var tokens: Int64; var creatorTokens: Int64
        var feeTokens: Int64; var message: String?; var sentAt: String
    }

    struct GiftPage: Encodable { var gifts: [GiftView]; var nextBefore: Int64? }
    struct StreamKeyResponse: Encodable { var channelId: String; var streamKey: String }

    func add(to router: RouterGroup<APIContext>) {
        router.post("channels") { request, context in try await create(request, context) }
        router.get("channels/:slug") { request, context in try await show(request, context) }
        router.patch("channels/:slug") { request, context in try await update(request, context) }
        router.post("channels/:slug/stream-key") { request, context in try await rotateKey(request, context) }
        router.post("channels/:slug/gifts") { request, context in try await sendGift(request, context) }
        router.get("channels/:slug/gifts") { request, context in try await giftHistory(request, context) }
        router.get("channels/:slug/gifts/:giftId") { request, context in try await showGift(request, context) }
        router.delete("channels/:slug/stream") { request, context in try await endStream(request, context) }
    }

    func channel(_ context: APIContext) async throws -> ChannelView {
        let slug = context.parameters.get("slug") ?? ""
        try await deps.consistentRead()
        guard let channel = try deps.readModels.withConnection({ try ReadModels.channel(slug: slug, $0) }) else {
            throw Problem.notFound("no channel '\(slug)'")
        }
        return channel
    }

    func response(_ c: ChannelView, for principal: Principal?) throws -> ChannelResponse {
        var key: String?
        if let principal, principal.id == c.ownerId {
            key = try deps.events.withConnection { try SecretStore.streamKey(channelId: c.id, $0) }
        }
        return ChannelResponse(id: c.id, slug: c.slug, ownerId: c.ownerId, ownerHandle: c.ownerHandle, title: c.title, access: c.access,
                               pricePerMinute: c.pricePerMinute, ageRestricted: c.ageRestricted, createdAt: c.createdAt,
                               updatedAt: c.updatedAt, liveStreamId: c.liveStreamId, viewersNow: c.viewersNow, subscriptionTiers: c.subscriptionTiers,
                               subscribersWatchPaidFree: c.subscribersWatchPaidFree, streamKey: key)
    }

    func create(_ request: Request, _ context: APIContext) async throws -> Response {
        let principal = try await auth.required(request, .channelsWrite)
        let body = try await request.decodeJSON(CreateBody.self, limit: deps.config.maxBodyBytes)
        let channelId = deps.ids.next("chn")
        let key = Auth.randomSecret(prefix: "sk_")
        _ = try await sender.send(.createChannel(CreateChannel(channelId: channelId, ownerId: principal.id, slug: body.slug, title: body.title)),
                                  secrets: [.streamKey(channelId: channelId, key: key)], actor: principal.id, request: request, context: context)
        try await deps.consistentRead()
        guard let view = try deps.readModels.withConnection({ try ReadModels.channel(slug: body.slug, $0) }) else {
            throw Problem.notFound("no channel '\(body.slug)'")
        }
        return try jsonResponse(try response(view, for: principal), status: .created, headers: [.location: "/api/v1/channels/\(body.slug)"])
    }

    func show(_ request: Request, _ context: APIContext) async throws -> Response {
        let principal = try await auth.optional(request).flatMap { $0.has(.channelsWrite) ? $0 : nil }
        return try jsonResponse(try response(try await channel(context), for: principal))
    }

    func update(_ request: Request, _ context: APIContext) async throws -> Response {
        let principal = try await auth.required(request, .channelsWrite)
        let current = try await channel(context)
        let body = try await request.decodeJSON(PatchBody.self, limit: deps.config.maxBodyBytes)
        _ = try await sender.send(.updateChannel(UpdateChannel(channelId: current.id, actorId: principal.id, title: body.title, access: body.access,
                                                               pricePerMinute: body.pricePerMinute, ageRestricted: body.ageRestricted)),
                                  actor: principal.id, request: request, context: context)
        return try jsonResponse(try response(try await channel(context), for: principal))
    }

    func rotateKey(_ request: Request, _ context: APIContext) async throws -> Response {
        let principal = try await auth.required(request, .channelsWrite)
        let current = try await channel(context)
        let key = Auth.randomSecret(prefix: "sk_")
        _ = try await sender.send(.rotateStreamKey(RotateStreamKey(channelId: current.id, actorId: principal.id)),
                                  secrets: [.streamKey(channelId: current.id, key: key)], actor: principal.id, request: request, context: context)
        return try jsonResponse(StreamKeyResponse(channelId: current.id, streamKey: key))
    }

    /// Sends a gift. With `Idempotency-Key`, a retry of the same request returns the first
    /// answer (header `Idempotent-Replayed: true`) and moves no tokens again.
    func sendGift(_ request: Request, _ context: APIContext) async throws -> Response {
        let principal = try await auth.required(request, .giftsWrite)
        let bytes = try await request.bodyBytes(limit: deps.config.maxBodyBytes)
        let idempotency = try CommandSender.idempotency(request, body: bytes)
        let body = try decodeStrict(GiftBody.self, bytes, request)
        let current = try await channel(context)
        let (recorded, event, replayed) = try await sender.sendForEvent(
            .sendGift(SendGift(giftId: deps.ids.next("gft"), channelId: current.id, senderId: principal.id, gift: body.gift,
                               quantity: body.quantity ?? 1, message: body.message)),
            actor: principal.id, request: request, context: context, idempotency: idempotency)
        guard case .giftSent(let g) = event else {
            throw Problem.internal("the gift was not recorded")
        }
        var headers: HTTPFields = [.location: "/api/v1/channels/\(current.slug)/gifts/\(g.giftId)"]
        if replayed { headers[.idempotentReplayed] = "true" }
        return try jsonResponse(GiftResponse(giftId: g.giftId, seq: recorded.seq, channelId: g.channelId, streamId: g.streamId,
                                             fromAccountId: g.fromAccountId, toAccountId: g.toAccountId, gift: g.gift, quantity: g.quantity,
                                             tokens: g.tokens, creatorTokens: g.creatorTokens, feeTokens: g.feeTokens, message: g.message,
                                             sentAt: recorded.recordedAt),
                                status: .created, headers: headers)
    }

    /// Ends the live stream: by its owner (`ended_by_creator`) or a moderator or admin
    /// (`moderator`). Every viewer session ends with it, and the SFU cuts the publisher's media.
    func endStream(_ request: Request, _ context: APIContext) async throws -> Response {
        let principal = try await auth.required(request, .streamWrite)
        let current = try await channel(context)
        guard let streamId = current.liveStreamId else {
            throw Problem(.conflict, "not-live", "Not live", detail: "the channel '\(current.slug)' is not live")
        }
        let reason: StreamEndReason = principal.id == current.ownerId ? .endedByCreator : .moderator
        _ = try await sender.send(.endStream(EndStream(streamId: streamId, reason: reason, actorId: principal.id)),
                                  actor: principal.id, request: request, context: context)
        return try jsonResponse(try response(try await channel(context), for: principal))
    }

    func giftHistory(_ request: Request, _ context: APIContext) async throws -> Response {
        let current = try await channel(context)
        let limit = try Query.int(request, "limit", default: 50, range: 1...500)
        let before = try Query.int64(request, "before", default: Int64.max, range: 1...Int64.max)
        let gifts = try deps.readModels.withConnection { try ReadModels.gifts(channelId: current.id, before: before, limit: limit, $0) }
        return try jsonResponse(GiftPage(gifts: gifts, nextBefore: gifts.count == limit ? gifts.last?.seq : nil))
    }
}

extension ChannelRoutes {
    /// One gift of the channel (public, like the history): where `POST …/gifts` points its `Location`.
    func showGift(_ request: Request, _ context: APIContext) async throws -> Response {
        let current = try await channel(context)
        let giftId = context.parameters.get("giftId") ?? ""
        guard let gift = try deps.readModels.withConnection({ try ReadModels.gift(channelId: current.id, giftId: giftId, $0) }) else {
            throw Problem.notFound("no gift '\(giftId)' on channel '\(current.slug)'")
        }
        return try jsonResponse(gift)
    }
}

func decodeStrict<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], _ request: Request) throws -> T {
    if let contentType = request.headers[.contentType], !contentType.lowercased().hasPrefix("application/json") {
        throw Problem(.unsupportedMediaType, "unsupported-media-type", "Unsupported media type",
                      detail: "send the body as application/json (got \(contentType))")
    }
    guard !bytes.isEmpty else { throw Problem.badRequest("the request needs a JSON body") }
    return try MarqueeJSON.JSONDecoding.decode(type, from: bytes, rejectUnknownKeys: true)
}

/// Query-string parameters with bounds.
enum Query {
    static func int64(_ request: Request, _ name: String, default value: Int64, range: ClosedRange<Int64>) throws -> Int64 {
        guard let text = request.uri.queryParameters.get(name) else { return value }
        guard let number = Int64(text), range.contains(number) else {
            throw Problem.badRequest("the query parameter '\(name)' must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    static func int(_ request: Request, _ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        Int(try int64(request, name, default: Int64(value), range: Int64(range.lowerBound)...Int64(range.upperBound)))
    }
}

import MarqueeJSON
