import MarqueeCore

/// Commands: what someone asks for. Ids of new things and the actor come in with the command,
/// so deciding stays pure and repeatable.
public enum Command: Sendable, Equatable {
    case registerAccount(RegisterAccount)
    case changeRole(ChangeRole)
    case suspendAccount(SuspendAccount)
    case reinstateAccount(ReinstateAccount)
    case createChannel(CreateChannel)
    case updateChannel(UpdateChannel)
    case rotateStreamKey(RotateStreamKey)
    case grantTokens(GrantTokens)
    case sendGift(SendGift)
    // Streams and viewing sessions: the interface the SFU calls.
    case startStream(StartStream)
    case endStream(EndStream)
    case joinViewer(JoinViewer)
    case disconnectViewer(SessionCommand)
    case reconnectViewer(SessionCommand)
    case leaveViewer(LeaveViewer)
    /// After a crash or restart: every connected session is disconnected as of `at` (the last
    /// moment the log proves the server was alive), so no time is billed while it was down.
    case suspendSessions(at: Timestamp)
    /// The scheduler's clock tick: bills due minutes, ends sessions past their grace period,
    /// renews or expires subscriptions.
    case tick
    // Subscriptions.
    case setSubscriptionTiers(SetSubscriptionTiers)
    case subscribe(Subscribe)
    case cancelSubscription(CancelSubscription)
    // Payouts.
    case requestPayout(RequestPayout)
    case decidePayout(DecidePayout)
    // Purchases (a verified payment provider notification).
    case recordPurchase(RecordPurchase)
    // Chat and moderation.
    case postChatMessage(PostChatMessage)
    case deleteChatMessage(DeleteChatMessage)
    case banChatUser(BanChatUser)
    case unbanChatUser(UnbanChatUser)
    case changeChatSettings(ChangeChatSettings)
    case setChatModerator(SetChatModerator)
    // Polls.
    case openPoll(OpenPoll)
    case votePoll(VotePoll)
    // Ads.
    case createAd(CreateAd)
    case startAdBreak(StartAdBreak)

    case registerApp(RegisterApp)
    case authorizeApp(AuthorizeApp)
    case revokeApp(RevokeApp)
    case createAccessToken(CreateAccessToken)
    case revokeAccessToken(RevokeAccessToken)
    case createWebhookEndpoint(CreateWebhookEndpoint)
    case updateWebhookEndpoint(UpdateWebhookEndpoint)
    case rotateWebhookSecret(RotateWebhookSecret)
    case deleteWebhookEndpoint(DeleteWebhookEndpoint)
}

public struct PostChatMessage: Sendable, Equatable {
    public var messageId: String, channelId: String, authorId: String, text: String
    public init(messageId: String, channelId: String, authorId: String, text: String) {
        self.messageId = messageId; self.channelId = channelId; self.authorId = authorId; self.text = text
    }
}

public struct DeleteChatMessage: Sendable, Equatable {
    public var channelId: String, messageId: String, actorId: String, reason: String
    public init(channelId: String, messageId: String, actorId: String, reason: String) {
        self.channelId = channelId; self.messageId = messageId; self.actorId = actorId; self.reason = reason
    }
}

/// A ban (`until` nil) or a timeout (`until` a time).
public struct BanChatUser: Sendable, Equatable {
    public var channelId: String, userId: String, actorId: String, until: Timestamp?, reason: String
    public init(channelId: String, userId: String, actorId: String, until: Timestamp?, reason: String) {
        self.channelId = channelId; self.userId = userId; self.actorId = actorId; self.until = until; self.reason = reason
    }
}

public struct UnbanChatUser: Sendable, Equatable {
    public var channelId: String, userId: String, actorId: String, reason: String
    public init(channelId: String, userId: String, actorId: String, reason: String) {
        self.channelId = channelId; self.userId = userId; self.actorId = actorId; self.reason = reason
    }
}

/// Changes some chat settings; nil fields stay as they are.
public struct ChangeChatSettings: Sendable, Equatable {
    public var channelId: String, actorId: String
    public var slowModeSeconds: Int?, subscribersOnly: Bool?, blockedTerms: [String]?
    public init(channelId: String, actorId: String, slowModeSeconds: Int? = nil, subscribersOnly: Bool? = nil, blockedTerms: [String]? = nil) {
        self.channelId = channelId; self.actorId = actorId; self.slowModeSeconds = slowModeSeconds
        self.subscribersOnly = subscribersOnly; self.blockedTerms = blockedTerms
    }
}

public struct SetChatModerator: Sendable, Equatable {
    public var channelId: String, userId: String, actorId: String, moderator: Bool
    public init(channelId: String, userId: String, actorId: String, moderator: Bool) {
        self.channelId = channelId; self.userId = userId; self.actorId = actorId; self.moderator = moderator
    }
}

public struct OpenPoll: Sendable, Equatable {
    public var pollId: String, channelId: String, actorId: String, question: String, options: [String], durationSeconds: Int64
    public init(pollId: String, channelId: String, actorId: String, question: String, options: [String], durationSeconds: Int64) {
        self.pollId = pollId; self.channelId = channelId; self.actorId = actorId; self.question = question
        self.options = options; self.durationSeconds = durationSeconds
    }
}

public struct VotePoll: Sendable, Equatable {
    public var pollId: String, voterId: String, option: Int
    public init(pollId: String, voterId: String, option: Int) { self.pollId = pollId; self.voterId = voterId; self.option = option }
}

public struct CreateAd: Sendable, Equatable {
    public var adId: String, actorId: String, name: String, durationMs: Int64, media: String
    public init(adId: String, actorId: String, name: String, durationMs: Int64, media: String) {
        self.adId = adId; self.actorId = actorId; self.name = name; self.durationMs = durationMs; self.media = media
    }
}

public struct StartAdBreak: Sendable, Equatable {
    public var breakId: String, channelId: String, actorId: String
    public init(breakId: String, channelId: String, actorId: String) { self.breakId = breakId; self.channelId = channelId; self.actorId = actorId }
}

/// The SFU's publisher connected (or a creator went live): `actorId` is the channel's owner.
public struct StartStream: Sendable, Equatable {
    public var streamId: String
    public var channelId: String
    public var actorId: String
    public var codecs: [String]
    public var simulcastLayers: [String]
    public init(streamId: String, channelId: String, actorId: String, codecs: [String] = [], simulcastLayers: [String] = []) {
        self.streamId = streamId; self.channelId = channelId; self.actorId = actorId
        self.codecs = codecs; self.simulcastLayers = simulcastLayers
    }
}

/// Ends the live stream; `actorId` nil when the media side ended it (publisher left).
public struct EndStream: Sendable, Equatable {
    public var streamId: String
    public var reason: StreamEndReason
    public var actorId: String?
    public init(streamId: String, reason: StreamEndReason, actorId: String?) {
        self.streamId = streamId; self.reason = reason; self.actorId = actorId
    }
}

public struct JoinViewer: Sendable, Equatable {
    public var sessionId: String
    public var channelId: String
    /// nil for an anonymous viewer (public streams only).
    public var viewerId: String?
    public var transport: ViewerTransport
    public init(sessionId: String, channelId: String, viewerId: String?, transport: ViewerTransport = .webrtc) {
        self.sessionId = sessionId; self.channelId = channelId; self.viewerId = viewerId; self.transport = transport
    }
}

public struct SessionCommand: Sendable, Equatable {
    public var sessionId: String
    public init(sessionId: String) { self.sessionId = sessionId }
}

public struct LeaveViewer: Sendable, Equatable {
    public var sessionId: String
    public var reason: ViewerLeftReason
    public init(sessionId: String, reason: ViewerLeftReason = .closed) { self.sessionId = sessionId; self.reason = reason }
}

public struct SetSubscriptionTiers: Sendable, Equatable {
    public var channelId: String
    public var actorId: String
    public var tiers: [SubscriptionTier]
    public var subscribersWatchPaidFree: Bool
    public init(channelId: String, actorId: String, tiers: [SubscriptionTier], subscribersWatchPaidFree: Bool) {
        self.channelId = channelId; self.actorId = actorId; self.tiers = tiers; self.subscribersWatchPaidFree = subscribersWatchPaidFree
    }
}

public struct Subscribe: Sendable, Equatable {
    public var subscriptionId: String
    public var viewerId: String
    public var channelId: String
    public var tier: String
    public init(subscriptionId: String, viewerId: String, channelId: String, tier: String) {
        self.subscriptionId = subscriptionId; self.viewerId = viewerId; self.channelId = channelId; self.tier = tier
    }
}

public struct CancelSubscription: Sendable, Equatable {
    public var subscriptionId: String
    public var actorId: String
    public init(subscriptionId: String, actorId: String) { self.subscriptionId = subscriptionId; self.actorId = actorId }
}

public struct RequestPayout: Sendable, Equatable {
    public var payoutId: String
    public var creatorId: String
    public var tokens: Int64
    public var destination: String
    public init(payoutId: String, creatorId: String, tokens: Int64, destination: String) {
        self.payoutId = payoutId; self.creatorId = creatorId; self.tokens = tokens; self.destination = destination
    }
}

/// An admin's decision on a payout.
public struct DecidePayout: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        case approve
        case reject(reason: String)
        case markPaid(providerRef: String)
    }
    public var payoutId: String
    public var actorId: String
    public var action: Action
    public init(payoutId: String, actorId: String, action: Action) {
        self.payoutId = payoutId; self.actorId = actorId; self.action = action
    }
}

public struct RecordPurchase: Sendable, Equatable {
    public var purchaseId: String
    public var accountId: String
    public var packageId: String
    public var amount: Money
    public var provider: String
    public var providerRef: String
    public init(purchaseId: String, accountId: String, packageId: String, amount: Money, provider: String, providerRef: String) {
        self.purchaseId = purchaseId; self.accountId = accountId; self.packageId = packageId; self.amount = amount
        self.provider = provider; self.providerRef = providerRef
    }
}

public struct RegisterAccount: Sendable, Equatable {
    public var accountId: String
    public var handle: String
    public var role: Role
    /// Who registers the account: nil for self-registration, an admin for privileged roles.
    public var actorId: String?
    public init(accountId: String, handle: String, role: Role, actorId: String?) {
        self.accountId = accountId; self.handle = handle; self.role = role; self.actorId = actorId
    }
}

public struct ChangeRole: Sendable, Equatable {
    public var accountId: String
    public var role: Role
    public var actorId: String
    public init(accountId: String, role: Role, actorId: String) {
        self.accountId = accountId; self.role = role; self.actorId = actorId
    }
}

public struct SuspendAccount: Sendable, Equatable {
    public var accountId: String
    public var reason: String
    public var actorId: String
    public init(accountId: String, reason: String, actorId: String) {
        self.accountId = accountId; self.reason = reason; self.actorId = actorId
    }
}

public struct ReinstateAccount: Sendable, Equatable {
    public var accountId: String
    public var reason: String
    public var actorId: String
    public init(accountId: String, reason: String, actorId: String) {
        self.accountId = accountId; self.reason = reason; self.actorId = actorId
    }
}

public struct CreateChannel: Sendable, Equatable {
    public var channelId: String
    public var ownerId: String
    public var slug: String
    public var title: String
    public init(channelId: String, ownerId: String, slug: String, title: String) {
        self.channelId = channelId; self.ownerId = ownerId; self.slug = slug; self.title = title
    }
}

/// Changes some of a channel's settings; nil fields stay as they are.
public struct UpdateChannel: Sendable, Equatable {
    public var channelId: String
    public var actorId: String
    public var title: String?
    public var access: ChannelAccess?
    public var pricePerMinute: Int64?
    public var ageRestricted: Bool?
    public init(channelId: String, actorId: String, title: String? = nil, access: ChannelAccess? = nil,
                pricePerMinute: Int64? = nil, ageRestricted: Bool? = nil) {
        self.channelId = channelId; self.actorId = actorId; self.title = title; self.access = access
        self.pricePerMinute = pricePerMinute; self.ageRestricted = ageRestricted
    }
}

public struct RotateStreamKey: Sendable, Equatable {
    public var channelId: String
    public var actorId: String
    public init(channelId: String, actorId: String) { self.channelId = channelId; self.actorId = actorId }
}

public struct GrantTokens: Sendable, Equatable {
    public var accountId: String
    public var tokens: Int64
    public var reason: String
    public var actorId: String
    public init(accountId: String, tokens: Int64, reason: String, actorId: String) {
        self.accountId = accountId; self.tokens = tokens; self.reason = reason; self.actorId = actorId
    }
}

public struct SendGift: Sendable, Equatable {
    public var giftId: String
    public var channelId: String
    public var senderId: String
    public var gift: String
    public var quantity: Int
    public var message: String?
    public init(giftId: String, channelId: String, senderId: String, gift: String, quantity: Int, message: String?) {
        self.giftId = giftId; self.channelId = channelId; self.senderId = senderId
        self.gift = gift; self.quantity = quantity; self.message = message
    }
}
