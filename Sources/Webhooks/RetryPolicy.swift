import MarqueeCore

/// When to try a message again after a failed attempt (Standard Webhooks 1.0.0,
/// "Deliverability and reliability": a schedule spanning days, exponential backoff, jitter).
///
/// The first attempt is made as soon as the message exists. After failed attempt `n` (1-based)
/// the next comes `delaysMillis[n-1]` later; when the attempt after the last delay fails too,
/// the message is given up (so `delaysMillis.count + 1` attempts at most).
public struct RetryPolicy: Sendable, Equatable {
    /// The delay after each failed attempt, in milliseconds.
    public var delaysMillis: [Int64]
    /// Each nonzero delay is multiplied by a uniform factor in `[1 - jitter, 1 + jitter]`, so
    /// endpoints that failed together do not all come back at the same instant.
    public var jitter: Double

    /// The spec's example schedule with its longer tail shortened: immediately, 5 s, 5 min,
    /// 30 min, 2 h, 5 h, 10 h, 10 h (9 attempts over about 27.6 hours), with ±10 % jitter.
    public static let standard = RetryPolicy(
        delaysMillis: [0, 5, 300, 1800, 7200, 18_000, 36_000, 36_000].map { $0 * 1000 }, jitter: 0.1)

    /// `Retry-After` is honoured up to this much (24 hours): a receiver cannot park a message for longer.
    public static let retryAfterCapMillis: Int64 = 86_400_000

    /// The longest single delay a schedule may hold (30 days).
    public static let maximumDelayMillis: Int64 = 30 * 86_400_000

    /// Negative delays count as zero; `jitter` is clamped to `0...1`.
    public init(delaysMillis: [Int64], jitter: Double = 0.1) {
        self.delaysMillis = delaysMillis.map { max(0, $0) }
        self.jitter = jitter.isFinite ? min(max(jitter, 0), 1) : 0
    }

    /// Parses a schedule such as `0,5,300` or `0.2, 1.5` (seconds, whitespace around entries
    /// allowed, fractions beyond milliseconds truncated), the form of
    /// `MARQUEE_WEBHOOK_RETRY_SCHEDULE`. Throws `.invalidRetrySchedule` for an empty list, an
    /// empty entry, a sign, anything that is not a decimal number, or a delay over 30 days.
    public init(parsing text: String, jitter: Double = 0.1) throws(WebhookInputError) {
        var delays: [Int64] = []
        for raw in text.split(separator: ",", omittingEmptySubsequences: false) {
            let entry = raw.trimmingASCIIWhitespace()
            guard !entry.isEmpty else {
                throw .invalidRetrySchedule(text.allSatisfy({ $0 == " " || $0 == "\t" }) ? "it is empty" : "it has an empty entry")
            }
            guard let millis = Self.parseSeconds(entry) else {
                throw .invalidRetrySchedule("'\(entry)' is not a non-negative number of seconds")
            }
            guard millis <= Self.maximumDelayMillis else {
                throw .invalidRetrySchedule("'\(entry)' seconds is longer than 30 days")
            }
            delays.append(millis)
        }
        self.init(delaysMillis: delays, jitter: jitter)
    }

    /// `digits [ "." digits ]` seconds as milliseconds; nil otherwise or when absurdly long.
    static func parseSeconds(_ text: Substring) -> Int64? {
        let bytes = Array(text.utf8)
        var i = 0
        var whole: Int64 = 0
        var digits = 0
        while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 {
            if digits >= 12 { return nil } // beyond 30 days anyway; keeps the arithmetic exact
            whole = whole * 10 + Int64(bytes[i] - 48)
            digits += 1; i += 1
        }
        guard digits > 0 else { return nil }
        var millis = whole * 1000
        if i < bytes.count {
            guard bytes[i] == 46 else { return nil } // .
            i += 1
            var fractionDigits = 0
            var scale: Int64 = 100
            while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 {
                millis += Int64(bytes[i] - 48) * scale
                scale /= 10
                fractionDigits += 1; i += 1
            }
            guard fractionDigits > 0, i == bytes.count else { return nil }
        }
        return millis
    }

    /// The number of attempts a message gets at most.
    public var maximumAttempts: Int { delaysMillis.count + 1 }

    /// The delay before the attempt that follows failed attempt `attempt` (1-based; values below
    /// 1 count as 1), or nil when the schedule is exhausted and the message is given up.
    ///
    /// A nonzero scheduled delay is jittered; then a `Retry-After` (capped at 24 hours) lengthens
    /// it: the result is `max(jittered delay, retryAfter)`. `Retry-After` never revives a message
    /// whose schedule is exhausted.
    public func delayMillis<R: RandomNumberGenerator>(afterFailedAttempt attempt: Int, retryAfterMillis: Int64?,
                                                      using rng: inout R) -> Int64? {
        let index = max(attempt, 1) - 1
        guard index < delaysMillis.count else { return nil }
        var delay = delaysMillis[index]
        if delay > 0, jitter > 0 {
            let factor = Double.random(in: (1 - jitter)...(1 + jitter), using: &rng)
            delay = Int64((Double(delay) * factor).rounded())
        }
        if let retryAfterMillis {
            delay = max(delay, min(max(retryAfterMillis, 0), Self.retryAfterCapMillis))
        }
        return delay
    }

    /// `delayMillis(afterFailedAttempt:retryAfterMillis:using:)` with the system's generator.
    public func delayMillis(afterFailedAttempt attempt: Int, retryAfterMillis: Int64?) -> Int64? {
        var rng = SystemRandomNumberGenerator()
        return delayMillis(afterFailedAttempt: attempt, retryAfterMillis: retryAfterMillis, using: &rng)
    }
}

extension Substring {
    func trimmingASCIIWhitespace() -> Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" || c == "\r" || c == "\n" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\r" || c == "\n" { s.removeLast() }
        return s
    }
}
