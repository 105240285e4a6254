import Domain
import Engine
import EventLog
import Hummingbird
import MarqueeCore
import Projections

/// Polls: `POST /api/v1/channels/{slug}/polls`, `GET /api/v1/channels/{slug}/polls`,
/// `GET /api/v1/polls/{id}`, `POST /api/v1/polls/{id}/votes`. Live results go out on the chat socket.
struct PollRoutes: Sendable {
    let deps: APIDependencies
    var auth: Auth { Auth(deps: deps) }
    var sender: CommandSender { CommandSender(deps: deps) }
    var channels: ChannelRoutes { ChannelRoutes(deps: deps) }

    struct OpenBody: Decodable { var question: String; var options: [String]; var durationSeconds: Int64 }
    struct VoteBody: Decodable { var option: Int }
    struct Polls: Encodable { var polls: [PollView] }

    func add(to router: RouterGroup<APIContext>) {
        router.post("channels/:slug/polls") { request, context in
            let principal = try await auth.required(request, .moderationWrite)
            let body = try await request.decodeJSON(OpenBody.self, limit: deps.config.maxBodyBytes)
            let channel = try await channels.channel(context)
            let pollId = deps.ids.next("pol")
            _ = try await sender.send(.openPoll(OpenPoll(pollId: pollId, channelId: channel.id, actorId: principal.id, question: body.question,
                                                         options: body.options, durationSeconds: body.durationSeconds)),
                                      actor: principal.id, request: request, context: context)
            return try jsonResponse(try await poll(pollId), status: .created, headers: [.location: "/api/v1/polls/\(pollId)"])
        }
        router.get("channels/:slug/polls") { _, context in
            let channel = try await channels.channel(context)
            return try jsonResponse(Polls(polls: try deps.readModels.withConnection { try ReadModels.polls(where: "channel_id = ?1", channel.id, $0) }))
        }
        router.get("polls/:id") { _, context in try jsonResponse(try await poll(context.parameters.get("id") ?? "")) }
        router.post("polls/:id/votes") { request, context in
            let principal = try await auth.required(request, .chatWrite)
            let body = try await request.decodeJSON(VoteBody.self, limit: deps.config.maxBodyBytes)
            let id = context.parameters.get("id") ?? ""
            _ = try await sender.send(.votePoll(VotePoll(pollId: id, voterId: principal.id, option: body.option)),
                                      actor: principal.id, request: request, context: context)
            return try jsonResponse(try await poll(id), status: .created)
        }
    }

    func poll(_ id: String) async throws -> PollView {
        try await deps.consistentRead()
        guard let poll = try deps.readModels.withConnection({ try ReadModels.polls(where: "poll_id = ?1", id, $0).first }) else {
            throw Problem.notFound("no poll '\(id)'")
        }
        return poll
    }
}

/// Ads: `POST|GET /api/v1/admin/ads`, `GET /api/v1/admin/ads/impressions` (per channel and per
/// ad), and `POST /api/v1/channels/{slug}/ad-breaks` (the creator starts a break).
struct AdRoutes: Sendable {
    let deps: APIDependencies
    var auth: Auth { Auth(deps: deps) }
    var sender: CommandSender { CommandSender(deps: deps) }
    var channels: ChannelRoutes { ChannelRoutes(deps: deps) }

    struct CreateBody: Decodable { var name: String; var durationMs: Int64; var media: String }
    struct Ads: Encodable { var ads: [AdView] }
    struct Impressions: Encodable { var byChannel: [AdImpressionsView]; var byAd: [AdView] }
    struct BreakAnswer: Encodable { var breakId: String; var adId: String; var durationMs: Int64; var impressions: Int; var seq: Int64 }

    func add(to router: RouterGroup<APIContext>) {
        router.post("admin/ads") { request, context in
            let admin = try await auth.admin(request)
            let body = try await request.decodeJSON(CreateBody.self, limit: deps.config.maxBodyBytes)
            let adId = deps.ids.next("ad")
            _ = try await sender.send(.createAd(CreateAd(adId: adId, actorId: admin.id, name: body.name, durationMs: body.durationMs, media: body.media)),
                                      actor: admin.id, request: request, context: context)
            try await deps.consistentRead()
            let ad = try deps.readModels.withConnection { try ReadModels.ads($0).first { $0.id == adId } }
            return try jsonResponse(ad, status: .created)
        }
        router.get("admin/ads") { request, _ in
            _ = try await auth.admin(request)
            try await deps.consistentRead()
            return try jsonResponse(Ads(ads: try deps.readModels.withConnection { try ReadModels.ads($0) }))
        }
        router.get("admin/ads/impressions") { request, _ in
            _ = try await auth.admin(request)
            try await deps.consistentRead()
            return try jsonResponse(try deps.readModels.withConnection {
                Impressions(byChannel: try ReadModels.adImpressionsByChannel($0), byAd: try ReadModels.ads($0))
            })
        }
        router.post("channels/:slug/ad-breaks") { request, context in
            let principal = try await auth.required(request, .moderationWrite)
            let channel = try await channels.channel(context)
            let appended = try await sender.send(.startAdBreak(StartAdBreak(breakId: deps.ids.next("brk"), channelId: channel.id, actorId: principal.id)),
                                                 actor: principal.id, request: request, context: context)
            let events = try sender.events(of: appended)
            guard let (recorded, event) = events.first, case .adBreakStarted(let started) = event else {
                throw Problem.internal("the break was not recorded")
            }
            return try jsonResponse(BreakAnswer(breakId: started.breakId, adId: started.adId, durationMs: started.durationMs,
                                                impressions: events.count - 1, seq: recorded.seq), status: .created)
        }
    }
}
