public struct AccountState: Sendable, Equatable {
    public var id: String
    public var handle: String
    public var role: Role
    public var suspended: Bool
}

public struct ChannelState: Sendable, Equatable {
    public var id: String
    public var ownerId: String
    public var slug: String
    public var title: String
    public var access: ChannelAccess
    public var pricePerMinute: Int64
    public var ageRestricted: Bool
    /// The stream currently live on the channel, if any (set by the SFU's stream events).
    public var liveStreamId: String?
}

/// Token holdings of one account: `balance` is spendable (granted/purchased), `earnings` is what
/// the account received as a creator and can pay out.
public struct WalletState: Sendable, Equatable {
    public var balance: Int64 = 0
    public var earnings: Int64 = 0
}

/// Everything the deciders need to know, evolved from events only.
public struct DomainState: Sendable, Equatable {
    public var accounts: [String: AccountState] = [:]
    /// handle → account id
    public var handles: [String: String] = [:]
    public var channels: [String: ChannelState] = [:]
    /// slug → channel id
    public var slugs: [String: String] = [:]
    public var wallets: [String: WalletState] = [:]
    /// Fees the platform has collected, in tokens.
    public var platformFees: Int64 = 0
    /// Tokens that entered the system (grants and purchases).
    public var tokensIssued: Int64 = 0

    public init() {}

    public func account(handle: String) -> AccountState? { handles[handle].flatMap { accounts[$0] } }
    public func channel(slug: String) -> ChannelState? { slugs[slug].flatMap { channels[$0] } }
    public func wallet(_ accountId: String) -> WalletState { wallets[accountId] ?? WalletState() }

    /// `evolve(state, event) -> state`, the pure form.
    public func evolved(with event: DomainEvent) -> DomainState {
        var copy = self
        copy.apply(event)
        return copy
    }

    /// Applies one event. Exhaustive: a new event type does not compile until it is handled here.
    public mutating func apply(_ event: DomainEvent) {
        switch event {
        case .accountRegistered(let e):
            accounts[e.accountId] = AccountState(id: e.accountId, handle: e.handle, role: e.role, suspended: false)
            handles[e.handle] = e.accountId
        case .accountRoleChanged(let e):
            accounts[e.accountId]?.role = e.role
        case .accountSuspended(let e):
            accounts[e.accountId]?.suspended = true
        case .accountReinstated(let e):
            accounts[e.accountId]?.suspended = false
        case .channelCreated(let e):
            channels[e.channelId] = ChannelState(id: e.channelId, ownerId: e.ownerId, slug: e.slug, title: e.title,
                                                 access: .public, pricePerMinute: 0, ageRestricted: false, liveStreamId: nil)
            slugs[e.slug] = e.channelId
        case .channelUpdated(let e):
            channels[e.channelId]?.title = e.title
            channels[e.channelId]?.access = e.access
            channels[e.channelId]?.pricePerMinute = e.pricePerMinute
            channels[e.channelId]?.ageRestricted = e.ageRestricted
        case .channelStreamKeyRotated:
            break
        case .tokensGranted(let e):
            wallets[e.accountId, default: WalletState()].balance += e.tokens
            tokensIssued += e.tokens
        case .giftSent(let e):
            wallets[e.fromAccountId, default: WalletState()].balance -= e.tokens
            wallets[e.toAccountId, default: WalletState()].earnings += e.creatorTokens
            platformFees += e.feeTokens
        }
    }
}
