extension Decider {
    static func decideGrant(_ c: GrantTokens, _ state: DomainState, _ config: DomainConfig) throws(DomainError) -> [DomainEvent] {
        _ = try requireAdmin(c.actorId, state, to: "grant tokens")
        guard (1...config.maxTokensPerCommand).contains(c.tokens) else {
            throw .invalid(field: "tokens", reason: "must be a whole number from 1 to \(config.maxTokensPerCommand)")
        }
        try requireText(c.reason, field: "reason", min: 1, max: 200)
        guard state.accounts[c.accountId] != nil else { throw .unknownAccount(c.accountId) }
        // Every sum of tokens stays far from Int64 overflow: the platform total bounds every balance.
        let (newIssued, overflow) = state.tokensIssued.addingReportingOverflow(c.tokens)
        guard !overflow, newIssued <= Int64.max / 4 else {
            throw .invalid(field: "tokens", reason: "the platform's total of issued tokens would become absurdly large")
        }
        return [.tokensGranted(TokensGranted(accountId: c.accountId, tokens: c.tokens, grantedBy: c.actorId, reason: c.reason))]
    }

    /// A viewer sends a catalog gift to a channel's owner. The price comes from the catalog,
    /// never from the client; the split follows `FeeSplit`; the balance never goes negative.
    static func decideGift(_ c: SendGift, _ state: DomainState, _ config: DomainConfig) throws(DomainError) -> [DomainEvent] {
        let sender = try activeActor(c.senderId, state)
        guard let channel = state.channels[c.channelId] else { throw .unknownChannel(c.channelId) }
        guard let creator = state.accounts[channel.ownerId], !creator.suspended else {
            throw .forbidden("this channel cannot receive gifts right now")
        }
        guard sender.id != channel.ownerId else { throw .forbidden("you cannot send gifts to your own channel") }
        guard let type = config.gift(named: c.gift) else { throw .unknownGift(c.gift) }
        guard (1...config.maxGiftQuantity).contains(c.quantity) else {
            throw .invalid(field: "quantity", reason: "must be a whole number from 1 to \(config.maxGiftQuantity)")
        }
        if let message = c.message { try requireText(message, field: "message", min: 0, max: 200) }
        let (tokens, overflow) = type.tokens.multipliedReportingOverflow(by: Int64(c.quantity))
        guard !overflow, tokens <= config.maxTokensPerCommand else {
            throw .invalid(field: "quantity", reason: "the gift would cost more than \(config.maxTokensPerCommand) tokens")
        }
        let balance = state.wallet(sender.id).balance
        guard balance >= tokens else { throw .insufficientTokens(balance: balance, needed: tokens) }
        let split = FeeSplit(tokens: tokens, feeBasisPoints: config.feeBasisPoints)
        return [.giftSent(GiftSent(giftId: c.giftId, streamId: channel.liveStreamId, channelId: channel.id,
                                   fromAccountId: sender.id, toAccountId: channel.ownerId, gift: type.name,
                                   quantity: c.quantity, tokens: tokens, creatorTokens: split.creatorTokens,
                                   feeTokens: split.feeTokens, message: c.message))]
    }
}
