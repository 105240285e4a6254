import Domain
import MarqueeJSON
import SQLiteDB

/// Read-side views, as the API returns them.
public struct AccountView: Codable, Sendable, Equatable {
    public var id: String
    public var handle: String
    public var role: Role
    public var suspended: Bool
    public var registeredAt: String
}

public struct ChannelView: Codable, Sendable, Equatable {
    public var id: String
    public var slug: String
    public var ownerId: String
    public var ownerHandle: String
    public var title: String
    public var access: ChannelAccess
    public var pricePerMinute: Int64
    public var ageRestricted: Bool
    public var createdAt: String
    public var updatedAt: String
    public var liveStreamId: String?
    public var subscriptionTiers: [SubscriptionTier]
    public var subscribersWatchPaidFree: Bool
}

public struct WalletView: Codable, Sendable, Equatable {
    public var balance: Int64
    public var earnings: Int64
    /// Earnings held by a payout that is requested or approved.
    public var pendingPayout: Int64
    public var paidOut: Int64
    public var minutesBilled: Int64
    public init(balance: Int64 = 0, earnings: Int64 = 0, pendingPayout: Int64 = 0, paidOut: Int64 = 0, minutesBilled: Int64 = 0) {
        self.balance = balance; self.earnings = earnings; self.pendingPayout = pendingPayout; self.paidOut = paidOut
        self.minutesBilled = minutesBilled
    }
}

public struct SubscriptionView: Codable, Sendable, Equatable {
    public var id: String
    public var viewerId: String
    public var channelId: String
    public var creatorId: String
    public var tier: String
    public var tokens: Int64
    /// active | past_due | canceled | expired
    public var status: String
    public var periodStart: String
    public var periodEnd: String
    public var renewals: Int64
    public var failedAttempts: Int64
    public var retryAt: String?
    public var startedAt: String
    public var canceledAt: String?
    public var expiredAt: String?
}

public struct PayoutView: Codable, Sendable, Equatable {
    public var id: String
    public var creatorId: String
    public var tokens: Int64
    public var amount: Money
    public var destination: String
    /// requested | approved | rejected | paid
    public var status: String
    public var requestedAt: String
    public var decidedAt: String?
    public var decidedBy: String?
    public var reason: String?
    public var providerRef: String?
}

public struct PurchaseView: Codable, Sendable, Equatable {
    public var seq: Int64
    public var purchaseId: String
    public var packageId: String
    public var tokens: Int64
    public var amount: Money
    public var provider: String
    public var providerRef: String
    public var purchasedAt: String
}

public struct GiftView: Codable, Sendable, Equatable {
    public var seq: Int64
    public var giftId: String
    public var streamId: String?
    public var channelId: String
    public var fromAccountId: String
    public var toAccountId: String
    public var gift: String
    public var quantity: Int
    public var tokens: Int64
    public var creatorTokens: Int64
    public var feeTokens: Int64
    public var message: String?
    public var sentAt: String
}

/// Queries over `readmodels.sqlite`.
public enum ReadModels {
    public static func account(id: String, _ c: Connection) throws -> AccountView? {
        try account(where: "account_id = ?1", id, c)
    }

    public static func account(handle: String, _ c: Connection) throws -> AccountView? {
        try account(where: "handle = ?1", handle, c)
    }

    static func account(where clause: String, _ value: String, _ c: Connection) throws -> AccountView? {
        let s = try c.prepared("SELECT account_id, handle, role, suspended, registered_at FROM accounts WHERE \(clause)")
        try s.bind(1, value)
        defer { s.reset() }
        guard try s.step() else { return nil }
        return AccountView(id: s.string(0), handle: s.string(1), role: Role(rawValue: s.string(2)) ?? .viewer,
                           suspended: s.int64(3) != 0, registeredAt: s.string(4))
    }

    public static func channel(slug: String, _ c: Connection) throws -> ChannelView? {
        let s = try c.prepared("""
            SELECT c.channel_id, c.slug, c.owner_id, a.handle, c.title, c.access, c.price_per_minute, c.age_restricted,
                   c.created_at, c.updated_at, c.live_stream_id, c.tiers, c.subscribers_watch_paid_free
            FROM channels c JOIN accounts a ON a.account_id = c.owner_id WHERE c.slug = ?1
            """)
        try s.bind(1, slug)
        defer { s.reset() }
        guard try s.step() else { return nil }
        let tiers = (try? JSONDecoding.decode([SubscriptionTier].self, from: s.bytes(11))) ?? []
        return ChannelView(id: s.string(0), slug: s.string(1), ownerId: s.string(2), ownerHandle: s.string(3), title: s.string(4),
                           access: ChannelAccess(rawValue: s.string(5)) ?? .public, pricePerMinute: s.int64(6),
                           ageRestricted: s.int64(7) != 0, createdAt: s.string(8), updatedAt: s.string(9),
                           liveStreamId: s.optionalString(10), subscriptionTiers: tiers, subscribersWatchPaidFree: s.int64(12) != 0)
    }

    public static func wallet(accountId: String, _ c: Connection) throws -> WalletView {
        let s = try c.prepared("SELECT balance, earnings, pending_payout, paid_out, minutes_billed FROM wallets WHERE account_id = ?1")
        try s.bind(1, accountId)
        defer { s.reset() }
        guard try s.step() else { return WalletView() }
        return WalletView(balance: s.int64(0), earnings: s.int64(1), pendingPayout: s.int64(2), paidOut: s.int64(3), minutesBilled: s.int64(4))
    }

    static let subscriptionColumns = """
        subscription_id, viewer_id, channel_id, creator_id, tier, tokens, status, period_start, period_end, renewals,
        failed_attempts, retry_at, started_at, canceled_at, expired_at
        """

    /// Subscriptions matching `clause` (one `?1` parameter), newest first.
    public static func subscriptions(where clause: String, _ value: String, limit: Int = 100, _ c: Connection) throws -> [SubscriptionView] {
        let s = try c.prepared("SELECT \(subscriptionColumns) FROM subscriptions WHERE \(clause) ORDER BY started_at DESC, subscription_id LIMIT \(limit)")
        try s.bind(1, value)
        defer { s.reset() }
        var result: [SubscriptionView] = []
        while try s.step() {
            result.append(SubscriptionView(id: s.string(0), viewerId: s.string(1), channelId: s.string(2), creatorId: s.string(3),
                                           tier: s.string(4), tokens: s.int64(5), status: s.string(6), periodStart: s.string(7),
                                           periodEnd: s.string(8), renewals: s.int64(9), failedAttempts: s.int64(10),
                                           retryAt: s.optionalString(11), startedAt: s.string(12), canceledAt: s.optionalString(13),
                                           expiredAt: s.optionalString(14)))
        }
        return result
    }

    public static func subscription(id: String, _ c: Connection) throws -> SubscriptionView? {
        try subscriptions(where: "subscription_id = ?1", id, limit: 1, c).first
    }

    /// Payouts matching `clause` (one `?1` parameter), newest first.
    public static func payouts(where clause: String, _ value: String, limit: Int = 100, _ c: Connection) throws -> [PayoutView] {
        let s = try c.prepared("""
            SELECT payout_id, creator_id, tokens, currency, minor, destination, status, requested_at, decided_at, decided_by, reason, provider_ref
            FROM payouts WHERE \(clause) ORDER BY requested_at DESC, payout_id LIMIT \(limit)
            """)
        try s.bind(1, value)
        defer { s.reset() }
        var result: [PayoutView] = []
        while try s.step() {
            result.append(PayoutView(id: s.string(0), creatorId: s.string(1), tokens: s.int64(2),
                                     amount: Money(currency: s.string(3), minor: s.int64(4)), destination: s.string(5), status: s.string(6),
                                     requestedAt: s.string(7), decidedAt: s.optionalString(8), decidedBy: s.optionalString(9),
                                     reason: s.optionalString(10), providerRef: s.optionalString(11)))
        }
        return result
    }

    public static func purchases(accountId: String, _ c: Connection) throws -> [PurchaseView] {
        let s = try c.prepared("""
            SELECT seq, purchase_id, package_id, tokens, currency, minor, provider, provider_ref, purchased_at
            FROM purchases WHERE account_id = ?1 ORDER BY seq DESC LIMIT 100
            """)
        try s.bind(1, accountId)
        defer { s.reset() }
        var result: [PurchaseView] = []
        while try s.step() {
            result.append(PurchaseView(seq: s.int64(0), purchaseId: s.string(1), packageId: s.string(2), tokens: s.int64(3),
                                       amount: Money(currency: s.string(4), minor: s.int64(5)), provider: s.string(6),
                                       providerRef: s.string(7), purchasedAt: s.string(8)))
        }
        return result
    }

    /// Gifts of a channel, newest first, with seq below `before` (for paging).
    public static func gifts(channelId: String, before: Int64, limit: Int, _ c: Connection) throws -> [GiftView] {
        let s = try c.prepared("""
            SELECT seq, gift_id, stream_id, channel_id, from_account_id, to_account_id, gift, quantity, tokens,
                   creator_tokens, fee_tokens, message, sent_at
            FROM gifts WHERE channel_id = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3
            """)
        try s.bind(1, channelId); try s.bind(2, before); try s.bind(3, limit)
        defer { s.reset() }
        var result: [GiftView] = []
        while try s.step() {
            result.append(GiftView(seq: s.int64(0), giftId: s.string(1), streamId: s.optionalString(2), channelId: s.string(3),
                                   fromAccountId: s.string(4), toAccountId: s.string(5), gift: s.string(6), quantity: s.int(7),
                                   tokens: s.int64(8), creatorTokens: s.int64(9), feeTokens: s.int64(10),
                                   message: s.optionalString(11), sentAt: s.string(12)))
        }
        return result
    }
}
