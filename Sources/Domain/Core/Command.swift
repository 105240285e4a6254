/// Commands: what someone asks for. Ids of new things and the actor come in with the command,
/// so deciding stays pure and repeatable.
public enum Command: Sendable, Equatable {
    case registerAccount(RegisterAccount)
    case changeRole(ChangeRole)
    case suspendAccount(SuspendAccount)
    case reinstateAccount(ReinstateAccount)
    case createChannel(CreateChannel)
    case updateChannel(UpdateChannel)
    case rotateStreamKey(RotateStreamKey)
    case grantTokens(GrantTokens)
    case sendGift(SendGift)
}

public struct RegisterAccount: Sendable, Equatable {
    public var accountId: String
    public var handle: String
    public var role: Role
    /// Who registers the account: nil for self-registration, an admin for privileged roles.
    public var actorId: String?
    public init(accountId: String, handle: String, role: Role, actorId: String?) {
        self.accountId = accountId; self.handle = handle; self.role = role; self.actorId = actorId
    }
}

public struct ChangeRole: Sendable, Equatable {
    public var accountId: String
    public var role: Role
    public var actorId: String
    public init(accountId: String, role: Role, actorId: String) {
        self.accountId = accountId; self.role = role; self.actorId = actorId
    }
}

public struct SuspendAccount: Sendable, Equatable {
    public var accountId: String
    public var reason: String
    public var actorId: String
    public init(accountId: String, reason: String, actorId: String) {
        self.accountId = accountId; self.reason = reason; self.actorId = actorId
    }
}

public struct ReinstateAccount: Sendable, Equatable {
    public var accountId: String
    public var reason: String
    public var actorId: String
    public init(accountId: String, reason: String, actorId: String) {
        self.accountId = accountId; self.reason = reason; self.actorId = actorId
    }
}

public struct CreateChannel: Sendable, Equatable {
    public var channelId: String
    public var ownerId: String
    public var slug: String
    public var title: String
    public init(channelId: String, ownerId: String, slug: String, title: String) {
        self.channelId = channelId; self.ownerId = ownerId; self.slug = slug; self.title = title
    }
}

/// Changes some of a channel's settings; nil fields stay as they are.
public struct UpdateChannel: Sendable, Equatable {
    public var channelId: String
    public var actorId: String
    public var title: String?
    public var access: ChannelAccess?
    public var pricePerMinute: Int64?
    public var ageRestricted: Bool?
    public init(channelId: String, actorId: String, title: String? = nil, access: ChannelAccess? = nil,
                pricePerMinute: Int64? = nil, ageRestricted: Bool? = nil) {
        self.channelId = channelId; self.actorId = actorId; self.title = title; self.access = access
        self.pricePerMinute = pricePerMinute; self.ageRestricted = ageRestricted
    }
}

public struct RotateStreamKey: Sendable, Equatable {
    public var channelId: String
    public var actorId: String
    public init(channelId: String, actorId: String) { self.channelId = channelId; self.actorId = actorId }
}

public struct GrantTokens: Sendable, Equatable {
    public var accountId: String
    public var tokens: Int64
    public var reason: String
    public var actorId: String
    public init(accountId: String, tokens: Int64, reason: String, actorId: String) {
        self.accountId = accountId; self.tokens = tokens; self.reason = reason; self.actorId = actorId
    }
}

public struct SendGift: Sendable, Equatable {
    public var giftId: String
    public var channelId: String
    public var senderId: String
    public var gift: String
    public var quantity: Int
    public var message: String?
    public init(giftId: String, channelId: String, senderId: String, gift: String, quantity: Int, message: String?) {
        self.giftId = giftId; self.channelId = channelId; self.senderId = senderId
        self.gift = gift; self.quantity = quantity; self.message = message
    }
}
