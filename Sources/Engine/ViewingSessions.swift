import Domain
import EventLog
import MarqueeCore

/// The command interface the media side (the SFU's WHIP and WHEP sessions) uses to tell the
/// log about streams and viewers. Every call is one command through the single writer; a
/// rejection arrives as the `DomainError` the decider threw (e.g. `.insufficientTokens` for a
/// paid show with an empty wallet, `.forbidden` for a subscribers-only stream).
public struct ViewingSessions: Sendable {
    public typealias Submit = @Sendable (CommandEnvelope) async throws -> Appended<EngineOutcome>
    let submit: Submit
    let ids: any IDGenerator

    public init(ids: any IDGenerator, submit: @escaping Submit) {
        self.ids = ids
        self.submit = submit
    }

    /// The publisher of `channelId` is connected: returns the new stream's id.
    public func startStream(channelId: String, ownerId: String, codecs: [String] = [], simulcastLayers: [String] = []) async throws -> String {
        let streamId = ids.next("str")
        try await send(.startStream(StartStream(streamId: streamId, channelId: channelId, actorId: ownerId, codecs: codecs,
                                                simulcastLayers: simulcastLayers)), actor: ownerId)
        return streamId
    }

    public func endStream(_ streamId: String, reason: StreamEndReason, by actorId: String? = nil) async throws {
        try await send(.endStream(EndStream(streamId: streamId, reason: reason, actorId: actorId)), actor: actorId)
    }

    /// A viewer's media is connected: returns the session id (the first paid minute is charged now).
    public func join(channelId: String, viewerId: String?, transport: ViewerTransport = .webrtc) async throws -> String {
        let sessionId = ids.next("ses")
        try await send(.joinViewer(JoinViewer(sessionId: sessionId, channelId: channelId, viewerId: viewerId, transport: transport)),
                       actor: viewerId)
        return sessionId
    }

    public func disconnected(_ sessionId: String) async throws {
        try await send(.disconnectViewer(SessionCommand(sessionId: sessionId)), actor: nil)
    }

    public func reconnected(_ sessionId: String) async throws {
        try await send(.reconnectViewer(SessionCommand(sessionId: sessionId)), actor: nil)
    }

    public func left(_ sessionId: String, reason: ViewerLeftReason = .closed) async throws {
        try await send(.leaveViewer(LeaveViewer(sessionId: sessionId, reason: reason)), actor: nil)
    }

    @discardableResult
    func send(_ command: Command, actor: String?) async throws -> Appended<EngineOutcome> {
        try await submit(CommandEnvelope(.domain(command), meta: RequestMeta(actor: actor, correlationId: ids.next("media"))))
    }
}
