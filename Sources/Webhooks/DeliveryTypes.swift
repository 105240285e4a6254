import MarqueeCore

/// Message ids: the `webhook-id` header (Standard Webhooks 1.0.0, "Webhook metadata").
public enum WebhookMessage {
    /// `msg_<endpoint id without its whe_ prefix>_<seq>`: derived from the log position and the
    /// endpoint, so it is the same on every attempt and after a crash (receivers use it as
    /// their idempotency key), and needs no storage of its own.
    public static func id(endpointId: String, seq: Int64) -> String {
        "msg_" + endpointKey(endpointId) + "_" + String(seq)
    }

    /// The seq inside `messageId` when it is the id of a message of this endpoint; nil otherwise.
    public static func seq(fromId messageId: String, endpointId: String) -> Int64? {
        let prefix = "msg_" + endpointKey(endpointId) + "_"
        guard messageId.hasPrefix(prefix) else { return nil }
        let digits = messageId.dropFirst(prefix.count)
        guard !digits.isEmpty, digits.utf8.count <= 19, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              let seq = Int64(digits), id(endpointId: endpointId, seq: seq) == messageId
        else { return nil }
        return seq
    }

    static func endpointKey(_ endpointId: String) -> String {
        endpointId.hasPrefix("whe_") ? String(endpointId.dropFirst(4)) : endpointId
    }
}

/// One event to be delivered to one endpoint.
public struct NewMessage: Sendable, Equatable {
    public var endpointId: String
    /// The event's position in the log (its payload is read from there when sending).
    public var seq: Int64
    /// The event type, kept for listings and filters.
    public var type: String

    public init(endpointId: String, seq: Int64, type: String) {
        self.endpointId = endpointId
        self.seq = seq
        self.type = type
    }
}

/// Where a message stands.
public enum MessageStatus: String, Sendable, Codable, CaseIterable {
    /// Waiting for its next attempt (or in flight).
    case pending
    /// A 2xx answered one attempt.
    case delivered
    /// Every attempt of the schedule failed; only a manual retry or a replay sends it again.
    case failed
}

/// A message due for an attempt.
public struct PendingMessage: Sendable, Equatable {
    public var endpointId: String
    public var seq: Int64
    public var type: String
    /// Attempts made so far (0 before the first).
    public var attempts: Int
    /// The `webhook-id`.
    public var messageId: String

    public init(endpointId: String, seq: Int64, type: String, attempts: Int) {
        self.endpointId = endpointId
        self.seq = seq
        self.type = type
        self.attempts = attempts
        self.messageId = WebhookMessage.id(endpointId: endpointId, seq: seq)
    }
}

/// A message as the API lists it.
public struct MessageRow: Sendable, Equatable, Codable {
    public var messageId: String
    public var endpointId: String
    public var seq: Int64
    public var type: String
    public var status: MessageStatus
    /// Attempts recorded since the message was created or last replayed.
    public var attempts: Int
    /// When the next attempt is due (pending messages only).
    public var nextAttemptAt: Timestamp?
    /// The HTTP status of the latest attempt that got a response.
    public var lastStatusCode: Int?
    public var createdAt: Timestamp
    public var deliveredAt: Timestamp?

    public init(messageId: String, endpointId: String, seq: Int64, type: String, status: MessageStatus, attempts: Int,
                nextAttemptAt: Timestamp?, lastStatusCode: Int?, createdAt: Timestamp, deliveredAt: Timestamp?) {
        self.messageId = messageId
        self.endpointId = endpointId
        self.seq = seq
        self.type = type
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastStatusCode = lastStatusCode
        self.createdAt = createdAt
        self.deliveredAt = deliveredAt
    }
}

/// The outcome of one finished attempt, to be recorded.
public struct AttemptResult: Sendable, Equatable {
    public var endpointId: String
    public var seq: Int64
    /// When the attempt started.
    public var at: Timestamp
    /// nil when no HTTP response came (connection refused, timeout, refused address, …).
    public var statusCode: Int?
    public var latencyMillis: Int64
    /// The start of the response body (the store keeps at most 1 KiB of valid UTF-8).
    public var responseExcerpt: String
    /// What went wrong without a response, for people.
    public var error: String?
    public var succeeded: Bool
    /// When to try again after a failure; nil with `succeeded == false` gives the message up.
    public var nextAttemptAt: Timestamp?

    public init(endpointId: String, seq: Int64, at: Timestamp, statusCode: Int?, latencyMillis: Int64,
                responseExcerpt: String, error: String?, succeeded: Bool, nextAttemptAt: Timestamp?) {
        self.endpointId = endpointId
        self.seq = seq
        self.at = at
        self.statusCode = statusCode
        self.latencyMillis = latencyMillis
        self.responseExcerpt = responseExcerpt
        self.error = error
        self.succeeded = succeeded
        self.nextAttemptAt = nextAttemptAt
    }
}

/// One recorded attempt, as the API lists it.
public struct AttemptRow: Sendable, Equatable, Codable {
    public var at: Timestamp
    public var statusCode: Int?
    public var latencyMillis: Int64
    public var response: String
    public var error: String?
    public var succeeded: Bool

    public init(at: Timestamp, statusCode: Int?, latencyMillis: Int64, response: String, error: String?, succeeded: Bool) {
        self.at = at
        self.statusCode = statusCode
        self.latencyMillis = latencyMillis
        self.response = response
        self.error = error
        self.succeeded = succeeded
    }
}

/// An endpoint's delivery health, for "disable after continuous failure for 5 days".
public struct EndpointHealth: Sendable, Equatable {
    public var endpointId: String
    /// The first failed attempt since the last success (nil while healthy).
    public var failingSince: Timestamp?
    public var lastSuccessAt: Timestamp?

    public init(endpointId: String, failingSince: Timestamp?, lastSuccessAt: Timestamp?) {
        self.endpointId = endpointId
        self.failingSince = failingSince
        self.lastSuccessAt = lastSuccessAt
    }
}

/// Bounded, valid UTF-8 text from response bytes.
public enum ResponseExcerpt {
    /// The default bound: 1 KiB.
    public static let limit = 1024

    /// The first `limit` bytes decoded as UTF-8 (invalid sequences become U+FFFD), then cut at a
    /// character boundary so the UTF-8 form is at most `limit` bytes.
    public static func make<C: Collection<UInt8>>(_ bytes: C, limit: Int = ResponseExcerpt.limit) -> String {
        truncate(String(decoding: bytes.prefix(limit), as: UTF8.self), limit: limit)
    }

    /// `text` cut to at most `limit` UTF-8 bytes, at a Unicode scalar boundary.
    public static func truncate(_ text: String, limit: Int = ResponseExcerpt.limit) -> String {
        guard text.utf8.count > limit else { return text }
        var scalars = String.UnicodeScalarView()
        var size = 0
        for scalar in text.unicodeScalars {
            let width = UTF8.width(scalar)
            if size + width > limit { break }
            scalars.append(scalar)
            size += width
        }
        return String(scalars)
    }
}
