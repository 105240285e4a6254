/// `channel.created` [channel]
public struct ChannelCreated: Codable, Sendable, Equatable {
    public var channelId: String
    public var ownerId: String
    public var slug: String
    public var title: String
    public init(channelId: String, ownerId: String, slug: String, title: String) {
        self.channelId = channelId; self.ownerId = ownerId; self.slug = slug; self.title = title
    }
}

/// `channel.updated` [channel]: the channel's settings after the change (a full snapshot,
/// so a subscriber needs no earlier event to know the current state).
public struct ChannelUpdated: Codable, Sendable, Equatable {
    public var channelId: String
    public var title: String
    public var access: ChannelAccess
    public var pricePerMinute: Int64
    public var ageRestricted: Bool
    public init(channelId: String, title: String, access: ChannelAccess, pricePerMinute: Int64, ageRestricted: Bool) {
        self.channelId = channelId; self.title = title; self.access = access
        self.pricePerMinute = pricePerMinute; self.ageRestricted = ageRestricted
    }
}

/// `channel.stream_key_rotated` [channel]: never carries the key itself.
public struct ChannelStreamKeyRotated: Codable, Sendable, Equatable {
    public var channelId: String
    public init(channelId: String) { self.channelId = channelId }
}
