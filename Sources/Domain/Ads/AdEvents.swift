import MarqueeCore

/// `ad.created` [ads]: an ad in the platform's inventory.
public struct AdCreated: Codable, Sendable, Equatable {
    public var adId: String
    public var name: String
    public var durationMs: Int64
    public var media: String
    public init(adId: String, name: String, durationMs: Int64, media: String) {
        self.adId = adId; self.name = name; self.durationMs = durationMs; self.media = media
    }
}

/// `ad.break_started` [channel]: `by` is the creator, or null for the configured schedule.
public struct AdBreakStarted: Codable, Sendable, Equatable {
    public var breakId: String
    public var channelId: String
    public var streamId: String
    public var adId: String
    public var durationMs: Int64
    public var by: String?
    public var at: Timestamp
    public init(breakId: String, channelId: String, streamId: String, adId: String, durationMs: Int64, by: String?, at: Timestamp) {
        self.breakId = breakId; self.channelId = channelId; self.streamId = streamId; self.adId = adId
        self.durationMs = durationMs; self.by = by; self.at = at
    }
}

/// `ad.impression` [channel]: one non-paying viewing session was shown the break's ad.
public struct AdImpression: Codable, Sendable, Equatable {
    public var breakId: String
    public var channelId: String
    public var streamId: String
    public var adId: String
    public var sessionId: String
    public var viewerId: String?
    public init(breakId: String, channelId: String, streamId: String, adId: String, sessionId: String, viewerId: String?) {
        self.breakId = breakId; self.channelId = channelId; self.streamId = streamId; self.adId = adId
        self.sessionId = sessionId; self.viewerId = viewerId
    }
}
