/// One entry of the gift catalog: a name viewers pick and its price in tokens.
public struct GiftType: Codable, Sendable, Equatable {
    public var name: String
    public var tokens: Int64

    public init(name: String, tokens: Int64) {
        self.name = name
        self.tokens = tokens
    }
}

/// Rules that come from configuration, passed into every decision.
public struct DomainConfig: Sendable, Equatable {
    /// The platform's share of every gift in basis points (2000 = 20 %).
    public var feeBasisPoints: Int64
    public var giftCatalog: [GiftType]
    /// The largest token amount one command may move (a grant, a gift): bigger is refused as absurd.
    public var maxTokensPerCommand: Int64
    /// The largest quantity of one gift in one request.
    public var maxGiftQuantity: Int
    /// Paid shows: how long one billed "minute" lasts (`MARQUEE_BILLING_PERIOD_SECONDS`, default 60 s).
    public var billingPeriodMillis: Int64
    /// How long a disconnected viewing session may stay away before it ends (default 60 s).
    public var reconnectGraceMillis: Int64
    /// Subscriptions: the length of one paid period (30 days).
    public var subscriptionPeriodMillis: Int64
    /// After a failed renewal, the wait before the next attempt (1 day) and how many retries
    /// follow the first failure (3) before the subscription expires.
    public var renewalRetryMillis: Int64
    public var renewalRetries: Int
    /// Payouts: minimum request and the token → fiat rate.
    public var payout: PayoutPolicy
    /// What viewers can buy with real money (id, tokens, price).
    public var tokenPackages: [TokenPackage]
    /// Chat: at most `chatMessagesPerWindow` messages per user and channel in `chatWindowMillis`
    /// (at most 10 per window: the state remembers each user's last 10 message times).
    public var chatMessagesPerWindow: Int = 5
    public var chatWindowMillis: Int64 = 10_000
    /// Scheduled ad breaks on every live stream, every so much live time (0: only when the creator starts one).
    public var adBreakIntervalMillis: Int64 = 0

    public init(feeBasisPoints: Int64 = 2000,
                giftCatalog: [GiftType] = DomainConfig.defaultCatalog,
                maxTokensPerCommand: Int64 = 1_000_000_000,
                maxGiftQuantity: Int = 1000,
                billingPeriodMillis: Int64 = 60_000,
                reconnectGraceMillis: Int64 = 60_000,
                subscriptionPeriodMillis: Int64 = 30 * 86_400_000,
                renewalRetryMillis: Int64 = 86_400_000,
                renewalRetries: Int = 3,
                payout: PayoutPolicy = PayoutPolicy(),
                tokenPackages: [TokenPackage] = DomainConfig.defaultPackages) {
        self.feeBasisPoints = feeBasisPoints
        self.giftCatalog = giftCatalog
        self.maxTokensPerCommand = maxTokensPerCommand
        self.maxGiftQuantity = maxGiftQuantity
        self.billingPeriodMillis = billingPeriodMillis
        self.reconnectGraceMillis = reconnectGraceMillis
        self.subscriptionPeriodMillis = subscriptionPeriodMillis
        self.renewalRetryMillis = renewalRetryMillis
        self.renewalRetries = renewalRetries
        self.payout = payout
        self.tokenPackages = tokenPackages
    }

    public static let defaultPackages: [TokenPackage] = [
        TokenPackage(id: "tokens-100", tokens: 100, price: Money(currency: "USD", minor: 199)),
        TokenPackage(id: "tokens-500", tokens: 500, price: Money(currency: "USD", minor: 899)),
        TokenPackage(id: "tokens-2000", tokens: 2000, price: Money(currency: "USD", minor: 2999)),
    ]

    public func package(id: String) -> TokenPackage? { tokenPackages.first { $0.id == id } }

    public static let defaultCatalog: [GiftType] = [
        GiftType(name: "heart", tokens: 1),
        GiftType(name: "rose", tokens: 10),
        GiftType(name: "star", tokens: 50),
        GiftType(name: "rocket", tokens: 500),
    ]

    public func gift(named name: String) -> GiftType? { giftCatalog.first { $0.name == name } }
}

/// A fiat amount in the currency's minor unit (cents), never a float.
public struct Money: Codable, Sendable, Equatable, Hashable {
    public var currency: String
    public var minor: Int64
    public init(currency: String, minor: Int64) { self.currency = currency; self.minor = minor }
}

/// A bundle of tokens sold for real money (`GET /api/v1/wallet/packages`).
public struct TokenPackage: Codable, Sendable, Equatable {
    public var id: String
    public var tokens: Int64
    public var price: Money
    public init(id: String, tokens: Int64, price: Money) { self.id = id; self.tokens = tokens; self.price = price }
}

/// How creators' earnings become money.
///
/// Rate rule: `amount.minor = floor(tokens × minorUnits / perTokens)`, e.g. 1/1 is one cent a
/// token in USD; the remainder of a fraction stays with the platform's rounding, never with the
/// token ledger (the ledger moves exactly `tokens`).
public struct PayoutPolicy: Sendable, Equatable {
    public var minimumTokens: Int64
    public var currency: String
    public var minorUnits: Int64
    public var perTokens: Int64
    public init(minimumTokens: Int64 = 1000, currency: String = "USD", minorUnits: Int64 = 1, perTokens: Int64 = 1) {
        self.minimumTokens = minimumTokens; self.currency = currency; self.minorUnits = minorUnits; self.perTokens = perTokens
    }

    public func amount(for tokens: Int64) -> Money {
        let (high, low) = tokens.multipliedFullWidth(by: minorUnits)
        return Money(currency: currency, minor: perTokens.dividingFullWidth((high, low)).quotient)
    }
}
