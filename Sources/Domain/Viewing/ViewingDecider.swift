import MarqueeCore

/// Streams, viewing sessions and per-minute billing of paid shows.
///
/// Billing rules (issue 3): a paid minute is charged when it begins, so nobody watches unpaid;
/// only connected time counts; minute k is charged when connected time reaches (k − 1) × period;
/// a minute interrupted by a disconnect resumes on reconnect without a second charge; a session
/// disconnected longer than the grace period ends; when the wallet cannot pay the next minute,
/// billing stops and the viewer leaves (both `insufficient_funds`).
extension Decider {
    static func decideStartStream(_ c: StartStream, _ state: DomainState, _ now: Timestamp) throws(DomainError) -> [DomainEvent] {
        guard let channel = state.channels[c.channelId] else { throw .unknownChannel(c.channelId) }
        let actor = try activeActor(c.actorId, state)
        guard actor.id == channel.ownerId else { throw .forbidden("only the channel's owner may go live on it") }
        guard channel.liveStreamId == nil else { throw .conflict("the channel is already live") }
        try requireFreshId(c.streamId, state)
        guard c.codecs.count <= 8, c.simulcastLayers.count <= 8,
              (c.codecs + c.simulcastLayers).allSatisfy({ (1...32).contains($0.utf8.count) }) else {
            throw .invalid(field: "codecs", reason: "at most 8 codecs and 8 layers, each 1 to 32 characters")
        }
        return [.streamStarted(StreamStarted(streamId: c.streamId, channelId: channel.id, title: channel.title, access: channel.access,
                                             pricePerMinute: channel.access == .paid ? channel.pricePerMinute : 0,
                                             codecs: c.codecs, simulcastLayers: c.simulcastLayers, startedAt: now))]
    }

    static func decideEndStream(_ c: EndStream, _ state: DomainState, _ config: DomainConfig, _ now: Timestamp) throws(DomainError) -> [DomainEvent] {
        guard let stream = state.streams[c.streamId] else { throw .conflict("the stream \(c.streamId) is not live") }
        if let actorId = c.actorId {
            let actor = try activeActor(actorId, state)
            let owner = state.channels[stream.channelId]?.ownerId
            guard actor.id == owner || actor.role == .admin || actor.role == .moderator else {
                throw .forbidden("only the channel's owner or a moderator may end its stream")
            }
        }
        var working = state
        return close(stream, reason: c.reason, &working, config, now)
    }

    /// Ends a stream: every session on it ends (`stream_ended`), then `stream.ended`. Applies what it emits to `state`.
    static func close(_ stream: LiveStream, reason: StreamEndReason, _ state: inout DomainState, _ config: DomainConfig,
                      _ now: Timestamp) -> [DomainEvent] {
        var events: [DomainEvent] = []
        for sessionId in stream.sessionIds.sorted() {
            guard let session = state.sessions[sessionId] else { continue }
            events += end(session, billingReason: .streamEnded, leftReason: .streamEnded, &state, config, now)
        }
        let ended = DomainEvent.streamEnded(StreamEnded(streamId: stream.id, channelId: stream.channelId, reason: reason,
                                                        durationMs: max(0, now.milliseconds - stream.startedAt.milliseconds)))
        state.apply(ended)
        return events + [ended]
    }

    /// Ends `viewerId`'s sessions (only those on `channelId` when given) with `viewer.left` `reason`;
    /// the SFU obeys `viewer.left` and cuts their media. Applies what it emits to `state`.
    static func endSessions(of viewerId: String, on channelId: String? = nil, reason: ViewerLeftReason, _ state: inout DomainState,
                            _ config: DomainConfig, _ now: Timestamp) -> [DomainEvent] {
        var events: [DomainEvent] = []
        let ids = state.sessions.values.filter { $0.viewerId == viewerId && (channelId == nil || $0.channelId == channelId) }.map(\.id)
        for id in ids.sorted() {
            guard let session = state.sessions[id] else { continue }
            events += end(session, billingReason: .left, leftReason: reason, &state, config, now)
        }
        return events
    }

    static func decideJoin(_ c: JoinViewer, _ state: DomainState, _ config: DomainConfig, _ now: Timestamp) throws(DomainError) -> [DomainEvent] {
        guard let channel = state.channels[c.channelId] else { throw .unknownChannel(c.channelId) }
        guard let streamId = channel.liveStreamId, let stream = state.streams[streamId] else {
            throw .conflict("the channel is not live")
        }
        try requireFreshId(c.sessionId, state)
        var price: Int64 = 0
        if let viewerId = c.viewerId {
            let viewer = try activeActor(viewerId, state)
            let isStaff = Decider.isStaff(viewer, of: channel)
            let subscribed = state.activeSubscription(viewer: viewer.id, channel: channel.id, now: now) != nil
            switch stream.access {
            case .public: break
            case .subscribers:
                guard isStaff || subscribed else { throw .forbidden("this stream is for subscribers of the channel") }
            case .paid:
                let free = isStaff || (subscribed && channel.subscribersWatchPaidFree)
                if !free {
                    price = stream.pricePerMinute
                    let balance = state.wallet(viewer.id).balance
                    guard balance >= price else { throw .insufficientTokens(balance: balance, needed: price) }
                }
            }
        } else {
            guard stream.access == .public else {
                throw .forbidden(stream.access == .paid ? "log in to watch a paid show" : "this stream is for subscribers of the channel")
            }
        }
        let joined = ViewerJoined(streamId: stream.id, channelId: channel.id, sessionId: c.sessionId, viewerId: c.viewerId,
                                  transport: c.transport, pricePerMinute: price, at: now)
        var working = state.evolved(with: .viewerJoined(joined))
        var events: [DomainEvent] = [.viewerJoined(joined)]
        if let session = working.sessions[c.sessionId] {
            events += settle(session, &working, config, now)  // minute 1, charged as it begins
        }
        if let session = working.sessions[c.sessionId] {
            events += impression(session, state: &working, now)  // joined during an ad break
        }
        return events
    }

    /// The channel's owner, admins and moderators watch any of its streams free.
    static func isStaff(_ account: AccountState, of channel: ChannelState) -> Bool {
        account.id == channel.ownerId || account.role == .admin || account.role == .moderator
    }

    static func decideDisconnect(_ c: SessionCommand, _ state: DomainState, _ config: DomainConfig, _ now: Timestamp) throws(DomainError) -> [DomainEvent] {
        guard let session = state.sessions[c.sessionId] else { throw .conflict("no open viewing session \(c.sessionId)") }
        guard session.connected else { return [] }
        var working = state
        var events = settle(session, &working, config, now)
        if let current = working.sessions[c.sessionId] {
            events.append(.viewerDisconnected(ViewerDisconnected(streamId: current.streamId, sessionId: current.id, at: now,
                                                                 connectedMs: current.connectedMs(at: now))))
        }
        return events
    }

    static func decideReconnect(_ c: SessionCommand, _ state: DomainState, _ config: DomainConfig, _ now: Timestamp) throws(DomainError) -> [DomainEvent] {
        guard let session = state.sessions[c.sessionId] else { throw .conflict("no open viewing session \(c.sessionId); join again") }
        guard !session.connected else { return [] }
        guard now.milliseconds - session.since.milliseconds <= config.reconnectGraceMillis else {
            throw .conflict("the session \(c.sessionId) was away longer than the grace period; join again")
        }
        return [.viewerReconnected(ViewerReconnected(streamId: session.streamId, sessionId: session.id, at: now))]
    }

    static func decideLeave(_ c: LeaveViewer, _ state: DomainState, _ config: DomainConfig, _ now: Timestamp) throws(DomainError) -> [DomainEvent] {
        guard let session = state.sessions[c.sessionId] else { return [] }  // already gone: leaving again changes nothing
        var working = state
        return end(session, billingReason: .left, leftReason: c.reason, &working, config, now)
    }

    static func decideSuspendSessions(at: Timestamp, _ state: DomainState) -> [DomainEvent] {
        state.sessions.values.filter(\.connected).sorted { $0.id < $1.id }.map { session in
            let when = max(at, session.since)
            return .viewerDisconnected(ViewerDisconnected(streamId: session.streamId, sessionId: session.id, at: when,
                                                          connectedMs: session.connectedMs(at: when)))
        }
    }

    /// The scheduler's tick: everything that has come due by `now`, in a stable order.
    static func decideTick(_ state: DomainState, _ config: DomainConfig, _ now: Timestamp) -> [DomainEvent] {
        var working = state
        var events: [DomainEvent] = []
        for id in state.sessions.keys.sorted() {
            guard let session = working.sessions[id] else { continue }
            if session.connected {
                events += settle(session, &working, config, now)
            } else if now.milliseconds - session.since.milliseconds > config.reconnectGraceMillis {
                events += end(session, billingReason: .left, leftReason: .timeout, &working, config, now)
            }
        }
        events += renewals(&working, config, now)
        events += closePolls(&working, now)
        events += scheduledBreaks(&working, config, now)
        return events
    }

    /// Charges every minute that has begun by `now`; stops billing and ends the session when
    /// the wallet cannot pay. Applies what it emits to `state`.
    static func settle(_ session: ViewingSession, _ state: inout DomainState, _ config: DomainConfig, _ now: Timestamp) -> [DomainEvent] {
        guard session.billing, let viewerId = session.viewerId,
              let creatorId = state.channels[session.channelId]?.ownerId else { return [] }
        var events: [DomainEvent] = []
        let connected = session.connectedMs(at: now)
        var minute = session.minutesBilled
        while Int64(minute) * config.billingPeriodMillis <= connected {
            guard state.wallet(viewerId).balance >= session.pricePerMinute else {
                let stop = stopEvents(state.sessions[session.id] ?? session, billingReason: .insufficientFunds,
                                      leftReason: .insufficientFunds, connectedMs: connected)
                for event in stop { state.apply(event) }
                return events + stop
            }
            minute += 1
            let split = FeeSplit(tokens: session.pricePerMinute, feeBasisPoints: config.feeBasisPoints)
            let billed = DomainEvent.minuteBilled(MinuteBilled(
                sessionId: session.id, streamId: session.streamId, channelId: session.channelId, viewerId: viewerId,
                creatorId: creatorId, minute: minute, tokens: split.tokens, creatorTokens: split.creatorTokens, feeTokens: split.feeTokens))
            state.apply(billed)
            events.append(billed)
        }
        return events
    }

    /// Ends a session: charges what has begun, then `billing.stopped` (paid sessions) and `viewer.left`.
    static func end(_ session: ViewingSession, billingReason: BillingStopReason, leftReason: ViewerLeftReason,
                    _ state: inout DomainState, _ config: DomainConfig, _ now: Timestamp) -> [DomainEvent] {
        var events = settle(session, &state, config, now)
        guard let current = state.sessions[session.id] else { return events }  // ended for lack of funds
        let stop = stopEvents(current, billingReason: billingReason, leftReason: leftReason, connectedMs: current.connectedMs(at: now))
        for event in stop { state.apply(event) }
        events += stop
        return events
    }

    private static func stopEvents(_ session: ViewingSession, billingReason: BillingStopReason, leftReason: ViewerLeftReason,
                                   connectedMs: Int64) -> [DomainEvent] {
        var events: [DomainEvent] = []
        if session.billing, let viewerId = session.viewerId {
            events.append(.billingStopped(BillingStopped(sessionId: session.id, streamId: session.streamId, viewerId: viewerId,
                                                         reason: billingReason, minutesBilled: session.minutesBilled)))
        }
        events.append(.viewerLeft(ViewerLeft(streamId: session.streamId, sessionId: session.id, reason: leftReason,
                                              connectedMs: connectedMs)))
        return events
    }
}

extension DomainState {
    /// The earliest moment at which a `tick` would do something (nil: nothing scheduled).
    public func nextDue(_ config: DomainConfig) -> Timestamp? {
        var earliest: Timestamp?
        func consider(_ t: Timestamp) { if earliest.map({ t < $0 }) ?? true { earliest = t } }
        for session in sessions.values {
            if let due = session.nextMinuteDue(period: config.billingPeriodMillis) { consider(due) }
            if !session.connected { consider(session.since.adding(milliseconds: config.reconnectGraceMillis + 1)) }
        }
        for sub in subscriptions.values { consider(sub.nextDue) }
        for id in openPollByChannel.values { if let poll = polls[id] { consider(poll.closesAt) } }
        for stream in streams.values { if let due = Decider.nextScheduledBreak(stream, self, config) { consider(due) } }
        return earliest
    }
}
