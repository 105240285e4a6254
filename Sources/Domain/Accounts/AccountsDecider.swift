import MarqueeCore

extension Decider {
    /// Anyone registers as viewer or creator; moderator and admin only when an admin registers them
    /// (or, for admin, when it is the first account of an empty platform: the bootstrap admin).
    static func decideRegister(_ c: RegisterAccount, _ state: DomainState) throws(DomainError) -> [DomainEvent] {
        if let problem = Validation.handleProblem(c.handle) { throw .invalid(field: "handle", reason: problem) }
        if c.role == .admin && c.actorId == nil && state.accounts.isEmpty {
            // Bootstrap: the very first account of an empty platform may be its admin.
        } else if c.role == .moderator || c.role == .admin {
            let article = c.role == .admin ? "an" : "a"
            guard let actorId = c.actorId else { throw .forbidden("only an admin may register \(article) \(c.role.rawValue) account") }
            _ = try requireAdmin(actorId, state, to: "register \(article) \(c.role.rawValue) account")
        } else if let actorId = c.actorId {
            _ = try activeActor(actorId, state)
        }
        guard state.handles[c.handle] == nil else { throw .handleTaken(c.handle) }
        guard state.accounts[c.accountId] == nil else { throw .conflict("account id \(c.accountId) already exists") }
        return [.accountRegistered(AccountRegistered(accountId: c.accountId, handle: c.handle, role: c.role))]
    }

    static func decideChangeRole(_ c: ChangeRole, _ state: DomainState) throws(DomainError) -> [DomainEvent] {
        _ = try requireAdmin(c.actorId, state, to: "change roles")
        guard let account = state.accounts[c.accountId] else { throw .unknownAccount(c.accountId) }
        guard account.role != c.role else { return [] }
        if c.accountId == c.actorId { throw .forbidden("an admin cannot change their own role") }
        return [.accountRoleChanged(AccountRoleChanged(accountId: c.accountId, role: c.role, by: c.actorId))]
    }

    /// A suspension also ends the account's viewing sessions (`viewer.left` kicked) and the
    /// streams live on its channels (`stream.ended` moderator): the SFU obeys both.
    static func decideSuspend(_ c: SuspendAccount, _ state: DomainState, _ config: DomainConfig, _ now: Timestamp) throws(DomainError) -> [DomainEvent] {
        _ = try requireAdmin(c.actorId, state, to: "suspend accounts")
        try requireText(c.reason, field: "reason", min: 1, max: 500)
        guard let account = state.accounts[c.accountId] else { throw .unknownAccount(c.accountId) }
        if c.accountId == c.actorId { throw .forbidden("an admin cannot suspend themselves") }
        guard !account.suspended else { return [] }
        let suspended = DomainEvent.accountSuspended(AccountSuspended(accountId: c.accountId, reason: c.reason, by: c.actorId))
        var working = state
        working.apply(suspended)
        var events = [suspended] + endSessions(of: account.id, reason: .kicked, &working, config, now)
        for stream in working.streams.values.sorted(by: { $0.id < $1.id }) where working.channels[stream.channelId]?.ownerId == account.id {
            events += close(stream, reason: .moderator, &working, config, now)
        }
        return events
    }

    static func decideReinstate(_ c: ReinstateAccount, _ state: DomainState) throws(DomainError) -> [DomainEvent] {
        _ = try requireAdmin(c.actorId, state, to: "reinstate accounts")
        try requireText(c.reason, field: "reason", min: 1, max: 500)
        guard let account = state.accounts[c.accountId] else { throw .unknownAccount(c.accountId) }
        guard account.suspended else { return [] }
        return [.accountReinstated(AccountReinstated(accountId: c.accountId, reason: c.reason, by: c.actorId))]
    }
}
