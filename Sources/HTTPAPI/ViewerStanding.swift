import Domain
import Projections

/// What the read models say about one (possibly anonymous) viewer on one channel, for the
/// routes that admit people before the log decides (chat sockets, WHEP). One place for the
/// suspension and ban checks and for who counts as staff and as a subscriber.
struct ViewerStanding {
    let principal: Principal?
    /// The channel's owner, a platform admin or a platform moderator.
    let staff: Bool
    let subscribed: Bool

    init(_ principal: Principal?, on channel: ChannelView, deps: APIDependencies) throws {
        self.principal = principal
        staff = principal.map { $0.id == channel.ownerId || $0.role == .admin || $0.role == .moderator } ?? false
        guard let principal else { subscribed = false; return }
        guard !principal.suspended else { throw Problem.forbidden("the account '\(principal.handle)' is suspended") }
        let now = deps.clock.now().rfc3339
        let (ban, subscribed) = try deps.readModels.withConnection { c in
            (try ReadModels.activeBan(channelId: channel.id, userId: principal.id, now: now, c),
             try ReadModels.isSubscribed(viewerId: principal.id, channelId: channel.id, now: now, c))
        }
        if let ban {
            throw Problem.forbidden(ban.until.map { "you are timed out on this channel until \($0)" } ?? "you are banned from this channel")
        }
        self.subscribed = subscribed
    }

    /// Staff, or a moderator the channel's owner chose for its chat.
    func isChatModerator(on channel: ChannelView, deps: APIDependencies) throws -> Bool {
        guard let principal else { return false }
        if staff { return true }
        return try deps.readModels.withConnection { try ReadModels.isChatModerator(userId: principal.id, channelId: channel.id, $0) }
    }
}
