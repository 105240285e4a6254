import MarqueeCore

/// Ads, the hybrid model: during a break every non-paying viewing session (not in a paid show,
/// not a subscriber of the channel, not the channel's staff) gets one impression of the break's
/// ad, including sessions that join during the break; paying viewers never get ads. Breaks are
/// started by the creator or, with `adBreakIntervalMillis`, every so much live time; the ads
/// rotate through the inventory in creation order.
extension Decider {
    static func decideCreateAd(_ c: CreateAd, _ state: DomainState) throws(DomainError) -> [DomainEvent] {
        _ = try requireAdmin(c.actorId, state, to: "manage ads")
        try requireText(c.name, field: "name", min: 1, max: 100)
        guard (1000...300_000).contains(c.durationMs) else { throw .invalid(field: "durationMs", reason: "must be 1000 to 300000") }
        guard c.media.utf8.count <= 2000, c.media.hasPrefix("https://") || c.media.hasPrefix("http://"),
              Validation.textProblem(c.media, min: 8, max: 2000) == nil, !c.media.contains(" ") else {
            throw .invalid(field: "media", reason: "must be an http(s) URL of at most 2000 characters")
        }
        try requireFreshId(c.adId, state)
        return [.adCreated(AdCreated(adId: c.adId, name: c.name, durationMs: c.durationMs, media: c.media))]
    }

    static func decideStartAdBreak(_ c: StartAdBreak, _ state: DomainState, _ now: Timestamp) throws(DomainError) -> [DomainEvent] {
        let (actor, channel) = try moderator(c.actorId, of: c.channelId, state)
        guard let streamId = channel.liveStreamId else { throw .conflict("the channel is not live") }
        if let current = state.adBreaks[streamId], current.endsAt > now { throw .conflict("an ad break is running until \(current.endsAt.rfc3339)") }
        guard !state.ads.isEmpty else { throw .conflict("there are no ads in the inventory") }
        try requireFreshId(c.breakId, state)
        var working = state
        return startBreak(breakId: c.breakId, streamId: streamId, channel: channel, by: actor.id, &working, now)
    }

    /// Starts a break and shows its ad to every non-paying session of the stream.
    static func startBreak(breakId: String, streamId: String, channel: ChannelState, by: String?, _ state: inout DomainState,
                           _ now: Timestamp) -> [DomainEvent] {
        let ad = state.ads[state.adBreakCount % state.ads.count]
        let started = DomainEvent.adBreakStarted(AdBreakStarted(breakId: breakId, channelId: channel.id, streamId: streamId, adId: ad.adId,
                                                                durationMs: ad.durationMs, by: by, at: now))
        state.apply(started)
        var events = [started]
        let sessions = (state.streams[streamId]?.sessionIds ?? []).sorted()
        for id in sessions {
            guard let session = state.sessions[id] else { continue }
            events += impression(session, state: &state, now)
        }
        return events
    }

    /// The break's impression for `session`, if a break is running and the session does not pay.
    static func impression(_ session: ViewingSession, state: inout DomainState, _ now: Timestamp) -> [DomainEvent] {
        guard let current = state.adBreaks[session.streamId], current.endsAt > now, !current.shown.contains(session.id),
              let channel = state.channels[session.channelId], !isPaying(session, channel, state, now) else { return [] }
        let event = DomainEvent.adImpression(AdImpression(breakId: current.breakId, channelId: channel.id, streamId: session.streamId,
                                                          adId: current.adId, sessionId: session.id, viewerId: session.viewerId))
        state.apply(event)
        return [event]
    }

    static func isPaying(_ session: ViewingSession, _ channel: ChannelState, _ state: DomainState, _ now: Timestamp) -> Bool {
        if session.pricePerMinute > 0 { return true }
        guard let viewerId = session.viewerId, let viewer = state.accounts[viewerId] else { return false }
        return isChatModerator(viewer, channel, state) || state.activeSubscription(viewer: viewerId, channel: channel.id, now: now) != nil
    }

    /// Scheduled breaks that are due (deterministic ids: the break count and the stream's id).
    static func scheduledBreaks(_ state: inout DomainState, _ config: DomainConfig, _ now: Timestamp) -> [DomainEvent] {
        guard config.adBreakIntervalMillis > 0, !state.ads.isEmpty else { return [] }
        var events: [DomainEvent] = []
        for stream in state.streams.values.sorted(by: { $0.id < $1.id }) {
            guard let due = nextScheduledBreak(stream, state, config), due <= now,
                  let channel = state.channels[stream.channelId] else { continue }
            let breakId = "brk_\(state.adBreakCount + 1)n\(stream.id.split(separator: "_").last ?? "")"
            guard !state.usedIds.contains(breakId) else { continue }
            events += startBreak(breakId: breakId, streamId: stream.id, channel: channel, by: nil, &state, now)
        }
        return events
    }

    static func nextScheduledBreak(_ stream: LiveStream, _ state: DomainState, _ config: DomainConfig) -> Timestamp? {
        guard config.adBreakIntervalMillis > 0, !state.ads.isEmpty else { return nil }
        let last = state.adBreaks[stream.id]
        return (last?.startedAt ?? stream.startedAt).adding(milliseconds: config.adBreakIntervalMillis)
    }
}
