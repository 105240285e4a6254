import MarqueeCore

/// `chat.message_posted` [channel-chat]
public struct ChatMessagePosted: Codable, Sendable, Equatable {
    public var messageId: String
    public var channelId: String
    /// The stream live when the message was posted, or null.
    public var streamId: String?
    public var authorId: String
    public var authorHandle: String
    public var text: String
    public var at: Timestamp
    public init(messageId: String, channelId: String, streamId: String?, authorId: String, authorHandle: String, text: String, at: Timestamp) {
        self.messageId = messageId; self.channelId = channelId; self.streamId = streamId; self.authorId = authorId
        self.authorHandle = authorHandle; self.text = text; self.at = at
    }
}

/// `chat.message_deleted` [channel-chat]
public struct ChatMessageDeleted: Codable, Sendable, Equatable {
    public var channelId: String
    public var messageId: String
    public var by: String
    public var reason: String
    public init(channelId: String, messageId: String, by: String, reason: String) {
        self.channelId = channelId; self.messageId = messageId; self.by = by; self.reason = reason
    }
}

/// `chat.user_banned` and `chat.user_unbanned` [channel-chat]: `until` null = permanent (a ban),
/// a time = a timeout.
public struct ChatBan: Codable, Sendable, Equatable {
    public var channelId: String
    public var userId: String
    public var by: String
    public var until: Timestamp?
    public var reason: String
    public init(channelId: String, userId: String, by: String, until: Timestamp?, reason: String) {
        self.channelId = channelId; self.userId = userId; self.by = by; self.until = until; self.reason = reason
    }
}

/// `chat.settings_changed` [channel-chat]: a full snapshot of the chat's settings.
public struct ChatSettingsChanged: Codable, Sendable, Equatable {
    public var channelId: String
    public var slowModeSeconds: Int
    public var subscribersOnly: Bool
    public var blockedTerms: [String]
    public init(channelId: String, slowModeSeconds: Int, subscribersOnly: Bool, blockedTerms: [String]) {
        self.channelId = channelId; self.slowModeSeconds = slowModeSeconds; self.subscribersOnly = subscribersOnly
        self.blockedTerms = blockedTerms
    }
}

/// `chat.moderator_added` and `chat.moderator_removed` [channel-chat] (added to the catalog):
/// the channel's own moderators, chosen by its owner.
public struct ChatModeratorChanged: Codable, Sendable, Equatable {
    public var channelId: String
    public var userId: String
    public var by: String
    public init(channelId: String, userId: String, by: String) { self.channelId = channelId; self.userId = userId; self.by = by }
}
