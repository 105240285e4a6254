import MarqueeCore

/// Why a stream ended (EVENTS.md `stream.ended`).
public enum StreamEndReason: String, Codable, Sendable, CaseIterable {
    case publisherLeft = "publisher_left", endedByCreator = "ended_by_creator", moderator, serverShutdown = "server_shutdown"
}

/// How a viewer watches.
public enum ViewerTransport: String, Codable, Sendable, CaseIterable {
    case webrtc, hls
}

/// Why a viewing session ended (EVENTS.md `viewer.left`).
public enum ViewerLeftReason: String, Codable, Sendable, CaseIterable {
    case closed, timeout, kicked, insufficientFunds = "insufficient_funds", streamEnded = "stream_ended"
}

/// Why per-minute billing of a session stopped (EVENTS.md `billing.stopped`).
public enum BillingStopReason: String, Codable, Sendable, CaseIterable {
    case insufficientFunds = "insufficient_funds", left, streamEnded = "stream_ended"
}

/// `stream.started` [channel]: the terms (access, price) are fixed for the stream's lifetime.
public struct StreamStarted: Codable, Sendable, Equatable {
    public var streamId: String
    public var channelId: String
    public var title: String
    public var access: ChannelAccess
    public var pricePerMinute: Int64
    public var codecs: [String]
    public var simulcastLayers: [String]
    public var startedAt: Timestamp
    public init(streamId: String, channelId: String, title: String, access: ChannelAccess, pricePerMinute: Int64,
                codecs: [String], simulcastLayers: [String], startedAt: Timestamp) {
        self.streamId = streamId; self.channelId = channelId; self.title = title; self.access = access
        self.pricePerMinute = pricePerMinute; self.codecs = codecs; self.simulcastLayers = simulcastLayers
        self.startedAt = startedAt
    }
}

/// `stream.ended` [channel]
public struct StreamEnded: Codable, Sendable, Equatable {
    public var streamId: String
    public var channelId: String
    public var reason: StreamEndReason
    public var durationMs: Int64
    public init(streamId: String, channelId: String, reason: StreamEndReason, durationMs: Int64) {
        self.streamId = streamId; self.channelId = channelId; self.reason = reason; self.durationMs = durationMs
    }
}

/// `viewer.joined` [stream]: `pricePerMinute` is what this session pays (0: free, e.g. a public
/// stream, the owner, or a subscriber the creator lets watch free), recorded so that an
/// auditor needs no rule to know which sessions were billed.
public struct ViewerJoined: Codable, Sendable, Equatable {
    public var streamId: String
    public var channelId: String
    public var sessionId: String
    public var viewerId: String?
    public var transport: ViewerTransport
    public var pricePerMinute: Int64
    public var at: Timestamp
    public init(streamId: String, channelId: String, sessionId: String, viewerId: String?, transport: ViewerTransport,
                pricePerMinute: Int64, at: Timestamp) {
        self.streamId = streamId; self.channelId = channelId; self.sessionId = sessionId; self.viewerId = viewerId
        self.transport = transport; self.pricePerMinute = pricePerMinute; self.at = at
    }
}

/// `viewer.disconnected` [stream]: media lost; `connectedMs` is the session's connected time so far.
public struct ViewerDisconnected: Codable, Sendable, Equatable {
    public var streamId: String
    public var sessionId: String
    public var at: Timestamp
    public var connectedMs: Int64
    public init(streamId: String, sessionId: String, at: Timestamp, connectedMs: Int64) {
        self.streamId = streamId; self.sessionId = sessionId; self.at = at; self.connectedMs = connectedMs
    }
}

/// `viewer.reconnected` [stream]
public struct ViewerReconnected: Codable, Sendable, Equatable {
    public var streamId: String
    public var sessionId: String
    public var at: Timestamp
    public init(streamId: String, sessionId: String, at: Timestamp) {
        self.streamId = streamId; self.sessionId = sessionId; self.at = at
    }
}

/// `viewer.left` [stream]
public struct ViewerLeft: Codable, Sendable, Equatable {
    public var streamId: String
    public var sessionId: String
    public var reason: ViewerLeftReason
    public var connectedMs: Int64
    public init(streamId: String, sessionId: String, reason: ViewerLeftReason, connectedMs: Int64) {
        self.streamId = streamId; self.sessionId = sessionId; self.reason = reason; self.connectedMs = connectedMs
    }
}

/// `minute.billed` [wallet of the viewer]: minute `minute` (1-based) of a paid session, charged
/// when it begins; `creatorTokens` go to `creatorId`'s earnings, `feeTokens` to the platform.
public struct MinuteBilled: Codable, Sendable, Equatable {
    public var sessionId: String
    public var streamId: String
    public var channelId: String
    public var viewerId: String
    public var creatorId: String
    public var minute: Int
    public var tokens: Int64
    public var creatorTokens: Int64
    public var feeTokens: Int64
    public init(sessionId: String, streamId: String, channelId: String, viewerId: String, creatorId: String, minute: Int,
                tokens: Int64, creatorTokens: Int64, feeTokens: Int64) {
        self.sessionId = sessionId; self.streamId = streamId; self.channelId = channelId; self.viewerId = viewerId
        self.creatorId = creatorId; self.minute = minute; self.tokens = tokens
        self.creatorTokens = creatorTokens; self.feeTokens = feeTokens
    }
}

/// `billing.stopped` [wallet of the viewer]
public struct BillingStopped: Codable, Sendable, Equatable {
    public var sessionId: String
    public var streamId: String
    public var viewerId: String
    public var reason: BillingStopReason
    public var minutesBilled: Int
    public init(sessionId: String, streamId: String, viewerId: String, reason: BillingStopReason, minutesBilled: Int) {
        self.sessionId = sessionId; self.streamId = streamId; self.viewerId = viewerId
        self.reason = reason; self.minutesBilled = minutesBilled
    }
}
