import MarqueeCore

/// An event the writer is asked to append. The log assigns seq, version, time and hashes.
public struct NewEvent: Sendable, Equatable {
    /// The aggregate stream, e.g. `wallet-acc_01H…` (see EVENTS.md for each type's stream).
    public var stream: String
    /// The public event type, e.g. `gift.sent`.
    public var type: String
    /// The schema version of `data` (EventSchemas/<type>/v<schema>.schema.json).
    public var schema: Int
    /// The event payload as UTF-8 JSON bytes; stored and hashed exactly as given.
    public var data: [UInt8]
    /// Actor, causation, correlation, idempotency key, client IP: UTF-8 JSON bytes.
    public var meta: [UInt8]

    public init(stream: String, type: String, schema: Int = 1, data: [UInt8], meta: [UInt8] = Array("{}".utf8)) {
        self.stream = stream
        self.type = type
        self.schema = schema
        self.data = data
        self.meta = meta
    }
}

/// An event as stored in the log.
public struct RecordedEvent: Sendable, Equatable {
    /// Global position, starting at 1, without gaps.
    public var seq: Int64
    public var stream: String
    /// Position within `stream`, starting at 1.
    public var version: Int64
    public var type: String
    public var schema: Int
    public var data: [UInt8]
    public var meta: [UInt8]
    /// RFC 3339 UTC with milliseconds, exactly as stored and hashed.
    public var recordedAt: String
    public var prevHash: [UInt8]
    public var hash: [UInt8]

    public init(seq: Int64, stream: String, version: Int64, type: String, schema: Int, data: [UInt8], meta: [UInt8],
                recordedAt: String, prevHash: [UInt8], hash: [UInt8]) {
        self.seq = seq
        self.stream = stream
        self.version = version
        self.type = type
        self.schema = schema
        self.data = data
        self.meta = meta
        self.recordedAt = recordedAt
        self.prevHash = prevHash
        self.hash = hash
    }

    public var recordedTime: Timestamp? { Timestamp(rfc3339: recordedAt) }
}
