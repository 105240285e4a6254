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
    /// Open viewing sessions of the live stream (0 when offline).
    public var viewersNow: Int64
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
                   c.created_at, c.updated_at, c.live_stream_id, c.tiers, c.subscribers_watch_paid_free,
                   coalesce((SELECT viewers_now FROM streams s WHERE s.stream_id = c.live_stream_id), 0)
            FROM channels c JOIN accounts a ON a.account_id = c.owner_id WHERE c.slug = ?1
            """)
        try s.bind(1, slug)
        defer { s.reset() }
        guard try s.step() else { return nil }
        let tiers = (try? JSONDecoding.decode([SubscriptionTier].self, from: s.bytes(11))) ?? []
        return ChannelView(id: s.string(0), slug: s.string(1), ownerId: s.string(2), ownerHandle: s.string(3), title: s.string(4),
                           access: ChannelAccess(rawValue: s.string(5)) ?? .public, pricePerMinute: s.int64(6),
                           ageRestricted: s.int64(7) != 0, createdAt: s.string(8), updatedAt: s.string(9),
                           liveStreamId: s.optionalString(10), subscriptionTiers: tiers, subscribersWatchPaidFree: s.int64(12) != 0,
                           viewersNow: s.int64(13))
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
        let s = try c.prepared("SELECT \(giftColumns) FROM gifts WHERE channel_id = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3")
        try s.bind(1, channelId); try s.bind(2, before); try s.bind(3, limit)
        defer { s.reset() }
        var result: [GiftView] = []
        while try s.step() { result.append(giftView(s)) }
        return result
    }

    static let giftColumns = """
        seq, gift_id, stream_id, channel_id, from_account_id, to_account_id, gift, quantity, tokens, creator_tokens, fee_tokens, message, sent_at
        """

    /// The row `giftColumns` selected.
    static func giftView(_ s: Statement) -> GiftView {
        GiftView(seq: s.int64(0), giftId: s.string(1), streamId: s.optionalString(2), channelId: s.string(3),
                 fromAccountId: s.string(4), toAccountId: s.string(5), gift: s.string(6), quantity: s.int(7),
                 tokens: s.int64(8), creatorTokens: s.int64(9), feeTokens: s.int64(10),
                 message: s.optionalString(11), sentAt: s.string(12))
    }

    /// One gift of a channel by its id.
    /// (No index on `gift_id`: it walks the channel's gifts through `gifts_channel`; every index
    /// costs replay time, and this lookup only follows a `Location`.)
    public static func gift(channelId: String, giftId: String, _ c: Connection) throws -> GiftView? {
        let s = try c.prepared("SELECT \(giftColumns) FROM gifts WHERE channel_id = ?1 AND gift_id = ?2")
        try s.bind(1, channelId); try s.bind(2, giftId)
        defer { s.reset() }
        guard try s.step() else { return nil }
        return giftView(s)
    }

    /// Chat messages of a channel, newest first, with seq below `before`.
    public static func chatMessages(channelId: String, before: Int64, limit: Int, _ c: Connection) throws -> [ChatMessageView] {
        let s = try c.prepared("""
            SELECT seq, message_id, author_id, author_handle, text, posted_at, deleted FROM chat_messages
            WHERE channel_id = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3
            """)
        try s.bind(1, channelId); try s.bind(2, before); try s.bind(3, limit)
        defer { s.reset() }
        var result: [ChatMessageView] = []
        while try s.step() {
            let deleted = s.int64(6) != 0
            result.append(ChatMessageView(seq: s.int64(0), id: s.string(1), authorId: s.string(2), authorHandle: s.string(3),
                                          text: deleted ? nil : s.string(4), at: s.string(5), deleted: deleted))
        }
        return result
    }

    /// The ban or timeout of `userId` on `channelId` that is in force at `now` (RFC 3339), if any.
    public static func activeBan(channelId: String, userId: String, now: String, _ c: Connection) throws -> BanView? {
        try bans(where: "channel_id = ?1 AND user_id = ?2 AND (until IS NULL OR until > ?3)", [.text(channelId), .text(userId), .text(now)], c).first
    }

    public static func bans(where clause: String, _ values: [SQLValue], _ c: Connection) throws -> [BanView] {
        try c.rows("""
            SELECT b.user_id, a.handle, b.until, b.reason, b.by, b.banned_at FROM chat_bans b JOIN accounts a ON a.account_id = b.user_id
            WHERE \(clause) ORDER BY b.banned_at DESC
            """, values).map {
            BanView(userId: $0[0].string ?? "", handle: $0[1].string ?? "", until: $0[2].string, reason: $0[3].string ?? "",
                    by: $0[4].string ?? "", bannedAt: $0[5].string ?? "")
        }
    }

    /// Whether `viewerId` holds a subscription to `channelId` that grants access at `now`.
    public static func isSubscribed(viewerId: String, channelId: String, now: String, _ c: Connection) throws -> Bool {
        try (c.scalarInt("""
            SELECT count(*) FROM subscriptions WHERE viewer_id = ?1 AND channel_id = ?2 AND status IN ('active', 'canceled') AND period_end > ?3
            """, [.text(viewerId), .text(channelId), .text(now)]) ?? 0) > 0
    }

    public static func isChatModerator(userId: String, channelId: String, _ c: Connection) throws -> Bool {
        try (c.scalarInt("SELECT count(*) FROM chat_moderators WHERE channel_id = ?1 AND user_id = ?2", [.text(channelId), .text(userId)]) ?? 0) > 0
    }

    public static func chatSettings(channelId: String, _ c: Connection) throws -> ChatSettingsView {
        guard let row = try c.rows("SELECT slow_mode_seconds, subscribers_only, blocked_terms FROM chat_settings WHERE channel_id = ?1",
                                   [.text(channelId)]).first else { return ChatSettingsView(slowModeSeconds: 0, subscribersOnly: false, blockedTerms: []) }
        let terms = (try? JSONDecoding.decode([String].self, from: Array((row[2].string ?? "[]").utf8))) ?? []
        return ChatSettingsView(slowModeSeconds: Int(row[0].int64 ?? 0), subscribersOnly: row[1].int64 == 1, blockedTerms: terms)
    }

    public static func polls(where clause: String, _ value: String, _ c: Connection) throws -> [PollView] {
        try c.rows("""
            SELECT poll_id, channel_id, stream_id, question, options, counts, status, closes_at, opened_at, closed_at FROM polls
            WHERE \(clause) ORDER BY opened_at DESC LIMIT 20
            """, [.text(value)]).map { row in
            PollView(id: row[0].string ?? "", channelId: row[1].string ?? "", streamId: row[2].string, question: row[3].string ?? "",
                     options: (try? JSONDecoding.decode([String].self, from: Array((row[4].string ?? "[]").utf8))) ?? [],
                     counts: (try? JSONDecoding.decode([Int].self, from: Array((row[5].string ?? "[]").utf8))) ?? [],
                     status: row[6].string ?? "", closesAt: row[7].string ?? "", openedAt: row[8].string ?? "", closedAt: row[9].string)
        }
    }

    public static func ads(_ c: Connection) throws -> [AdView] {
        try c.rows("SELECT ad_id, name, duration_ms, media, created_at, impressions FROM ads ORDER BY created_at, ad_id").map {
            AdView(id: $0[0].string ?? "", name: $0[1].string ?? "", durationMs: $0[2].int64 ?? 0, media: $0[3].string ?? "",
                   createdAt: $0[4].string ?? "", impressions: $0[5].int64 ?? 0)
        }
    }

    public static func adImpressionsByChannel(_ c: Connection) throws -> [AdImpressionsView] {
        try c.rows("""
            SELECT i.channel_id, ch.slug, i.ad_id, i.impressions FROM ad_impressions i LEFT JOIN channels ch ON ch.channel_id = i.channel_id
            ORDER BY i.channel_id, i.ad_id
            """).map { AdImpressionsView(channelId: $0[0].string ?? "", slug: $0[1].string, adId: $0[2].string ?? "", impressions: $0[3].int64 ?? 0) }
    }
}

public struct ChatMessageView: Codable, Sendable, Equatable {
    public var seq: Int64
    public var id: String
    public var authorId: String
    public var authorHandle: String
    /// null once deleted.
    public var text: String?
    public var at: String
    public var deleted: Bool
    public init(seq: Int64, id: String, authorId: String, authorHandle: String, text: String?, at: String, deleted: Bool) {
        self.seq = seq; self.id = id; self.authorId = authorId; self.authorHandle = authorHandle; self.text = text; self.at = at
        self.deleted = deleted
    }
}

public struct BanView: Codable, Sendable, Equatable {
    public var userId: String
    public var handle: String
    /// null: permanent.
    public var until: String?
    public var reason: String
    public var by: String
    public var bannedAt: String
}

public struct ChatSettingsView: Codable, Sendable, Equatable {
    public var slowModeSeconds: Int
    public var subscribersOnly: Bool
    public var blockedTerms: [String]
}

public struct PollView: Codable, Sendable, Equatable {
    public var id: String
    public var channelId: String
    public var streamId: String?
    public var question: String
    public var options: [String]
    public var counts: [Int]
    /// open | closed
    public var status: String
    public var closesAt: String
    public var openedAt: String
    public var closedAt: String?
}

public struct AdView: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var durationMs: Int64
    public var media: String
    public var createdAt: String
    public var impressions: Int64
}

public struct AdImpressionsView: Codable, Sendable, Equatable {
    public var channelId: String
    public var slug: String?
    public var adId: String
    public var impressions: Int64
}

public struct AppView: Codable, Sendable, Equatable {
    public var id: String
    public var ownerId: String
    public var name: String
    public var redirectUris: [String]
    public var scopes: [String]
    public var clientType: String
    public var createdAt: String
}

public struct AppGrantView: Codable, Sendable, Equatable {
    public var appId: String
    public var appName: String?
    public var accountId: String
    public var scopes: [String]
    public var authorizedAt: String
}

public struct AccessTokenView: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var scopes: [String]
    public var createdAt: String
}

public struct WebhookEndpointView: Codable, Sendable, Equatable {
    public var id: String
    public var appId: String?
    public var ownerId: String
    public var url: String
    public var eventTypes: [String]
    public var scopes: [String]
    public var enabled: Bool
    public var disabledReason: String?
    public var createdAt: String
    public var updatedAt: String
    public var previousSecretExpiresAt: String?
}

extension ReadModels {
    static func strings(_ value: SQLValue) -> [String] {
        (try? JSONDecoding.decode([String].self, from: Array((value.string ?? "[]").utf8))) ?? []
    }

    public static func app(id: String, _ c: Connection) throws -> AppView? {
        try apps(where: "app_id = ?1", id, c).first
    }

    public static func apps(where clause: String, _ value: String, _ c: Connection) throws -> [AppView] {
        try c.rows("""
            SELECT app_id, owner_id, name, redirect_uris, scopes, client_type, created_at FROM apps WHERE \(clause) ORDER BY created_at, app_id
            """, [.text(value)]).map {
            AppView(id: $0[0].string ?? "", ownerId: $0[1].string ?? "", name: $0[2].string ?? "", redirectUris: strings($0[3]),
                    scopes: strings($0[4]), clientType: $0[5].string ?? "", createdAt: $0[6].string ?? "")
        }
    }

    public static func appGrants(accountId: String, _ c: Connection) throws -> [AppGrantView] {
        try c.rows("""
            SELECT g.app_id, a.name, g.account_id, g.scopes, g.authorized_at FROM app_grants g LEFT JOIN apps a ON a.app_id = g.app_id
            WHERE g.account_id = ?1 ORDER BY g.authorized_at, g.app_id
            """, [.text(accountId)]).map {
            AppGrantView(appId: $0[0].string ?? "", appName: $0[1].string, accountId: $0[2].string ?? "", scopes: strings($0[3]),
                         authorizedAt: $0[4].string ?? "")
        }
    }

    public static func accessTokens(accountId: String, _ c: Connection) throws -> [AccessTokenView] {
        try c.rows("SELECT token_id, name, scopes, created_at FROM access_tokens WHERE account_id = ?1 ORDER BY created_at, token_id",
                   [.text(accountId)]).map {
            AccessTokenView(id: $0[0].string ?? "", name: $0[1].string ?? "", scopes: strings($0[2]), createdAt: $0[3].string ?? "")
        }
    }

    /// Endpoints of an app (`appId` set) or an account's own (`appId` nil).
    public static func webhookEndpoints(appId: String?, ownerId: String, _ c: Connection) throws -> [WebhookEndpointView] {
        let (clause, value) = appId.map { ("app_id = ?1", $0) } ?? ("app_id IS NULL AND owner_id = ?1", ownerId)
        return try c.rows("""
            SELECT endpoint_id, app_id, owner_id, url, event_types, scopes, enabled, disabled_reason, created_at, updated_at,
                   previous_secret_expires_at
            FROM webhook_endpoints WHERE \(clause) ORDER BY created_at, endpoint_id
            """, [.text(value)]).map {
            WebhookEndpointView(id: $0[0].string ?? "", appId: $0[1].string, ownerId: $0[2].string ?? "", url: $0[3].string ?? "",
                                eventTypes: strings($0[4]), scopes: strings($0[5]), enabled: ($0[6].int64 ?? 0) != 0,
                                disabledReason: $0[7].string, createdAt: $0[8].string ?? "", updatedAt: $0[9].string ?? "",
                                previousSecretExpiresAt: $0[10].string)
        }
    }
}

extension ReadModels {
    public static func webhookEndpoint(id: String, _ c: Connection) throws -> WebhookEndpointView? {
        try c.rows("""
            SELECT endpoint_id, app_id, owner_id, url, event_types, scopes, enabled, disabled_reason, created_at, updated_at,
                   previous_secret_expires_at
            FROM webhook_endpoints WHERE endpoint_id = ?1
            """, [.text(id)]).first.map {
            WebhookEndpointView(id: $0[0].string ?? "", appId: $0[1].string, ownerId: $0[2].string ?? "", url: $0[3].string ?? "",
                                eventTypes: strings($0[4]), scopes: strings($0[5]), enabled: ($0[6].int64 ?? 0) != 0,
                                disabledReason: $0[7].string, createdAt: $0[8].string ?? "", updatedAt: $0[9].string ?? "",
                                previousSecretExpiresAt: $0[10].string)
        }
    }
}
