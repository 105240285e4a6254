/// Who may see an event outside the platform (webhook deliveries, the realtime feed): the scope
/// it needs, the channel it belongs to and the accounts it is about. A grant sees an event when
/// it holds the scope and the account owns the channel, is one of the parties, or is an admin.
public struct Audience: Sendable, Equatable {
    public var scope: Scope
    public var channelId: String?
    public var parties: [String]

    public init(scope: Scope, channelId: String? = nil, parties: [String] = []) {
        self.scope = scope; self.channelId = channelId; self.parties = parties
    }
}

/// What one account granted to one consumer (an app's grant, a personal token, a session).
public struct Grant: Sendable, Equatable {
    public var accountId: String
    public var isAdmin: Bool
    public var scopes: Set<Scope>
    public init(accountId: String, isAdmin: Bool, scopes: Set<Scope>) {
        self.accountId = accountId; self.isAdmin = isAdmin; self.scopes = scopes
    }
}

/// The little the audience of an event needs that the event itself does not carry (which
/// channel a stream or subscription belongs to, who owns a channel, who owns an app), evolved
/// from the log. Entries are never removed, so it also answers for old events (a resumed feed).
public struct AudienceIndex: Sendable {
    public private(set) var channelOwner: [String: String] = [:]
    private var streamChannel: [String: String] = [:]
    private var sessionViewer: [String: String] = [:]
    private var subscriptionParties: [String: (viewer: String, channel: String, creator: String)] = [:]
    private var appOwner: [String: String] = [:]
    public private(set) var admins: Set<String> = []
    public private(set) var handles: [String: String] = [:]

    public init() {}

    /// The event types `apply` learns from (a start-up scan reads only these).
    public static let learnsFrom = ["account.registered", "account.role_changed", "channel.created", "stream.started", "viewer.joined",
                                    "subscription.started", "app.registered"]

    public mutating func apply(_ event: DomainEvent) {
        switch event {
        case .accountRegistered(let e):
            handles[e.accountId] = e.handle
            if e.role == .admin { admins.insert(e.accountId) } else { admins.remove(e.accountId) }
        case .accountRoleChanged(let e): if e.role == .admin { admins.insert(e.accountId) } else { admins.remove(e.accountId) }
        case .channelCreated(let e): channelOwner[e.channelId] = e.ownerId
        case .streamStarted(let e): streamChannel[e.streamId] = e.channelId
        case .viewerJoined(let e): if let viewer = e.viewerId { sessionViewer[e.sessionId] = viewer }
        case .subscriptionStarted(let e): subscriptionParties[e.subscriptionId] = (e.viewerId, e.channelId, e.creatorId)
        case .appRegistered(let e): appOwner[e.appId] = e.ownerId
        default: break
        }
    }

    /// The scope an event type needs (the same as `audience(of:).scope`, by type alone).
    public static func scope(ofType type: String) -> Scope {
        switch type {
        case "channel.subscription_tiers_set": return .subscriptionsRead
        case "minute.billed", "billing.stopped": return .walletRead
        default: break
        }
        switch type.split(separator: ".").first ?? "" {
        case "account", "access_token": return .accountRead
        case "channel", "stream", "viewer", "ad": return .streamRead
        case "tokens": return .walletRead
        case "gift": return .giftsRead
        case "subscription": return .subscriptionsRead
        case "payout": return .payoutsRead
        case "chat", "poll": return .chatRead
        case "app", "webhook": return .webhooksManage
        default: return .eventsRead
        }
    }

    /// The handles of the accounts an event is about (its parties), for display.
    public func handles(of event: DomainEvent) -> [(String, String)] {
        var seen: Set<String> = []
        var out: [(String, String)] = []
        for id in audience(of: event).parties where seen.insert(id).inserted {
            if let handle = handles[id] { out.append((id, handle)) }
        }
        return out
    }

    /// Whether `grant` may see `event` (scope, then channel ownership, parties or admin).
    public func visible(_ event: DomainEvent, to grant: Grant) -> Bool {
        visible(audience(of: event), to: grant)
    }

    /// The same for an audience already worked out (one event checked against many grants).
    public func visible(_ audience: Audience, to grant: Grant) -> Bool {
        guard grant.scopes.contains(audience.scope) else { return false }
        if grant.isAdmin { return true }
        if let channel = audience.channelId, channelOwner[channel] == grant.accountId { return true }
        return audience.parties.contains(grant.accountId)
    }

    public func audience(of event: DomainEvent) -> Audience {
        switch event {
        case .accountRegistered(let e): return Audience(scope: .accountRead, parties: [e.accountId])
        case .accountRoleChanged(let e): return Audience(scope: .accountRead, parties: [e.accountId])
        case .accountSuspended(let e): return Audience(scope: .accountRead, parties: [e.accountId])
        case .accountReinstated(let e): return Audience(scope: .accountRead, parties: [e.accountId])
        case .accessTokenCreated(let e), .accessTokenRevoked(let e): return Audience(scope: .accountRead, parties: [e.accountId])
        case .channelCreated(let e): return Audience(scope: .streamRead, channelId: e.channelId)
        case .channelUpdated(let e): return Audience(scope: .streamRead, channelId: e.channelId)
        case .channelStreamKeyRotated(let e): return Audience(scope: .streamRead, channelId: e.channelId)
        case .streamStarted(let e): return Audience(scope: .streamRead, channelId: e.channelId)
        case .streamEnded(let e): return Audience(scope: .streamRead, channelId: e.channelId)
        case .viewerJoined(let e): return Audience(scope: .streamRead, channelId: e.channelId, parties: e.viewerId.map { [$0] } ?? [])
        case .viewerDisconnected(let e): return viewing(e.streamId, e.sessionId)
        case .viewerReconnected(let e): return viewing(e.streamId, e.sessionId)
        case .viewerLeft(let e): return viewing(e.streamId, e.sessionId)
        case .adCreated: return Audience(scope: .streamRead)
        case .adBreakStarted(let e): return Audience(scope: .streamRead, channelId: e.channelId)
        case .adImpression(let e): return Audience(scope: .streamRead, channelId: e.channelId, parties: e.viewerId.map { [$0] } ?? [])
        case .tokensGranted(let e): return Audience(scope: .walletRead, parties: [e.accountId])
        case .tokensPurchased(let e): return Audience(scope: .walletRead, parties: [e.accountId])
        case .minuteBilled(let e): return Audience(scope: .walletRead, channelId: e.channelId, parties: [e.viewerId, e.creatorId])
        case .billingStopped(let e): return Audience(scope: .walletRead, channelId: streamChannel[e.streamId], parties: [e.viewerId])
        case .giftSent(let e): return Audience(scope: .giftsRead, channelId: e.channelId, parties: [e.fromAccountId, e.toAccountId])
        case .channelSubscriptionTiersSet(let e): return Audience(scope: .subscriptionsRead, channelId: e.channelId)
        case .subscriptionStarted(let e), .subscriptionRenewed(let e):
            return Audience(scope: .subscriptionsRead, channelId: e.channelId, parties: [e.viewerId, e.creatorId])
        case .subscriptionRenewalFailed(let e): return subscription(e.subscriptionId)
        case .subscriptionCanceled(let e): return subscription(e.subscriptionId)
        case .subscriptionExpired(let e): return subscription(e.subscriptionId)
        case .payoutRequested(let e): return Audience(scope: .payoutsRead, parties: [e.creatorId])
        case .payoutApproved(let e), .payoutRejected(let e), .payoutPaid(let e): return Audience(scope: .payoutsRead, parties: [e.creatorId])
        case .chatMessagePosted(let e): return Audience(scope: .chatRead, channelId: e.channelId, parties: [e.authorId])
        case .chatMessageDeleted(let e): return Audience(scope: .chatRead, channelId: e.channelId)
        case .chatUserBanned(let e), .chatUserUnbanned(let e): return Audience(scope: .chatRead, channelId: e.channelId, parties: [e.userId])
        case .chatSettingsChanged(let e): return Audience(scope: .chatRead, channelId: e.channelId)
        case .chatModeratorAdded(let e), .chatModeratorRemoved(let e):
            return Audience(scope: .chatRead, channelId: e.channelId, parties: [e.userId])
        case .pollOpened(let e): return Audience(scope: .chatRead, channelId: e.channelId)
        case .pollVoted(let e): return Audience(scope: .chatRead, channelId: e.channelId)
        case .pollClosed(let e): return Audience(scope: .chatRead, channelId: e.channelId)
        case .appRegistered(let e): return Audience(scope: .webhooksManage, parties: [e.ownerId])
        case .appAuthorized(let e), .appRevoked(let e):
            return Audience(scope: .webhooksManage, parties: [e.accountId] + (appOwner[e.appId].map { [$0] } ?? []))
        case .webhookEndpointCreated(let e), .webhookEndpointUpdated(let e), .webhookEndpointDisabled(let e),
             .webhookEndpointEnabled(let e), .webhookEndpointDeleted(let e):
            return Audience(scope: .webhooksManage, parties: [e.ownerId] + (e.appId.flatMap { appOwner[$0] }.map { [$0] } ?? []))
        case .webhookSecretRotated(let e):
            return Audience(scope: .webhooksManage, parties: [e.ownerId] + (e.appId.flatMap { appOwner[$0] }.map { [$0] } ?? []))
        }
    }

    private func viewing(_ streamId: String, _ sessionId: String) -> Audience {
        Audience(scope: .streamRead, channelId: streamChannel[streamId], parties: sessionViewer[sessionId].map { [$0] } ?? [])
    }

    private func subscription(_ id: String) -> Audience {
        guard let parties = subscriptionParties[id] else { return Audience(scope: .subscriptionsRead) }
        return Audience(scope: .subscriptionsRead, channelId: parties.channel, parties: [parties.viewer, parties.creator])
    }
}
