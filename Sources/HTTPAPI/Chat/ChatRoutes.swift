import Domain
import Engine
import EventLog
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import MarqueeCore
import MarqueeJSON
import NIOCore
import Projections

/// Chat: the WebSocket `GET /api/v1/channels/{slug}/chat` (Bearer header or `access_token`
/// query; anonymous sockets read public channels), the `POST …/chat/messages` fallback, paged
/// history, and moderation (delete, bans and timeouts, settings, the channel's moderators).
struct ChatRoutes: Sendable {
    let deps: APIDependencies
    var auth: Auth { Auth(deps: deps) }
    var sender: CommandSender { CommandSender(deps: deps) }
    var channels: ChannelRoutes { ChannelRoutes(deps: deps) }

    struct PostBody: Decodable { var text: String }
    struct ReasonBody: Decodable { var reason: String? }
    struct BanBody: Decodable { var handle: String; var until: String?; var durationSeconds: Int64?; var reason: String? }
    struct SettingsBody: Decodable { var slowModeSeconds: Int?; var subscribersOnly: Bool?; var blockedTerms: [String]? }
    struct History: Encodable { var messages: [ChatMessageView]; var nextBefore: Int64? }
    struct Bans: Encodable { var bans: [BanView] }
    /// What a socket may send.
    struct Inbound: Decodable { var type: String; var text: String?; var pollId: String?; var option: Int? }
    struct SocketError: Encodable { var type = "error"; var status: Int; var detail: String }
    struct Welcome: Encodable { var type = "welcome"; var channelId: String; var accountId: String?; var canPost: Bool; var head: Int64 }

    func add(to router: RouterGroup<APIContext>) {
        router.ws("channels/:slug/chat", shouldUpgrade: { request, context in
            _ = try await admit(request, context)
            return .upgrade([:])
        }, onUpgrade: { inbound, outbound, ws in
            try await serveSocket(inbound, outbound, ws)
        })
        router.get("channels/:slug/chat/messages") { request, context in
            let (_, channel) = try await admit(request, context)
            let limit = try Query.int(request, "limit", default: 50, range: 1...200)
            let before = try Query.int64(request, "before", default: Int64.max, range: 1...Int64.max)
            let messages = try deps.readModels.withConnection { try ReadModels.chatMessages(channelId: channel.id, before: before, limit: limit, $0) }
            return try jsonResponse(History(messages: messages, nextBefore: messages.count == limit ? messages.last?.seq : nil))
        }
        router.post("channels/:slug/chat/messages") { request, context in
            let principal = try await auth.required(request, .chatWrite)
            let body = try await request.decodeJSON(PostBody.self, limit: deps.config.maxBodyBytes)
            let channel = try await channels.channel(context)
            let (recorded, event, _) = try await sender.sendForEvent(
                .postChatMessage(PostChatMessage(messageId: deps.ids.next("msg"), channelId: channel.id, authorId: principal.id, text: body.text)),
                actor: principal.id, request: request, context: context, idempotency: nil)
            guard case .chatMessagePosted(let e) = event else { throw Problem.internal("not recorded") }
            return try jsonResponse(ChatMessageView(seq: recorded.seq, id: e.messageId, authorId: e.authorId, authorHandle: e.authorHandle,
                                                    text: e.text, at: e.at.rfc3339, deleted: false), status: .created)
        }
        router.delete("channels/:slug/chat/messages/:id") { request, context in
            let principal = try await auth.required(request, .moderationWrite)
            let channel = try await channels.channel(context)
            let bytes = try await request.bodyBytes(limit: deps.config.maxBodyBytes)
            let reason = bytes.isEmpty ? nil : try decodeStrict(ReasonBody.self, bytes, request).reason
            _ = try await sender.send(.deleteChatMessage(DeleteChatMessage(channelId: channel.id, messageId: context.parameters.get("id") ?? "",
                                                                           actorId: principal.id, reason: reason ?? "")),
                                      actor: principal.id, request: request, context: context)
            return Response(status: .noContent)
        }
        router.post("channels/:slug/chat/bans") { request, context in
            let principal = try await auth.required(request, .moderationWrite)
            let body = try await request.decodeJSON(BanBody.self, limit: deps.config.maxBodyBytes)
            let channel = try await channels.channel(context)
            let target = try await account(handle: body.handle)
            var until: Timestamp?
            switch (body.until, body.durationSeconds) {
            case (nil, nil): until = nil
            case (let text?, nil):
                guard let time = Timestamp(rfc3339: text) else { throw Problem.badRequest("until must be an RFC 3339 date-time") }
                until = time
            case (nil, let seconds?):
                guard (1...31_622_400).contains(seconds) else {
                    throw Problem(.unprocessableContent, "invalid-value", "Invalid value", detail: "durationSeconds: must be 1 to 31622400")
                }
                until = deps.clock.now().adding(seconds: seconds)
            default: throw Problem.badRequest("give either until or durationSeconds (or neither, for a permanent ban)")
            }
            _ = try await sender.send(.banChatUser(BanChatUser(channelId: channel.id, userId: target.id, actorId: principal.id, until: until,
                                                               reason: body.reason ?? "")),
                                      actor: principal.id, request: request, context: context)
            try await deps.consistentRead()
            let bans = try deps.readModels.withConnection { try ReadModels.bans(where: "b.channel_id = ?1 AND b.user_id = ?2",
                                                                                 [.text(channel.id), .text(target.id)], $0) }
            return try jsonResponse(bans.first, status: .created)
        }
        router.delete("channels/:slug/chat/bans/:handle") { request, context in
            let principal = try await auth.required(request, .moderationWrite)
            let channel = try await channels.channel(context)
            let target = try await account(handle: context.parameters.get("handle") ?? "")
            _ = try await sender.send(.unbanChatUser(UnbanChatUser(channelId: channel.id, userId: target.id, actorId: principal.id, reason: "")),
                                      actor: principal.id, request: request, context: context)
            return Response(status: .noContent)
        }
        router.get("channels/:slug/chat/bans") { request, context in
            let principal = try await auth.required(request, .moderationWrite)
            let channel = try await channels.channel(context)
            guard try await isModerator(principal, channel) else { throw Problem.forbidden("only the chat's moderators see its bans") }
            return try jsonResponse(Bans(bans: try deps.readModels.withConnection {
                try ReadModels.bans(where: "b.channel_id = ?1", [.text(channel.id)], $0)
            }))
        }
        router.get("channels/:slug/chat/settings") { request, context in
            let principal = try await auth.optional(request)
            let channel = try await channels.channel(context)
            var settings = try deps.readModels.withConnection { try ReadModels.chatSettings(channelId: channel.id, $0) }
            if try await !isModerator(principal, channel) { settings.blockedTerms = [] }
            return try jsonResponse(settings)
        }
        router.patch("channels/:slug/chat/settings") { request, context in
            let principal = try await auth.required(request, .moderationWrite)
            let body = try await request.decodeJSON(SettingsBody.self, limit: deps.config.maxBodyBytes)
            let channel = try await channels.channel(context)
            _ = try await sender.send(.changeChatSettings(ChangeChatSettings(channelId: channel.id, actorId: principal.id, slowModeSeconds: body.slowModeSeconds,
                                                                            subscribersOnly: body.subscribersOnly, blockedTerms: body.blockedTerms)),
                                      actor: principal.id, request: request, context: context)
            try await deps.consistentRead()
            return try jsonResponse(try deps.readModels.withConnection { try ReadModels.chatSettings(channelId: channel.id, $0) })
        }
        for (method, moderator) in [(HTTPRequest.Method.put, true), (.delete, false)] {
            router.on("channels/:slug/chat/moderators/:handle", method: method) { request, context in
                let principal = try await auth.required(request, .moderationWrite)
                let channel = try await channels.channel(context)
                let target = try await account(handle: context.parameters.get("handle") ?? "")
                _ = try await sender.send(.setChatModerator(SetChatModerator(channelId: channel.id, userId: target.id, actorId: principal.id,
                                                                             moderator: moderator)),
                                          actor: principal.id, request: request, context: context)
                return Response(status: .noContent)
            }
        }
    }

    func account(handle: String) async throws -> AccountView {
        try await deps.consistentRead()
        guard let account = try deps.readModels.withConnection({ try ReadModels.account(handle: handle.lowercased(), $0) }) else {
            throw Problem.notFound("no account '\(handle)'")
        }
        return account
    }

    func isModerator(_ principal: Principal?, _ channel: ChannelView) async throws -> Bool {
        try ViewerStanding(principal, on: channel, deps: deps).isChatModerator(on: channel, deps: deps)
    }

    /// Who may read the channel's chat: anyone on a public or paid channel, subscribers (and
    /// moderators) on a subscribers-only one; never a banned or timed-out user.
    func admit(_ request: Request, _ context: APIContext) async throws -> (Principal?, ChannelView) {
        var principal = try await auth.optional(request)
        if principal == nil, let token = request.uri.queryParameters.get("access_token") {
            principal = try await auth.principal(token: String(token))
        }
        let channel = try await channels.channel(context)
        let standing = try ViewerStanding(principal, on: channel, deps: deps)
        if channel.access == .subscribers {
            guard principal != nil else { throw Problem.unauthorized("this chat is for subscribers of the channel: log in") }
            guard try standing.subscribed || standing.isChatModerator(on: channel, deps: deps) else {
                throw Problem.forbidden("this chat is for subscribers of the channel")
            }
        }
        return (principal, channel)
    }

    /// One socket: everything the hub routes to it goes out; what it sends goes to the writer.
    func serveSocket(_ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter,
                     _ ws: WebSocketRouterContext<APIContext>) async throws {
        let (principal, channel) = try await admit(ws.request, ws.requestContext)
        let session = ws.request.uri.queryParameters.get("session").map { String($0) }
        let (id, stream) = deps.chatHub.register(channelId: channel.id, accountId: principal?.id, sessionId: session)
        defer { deps.chatHub.unregister(id) }
        let welcome = Welcome(channelId: channel.id, accountId: principal?.id, canPost: principal?.has(.chatWrite) ?? false, head: deps.logHead.head)
        try await outbound.write(.text(String(decoding: try JSONEncoding.encode(welcome, nulls: .explicit), as: UTF8.self)))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await message in stream {
                    switch message {
                    case .text(let text): try await outbound.write(.text(text))
                    case .close(let reason):
                        try await outbound.close(.policyViolation, reason: reason)
                        return
                    }
                }
            }
            group.addTask {
                for try await message in inbound.messages(maxSize: 16 * 1024) {
                    guard case .text(let text) = message else {
                        reply(id, 400, "send JSON text messages")
                        continue
                    }
                    await handle(text, from: principal, on: channel, client: id, ws)
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    func reply(_ client: Int, _ status: Int, _ detail: String) {
        let error = SocketError(status: status, detail: detail)
        deps.chatHub.send(to: client, String(decoding: (try? JSONEncoding.encode(error)) ?? [], as: UTF8.self))
    }

    /// `{"type":"message","text":…}` posts; `{"type":"vote","pollId":…,"option":…}` votes. A
    /// rejection is answered on this socket only, as `{"type":"error","status","detail"}`.
    func handle(_ text: String, from principal: Principal?, on channel: ChannelView, client: Int, _ ws: WebSocketRouterContext<APIContext>) async {
        do {
            let message = try JSONDecoding.decode(Inbound.self, from: Array(text.utf8), rejectUnknownKeys: true)
            guard let principal else { return reply(client, 401, "log in to take part: connect with a session token") }
            guard principal.has(.chatWrite) else { return reply(client, 403, "this token was not granted the scope 'chat:write'") }
            let command: Command
            switch message.type {
            case "message":
                command = .postChatMessage(PostChatMessage(messageId: deps.ids.next("msg"), channelId: channel.id, authorId: principal.id,
                                                           text: message.text ?? ""))
            case "vote":
                command = .votePoll(VotePoll(pollId: message.pollId ?? "", voterId: principal.id, option: message.option ?? -1))
            default:
                return reply(client, 400, "type must be 'message' or 'vote'")
            }
            let meta = RequestMeta(actor: principal.id, correlationId: deps.ids.next("req"), clientIp: ws.requestContext.clientIP)
            _ = try await deps.writer.submit(CommandEnvelope(.domain(command), meta: meta))
        } catch {
            let problem = Problem.from(error)
            reply(client, Int(problem.status.code), problem.detail)
        }
    }
}
