import MarqueeCore

/// Chat and its moderation. Moderators of a channel's chat: its owner, the moderators the owner
/// chose, and platform admins and moderators. Rules: banned and timed-out users cannot post;
/// a subscribers-only chat (or a subscribers-only channel) takes posts from subscribers and
/// moderators only; a message containing a blocked term is refused with the term named; slow
/// mode and the per-user rate limit apply to everyone but moderators.
extension Decider {
    public static let maxChatMessageLength = 500
    public static let maxBlockedTerms = 100
    public static let maxTimeoutMillis: Int64 = 366 * 86_400_000

    static func isChatModerator(_ account: AccountState, _ channel: ChannelState, _ state: DomainState) -> Bool {
        account.id == channel.ownerId || account.role == .admin || account.role == .moderator
            || state.chats[channel.id]?.moderators.contains(account.id) == true
    }

    /// Whether `account` may take part (watch a subscribers-only channel, post, vote).
    static func requireChatAccess(_ account: AccountState, _ channel: ChannelState, _ state: DomainState, _ now: Timestamp) throws(DomainError) {
        let chat = state.chats[channel.id] ?? ChatState()
        if let ban = chat.bans[account.id], ban.active(at: now) {
            throw .forbidden(ban.until.map { "you are timed out in this chat until \($0.rfc3339)" } ?? "you are banned from this chat")
        }
        guard channel.access == .subscribers || chat.subscribersOnly else { return }
        guard isChatModerator(account, channel, state) || state.activeSubscription(viewer: account.id, channel: channel.id, now: now) != nil else {
            throw .forbidden("this chat is for subscribers of the channel")
        }
    }

    static func moderator(_ actorId: String, of channelId: String, _ state: DomainState) throws(DomainError) -> (AccountState, ChannelState) {
        guard let channel = state.channels[channelId] else { throw .unknownChannel(channelId) }
        let actor = try activeActor(actorId, state)
        guard isChatModerator(actor, channel, state) else { throw .forbidden("only the channel's owner and its chat moderators may do that") }
        return (actor, channel)
    }

    static func decidePostChat(_ c: PostChatMessage, _ state: DomainState, _ config: DomainConfig, _ now: Timestamp) throws(DomainError) -> [DomainEvent] {
        let author = try activeActor(c.authorId, state)
        guard let channel = state.channels[c.channelId] else { throw .unknownChannel(c.channelId) }
        try requireChatAccess(author, channel, state, now)
        try requireText(c.text, field: "text", min: 1, max: maxChatMessageLength)
        guard !c.text.allSatisfy({ $0.isWhitespace }) else { throw .invalid(field: "text", reason: "must not be blank") }
        let chat = state.chats[channel.id] ?? ChatState()
        let lowered = c.text.lowercased()
        if let term = chat.blockedTerms.first(where: { lowered.contains($0) }) {
            throw .invalid(field: "text", reason: "contains the blocked term '\(term)'")
        }
        if !isChatModerator(author, channel, state) {
            let recent = chat.recentPosts[author.id] ?? []
            if chat.slowModeSeconds > 0, let last = recent.last {
                let wait = last.milliseconds + Int64(chat.slowModeSeconds) * 1000 - now.milliseconds
                if wait > 0 { throw .rateLimited("slow mode: one message every \(chat.slowModeSeconds) s", retryAfterSeconds: (wait + 999) / 1000) }
            }
            let limit = min(config.chatMessagesPerWindow, ChatState.remembered)
            if recent.count >= limit {
                let oldest = recent[recent.count - limit]
                let wait = oldest.milliseconds + config.chatWindowMillis - now.milliseconds
                if wait > 0 {
                    throw .rateLimited("at most \(limit) messages per \(config.chatWindowMillis / 1000) s", retryAfterSeconds: (wait + 999) / 1000)
                }
            }
        }
        try requireFreshId(c.messageId, state)
        return [.chatMessagePosted(ChatMessagePosted(messageId: c.messageId, channelId: channel.id, streamId: channel.liveStreamId,
                                                     authorId: author.id, authorHandle: author.handle, text: c.text, at: now))]
    }

    static func decideDeleteChat(_ c: DeleteChatMessage, _ state: DomainState) throws(DomainError) -> [DomainEvent] {
        guard let message = state.chatMessages[c.messageId], message.channelId == c.channelId else {
            throw .unknownMessage(c.messageId)
        }
        let actor = try activeActor(c.actorId, state)
        guard let channel = state.channels[c.channelId] else { throw .unknownChannel(c.channelId) }
        guard actor.id == message.authorId || isChatModerator(actor, channel, state) else {
            throw .forbidden("only the author and the chat's moderators may delete a message")
        }
        try requireText(c.reason, field: "reason", min: 0, max: 200)
        if message.deleted { return [] }
        return [.chatMessageDeleted(ChatMessageDeleted(channelId: c.channelId, messageId: c.messageId, by: actor.id, reason: c.reason))]
    }

    /// A ban (or timeout) also ends the user's viewing sessions on the channel (`viewer.left`
    /// kicked), so the log stops billing them and the SFU cuts their media.
    static func decideBan(_ c: BanChatUser, _ state: DomainState, _ config: DomainConfig, _ now: Timestamp) throws(DomainError) -> [DomainEvent] {
        let (actor, channel) = try moderator(c.actorId, of: c.channelId, state)
        guard let target = state.accounts[c.userId] else { throw .unknownAccount(c.userId) }
        guard !isChatModerator(target, channel, state) else { throw .forbidden("the channel's owner and chat moderators cannot be banned") }
        if let until = c.until {
            guard until > now, until.milliseconds - now.milliseconds <= maxTimeoutMillis else {
                throw .invalid(field: "until", reason: "a timeout must end in the future and within a year (omit it for a permanent ban)")
            }
        }
        try requireText(c.reason, field: "reason", min: 0, max: 200)
        if let ban = state.chats[channel.id]?.bans[target.id], ban.active(at: now), ban.until == c.until { return [] }
        let ban = DomainEvent.chatUserBanned(ChatBan(channelId: channel.id, userId: target.id, by: actor.id, until: c.until, reason: c.reason))
        var working = state
        working.apply(ban)
        return [ban] + endSessions(of: target.id, on: channel.id, reason: .kicked, &working, config, now)
    }

    static func decideUnban(_ c: UnbanChatUser, _ state: DomainState, _ now: Timestamp) throws(DomainError) -> [DomainEvent] {
        let (actor, channel) = try moderator(c.actorId, of: c.channelId, state)
        guard state.accounts[c.userId] != nil else { throw .unknownAccount(c.userId) }
        try requireText(c.reason, field: "reason", min: 0, max: 200)
        guard state.chats[channel.id]?.bans[c.userId] != nil else { return [] }
        return [.chatUserUnbanned(ChatBan(channelId: channel.id, userId: c.userId, by: actor.id, until: nil, reason: c.reason))]
    }

    static func decideChatSettings(_ c: ChangeChatSettings, _ state: DomainState) throws(DomainError) -> [DomainEvent] {
        let (_, channel) = try moderator(c.actorId, of: c.channelId, state)
        let chat = state.chats[channel.id] ?? ChatState()
        let slow = c.slowModeSeconds ?? chat.slowModeSeconds
        guard (0...3600).contains(slow) else { throw .invalid(field: "slowModeSeconds", reason: "must be 0 (off) to 3600") }
        var terms = chat.blockedTerms
        if let given = c.blockedTerms {
            guard given.count <= maxBlockedTerms else { throw .invalid(field: "blockedTerms", reason: "at most \(maxBlockedTerms) terms") }
            terms = []
            for (index, term) in given.enumerated() {
                try requireText(term, field: "blockedTerms[\(index)]", min: 1, max: 50)
                let normalized = term.lowercased()
                if !terms.contains(normalized) { terms.append(normalized) }
            }
        }
        let changed = ChatSettingsChanged(channelId: channel.id, slowModeSeconds: slow, subscribersOnly: c.subscribersOnly ?? chat.subscribersOnly,
                                          blockedTerms: terms)
        if changed.slowModeSeconds == chat.slowModeSeconds && changed.subscribersOnly == chat.subscribersOnly && terms == chat.blockedTerms {
            return []
        }
        return [.chatSettingsChanged(changed)]
    }

    static func decideChatModerator(_ c: SetChatModerator, _ state: DomainState) throws(DomainError) -> [DomainEvent] {
        guard let channel = state.channels[c.channelId] else { throw .unknownChannel(c.channelId) }
        let actor = try activeActor(c.actorId, state)
        guard actor.id == channel.ownerId || actor.role == .admin else { throw .forbidden("only the channel's owner chooses its chat moderators") }
        guard state.accounts[c.userId] != nil else { throw .unknownAccount(c.userId) }
        let already = state.chats[channel.id]?.moderators.contains(c.userId) == true
        if already == c.moderator { return [] }
        let change = ChatModeratorChanged(channelId: channel.id, userId: c.userId, by: actor.id)
        return [c.moderator ? .chatModeratorAdded(change) : .chatModeratorRemoved(change)]
    }
}
