/// `account.registered` [account]
public struct AccountRegistered: Codable, Sendable, Equatable {
    public var accountId: String
    public var handle: String
    public var role: Role
    public init(accountId: String, handle: String, role: Role) {
        self.accountId = accountId; self.handle = handle; self.role = role
    }
}

/// `account.role_changed` [account] (added to the catalog: roles above viewer/creator are
/// granted by an admin after registration).
public struct AccountRoleChanged: Codable, Sendable, Equatable {
    public var accountId: String
    public var role: Role
    public var by: String
    public init(accountId: String, role: Role, by: String) {
        self.accountId = accountId; self.role = role; self.by = by
    }
}

/// `account.suspended` [account]
public struct AccountSuspended: Codable, Sendable, Equatable {
    public var accountId: String
    public var reason: String
    public var by: String
    public init(accountId: String, reason: String, by: String) {
        self.accountId = accountId; self.reason = reason; self.by = by
    }
}

/// `account.reinstated` [account]
public struct AccountReinstated: Codable, Sendable, Equatable {
    public var accountId: String
    public var reason: String
    public var by: String
    public init(accountId: String, reason: String, by: String) {
        self.accountId = accountId; self.reason = reason; self.by = by
    }
}
