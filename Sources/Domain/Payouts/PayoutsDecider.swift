/// Payouts: a creator turns earnings into money. One pending request at a time, at least the
/// configured minimum; an admin approves, rejects (tokens return to earnings) or marks it paid.
extension Decider {
    static func decideRequestPayout(_ c: RequestPayout, _ state: DomainState, _ config: DomainConfig) throws(DomainError) -> [DomainEvent] {
        let creator = try activeActor(c.creatorId, state)
        try requireFreshId(c.payoutId, state)
        if let pending = state.pendingPayoutByCreator[creator.id] {
            throw .conflict("a payout (\(pending)) is already pending; wait until it is paid or rejected")
        }
        let earnings = state.wallet(creator.id).earnings
        guard c.tokens >= config.payout.minimumTokens, c.tokens <= config.maxTokensPerCommand else {
            throw .invalid(field: "tokens", reason: "must be a whole number from \(config.payout.minimumTokens) (the minimum payout) to \(config.maxTokensPerCommand)")
        }
        guard earnings >= c.tokens else { throw .insufficientEarnings(earnings: earnings, needed: c.tokens) }
        try requireText(c.destination, field: "destination", min: 1, max: 200)
        return [.payoutRequested(PayoutRequested(payoutId: c.payoutId, creatorId: creator.id, tokens: c.tokens,
                                                 amount: config.payout.amount(for: c.tokens), destination: c.destination))]
    }

    static func decidePayoutDecision(_ c: DecidePayout, _ state: DomainState) throws(DomainError) -> [DomainEvent] {
        _ = try requireAdmin(c.actorId, state, to: "decide payouts")
        guard let payout = state.payouts[c.payoutId] else { throw .unknownPayout(c.payoutId) }
        func decided(reason: String? = nil, providerRef: String? = nil) -> PayoutDecided {
            PayoutDecided(payoutId: payout.id, creatorId: payout.creatorId, tokens: payout.tokens, by: c.actorId,
                          reason: reason, providerRef: providerRef)
        }
        switch (c.action, payout.status) {
        case (.approve, .approved), (.markPaid, .paid): return []
        case (.reject, .rejected): return []
        case (_, .paid), (_, .rejected):
            throw .conflict("the payout \(payout.id) is already \(payout.status.rawValue)")
        case (.approve, .requested):
            return [.payoutApproved(decided())]
        case (.reject(let reason), _):
            try requireText(reason, field: "reason", min: 1, max: 200)
            return [.payoutRejected(decided(reason: reason))]
        case (.markPaid(let ref), _):
            try requireText(ref, field: "providerRef", min: 1, max: 200)
            return [.payoutPaid(decided(providerRef: ref))]
        }
    }

    /// A verified payment: credits the package's tokens once per provider reference.
    static func decidePurchase(_ c: RecordPurchase, _ state: DomainState, _ config: DomainConfig) throws(DomainError) -> [DomainEvent] {
        if state.purchaseRefs.contains(c.provider + ":" + c.providerRef) { return [] }
        guard let package = config.package(id: c.packageId) else {
            throw .invalid(field: "package", reason: "no token package '\(c.packageId)'")
        }
        guard state.accounts[c.accountId] != nil else { throw .unknownAccount(c.accountId) }
        guard c.amount == package.price else {
            throw .invalid(field: "amount", reason: "paid \(c.amount.minor) \(c.amount.currency) but the package costs \(package.price.minor) \(package.price.currency)")
        }
        try requireFreshId(c.purchaseId, state)
        let (newIssued, overflow) = state.tokensIssued.addingReportingOverflow(package.tokens)
        guard !overflow, newIssued <= Int64.max / 4 else {
            throw .invalid(field: "tokens", reason: "the platform's total of issued tokens would become absurdly large")
        }
        return [.tokensPurchased(TokensPurchased(purchaseId: c.purchaseId, accountId: c.accountId, packageId: package.id,
                                                 tokens: package.tokens, amount: c.amount, provider: c.provider, providerRef: c.providerRef))]
    }
}
