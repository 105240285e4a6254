/// `payout.requested` [earnings of the creator]: `tokens` leave earnings and are held until
/// the payout is paid (gone) or rejected (back to earnings).
public struct PayoutRequested: Codable, Sendable, Equatable {
    public var payoutId: String
    public var creatorId: String
    public var tokens: Int64
    public var amount: Money
    public var destination: String
    public init(payoutId: String, creatorId: String, tokens: Int64, amount: Money, destination: String) {
        self.payoutId = payoutId; self.creatorId = creatorId; self.tokens = tokens; self.amount = amount
        self.destination = destination
    }
}

/// `payout.approved`, `payout.rejected`, `payout.paid` [earnings of the creator]. `reason` is
/// set for a rejection, `providerRef` when paid.
public struct PayoutDecided: Codable, Sendable, Equatable {
    public var payoutId: String
    public var creatorId: String
    public var tokens: Int64
    public var by: String
    public var reason: String?
    public var providerRef: String?
    public init(payoutId: String, creatorId: String, tokens: Int64, by: String, reason: String? = nil, providerRef: String? = nil) {
        self.payoutId = payoutId; self.creatorId = creatorId; self.tokens = tokens; self.by = by
        self.reason = reason; self.providerRef = providerRef
    }
}
