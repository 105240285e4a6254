import Domain
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
}

public struct WalletView: Codable, Sendable, Equatable {
    public var balance: Int64
    public var earnings: Int64
    public init(balance: Int64 = 0, earnings: Int64 = 0) { self.balance = balance; self.earnings = earnings }
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
                   c.created_at, c.updated_at
            FROM channels c JOIN accounts a ON a.account_id = c.owner_id WHERE c.slug = ?1
            """)
        try s.bind(1, slug)
        defer { s.reset() }
        guard try s.step() else { return nil }
        return ChannelView(id: s.string(0), slug: s.string(1), ownerId: s.string(2), ownerHandle: s.string(3), title: s.string(4),
                           access: ChannelAccess(rawValue: s.string(5)) ?? .public, pricePerMinute: s.int64(6),
                           ageRestricted: s.int64(7) != 0, createdAt: s.string(8), updatedAt: s.string(9))
    }

    public static func wallet(accountId: String, _ c: Connection) throws -> WalletView {
        let s = try c.prepared("SELECT balance, earnings FROM wallets WHERE account_id = ?1")
        try s.bind(1, accountId)
        defer { s.reset() }
        guard try s.step() else { return WalletView() }
        return WalletView(balance: s.int64(0), earnings: s.int64(1))
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
