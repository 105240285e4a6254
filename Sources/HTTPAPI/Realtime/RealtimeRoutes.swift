import Domain
import EventLog
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import MarqueeCore
import MarqueeJSON
import NIOCore
import Projections
import Webhooks

/// The realtime feed for overlays and bots: `GET /api/v1/realtime?topics=gift.*,chat.*` as
/// Server-Sent Events, or the same URL upgraded to a WebSocket (one JSON text message per event).
/// Each message is `DeliveryFormat.body` (the webhook body). Authenticated by
/// `Authorization: Bearer` or `access_token` (EventSource cannot send headers); needs
/// `events:read`, and each event also needs its own scope and a channel or party the token's
/// account may see. Resumable: SSE `Last-Event-ID` (sent by EventSource on reconnect) or the
/// `lastEventId` query parameter replays what was committed after that seq, then goes live.
/// Optional `channel=<slug>` keeps one channel's events.
struct RealtimeRoutes: Sendable {
    let deps: APIDependencies
    var auth: Auth { Auth(deps: deps) }

    struct Admission: Sendable {
        var filter: RealtimeHub.Filter
        var lastEventId: Int64?
        var token: String
    }

    func add(to router: Router<APIContext>) {
        let group = router.group("api/v1").add(middleware: ServerSentEvents(routes: self))
        group.ws("realtime", shouldUpgrade: { request, context in
            _ = try await admit(request)
            return .upgrade([:])
        }, onUpgrade: { inbound, outbound, ws in
            let admission = try await admit(ws.request)
            try await serveSocket(admission, inbound, outbound)
        })
    }

    func admit(_ request: Request) async throws -> Admission {
        var token: String?
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else {
                throw Problem.unauthorized("the Authorization header must be 'Bearer <token>'")
            }
            token = String(parts[1]).trimmingSpaces
        } else if let query = request.uri.queryParameters.get("access_token") {
            token = String(query)
        }
        guard let token else { throw Problem.unauthorized("the realtime feed needs a token: 'Authorization: Bearer …' or access_token=…") }
        let principal = try await auth.principal(token: token)
        guard principal.has(.eventsRead) else { throw Problem.insufficientScope(.eventsRead) }
        guard !principal.suspended else { throw Problem.forbidden("the account is suspended") }
        let topics = (request.uri.queryParameters.get("topics").map { String($0) } ?? "*")
            .split(whereSeparator: { $0 == "," || $0 == " " }).map { String($0) }
        let known = Set(DomainEvent.catalog.map(\.type))
        let filter: EventTypeFilter
        do {
            filter = try EventTypeFilter(patterns: topics.isEmpty ? ["*"] : topics, knownTypes: known)
        } catch {
            throw Problem(.unprocessableContent, "invalid-value", "Invalid value", detail: "topics: \(error.description)")
        }
        var channelId: String?
        if let slug = request.uri.queryParameters.get("channel") {
            try await deps.consistentRead()
            guard let channel = try deps.readModels.withConnection({ try ReadModels.channel(slug: String(slug), $0) }) else {
                throw Problem.notFound("no channel '\(slug)'")
            }
            channelId = channel.id
        }
        var lastEventId: Int64?
        if let text = request.headers[.lastEventID] ?? request.uri.queryParameters.get("lastEventId").map({ String($0) }) {
            guard let value = Int64(text), value >= 0 else { throw Problem.badRequest("Last-Event-ID must be a seq (a non-negative integer)") }
            lastEventId = value
        }
        return Admission(filter: RealtimeHub.Filter(grant: principal.grant, channelId: channelId, accepts: { filter.matches($0) }),
                         lastEventId: lastEventId, token: token)
    }

    /// What was committed after the subscriber's last seq and before it joined the live feed.
    func backlog(_ subscription: RealtimeHub.Subscription, _ filter: RealtimeHub.Filter,
                 _ send: (RealtimeHub.Item) async throws -> Void) async throws {
        var after = subscription.backlogAfter
        while after < subscription.backlogThrough {
            let page = try deps.events.withConnection { connection in
                try EventStore(connection: connection).events(after: after, through: subscription.backlogThrough, limit: 500)
            }
            guard let last = page.last else { return }
            for recorded in page {
                guard let event = try? DomainEvent.decode(type: recorded.type, schema: recorded.schema, data: recorded.data),
                      RealtimeHub.selects(event, filter, subscription.index) else { continue }
                try await send(RealtimeHub.Item(seq: recorded.seq, type: recorded.type, body: DeliveryFormat.body(
                    seq: recorded.seq, type: recorded.type, recordedAt: recorded.recordedAt, data: recorded.data,
                    handles: subscription.index.handles(of: event))))
            }
            after = last.seq
        }
    }

    /// Keeps the subscription alive and ends it when its token stops being valid.
    func watchdog(_ admission: Admission, _ id: Int) -> Task<Void, Never> {
        let hub = deps.realtime
        return Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(deps.config.realtimeHeartbeatMillis))
                if Task.isCancelled { return }
                do {
                    let principal = try await auth.principal(token: admission.token)
                    guard principal.has(.eventsRead), !principal.suspended else { throw Problem.forbidden("") }
                    hub.ping(id)
                } catch {
                    hub.close(id, reason: "the token is no longer valid")
                    return
                }
            }
        }
    }

    func serveEvents(_ admission: Admission) -> Response {
        let subscription = deps.realtime.subscribe(admission.filter, after: admission.lastEventId)
        let hub = deps.realtime
        let body = ResponseBody { writer in
            let watchdog = self.watchdog(admission, subscription.id)
            defer { watchdog.cancel(); hub.unsubscribe(subscription.id) }
            try await writer.write(ByteBuffer(string: ": marquee realtime feed\nretry: 2000\n\n"))
            try await backlog(subscription, admission.filter) { item in try await writer.write(Self.frame(item)) }
            for await element in subscription.stream {
                switch element {
                case .item(let item):
                    guard item.seq > subscription.backlogThrough else { continue }
                    try await writer.write(Self.frame(item))
                case .ping:
                    try await writer.write(ByteBuffer(string: ": ping\n\n"))
                case .closed(let reason):
                    try await writer.write(ByteBuffer(string: "event: closed\ndata: \(reason)\n\n"))
                }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache",
                                               HTTPField.Name("X-Accel-Buffering")!: "no"], body: body)
    }

    static func frame(_ item: RealtimeHub.Item) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeString("id: \(item.seq)\nevent: \(item.type)\ndata: ")
        buffer.writeBytes(item.body)
        buffer.writeString("\n\n")
        return buffer
    }

    func serveSocket(_ admission: Admission, _ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter) async throws {
        let subscription = deps.realtime.subscribe(admission.filter, after: admission.lastEventId)
        let watchdog = self.watchdog(admission, subscription.id)
        defer { watchdog.cancel(); deps.realtime.unsubscribe(subscription.id) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await backlog(subscription, admission.filter) { item in
                    try await outbound.write(.text(String(decoding: item.body, as: UTF8.self)))
                }
                for await element in subscription.stream {
                    switch element {
                    case .item(let item):
                        guard item.seq > subscription.backlogThrough else { continue }
                        try await outbound.write(.text(String(decoding: item.body, as: UTF8.self)))
                    case .ping:
                        continue
                    case .closed(let reason):
                        try await outbound.close(.goingAway, reason: reason)
                        return
                    }
                }
            }
            group.addTask {
                // The feed is one-way; reading keeps the close handshake working.
                for try await _ in inbound.messages(maxSize: 4096) {}
            }
            try await group.next()
            group.cancelAll()
        }
    }
}

/// Serves `GET /api/v1/realtime` as Server-Sent Events unless the request asks for a WebSocket.
struct ServerSentEvents: RouterMiddleware {
    let routes: RealtimeRoutes

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        guard request.method == .get, request.uri.path.hasSuffix("/realtime"),
              request.headers[.upgrade]?.lowercased() != "websocket" else {
            return try await next(request, context)
        }
        return routes.serveEvents(try await routes.admit(request))
    }
}

extension HTTPField.Name {
    static let lastEventID = HTTPField.Name("Last-Event-ID")!
}
