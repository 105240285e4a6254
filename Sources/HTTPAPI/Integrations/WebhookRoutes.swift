import Domain
import WebhookDispatch
import Engine
import EventLog
import Hummingbird
import MarqueeCore
import Projections
import Webhooks

/// Webhook endpoints (Standard Webhooks): `POST|GET /api/v1/webhooks/endpoints`,
/// `GET|PATCH|DELETE /api/v1/webhooks/endpoints/{id}`, `POST …/{id}/rotate-secret`,
/// `GET …/{id}/messages`, `GET …/{id}/messages/{msgId}/attempts`, `POST …/{id}/messages/{msgId}/retry`,
/// `POST …/{id}/replay`, and `GET /api/v1/webhooks/event-types`. An endpoint belongs to the app
/// whose token created it (any token of that app with `webhooks:manage` manages it), or, created
/// with a session or personal token, to the account alone.
struct WebhookRoutes: Sendable {
    let deps: APIDependencies
    var auth: Auth { Auth(deps: deps) }
    var sender: CommandSender { CommandSender(deps: deps) }

    struct CreateBody: Decodable { var url: String; var eventTypes: [String] }
    struct PatchBody: Decodable { var url: String?; var eventTypes: [String]?; var enabled: Bool? }
    struct RotateBody: Decodable { var overlapSeconds: Int64? }
    struct ReplayBody: Decodable { var fromSeq: Int64?; var since: String? }
    struct Created: Encodable {
        var id: String; var url: String; var eventTypes: [String]; var scopes: [String]; var enabled: Bool; var appId: String?
        var secret: String; var createdAt: String
    }
    struct Detail: Encodable {
        var endpoint: WebhookEndpointView
        var pending: Int; var delivered: Int; var failed: Int
    }
    struct Rotated: Encodable { var secret: String; var previousSecretExpiresAt: String }
    struct Endpoints: Encodable { var endpoints: [WebhookEndpointView] }
    struct Messages: Encodable { var messages: [MessageRow] }
    struct Attempts: Encodable { var attempts: [AttemptRow] }
    struct Replayed: Encodable { var queued: Int }
    struct EventTypes: Encodable { var eventTypes: [EventType] }
    struct EventType: Encodable { var type: String; var schema: Int; var scope: String }

    /// The longest time an old secret keeps signing after a rotation.
    static let maxOverlapSeconds: Int64 = 7 * 86_400

    func add(to router: RouterGroup<APIContext>) {
        router.get("webhooks/event-types") { _, _ in
            try jsonResponse(EventTypes(eventTypes: DomainEvent.catalog.map { entry in
                EventType(type: entry.type, schema: entry.schema, scope: AudienceIndex.scope(ofType: entry.type).rawValue)
            }))
        }
        router.post("webhooks/endpoints") { request, context in try await create(request, context) }
        router.get("webhooks/endpoints") { request, _ in
            let principal = try await auth.required(request, .webhooksManage)
            try await deps.consistentRead()
            return try jsonResponse(Endpoints(endpoints: try deps.readModels.withConnection {
                try ReadModels.webhookEndpoints(appId: principal.appId, ownerId: principal.id, $0)
            }))
        }
        router.get("webhooks/endpoints/:id") { request, context in
            let (_, endpoint) = try await owned(request, context)
            let counts = try await dispatcher().counts(endpointId: endpoint.id)
            return try jsonResponse(Detail(endpoint: endpoint, pending: counts.pending, delivered: counts.delivered, failed: counts.failed))
        }
        router.patch("webhooks/endpoints/:id") { request, context in
            let (principal, endpoint) = try await owned(request, context)
            let body = try await request.decodeJSON(PatchBody.self, limit: deps.config.maxBodyBytes)
            if let url = body.url { _ = try await checkDestination(url) }
            if let types = body.eventTypes { try validate(types) }
            _ = try await sender.send(.updateWebhookEndpoint(UpdateWebhookEndpoint(
                endpointId: endpoint.id, owner: owner(principal), url: body.url, eventTypes: body.eventTypes, enabled: body.enabled,
                reason: body.enabled.map { _ in "manual" })), actor: principal.id, request: request, context: context)
            return try jsonResponse(try await view(endpoint.id))
        }
        router.delete("webhooks/endpoints/:id") { request, context in
            let (principal, endpoint) = try await owned(request, context)
            _ = try await sender.send(.deleteWebhookEndpoint(DeleteWebhookEndpoint(endpointId: endpoint.id, owner: owner(principal))),
                                      actor: principal.id, request: request, context: context)
            return Response(status: .noContent)
        }
        router.post("webhooks/endpoints/:id/rotate-secret") { request, context in
            let (principal, endpoint) = try await owned(request, context)
            let body = try await request.decodeJSON(RotateBody.self, limit: deps.config.maxBodyBytes)
            let overlap = body.overlapSeconds ?? 86_400
            guard (0...Self.maxOverlapSeconds).contains(overlap) else {
                throw Problem(.unprocessableContent, "invalid-value", "Invalid value", detail: "overlapSeconds: must be 0 to \(Self.maxOverlapSeconds)")
            }
            let secret = WebhookSecret.generate().text
            let expires = deps.clock.now().adding(seconds: overlap)
            _ = try await sender.send(.rotateWebhookSecret(RotateWebhookSecret(endpointId: endpoint.id, owner: owner(principal),
                                                                             previousSecretExpiresAt: expires)),
                                      secrets: [.rotatedWebhookSecret(endpointId: endpoint.id, secret: secret, previousExpiresAt: expires.rfc3339)],
                                      actor: principal.id, request: request, context: context)
            return try jsonResponse(Rotated(secret: secret, previousSecretExpiresAt: expires.rfc3339))
        }
        router.get("webhooks/endpoints/:id/messages") { request, context in
            let (_, endpoint) = try await owned(request, context)
            let query = request.uri.queryParameters
            var status: MessageStatus?
            if let text = query.get("status") {
                guard let value = MessageStatus(rawValue: String(text)) else { throw Problem.badRequest("status must be pending, delivered or failed") }
                status = value
            }
            var before: Int64?
            if let text = query.get("before") {
                guard let value = Int64(text), value > 0 else { throw Problem.badRequest("before must be a positive seq") }
                before = value
            }
            let limit = try Query.int(request, "limit", default: 50, range: 1...500)
            return try jsonResponse(Messages(messages: try await dispatcher().messages(endpointId: endpoint.id, status: status, beforeSeq: before,
                                                                                     limit: limit)))
        }
        router.get("webhooks/endpoints/:id/messages/:messageId/attempts") { request, context in
            let (_, endpoint) = try await owned(request, context)
            let messageId = context.parameters.get("messageId") ?? ""
            guard let attempts = try await dispatcher().attempts(endpointId: endpoint.id, messageId: messageId, limit: 100) else {
                throw Problem.notFound("no message '\(messageId)' for this endpoint")
            }
            return try jsonResponse(Attempts(attempts: attempts))
        }
        router.post("webhooks/endpoints/:id/messages/:messageId/retry") { request, context in
            let (_, endpoint) = try await owned(request, context)
            let messageId = context.parameters.get("messageId") ?? ""
            guard try await dispatcher().retry(endpointId: endpoint.id, messageId: messageId) else {
                throw Problem.notFound("no message '\(messageId)' for this endpoint")
            }
            return Response(status: .accepted)
        }
        router.post("webhooks/endpoints/:id/replay") { request, context in
            let (_, endpoint) = try await owned(request, context)
            let body = try await request.decodeJSON(ReplayBody.self, limit: deps.config.maxBodyBytes)
            var since: Timestamp?
            if let text = body.since {
                guard let time = Timestamp(rfc3339: text) else { throw Problem.badRequest("since must be an RFC 3339 time") }
                since = time
            }
            guard (body.fromSeq == nil) != (since == nil) else { throw Problem.badRequest("give exactly one of fromSeq and since") }
            if let seq = body.fromSeq, seq < 1 { throw Problem.badRequest("fromSeq must be at least 1") }
            let queued = try await dispatcher().replay(endpointId: endpoint.id, fromSeq: body.fromSeq, since: since)
            return try jsonResponse(Replayed(queued: queued), status: .accepted)
        }
    }

    func dispatcher() throws -> any WebhookManaging {
        guard let webhooks = deps.webhooks else {
            throw Problem(.serviceUnavailable, "webhooks-unavailable", "Webhooks unavailable", detail: "this server runs without the webhook dispatcher")
        }
        return webhooks
    }

    func owner(_ principal: Principal) -> EndpointOwner { EndpointOwner(actorId: principal.id, appId: principal.appId) }

    func owned(_ request: Request, _ context: APIContext) async throws -> (Principal, WebhookEndpointView) {
        let principal = try await auth.required(request, .webhooksManage)
        let id = context.parameters.get("id") ?? ""
        let endpoint = try await view(id)
        let mine = principal.appId.map { endpoint.appId == $0 } ?? (endpoint.appId == nil && endpoint.ownerId == principal.id)
        guard mine else { throw Problem.notFound("no webhook endpoint '\(id)' of this app or account") }
        return (principal, endpoint)
    }

    func view(_ id: String) async throws -> WebhookEndpointView {
        try await deps.consistentRead()
        guard let endpoint = try deps.readModels.withConnection({ try ReadModels.webhookEndpoint(id: id, $0) }) else {
            throw Problem.notFound("no webhook endpoint '\(id)' of this app or account")
        }
        return endpoint
    }

    func validate(_ types: [String]) throws {
        do {
            _ = try EventTypeFilter(patterns: types, knownTypes: Set(DomainEvent.catalog.map(\.type)))
        } catch {
            throw Problem(.unprocessableContent, "invalid-value", "Invalid value", detail: "eventTypes: \(error.description)")
        }
    }

    /// http(s) only; every address the host resolves to must be outside loopback, private,
    /// link-local and metadata ranges unless `MARQUEE_WEBHOOK_ALLOW` lists it.
    func checkDestination(_ text: String) async throws -> WebhookURL {
        do {
            return try await dispatcher().checkDestination(text)
        } catch let error as WebhookInputError {
            throw Problem(.unprocessableContent, "refused-destination", "Refused destination", detail: "url: \(error.description)")
        }
    }

    func create(_ request: Request, _ context: APIContext) async throws -> Response {
        let principal = try await auth.required(request, .webhooksManage)
        let body = try await request.decodeJSON(CreateBody.self, limit: deps.config.maxBodyBytes)
        let url = try await checkDestination(body.url)
        try validate(body.eventTypes)
        let endpointId = deps.ids.next("whe")
        let secret = WebhookSecret.generate().text
        let scopes = (principal.scopes.map { Array($0) } ?? Scope.allCases.filter { $0 != .admin }).map(\.rawValue).sorted()
        let (recorded, event, _) = try await sender.sendForEvent(
            .createWebhookEndpoint(CreateWebhookEndpoint(endpointId: endpointId, owner: owner(principal), url: url.text,
                                                         eventTypes: body.eventTypes, scopes: scopes)),
            secrets: [.webhookSecret(endpointId: endpointId, secret: secret)], actor: principal.id, request: request, context: context,
            idempotency: nil)
        guard case .webhookEndpointCreated(let e) = event else { throw Problem.internal("creating the endpoint recorded \(event.type)") }
        return try jsonResponse(Created(id: e.endpointId, url: e.url, eventTypes: e.eventTypes, scopes: e.scopes, enabled: e.enabled,
                                        appId: e.appId, secret: secret, createdAt: recorded.recordedAt),
                                status: .created, headers: [.location: "/api/v1/webhooks/endpoints/\(e.endpointId)"])
    }
}
