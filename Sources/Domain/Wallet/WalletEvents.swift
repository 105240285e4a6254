/// `tokens.granted` [wallet of the receiver]: tokens created by an admin (counted like a purchase).
public struct TokensGranted: Codable, Sendable, Equatable {
    public var accountId: String
    public var tokens: Int64
    public var grantedBy: String
    public var reason: String
    public init(accountId: String, tokens: Int64, grantedBy: String, reason: String) {
        self.accountId = accountId; self.tokens = tokens; self.grantedBy = grantedBy; self.reason = reason
    }
}

/// `gift.sent` [wallet of the sender]: `tokens` leave the sender's balance; `creatorTokens` go to
/// the receiver's earnings and `feeTokens` to the platform (`creatorTokens + feeTokens == tokens`).
public struct GiftSent: Codable, Sendable, Equatable {
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

    public init(giftId: String, streamId: String?, channelId: String, fromAccountId: String, toAccountId: String, gift: String,
                quantity: Int, tokens: Int64, creatorTokens: Int64, feeTokens: Int64, message: String?) {
        self.giftId = giftId; self.streamId = streamId; self.channelId = channelId
        self.fromAccountId = fromAccountId; self.toAccountId = toAccountId; self.gift = gift
        self.quantity = quantity; self.tokens = tokens; self.creatorTokens = creatorTokens
        self.feeTokens = feeTokens; self.message = message
    }
}

/// `tokens.purchased` [wallet of the buyer]: tokens bought with real money (a verified payment
/// provider notification). `providerRef` is the provider's event id (idempotency key).
public struct TokensPurchased: Codable, Sendable, Equatable {
    public var purchaseId: String
    public var accountId: String
    public var packageId: String
    public var tokens: Int64
    public var amount: Money
    public var provider: String
    public var providerRef: String
    public init(purchaseId: String, accountId: String, packageId: String, tokens: Int64, amount: Money, provider: String, providerRef: String) {
        self.purchaseId = purchaseId; self.accountId = accountId; self.packageId = packageId; self.tokens = tokens
        self.amount = amount; self.provider = provider; self.providerRef = providerRef
    }
}
