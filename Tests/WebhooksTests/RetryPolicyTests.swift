import MarqueeCore
import Testing
import TestSupport
import Webhooks

@Suite("retry policy")
struct RetryPolicyTests {
    @Test func standardSchedule() {
        let policy = RetryPolicy.standard
        #expect(policy.delaysMillis == [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000])
        #expect(policy.jitter == 0.1)
        #expect(policy.maximumAttempts == 9)
    }

    @Test func withoutJitterTheScheduleIsExact() {
        var rng = SplitMix64(seed: 1)
        let policy = RetryPolicy(delaysMillis: RetryPolicy.standard.delaysMillis, jitter: 0)
        let delays = (1...9).map { policy.delayMillis(afterFailedAttempt: $0, retryAfterMillis: nil, using: &rng) }
        #expect(delays == [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000, nil])
        #expect(policy.delayMillis(afterFailedAttempt: 100, retryAfterMillis: nil, using: &rng) == nil)
        #expect(policy.delayMillis(afterFailedAttempt: 0, retryAfterMillis: nil, using: &rng) == 0, "attempt < 1 counts as 1")
    }

    @Test func jitterStaysInBoundsAndZeroStaysZero() {
        var rng = SplitMix64(seed: 42)
        let policy = RetryPolicy.standard
        var seen = Set<Int64>()
        for _ in 0..<2000 {
            #expect(policy.delayMillis(afterFailedAttempt: 1, retryAfterMillis: nil, using: &rng) == 0, "'retries immediately'")
            let d = policy.delayMillis(afterFailedAttempt: 3, retryAfterMillis: nil, using: &rng)!
            #expect(d >= 270_000 && d <= 330_000)
            seen.insert(d)
        }
        #expect(seen.count > 1000, "the factor is spread out, not constant")
        #expect(seen.contains { $0 < 285_000 } && seen.contains { $0 > 315_000 }, "both tails are reached")
    }

    @Test func jitterIsReproducibleFromTheSeed() {
        var a = SplitMix64(seed: 7), b = SplitMix64(seed: 7)
        let policy = RetryPolicy.standard
        for attempt in 1...8 {
            #expect(policy.delayMillis(afterFailedAttempt: attempt, retryAfterMillis: nil, using: &a)
                    == policy.delayMillis(afterFailedAttempt: attempt, retryAfterMillis: nil, using: &b))
        }
    }

    @Test func retryAfterLengthensButNeverShortensOrRevives() {
        var rng = SplitMix64(seed: 3)
        let policy = RetryPolicy(delaysMillis: [0, 5_000, 300_000], jitter: 0)
        #expect(policy.delayMillis(afterFailedAttempt: 1, retryAfterMillis: 120_000, using: &rng) == 120_000)
        #expect(policy.delayMillis(afterFailedAttempt: 3, retryAfterMillis: 120_000, using: &rng) == 300_000)
        #expect(policy.delayMillis(afterFailedAttempt: 2, retryAfterMillis: -5, using: &rng) == 5_000)
        #expect(policy.delayMillis(afterFailedAttempt: 2, retryAfterMillis: 7 * 86_400_000, using: &rng) == 86_400_000, "capped at 24 h")
        #expect(policy.delayMillis(afterFailedAttempt: 2, retryAfterMillis: Int64.max, using: &rng) == 86_400_000)
        #expect(policy.delayMillis(afterFailedAttempt: 4, retryAfterMillis: 1000, using: &rng) == nil)
    }

    @Test func initClampsInputs() {
        let policy = RetryPolicy(delaysMillis: [-5, 10], jitter: 7)
        #expect(policy.delaysMillis == [0, 10])
        #expect(policy.jitter == 1)
        #expect(RetryPolicy(delaysMillis: [1], jitter: -1).jitter == 0)
        #expect(RetryPolicy(delaysMillis: [1], jitter: .nan).jitter == 0)
        var rng = SplitMix64(seed: 9)
        let full = RetryPolicy(delaysMillis: [1000], jitter: 1)
        for _ in 0..<200 {
            let d = full.delayMillis(afterFailedAttempt: 1, retryAfterMillis: nil, using: &rng)!
            #expect(d >= 0 && d <= 2000)
        }
        #expect(RetryPolicy(delaysMillis: []).delayMillis(afterFailedAttempt: 1, retryAfterMillis: 5) == nil, "one attempt only")
    }

    @Test func parsing() throws {
        #expect(try RetryPolicy(parsing: "0,5,300").delaysMillis == [0, 5_000, 300_000])
        #expect(try RetryPolicy(parsing: " 0.2 , 1.5,\t2 ").delaysMillis == [200, 1_500, 2_000])
        #expect(try RetryPolicy(parsing: "0.0001,0.9999,1.25").delaysMillis == [0, 999, 1_250])
        #expect(try RetryPolicy(parsing: "7").delaysMillis == [7_000])
        #expect(try RetryPolicy(parsing: "2592000").delaysMillis == [2_592_000_000], "30 days is the most")
        #expect(try RetryPolicy(parsing: "1").jitter == 0.1)
        #expect(try RetryPolicy(parsing: "1", jitter: 0).jitter == 0)
        for bad in ["", " ", "0,,5", "0,", ",0", "-1", "+1", "1e3", "abc", "5s", "0x10", ".5", "5.", "1.2.3", "nan", "inf",
                    "2592001", "99999999999999999999", "1;2", "١"] {
            #expect(throws: WebhookInputError.self, "\(bad)") { try RetryPolicy(parsing: bad) }
        }
        let error = try #require(throws: WebhookInputError.self) { try RetryPolicy(parsing: "0,-5") }
        #expect(error.description.contains("'-5' is not a non-negative number of seconds"))
    }
}

@Suite("Retry-After")
struct RetryAfterTests {
    // 1994-11-06T08:49:37Z, the example date of RFC 9110 section 5.6.7.
    static let exampleDate = Timestamp(rfc3339: "1994-11-06T08:49:37Z")!
    static let now = Timestamp(rfc3339: "1994-11-06T08:47:37Z")! // two minutes before

    @Test func delaySeconds() {
        #expect(RetryAfter.millis("120", now: Self.now) == 120_000)
        #expect(RetryAfter.millis("0", now: Self.now) == 0)
        #expect(RetryAfter.millis(" 5 ", now: Self.now) == 5_000, "optional whitespace")
        #expect(RetryAfter.millis("0005", now: Self.now) == 5_000)
        #expect(RetryAfter.millis("99999999999999999999999", now: Self.now) == Int64.max, "saturates")
        #expect(RetryAfter.millis("9223372036854775807", now: Self.now) == Int64.max)
    }

    @Test(arguments: [
        "Sun, 06 Nov 1994 08:49:37 GMT",   // IMF-fixdate
        "Sunday, 06-Nov-94 08:49:37 GMT",  // obsolete RFC 850 format
        "Sun Nov  6 08:49:37 1994",        // ANSI C's asctime() format
        "sun, 06 nov 1994 08:49:37 gmt",   // case-insensitive names
    ])
    func theThreeDateForms(text: String) {
        #expect(RetryAfter.millis(text, now: Self.now) == 120_000)
        #expect(RetryAfter.httpDate(text, now: Self.now) == Self.exampleDate)
    }

    @Test func datesInThePastMeanNow() {
        #expect(RetryAfter.millis("Sun, 06 Nov 1994 08:49:37 GMT", now: Self.exampleDate.adding(seconds: 3600)) == 0)
    }

    @Test func rfc850TwoDigitYears() {
        let now = Timestamp(rfc3339: "2026-11-22T00:00:00Z")!
        #expect(RetryAfter.httpDate("Monday, 23-Nov-26 00:00:00 GMT", now: now) == Timestamp(rfc3339: "2026-11-23T00:00:00Z"))
        #expect(RetryAfter.httpDate("Saturday, 01-Jan-70 00:00:00 GMT", now: now) == Timestamp(rfc3339: "2070-01-01T00:00:00Z"))
        // More than 50 years ahead: the most recent past year with those digits.
        #expect(RetryAfter.httpDate("Sunday, 06-Nov-94 08:49:37 GMT", now: now) == Self.exampleDate)
        #expect(RetryAfter.httpDate("Wednesday, 01-Jan-76 00:00:00 GMT", now: now) == Timestamp(rfc3339: "2076-01-01T00:00:00Z"))
        #expect(RetryAfter.httpDate("Saturday, 01-Jan-77 00:00:00 GMT", now: now) == Timestamp(rfc3339: "1977-01-01T00:00:00Z"))
        #expect(RetryAfter.httpDate("Friday, 01-Jan-80 00:00:00 GMT", now: now) == Timestamp(rfc3339: "1980-01-01T00:00:00Z"))
    }

    @Test func asctimeWithTwoDigitDay() {
        #expect(RetryAfter.httpDate("Thu Nov 26 08:49:37 2026", now: Self.now) == Timestamp(rfc3339: "2026-11-26T08:49:37Z"))
        // date3 = month SP ( 2DIGIT / ( SP DIGIT ) ): both "06" and " 6" are valid.
        #expect(RetryAfter.httpDate("Fri Nov 06 08:49:37 2026", now: Self.now) == Timestamp(rfc3339: "2026-11-06T08:49:37Z"))
        #expect(RetryAfter.httpDate("Fri Nov  6 08:49:37 2026", now: Self.now) == Timestamp(rfc3339: "2026-11-06T08:49:37Z"))
    }

    @Test func garbage() {
        for bad in ["", " ", "-1", "+5", "1.5", "5s", "soon", "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Nov 1994 08:49:37 UTC",
                    "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Nox 1994 08:49:37 GMT",
                    "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 1994 08:60:00 GMT", "Sun, 06 Nov 94 08:49:37 GMT",
                    "Sund, 06 Nov 1994 08:49:37 GMT", "Sunday, 06 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMT x",
                    "Sun Nov 6 08:49:37 1994", "1994-11-06T08:49:37Z", "Sun,  06 Nov 1994 08:49:37 GMT",
                    String(repeating: "9", count: 65)] {
            #expect(RetryAfter.millis(bad, now: Self.now) == nil, "\(bad)")
        }
    }

    @Test func leapYearDates() {
        #expect(RetryAfter.httpDate("Thu, 29 Feb 2024 00:00:00 GMT", now: Self.now) == Timestamp(rfc3339: "2024-02-29T00:00:00Z"))
        #expect(RetryAfter.httpDate("Sat, 29 Feb 2025 00:00:00 GMT", now: Self.now) == nil)
    }
}
