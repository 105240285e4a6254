import Domain
import Engine
import EventLog
import HTTPTypes
import Hummingbird
import MarqueeCore
import NIOCore
import Projections

/// WHIP (RFC 9725) and WHEP: `POST /whip/{slug}` (Bearer stream key) and `POST /whep/{slug}`
/// (Bearer session token, or anonymous on public channels) take an SDP offer and answer
/// `201 Created` with the SDP answer and a `Location`; `DELETE` on the Location ends the
/// session; `PATCH` takes trickled candidates (ignored: an ICE-lite server learns the peer's
/// addresses from its checks); `OPTIONS` and CORS headers let browsers on other origins use it.
struct MediaRoutes: Sendable {
    let deps: APIDependencies
    var auth: Auth { Auth(deps: deps) }
    var channels: ChannelRoutes { ChannelRoutes(deps: deps) }
    static let maxOfferBytes = 64 * 1024

    static let cors: HTTPFields = [
        .accessControlAllowOrigin: "*",
        .accessControlAllowMethods: "POST, PATCH, DELETE, OPTIONS",
        .accessControlAllowHeaders: "Authorization, Content-Type, If-Match",
        .accessControlExposeHeaders: "Location, Link, ETag, Accept-Patch",
    ]

    func add(to router: Router<APIContext>) {
        for kind in ["whip", "whep"] {
            router.on("\(kind)/:slug", method: .options) { _, _ in Self.preflight() }
            router.on("\(kind)/:slug/:id", method: .options) { _, _ in Self.preflight() }
            router.patch("\(kind)/:slug/:id") { request, _ in
                guard request.headers[.contentType]?.lowercased().hasPrefix("application/trickle-ice-sdpfrag") == true else {
                    throw Problem(.unsupportedMediaType, "unsupported-media-type", "Unsupported media type",
                                  detail: "PATCH takes application/trickle-ice-sdpfrag (ICE restarts are not supported: start a new session)")
                }
                _ = try await request.bodyBytes(limit: Self.maxOfferBytes)
                return Response(status: .noContent, headers: Self.cors)
            }
        }
        router.post("whip/:slug") { request, context in try await publish(request, context) }
        router.delete("whip/:slug/:id") { request, context in
            let channel = try await channels.channel(context)
            _ = try await streamKeyOwner(request, channel)
            return try await end(context, channel, by: channel.ownerId)
        }
        router.post("whep/:slug") { request, context in try await watch(request, context) }
        router.delete("whep/:slug/:id") { request, context in
            let channel = try await channels.channel(context)
            let principal = try await auth.optional(request)
            return try await end(context, channel, by: principal?.id)
        }
    }

    static func preflight() -> Response {
        var headers = cors
        headers[.acceptPost] = "application/sdp"
        return Response(status: .noContent, headers: headers)
    }

    var media: any MediaSignaling {
        get throws {
            guard let media = deps.media else {
                throw Problem(.serviceUnavailable, "media-unavailable", "Media unavailable", detail: "this server runs without its SFU")
            }
            return media
        }
    }

    func offer(_ request: Request) async throws -> String {
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/sdp") == true else {
            throw Problem(.unsupportedMediaType, "unsupported-media-type", "Unsupported media type", detail: "send the SDP offer as application/sdp")
        }
        let bytes = try await request.bodyBytes(limit: Self.maxOfferBytes)
        guard !bytes.isEmpty, let text = String(validating: bytes, as: UTF8.self) else {
            throw Problem.badRequest("the body must be an SDP offer in UTF-8")
        }
        return text
    }

    /// The stream key in `Authorization: Bearer` must be the channel's current key.
    func streamKeyOwner(_ request: Request, _ channel: ChannelView) async throws -> String {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            throw Problem.unauthorized("WHIP needs 'Authorization: Bearer <stream key>' (the channel's stream key)")
        }
        let given = Array(String(header.dropFirst(7)).trimmingSpaces.utf8)
        let key = try deps.events.withConnection { try SecretStore.streamKey(channelId: channel.id, $0) }
        guard let key, Digest.constantTimeEqual(Array(Digest.sha256(Array(key.utf8))), Digest.sha256(given)) else {
            throw Problem.unauthorized("the stream key is not this channel's")
        }
        return channel.ownerId
    }

    func publish(_ request: Request, _ context: APIContext) async throws -> Response {
        let channel = try await channels.channel(context)
        let owner = try await streamKeyOwner(request, channel)
        let sdp = try await offer(request)
        do {
            let (id, answer) = try await media.publish(channelId: channel.id, ownerId: owner, offer: sdp)
            return created(answer, location: "/whip/\(channel.slug)/\(id)")
        } catch let error as MediaSignalingError {
            throw Self.problem(error)
        }
    }

    /// Access is checked here for a clear status (401/403); the log decides again when the
    /// media connects, and the SFU cuts the session if it refuses.
    func watch(_ request: Request, _ context: APIContext) async throws -> Response {
        let channel = try await channels.channel(context)
        let principal = try await auth.optional(request)
        guard channel.liveStreamId != nil else {
            throw Problem(.conflict, "not-live", "Not live", detail: "the channel '\(channel.slug)' is not live right now")
        }
        let standing = try ViewerStanding(principal, on: channel, deps: deps)
        let staff = standing.staff, subscribed = standing.subscribed
        switch channel.access {
        case .public: break
        case .subscribers:
            guard let _ = principal else { throw Problem.unauthorized("this channel is for subscribers: log in") }
            guard staff || subscribed else { throw Problem.forbidden("this channel is for subscribers; subscribe to watch") }
        case .paid:
            guard let principal else { throw Problem.unauthorized("this is a paid show: log in to watch") }
            if !(staff || (subscribed && channel.subscribersWatchPaidFree)) {
                // Paying per minute spends the account's tokens: a token needs wallet:write.
                guard principal.has(.walletWrite) else { throw Problem.insufficientScope(.walletWrite) }
                let wallet = try deps.readModels.withConnection { try ReadModels.wallet(accountId: principal.id, $0) }
                guard wallet.balance >= channel.pricePerMinute else {
                    throw Problem(.forbidden, "insufficient-tokens", "Insufficient tokens",
                                  detail: "this show costs \(channel.pricePerMinute) tokens a minute; the wallet holds \(wallet.balance)")
                }
            }
        }
        let sdp = try await offer(request)
        do {
            let (id, answer) = try await media.watch(channelId: channel.id, viewerId: principal?.id, offer: sdp)
            return created(answer, location: "/whep/\(channel.slug)/\(id)")
        } catch let error as MediaSignalingError {
            throw Self.problem(error)
        }
    }

    func end(_ context: APIContext, _ channel: ChannelView, by actor: String?) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        guard try await media.end(sessionId: id, channelId: channel.id, by: actor) else {
            throw Problem.notFound("no media session '\(id)' on this channel")
        }
        return Response(status: .ok, headers: Self.cors)
    }

    func created(_ answer: String, location: String) -> Response {
        var headers = Self.cors
        headers[.contentType] = "application/sdp"
        headers[.location] = location
        return Response(status: .created, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: answer)))
    }

    static func problem(_ error: MediaSignalingError) -> Problem {
        switch error {
        case .malformedOffer(let detail): return Problem(.badRequest, "malformed-sdp", "Malformed SDP", detail: detail)
        case .nothingInCommon(let detail): return Problem(.notAcceptable, "nothing-in-common", "Nothing in common", detail: detail)
        case .conflict(let detail): return Problem(.conflict, "conflict", "Conflict", detail: detail)
        case .unavailable(let detail): return Problem(.serviceUnavailable, "media-unavailable", "Media unavailable", detail: detail)
        }
    }
}

extension HTTPField.Name {
    static let acceptPost = HTTPField.Name("Accept-Post")!
}
