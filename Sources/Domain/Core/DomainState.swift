import MarqueeCore

public struct AccountState: Sendable, Equatable {
    public var id: String
    public var handle: String
    public var role: Role
    public var suspended: Bool
}

public struct ChannelState: Sendable, Equatable {
    public var id: String
    public var ownerId: String
    public var slug: String
    public var title: String
    public var access: ChannelAccess
    public var pricePerMinute: Int64
    public var ageRestricted: Bool
    /// The stream currently live on the channel, if any (set by the SFU's stream events).
    public var liveStreamId: String?
    public var tiers: [SubscriptionTier] = []
    public var subscribersWatchPaidFree = false
}

/// Token holdings of one account: `balance` is spendable (granted/purchased), `earnings` is what
/// the account received as a creator and can pay out.
public struct WalletState: Sendable, Equatable {
    public var balance: Int64 = 0
    public var earnings: Int64 = 0
    /// Earnings requested as a payout that is not paid or rejected yet.
    public var pendingPayout: Int64 = 0
}

/// Everything the deciders need to know, evolved from events only.
public struct DomainState: Sendable, Equatable {
    public var accounts: [String: AccountState] = [:]
    /// handle → account id
    public var handles: [String: String] = [:]
    public var channels: [String: ChannelState] = [:]
    /// slug → channel id
    public var slugs: [String: String] = [:]
    public var wallets: [String: WalletState] = [:]
    /// Fees the platform has collected, in tokens.
    public var platformFees: Int64 = 0
    /// Tokens that entered the system (grants and purchases).
    public var tokensIssued: Int64 = 0
    /// Tokens that left the system as paid payouts.
    public var paidOut: Int64 = 0
    public var streams: [String: LiveStream] = [:]
    public var sessions: [String: ViewingSession] = [:]
    public var subscriptions: [String: SubscriptionState] = [:]
    /// "viewer channel" → the subscription that is not expired.
    public var subscriptionByViewerChannel: [String: String] = [:]
    public var payouts: [String: PayoutState] = [:]
    /// creator → the payout that is requested or approved (at most one).
    public var pendingPayoutByCreator: [String: String] = [:]
    /// Payment-provider references already credited (one purchase each).
    public var purchaseRefs: Set<String> = []
    /// Ids of things ever created, so a reused id is refused.
    public var usedIds: Set<String> = []
    /// channel → its chat's settings, moderators, bans and recent posts.
    public var chats: [String: ChatState] = [:]
    /// message → where it was posted and by whom.
    public var chatMessages: [String: ChatMessageRef] = [:]
    public var polls: [String: PollState] = [:]
    /// channel → its open poll (at most one).
    public var openPollByChannel: [String: String] = [:]
    /// The ad inventory, in creation order.
    public var ads: [AdCreated] = []
    /// stream → its current or last ad break.
    public var adBreaks: [String: AdBreakState] = [:]
    public var adBreakCount = 0
    /// Apps, grants, personal access tokens and webhook endpoints.
    public var integrations = IntegrationState()

    public init() {}

    public func account(handle: String) -> AccountState? { handles[handle].flatMap { accounts[$0] } }
    public func channel(slug: String) -> ChannelState? { slugs[slug].flatMap { channels[$0] } }
    public func wallet(_ accountId: String) -> WalletState { wallets[accountId] ?? WalletState() }

    /// `evolve(state, event) -> state`, the pure form.
    public func evolved(with event: DomainEvent) -> DomainState {
        var copy = self
        copy.apply(event)
        return copy
    }

    /// Applies one event. Exhaustive: a new event type does not compile until it is handled here.
    public mutating func apply(_ event: DomainEvent) {
        switch event {
        case .accountRegistered(let e):
            accounts[e.accountId] = AccountState(id: e.accountId, handle: e.handle, role: e.role, suspended: false)
            handles[e.handle] = e.accountId
        case .accountRoleChanged(let e):
            accounts[e.accountId]?.role = e.role
        case .accountSuspended(let e):
            accounts[e.accountId]?.suspended = true
        case .accountReinstated(let e):
            accounts[e.accountId]?.suspended = false
        case .channelCreated(let e):
            channels[e.channelId] = ChannelState(id: e.channelId, ownerId: e.ownerId, slug: e.slug, title: e.title,
                                                 access: .public, pricePerMinute: 0, ageRestricted: false, liveStreamId: nil)
            slugs[e.slug] = e.channelId
        case .channelUpdated(let e):
            channels[e.channelId]?.title = e.title
            channels[e.channelId]?.access = e.access
            channels[e.channelId]?.pricePerMinute = e.pricePerMinute
            channels[e.channelId]?.ageRestricted = e.ageRestricted
        case .channelStreamKeyRotated:
            break
        case .tokensGranted(let e):
            wallets[e.accountId, default: WalletState()].balance += e.tokens
            tokensIssued += e.tokens
        case .giftSent(let e):
            pay(from: e.fromAccountId, to: e.toAccountId, tokens: e.tokens, creatorTokens: e.creatorTokens, feeTokens: e.feeTokens)
        case .tokensPurchased(let e):
            wallets[e.accountId, default: WalletState()].balance += e.tokens
            tokensIssued += e.tokens
            purchaseRefs.insert(e.provider + ":" + e.providerRef)
            usedIds.insert(e.purchaseId)
        case .streamStarted(let e):
            streams[e.streamId] = LiveStream(id: e.streamId, channelId: e.channelId, access: e.access,
                                             pricePerMinute: e.pricePerMinute, startedAt: e.startedAt, sessionIds: [])
            channels[e.channelId]?.liveStreamId = e.streamId
            usedIds.insert(e.streamId)
        case .streamEnded(let e):
            streams[e.streamId] = nil
            adBreaks[e.streamId] = nil
            if channels[e.channelId]?.liveStreamId == e.streamId { channels[e.channelId]?.liveStreamId = nil }
        case .viewerJoined(let e):
            sessions[e.sessionId] = ViewingSession(id: e.sessionId, streamId: e.streamId, channelId: e.channelId, viewerId: e.viewerId,
                                                  pricePerMinute: e.pricePerMinute, connected: true, connectedMs: 0, since: e.at,
                                                  minutesBilled: 0, billing: e.pricePerMinute > 0)
            streams[e.streamId]?.sessionIds.insert(e.sessionId)
            usedIds.insert(e.sessionId)
        case .viewerDisconnected(let e):
            sessions[e.sessionId]?.connected = false
            sessions[e.sessionId]?.connectedMs = e.connectedMs
            sessions[e.sessionId]?.since = e.at
        case .viewerReconnected(let e):
            sessions[e.sessionId]?.connected = true
            sessions[e.sessionId]?.since = e.at
        case .viewerLeft(let e):
            sessions[e.sessionId] = nil
            streams[e.streamId]?.sessionIds.remove(e.sessionId)
        case .minuteBilled(let e):
            pay(from: e.viewerId, to: e.creatorId, tokens: e.tokens, creatorTokens: e.creatorTokens, feeTokens: e.feeTokens)
            sessions[e.sessionId]?.minutesBilled = e.minute
        case .billingStopped(let e):
            sessions[e.sessionId]?.billing = false
        case .channelSubscriptionTiersSet(let e):
            channels[e.channelId]?.tiers = e.tiers
            channels[e.channelId]?.subscribersWatchPaidFree = e.subscribersWatchPaidFree
        case .subscriptionStarted(let e):
            pay(from: e.viewerId, to: e.creatorId, tokens: e.tokens, creatorTokens: e.creatorTokens, feeTokens: e.feeTokens)
            subscriptions[e.subscriptionId] = SubscriptionState(
                id: e.subscriptionId, viewerId: e.viewerId, channelId: e.channelId, creatorId: e.creatorId, tier: e.tier,
                tokens: e.tokens, periodStart: e.periodStart, periodEnd: e.periodEnd, status: .active, failedAttempts: 0, retryAt: nil)
            subscriptionByViewerChannel[SubscriptionState.key(viewer: e.viewerId, channel: e.channelId)] = e.subscriptionId
            usedIds.insert(e.subscriptionId)
        case .subscriptionRenewed(let e):
            pay(from: e.viewerId, to: e.creatorId, tokens: e.tokens, creatorTokens: e.creatorTokens, feeTokens: e.feeTokens)
            subscriptions[e.subscriptionId]?.periodStart = e.periodStart
            subscriptions[e.subscriptionId]?.periodEnd = e.periodEnd
            subscriptions[e.subscriptionId]?.status = .active
            subscriptions[e.subscriptionId]?.failedAttempts = 0
            subscriptions[e.subscriptionId]?.retryAt = nil
        case .subscriptionRenewalFailed(let e):
            subscriptions[e.subscriptionId]?.status = .pastDue
            subscriptions[e.subscriptionId]?.failedAttempts = e.attempt
            subscriptions[e.subscriptionId]?.retryAt = e.retryAt
        case .subscriptionCanceled(let e):
            subscriptions[e.subscriptionId]?.status = .canceled
        case .subscriptionExpired(let e):
            if let sub = subscriptions.removeValue(forKey: e.subscriptionId) {
                subscriptionByViewerChannel[SubscriptionState.key(viewer: sub.viewerId, channel: sub.channelId)] = nil
            }
        case .payoutRequested(let e):
            wallets[e.creatorId, default: WalletState()].earnings -= e.tokens
            wallets[e.creatorId, default: WalletState()].pendingPayout += e.tokens
            payouts[e.payoutId] = PayoutState(id: e.payoutId, creatorId: e.creatorId, tokens: e.tokens, status: .requested)
            pendingPayoutByCreator[e.creatorId] = e.payoutId
            usedIds.insert(e.payoutId)
        case .payoutApproved(let e):
            payouts[e.payoutId]?.status = .approved
        case .payoutRejected(let e):
            wallets[e.creatorId, default: WalletState()].pendingPayout -= e.tokens
            wallets[e.creatorId, default: WalletState()].earnings += e.tokens
            payouts[e.payoutId]?.status = .rejected
            pendingPayoutByCreator[e.creatorId] = nil
        case .payoutPaid(let e):
            wallets[e.creatorId, default: WalletState()].pendingPayout -= e.tokens
            paidOut += e.tokens
            payouts[e.payoutId]?.status = .paid
            pendingPayoutByCreator[e.creatorId] = nil
        case .chatMessagePosted, .chatMessageDeleted, .chatUserBanned, .chatUserUnbanned, .chatSettingsChanged,
             .chatModeratorAdded, .chatModeratorRemoved, .pollOpened, .pollVoted, .pollClosed, .adCreated, .adBreakStarted,
             .adImpression:
            applyEngagement(event)
        case .appRegistered, .appAuthorized, .appRevoked, .accessTokenCreated, .accessTokenRevoked, .webhookEndpointCreated,
             .webhookEndpointUpdated, .webhookEndpointDisabled, .webhookEndpointEnabled, .webhookEndpointDeleted, .webhookSecretRotated:
            integrations.apply(event)
            switch event {
            case .appRegistered(let e): usedIds.insert(e.appId)
            case .accessTokenCreated(let e): usedIds.insert(e.tokenId)
            case .webhookEndpointCreated(let e): usedIds.insert(e.endpointId)
            default: break
            }
        }
    }

    private mutating func applyEngagement(_ event: DomainEvent) {
        switch event {
        case .chatMessagePosted(let e):
            chatMessages[e.messageId] = ChatMessageRef(channelId: e.channelId, authorId: e.authorId, deleted: false)
            var recent = chats[e.channelId, default: ChatState()].recentPosts[e.authorId, default: []]
            recent.append(e.at)
            if recent.count > ChatState.remembered { recent.removeFirst(recent.count - ChatState.remembered) }
            chats[e.channelId, default: ChatState()].recentPosts[e.authorId] = recent
            usedIds.insert(e.messageId)
        case .chatMessageDeleted(let e):
            chatMessages[e.messageId]?.deleted = true
        case .chatUserBanned(let e):
            chats[e.channelId, default: ChatState()].bans[e.userId] = ChatState.Ban(until: e.until)
        case .chatUserUnbanned(let e):
            chats[e.channelId, default: ChatState()].bans[e.userId] = nil
        case .chatSettingsChanged(let e):
            chats[e.channelId, default: ChatState()].slowModeSeconds = e.slowModeSeconds
            chats[e.channelId, default: ChatState()].subscribersOnly = e.subscribersOnly
            chats[e.channelId, default: ChatState()].blockedTerms = e.blockedTerms
        case .chatModeratorAdded(let e):
            chats[e.channelId, default: ChatState()].moderators.insert(e.userId)
        case .chatModeratorRemoved(let e):
            chats[e.channelId, default: ChatState()].moderators.remove(e.userId)
        case .pollOpened(let e):
            polls[e.pollId] = PollState(id: e.pollId, channelId: e.channelId, options: e.options, closesAt: e.closesAt,
                                        counts: Array(repeating: 0, count: e.options.count), voters: [], open: true)
            openPollByChannel[e.channelId] = e.pollId
            usedIds.insert(e.pollId)
        case .pollVoted(let e):
            polls[e.pollId]?.voters.insert(e.voterId)
            polls[e.pollId]?.counts = e.counts
        case .pollClosed(let e):
            polls[e.pollId]?.open = false
            polls[e.pollId]?.counts = e.results
            if openPollByChannel[e.channelId] == e.pollId { openPollByChannel[e.channelId] = nil }
        case .adCreated(let e):
            ads.append(e)
            usedIds.insert(e.adId)
        case .adBreakStarted(let e):
            adBreaks[e.streamId] = AdBreakState(breakId: e.breakId, adId: e.adId, startedAt: e.at,
                                                endsAt: e.at.adding(milliseconds: e.durationMs), shown: [])
            adBreakCount += 1
            usedIds.insert(e.breakId)
        case .adImpression(let e):
            adBreaks[e.streamId]?.shown.insert(e.sessionId)
        default:
            break
        }
    }

    /// A payment from a viewer's balance to a creator's earnings and the platform's fees.
    private mutating func pay(from payer: String, to creator: String, tokens: Int64, creatorTokens: Int64, feeTokens: Int64) {
        wallets[payer, default: WalletState()].balance -= tokens
        wallets[creator, default: WalletState()].earnings += creatorTokens
        platformFees += feeTokens
    }

    /// The viewer's subscription to the channel when it grants access at `now`.
    public func activeSubscription(viewer: String, channel: String, now: Timestamp) -> SubscriptionState? {
        guard let id = subscriptionByViewerChannel[SubscriptionState.key(viewer: viewer, channel: channel)],
              let sub = subscriptions[id], sub.status != .pastDue, sub.periodEnd > now else { return nil }
        return sub
    }
}

/// A stream that is live now.
public struct LiveStream: Sendable, Equatable {
    public var id: String
    public var channelId: String
    public var access: ChannelAccess
    public var pricePerMinute: Int64
    public var startedAt: Timestamp
    public var sessionIds: Set<String>
}

/// One viewer's session on a live stream. Connected time accumulates only while connected:
/// `connectedMs` is the total up to `since`, the moment of the last (dis)connection.
public struct ViewingSession: Sendable, Equatable {
    public var id: String
    public var streamId: String
    public var channelId: String
    public var viewerId: String?
    public var pricePerMinute: Int64
    public var connected: Bool
    public var connectedMs: Int64
    public var since: Timestamp
    public var minutesBilled: Int
    /// Still charged per minute (a paid session whose billing has not stopped).
    public var billing: Bool

    public func connectedMs(at now: Timestamp) -> Int64 {
        connected ? connectedMs + max(0, now.milliseconds - since.milliseconds) : connectedMs
    }

    /// When the next minute must be charged (connected paid sessions only): minute k is due
    /// when connected time reaches (k − 1) × period.
    public func nextMinuteDue(period: Int64) -> Timestamp? {
        guard connected, billing else { return nil }
        return since.adding(milliseconds: Int64(minutesBilled) * period - connectedMs)
    }
}

public struct SubscriptionState: Sendable, Equatable {
    public enum Status: String, Sendable, Equatable { case active, pastDue = "past_due", canceled }
    public var id: String
    public var viewerId: String
    public var channelId: String
    public var creatorId: String
    public var tier: String
    /// The price locked when the subscription started (tier price changes apply to new ones).
    public var tokens: Int64
    public var periodStart: Timestamp
    public var periodEnd: Timestamp
    public var status: Status
    public var failedAttempts: Int
    public var retryAt: Timestamp?

    static func key(viewer: String, channel: String) -> String { viewer + " " + channel }

    /// When the scheduler must act on it: renew or expire at period end, or retry.
    public var nextDue: Timestamp {
        status == .pastDue ? (retryAt ?? periodEnd) : periodEnd
    }
}

public struct PayoutState: Sendable, Equatable {
    public enum Status: String, Sendable, Equatable { case requested, approved, rejected, paid }
    public var id: String
    public var creatorId: String
    public var tokens: Int64
    public var status: Status
}

public struct ChatState: Sendable, Equatable {
    public struct Ban: Sendable, Equatable {
        /// nil: permanent.
        public var until: Timestamp?
        public func active(at now: Timestamp) -> Bool { until.map { $0 > now } ?? true }
    }
    /// How many recent post times are kept per user (the rate limit's window can count no more).
    public static let remembered = 10
    public var slowModeSeconds = 0
    public var subscribersOnly = false
    public var blockedTerms: [String] = []
    public var moderators: Set<String> = []
    public var bans: [String: Ban] = [:]
    public var recentPosts: [String: [Timestamp]] = [:]
}

public struct ChatMessageRef: Sendable, Equatable {
    public var channelId: String
    public var authorId: String
    public var deleted: Bool
}

public struct PollState: Sendable, Equatable {
    public var id: String
    public var channelId: String
    public var options: [String]
    public var closesAt: Timestamp
    public var counts: [Int]
    public var voters: Set<String>
    public var open: Bool
}

public struct AdBreakState: Sendable, Equatable {
    public var breakId: String
    public var adId: String
    public var startedAt: Timestamp
    public var endsAt: Timestamp
    /// Sessions that already got this break's impression.
    public var shown: Set<String>
}
