extension Decider {
    /// The largest per-minute price a channel may ask, in tokens.
    public static let maxPricePerMinute: Int64 = 1_000_000

    static func decideCreateChannel(_ c: CreateChannel, _ state: DomainState) throws(DomainError) -> [DomainEvent] {
        let owner = try activeActor(c.ownerId, state)
        guard owner.role == .creator || owner.role == .admin else {
            throw .forbidden("only creators may create channels; register with role 'creator'")
        }
        if let problem = Validation.slugProblem(c.slug) { throw .invalid(field: "slug", reason: problem) }
        try requireText(c.title, field: "title", min: 1, max: 140)
        guard state.slugs[c.slug] == nil else { throw .slugTaken(c.slug) }
        guard state.channels[c.channelId] == nil else { throw .conflict("channel id \(c.channelId) already exists") }
        return [.channelCreated(ChannelCreated(channelId: c.channelId, ownerId: c.ownerId, slug: c.slug, title: c.title))]
    }

    /// The owner (or an admin) changes settings; a paid channel must ask at least 1 token a minute.
    static func decideUpdateChannel(_ c: UpdateChannel, _ state: DomainState) throws(DomainError) -> [DomainEvent] {
        guard let channel = state.channels[c.channelId] else { throw .unknownChannel(c.channelId) }
        let actor = try activeActor(c.actorId, state)
        guard actor.id == channel.ownerId || actor.role == .admin else { throw .forbidden("only the channel's owner may change it") }
        if let title = c.title { try requireText(title, field: "title", min: 1, max: 140) }
        if let price = c.pricePerMinute, !(0...maxPricePerMinute).contains(price) {
            throw .invalid(field: "pricePerMinute", reason: "must be between 0 and \(maxPricePerMinute) tokens")
        }
        let updated = ChannelUpdated(channelId: channel.id, title: c.title ?? channel.title, access: c.access ?? channel.access,
                                     pricePerMinute: c.pricePerMinute ?? channel.pricePerMinute,
                                     ageRestricted: c.ageRestricted ?? channel.ageRestricted)
        if updated.access == .paid && updated.pricePerMinute < 1 {
            throw .invalid(field: "pricePerMinute", reason: "a paid channel needs a price of at least 1 token per minute")
        }
        let unchanged = updated.title == channel.title && updated.access == channel.access
            && updated.pricePerMinute == channel.pricePerMinute && updated.ageRestricted == channel.ageRestricted
        return unchanged ? [] : [.channelUpdated(updated)]
    }

    static func decideRotateStreamKey(_ c: RotateStreamKey, _ state: DomainState) throws(DomainError) -> [DomainEvent] {
        guard let channel = state.channels[c.channelId] else { throw .unknownChannel(c.channelId) }
        let actor = try activeActor(c.actorId, state)
        guard actor.id == channel.ownerId else { throw .forbidden("only the channel's owner may rotate its stream key") }
        return [.channelStreamKeyRotated(ChannelStreamKeyRotated(channelId: channel.id))]
    }
}
