import MarqueeCore

/// Channel subscriptions: tiers priced in tokens per period, charged at once, renewed from the
/// wallet at period end, retried after a failed renewal, canceled to period end.
///
/// Rules: the price is locked when the subscription starts; a renewal on time continues the
/// period seamlessly; while a renewal is failing the subscription grants no access, and a retry
/// that succeeds starts a fresh period at the retry (nobody pays for days without access);
/// after `renewalRetries` failed retries it expires.
extension Decider {
    public static let maxTiers = 5

    static func decideSetTiers(_ c: SetSubscriptionTiers, _ state: DomainState, _ config: DomainConfig) throws(DomainError) -> [DomainEvent] {
        guard let channel = state.channels[c.channelId] else { throw .unknownChannel(c.channelId) }
        let actor = try activeActor(c.actorId, state)
        guard actor.id == channel.ownerId || actor.role == .admin else { throw .forbidden("only the channel's owner may change its tiers") }
        guard c.tiers.count <= maxTiers else { throw .invalid(field: "tiers", reason: "at most \(maxTiers) tiers") }
        var names = Set<String>()
        for (index, tier) in c.tiers.enumerated() {
            if let problem = Validation.giftNameProblem(tier.name) { throw .invalid(field: "tiers[\(index)].name", reason: problem) }
            guard names.insert(tier.name).inserted else { throw .invalid(field: "tiers[\(index)].name", reason: "names must be unique") }
            guard (1...config.maxTokensPerCommand).contains(tier.tokens) else {
                throw .invalid(field: "tiers[\(index)].tokens", reason: "must be a whole number from 1 to \(config.maxTokensPerCommand)")
            }
        }
        if c.tiers == channel.tiers && c.subscribersWatchPaidFree == channel.subscribersWatchPaidFree { return [] }
        return [.channelSubscriptionTiersSet(ChannelSubscriptionTiersSet(channelId: channel.id, tiers: c.tiers,
                                                                         subscribersWatchPaidFree: c.subscribersWatchPaidFree))]
    }

    static func decideSubscribe(_ c: Subscribe, _ state: DomainState, _ config: DomainConfig, _ now: Timestamp) throws(DomainError) -> [DomainEvent] {
        let viewer = try activeActor(c.viewerId, state)
        guard let channel = state.channels[c.channelId] else { throw .unknownChannel(c.channelId) }
        guard viewer.id != channel.ownerId else { throw .forbidden("you cannot subscribe to your own channel") }
        guard let creator = state.accounts[channel.ownerId], !creator.suspended else {
            throw .forbidden("this channel cannot take subscriptions right now")
        }
        guard let tier = channel.tiers.first(where: { $0.name == c.tier }) else {
            throw .invalid(field: "tier", reason: channel.tiers.isEmpty ? "the channel offers no subscriptions"
                                                                       : "no tier '\(c.tier)' (the channel offers \(channel.tiers.map(\.name).joined(separator: ", ")))")
        }
        if let existing = state.subscriptionByViewerChannel[SubscriptionState.key(viewer: viewer.id, channel: channel.id)],
           let sub = state.subscriptions[existing] {
            throw .conflict("you already have a subscription to this channel (\(sub.id), \(sub.status.rawValue), period ends \(sub.periodEnd.rfc3339))")
        }
        try requireFreshId(c.subscriptionId, state)
        let balance = state.wallet(viewer.id).balance
        guard balance >= tier.tokens else { throw .insufficientTokens(balance: balance, needed: tier.tokens) }
        let split = FeeSplit(tokens: tier.tokens, feeBasisPoints: config.feeBasisPoints)
        return [.subscriptionStarted(SubscriptionCharged(
            subscriptionId: c.subscriptionId, viewerId: viewer.id, channelId: channel.id, creatorId: channel.ownerId, tier: tier.name,
            tokens: split.tokens, creatorTokens: split.creatorTokens, feeTokens: split.feeTokens,
            periodStart: now, periodEnd: now.adding(milliseconds: config.subscriptionPeriodMillis)))]
    }

    static func decideCancel(_ c: CancelSubscription, _ state: DomainState, _ config: DomainConfig, _ now: Timestamp) throws(DomainError) -> [DomainEvent] {
        guard let sub = state.subscriptions[c.subscriptionId] else { throw .conflict("no current subscription \(c.subscriptionId)") }
        let actor = try activeActor(c.actorId, state)
        guard actor.id == sub.viewerId || actor.role == .admin else { throw .forbidden("only the subscriber may cancel a subscription") }
        switch sub.status {
        case .canceled: return []
        case .pastDue:
            var working = state
            let expired = DomainEvent.subscriptionExpired(SubscriptionExpired(subscriptionId: sub.id, reason: .canceled))
            working.apply(expired)
            return [expired] + endUnsubscribedSessions(of: sub, &working, config, now)
        case .active: return [.subscriptionCanceled(SubscriptionCanceled(subscriptionId: sub.id, effectiveAt: sub.periodEnd))]
        }
    }

    /// Renewals, retries and expiries due by `now`; applied to `state` as they are emitted.
    static func renewals(_ state: inout DomainState, _ config: DomainConfig, _ now: Timestamp) -> [DomainEvent] {
        var events: [DomainEvent] = []
        let due = state.subscriptions.values.filter { $0.nextDue <= now }.sorted { ($0.nextDue, $0.id) < ($1.nextDue, $1.id) }
        for sub in due {
            let event = renewal(sub, state, config, now)
            state.apply(event)
            events.append(event)
            if case .subscriptionExpired = event { events += endUnsubscribedSessions(of: sub, &state, config, now) }
        }
        return events
    }

    /// A subscription has expired: its viewer's sessions on the channel's subscribers-only stream
    /// end (`viewer.left`, `kicked`), unless the viewer is staff or watches by another right. The
    /// SFU obeys `viewer.left` and cuts the media. Applies what it emits to `state`.
    static func endUnsubscribedSessions(of sub: SubscriptionState, _ state: inout DomainState, _ config: DomainConfig,
                                        _ now: Timestamp) -> [DomainEvent] {
        guard let channel = state.channels[sub.channelId], let streamId = channel.liveStreamId, let stream = state.streams[streamId],
              stream.access == .subscribers, let viewer = state.accounts[sub.viewerId], !isStaff(viewer, of: channel),
              state.activeSubscription(viewer: viewer.id, channel: channel.id, now: now) == nil else { return [] }
        return endSessions(of: viewer.id, on: channel.id, reason: .kicked, &state, config, now)
    }

    private static func renewal(_ sub: SubscriptionState, _ state: DomainState, _ config: DomainConfig, _ now: Timestamp) -> DomainEvent {
        if sub.status == .canceled { return .subscriptionExpired(SubscriptionExpired(subscriptionId: sub.id, reason: .canceled)) }
        let creatorActive = state.accounts[sub.creatorId].map { !$0.suspended } ?? false
        let balance = state.wallet(sub.viewerId).balance
        if creatorActive && balance >= sub.tokens {
            let start = sub.status == .active ? sub.periodEnd : now
            let split = FeeSplit(tokens: sub.tokens, feeBasisPoints: config.feeBasisPoints)
            return .subscriptionRenewed(SubscriptionCharged(
                subscriptionId: sub.id, viewerId: sub.viewerId, channelId: sub.channelId, creatorId: sub.creatorId, tier: sub.tier,
                tokens: split.tokens, creatorTokens: split.creatorTokens, feeTokens: split.feeTokens,
                periodStart: start, periodEnd: start.adding(milliseconds: config.subscriptionPeriodMillis)))
        }
        let attempt = sub.failedAttempts + 1
        if attempt > config.renewalRetries {
            return .subscriptionExpired(SubscriptionExpired(subscriptionId: sub.id, reason: .paymentFailed))
        }
        let reason = creatorActive ? "insufficient_funds: the wallet holds \(balance), the renewal needs \(sub.tokens)" : "creator_unavailable"
        let from = sub.status == .active ? sub.periodEnd : (sub.retryAt ?? now)
        return .subscriptionRenewalFailed(SubscriptionRenewalFailed(subscriptionId: sub.id, reason: reason, attempt: attempt,
                                                                    retryAt: from.adding(milliseconds: config.renewalRetryMillis)))
    }
}
