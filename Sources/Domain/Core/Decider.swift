import MarqueeCore

/// The Decider (Emmett's pattern): `initialState`, `decide(command, state) -> [event]`,
/// `evolve(state, event) -> state`. Pure and clock-free: no I/O, no randomness, no wall clock.
public enum Decider {
    public static let initialState = DomainState()

    /// `now` is the writer's clock at decision time: the only time a decision may depend on.
    public static func decide(_ command: Command, state: DomainState, config: DomainConfig, now: Timestamp) throws(DomainError) -> [DomainEvent] {
        switch command {
        case .registerAccount(let c): return try decideRegister(c, state)
        case .changeRole(let c): return try decideChangeRole(c, state)
        case .suspendAccount(let c): return try decideSuspend(c, state, config, now)
        case .reinstateAccount(let c): return try decideReinstate(c, state)
        case .createChannel(let c): return try decideCreateChannel(c, state)
        case .updateChannel(let c): return try decideUpdateChannel(c, state)
        case .rotateStreamKey(let c): return try decideRotateStreamKey(c, state)
        case .grantTokens(let c): return try decideGrant(c, state, config)
        case .sendGift(let c): return try decideGift(c, state, config)
        case .startStream(let c): return try decideStartStream(c, state, now)
        case .endStream(let c): return try decideEndStream(c, state, config, now)
        case .joinViewer(let c): return try decideJoin(c, state, config, now)
        case .disconnectViewer(let c): return try decideDisconnect(c, state, config, now)
        case .reconnectViewer(let c): return try decideReconnect(c, state, config, now)
        case .leaveViewer(let c): return try decideLeave(c, state, config, now)
        case .suspendSessions(let at): return decideSuspendSessions(at: at, state)
        case .tick: return decideTick(state, config, now)
        case .setSubscriptionTiers(let c): return try decideSetTiers(c, state, config)
        case .subscribe(let c): return try decideSubscribe(c, state, config, now)
        case .cancelSubscription(let c): return try decideCancel(c, state, config, now)
        case .requestPayout(let c): return try decideRequestPayout(c, state, config)
        case .decidePayout(let c): return try decidePayoutDecision(c, state)
        case .recordPurchase(let c): return try decidePurchase(c, state, config)
        case .postChatMessage(let c): return try decidePostChat(c, state, config, now)
        case .deleteChatMessage(let c): return try decideDeleteChat(c, state)
        case .banChatUser(let c): return try decideBan(c, state, config, now)
        case .unbanChatUser(let c): return try decideUnban(c, state, now)
        case .changeChatSettings(let c): return try decideChatSettings(c, state)
        case .setChatModerator(let c): return try decideChatModerator(c, state)
        case .openPoll(let c): return try decideOpenPoll(c, state, now)
        case .votePoll(let c): return try decideVote(c, state, now)
        case .createAd(let c): return try decideCreateAd(c, state)
        case .startAdBreak(let c): return try decideStartAdBreak(c, state, now)
        case .registerApp(let c): return try decideRegisterApp(c, state)
        case .authorizeApp(let c): return try decideAuthorizeApp(c, state)
        case .revokeApp(let c): return try decideRevokeApp(c, state)
        case .createAccessToken(let c): return try decideCreateAccessToken(c, state)
        case .revokeAccessToken(let c): return try decideRevokeAccessToken(c, state)
        case .createWebhookEndpoint(let c): return try decideCreateEndpoint(c, state)
        case .updateWebhookEndpoint(let c): return try decideUpdateEndpoint(c, state)
        case .rotateWebhookSecret(let c): return try decideRotateSecret(c, state)
        case .deleteWebhookEndpoint(let c): return try decideDeleteEndpoint(c, state)
        }
    }

    public static func evolve(_ state: DomainState, _ event: DomainEvent) -> DomainState {
        state.evolved(with: event)
    }

    // MARK: helpers shared by the features

    /// The acting account, which must exist and not be suspended.
    static func activeActor(_ id: String, _ state: DomainState) throws(DomainError) -> AccountState {
        guard let actor = state.accounts[id] else { throw .unknownAccount(id) }
        guard !actor.suspended else { throw .accountSuspended(actor.handle) }
        return actor
    }

    static func requireAdmin(_ id: String, _ state: DomainState, to action: String) throws(DomainError) -> AccountState {
        let actor = try activeActor(id, state)
        guard actor.role == .admin else { throw .forbidden("only an admin may \(action)") }
        return actor
    }

    /// A new thing's id must never have been used.
    static func requireFreshId(_ id: String, _ state: DomainState) throws(DomainError) {
        guard !id.isEmpty, !state.usedIds.contains(id) else { throw .conflict("the id \(id) is already used") }
    }

    static func requireText(_ text: String, field: String, min: Int, max: Int) throws(DomainError) {
        if let problem = Validation.textProblem(text, min: min, max: max) { throw .invalid(field: field, reason: problem) }
    }
}
