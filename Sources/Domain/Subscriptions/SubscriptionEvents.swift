import MarqueeCore

/// One subscription tier of a channel: a name and a token price per period.
public struct SubscriptionTier: Codable, Sendable, Equatable {
    public var name: String
    public var tokens: Int64
    public init(name: String, tokens: Int64) { self.name = name; self.tokens = tokens }
}

/// `channel.subscription_tiers_set` [channel] (added to the catalog): the channel's tiers and
/// whether subscribers watch its paid shows free. Existing subscriptions keep their price.
public struct ChannelSubscriptionTiersSet: Codable, Sendable, Equatable {
    public var channelId: String
    public var tiers: [SubscriptionTier]
    public var subscribersWatchPaidFree: Bool
    public init(channelId: String, tiers: [SubscriptionTier], subscribersWatchPaidFree: Bool) {
        self.channelId = channelId; self.tiers = tiers; self.subscribersWatchPaidFree = subscribersWatchPaidFree
    }
}

/// `subscription.started` and `subscription.renewed` [subscription]: one paid period.
public struct SubscriptionCharged: Codable, Sendable, Equatable {
    public var subscriptionId: String
    public var viewerId: String
    public var channelId: String
    public var creatorId: String
    public var tier: String
    public var tokens: Int64
    public var creatorTokens: Int64
    public var feeTokens: Int64
    public var periodStart: Timestamp
    public var periodEnd: Timestamp
    public init(subscriptionId: String, viewerId: String, channelId: String, creatorId: String, tier: String, tokens: Int64,
                creatorTokens: Int64, feeTokens: Int64, periodStart: Timestamp, periodEnd: Timestamp) {
        self.subscriptionId = subscriptionId; self.viewerId = viewerId; self.channelId = channelId; self.creatorId = creatorId
        self.tier = tier; self.tokens = tokens; self.creatorTokens = creatorTokens; self.feeTokens = feeTokens
        self.periodStart = periodStart; self.periodEnd = periodEnd
    }
}

/// `subscription.renewal_failed` [subscription]: `retryAt` is null after the last retry (the
/// subscription then expires).
public struct SubscriptionRenewalFailed: Codable, Sendable, Equatable {
    public var subscriptionId: String
    public var reason: String
    public var attempt: Int
    public var retryAt: Timestamp?
    public init(subscriptionId: String, reason: String, attempt: Int, retryAt: Timestamp?) {
        self.subscriptionId = subscriptionId; self.reason = reason; self.attempt = attempt; self.retryAt = retryAt
    }
}

/// `subscription.canceled` [subscription]: no renewal; access lasts to `effectiveAt` (period end).
public struct SubscriptionCanceled: Codable, Sendable, Equatable {
    public var subscriptionId: String
    public var effectiveAt: Timestamp
    public init(subscriptionId: String, effectiveAt: Timestamp) { self.subscriptionId = subscriptionId; self.effectiveAt = effectiveAt }
}

/// Why a subscription ended.
public enum SubscriptionExpiryReason: String, Codable, Sendable, CaseIterable {
    case canceled, paymentFailed = "payment_failed"
}

/// `subscription.expired` [subscription]
public struct SubscriptionExpired: Codable, Sendable, Equatable {
    public var subscriptionId: String
    public var reason: SubscriptionExpiryReason
    public init(subscriptionId: String, reason: SubscriptionExpiryReason) { self.subscriptionId = subscriptionId; self.reason = reason }
}
