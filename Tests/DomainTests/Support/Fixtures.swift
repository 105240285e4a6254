import Domain
@_exported import TestSupport

extension DomainConfig {
    /// Every number spelled out, so no test depends on the production defaults.
    static let test = DomainConfig(
        feeBasisPoints: 2000,
        giftCatalog: [
            GiftType(name: "heart", tokens: 1),
            GiftType(name: "clover", tokens: 3),
            GiftType(name: "lucky", tokens: 7),
            GiftType(name: "rose", tokens: 10),
            GiftType(name: "star", tokens: 50),
            GiftType(name: "rocket", tokens: 500),
        ],
        maxTokensPerCommand: 1_000_000_000,
        maxGiftQuantity: 1000,
        billingPeriodMillis: 60_000,
        reconnectGraceMillis: 60_000,
        subscriptionPeriodMillis: 30 * 86_400_000,
        renewalRetryMillis: 86_400_000,
        renewalRetries: 3,
        payout: PayoutPolicy(minimumTokens: 1000, currency: "USD", minorUnits: 1, perTokens: 1),
        tokenPackages: [TokenPackage(id: "tokens-100", tokens: 100, price: Money(currency: "USD", minor: 199))]
    )

    func with(feeBasisPoints: Int64? = nil, giftCatalog: [GiftType]? = nil,
              maxTokensPerCommand: Int64? = nil, maxGiftQuantity: Int? = nil, payout: PayoutPolicy? = nil) -> DomainConfig {
        var copy = self
        copy.feeBasisPoints = feeBasisPoints ?? self.feeBasisPoints
        copy.giftCatalog = giftCatalog ?? self.giftCatalog
        copy.maxTokensPerCommand = maxTokensPerCommand ?? self.maxTokensPerCommand
        copy.maxGiftQuantity = maxGiftQuantity ?? self.maxGiftQuantity
        copy.payout = payout ?? self.payout
        return copy
    }
}

/// The cast: an admin, a second admin, a viewer, two creators, a moderator and one channel.
enum F {
    static let root = "acc_root", root2 = "acc_ops", vera = "acc_vera", cleo = "acc_cleo", carl = "acc_carl", mona = "acc_mona"
    static let cleoChannel = "chn_cleo", carlChannel = "chn_carl"
    static let handles = [root: "root", root2: "ops", vera: "vera", cleo: "cleo", carl: "carl", mona: "mona"]

    static func handle(_ id: String) -> String { handles[id]! }

    static let world: [DomainEvent] = [
        registered(root, "root", .admin),
        registered(root2, "ops", .admin),
        registered(vera, "vera", .viewer),
        registered(cleo, "cleo", .creator),
        registered(carl, "carl", .creator),
        registered(mona, "mona", .moderator),
        channelCreated(cleoChannel, owner: cleo, slug: "cleo-live", title: "Cleo Live"),
    ]

    // MARK: events

    static func registered(_ id: String, _ handle: String, _ role: Role) -> DomainEvent {
        .accountRegistered(AccountRegistered(accountId: id, handle: handle, role: role))
    }
    static func roleChanged(_ id: String, to role: Role, by: String = root) -> DomainEvent {
        .accountRoleChanged(AccountRoleChanged(accountId: id, role: role, by: by))
    }
    static func suspended(_ id: String, reason: String = "spam", by: String = root) -> DomainEvent {
        .accountSuspended(AccountSuspended(accountId: id, reason: reason, by: by))
    }
    static func reinstated(_ id: String, reason: String = "appeal accepted", by: String = root) -> DomainEvent {
        .accountReinstated(AccountReinstated(accountId: id, reason: reason, by: by))
    }
    static func channelCreated(_ id: String, owner: String, slug: String, title: String) -> DomainEvent {
        .channelCreated(ChannelCreated(channelId: id, ownerId: owner, slug: slug, title: title))
    }
    static func channelUpdated(_ id: String = cleoChannel, title: String = "Cleo Live", access: ChannelAccess = .public,
                               price: Int64 = 0, ageRestricted: Bool = false) -> DomainEvent {
        .channelUpdated(ChannelUpdated(channelId: id, title: title, access: access, pricePerMinute: price, ageRestricted: ageRestricted))
    }
    static func granted(_ id: String, _ tokens: Int64, by: String = root, reason: String = "promo") -> DomainEvent {
        .tokensGranted(TokensGranted(accountId: id, tokens: tokens, grantedBy: by, reason: reason))
    }
    static func giftSent(_ giftId: String = "gft_1", from: String = vera, to: String = cleo, channel: String = cleoChannel,
                         gift: String, quantity: Int, tokens: Int64, creator: Int64, fee: Int64,
                         message: String? = nil) -> DomainEvent {
        .giftSent(GiftSent(giftId: giftId, streamId: nil, channelId: channel, fromAccountId: from, toAccountId: to,
                           gift: gift, quantity: quantity, tokens: tokens, creatorTokens: creator, feeTokens: fee,
                           message: message))
    }

    // MARK: commands

    static func register(_ id: String, _ handle: String, _ role: Role, actor: String? = nil) -> Command {
        .registerAccount(RegisterAccount(accountId: id, handle: handle, role: role, actorId: actor))
    }
    static func changeRole(_ id: String, to role: Role, actor: String = root) -> Command {
        .changeRole(ChangeRole(accountId: id, role: role, actorId: actor))
    }
    static func suspend(_ id: String, reason: String = "spam", actor: String = root) -> Command {
        .suspendAccount(SuspendAccount(accountId: id, reason: reason, actorId: actor))
    }
    static func reinstate(_ id: String, reason: String = "appeal accepted", actor: String = root) -> Command {
        .reinstateAccount(ReinstateAccount(accountId: id, reason: reason, actorId: actor))
    }
    static func createChannel(_ id: String, owner: String, slug: String, title: String) -> Command {
        .createChannel(CreateChannel(channelId: id, ownerId: owner, slug: slug, title: title))
    }
    static func updateChannel(_ id: String = cleoChannel, actor: String = cleo, title: String? = nil, access: ChannelAccess? = nil,
                              price: Int64? = nil, ageRestricted: Bool? = nil) -> Command {
        .updateChannel(UpdateChannel(channelId: id, actorId: actor, title: title, access: access,
                                     pricePerMinute: price, ageRestricted: ageRestricted))
    }
    static func rotateKey(_ id: String = cleoChannel, actor: String = cleo) -> Command {
        .rotateStreamKey(RotateStreamKey(channelId: id, actorId: actor))
    }
    static func grant(_ id: String, _ tokens: Int64, reason: String = "promo", actor: String = root) -> Command {
        .grantTokens(GrantTokens(accountId: id, tokens: tokens, reason: reason, actorId: actor))
    }
    static func sendGift(_ gift: String, _ quantity: Int, from: String = vera, channel: String = cleoChannel,
                         message: String? = nil, giftId: String = "gft_1") -> Command {
        .sendGift(SendGift(giftId: giftId, channelId: channel, senderId: from, gift: gift, quantity: quantity, message: message))
    }
}

extension String {
    static func repeating(_ s: String, _ n: Int) -> String { String(repeating: s, count: n) }
}
