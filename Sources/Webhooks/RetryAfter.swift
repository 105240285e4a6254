import MarqueeCore

/// The `Retry-After` response header (RFC 9110 section 10.2.3), which a receiver sends with a
/// 503 or 429 to ask for a later retry (Standard Webhooks 1.0.0 asks senders to honour it).
///
///     Retry-After = HTTP-date / delay-seconds
///     delay-seconds = 1*DIGIT
public enum RetryAfter {
    /// Milliseconds from `now` until the receiver wants the next request, never negative (a
    /// date in the past means "now"); nil when the value is neither form. HTTP-date accepts the
    /// three forms of RFC 9110 section 5.6.7: IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`),
    /// and the obsolete RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime
    /// (`Sun Nov  6 08:49:37 1994`) forms. Huge delay-seconds saturate instead of overflowing.
    public static func millis(_ value: String, now: Timestamp) -> Int64? {
        let text = Substring(value).trimmingASCIIWhitespace()
        guard !text.isEmpty, text.utf8.count <= 64 else { return nil }
        if text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
            var seconds: Int64 = 0
            for c in text.utf8 {
                let (times, o1) = seconds.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times.addingReportingOverflow(Int64(c - 48))
                if o1 || o2 { return Int64.max }
                seconds = sum
            }
            let (millis, overflow) = seconds.multipliedReportingOverflow(by: 1000)
            return overflow ? Int64.max : millis
        }
        guard let date = httpDate(text, now: now) else { return nil }
        return max(0, date.milliseconds - now.milliseconds)
    }

    /// Parses an HTTP-date in any of its three forms; `now` resolves RFC 850's two-digit year.
    public static func httpDate<S: StringProtocol>(_ text: S, now: Timestamp) -> Timestamp? {
        var scanner = DateScanner(Array(text.utf8))
        return scanner.parse(now: now)
    }
}

/// A cursor over the bytes of an HTTP-date.
private struct DateScanner {
    let b: [UInt8]
    var i = 0

    init(_ bytes: [UInt8]) { b = bytes }

    static let shortDays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    static let longDays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    mutating func parse(now: Timestamp) -> Timestamp? {
        guard let dayName = letters() else { return nil }
        if Self.shortDays.contains(dayName) {
            if eat(44) { // ",": IMF-fixdate  "Sun, 06 Nov 1994 08:49:37 GMT"
                guard eat(32), let day = number(2), eat(32), let month = month(), eat(32), let year = number(4), eat(32),
                      let (h, m, s) = time(), eat(32), gmt(), i == b.count
                else { return nil }
                return make(year, month, day, h, m, s)
            }
            // asctime  "Sun Nov  6 08:49:37 1994"
            guard eat(32), let month = month(), eat(32) else { return nil }
            let day: Int
            if eat(32) {
                guard let d = number(1) else { return nil }
                day = d
            } else {
                guard let d = number(2) else { return nil }
                day = d
            }
            guard eat(32), let (h, m, s) = time(), eat(32), let year = number(4), i == b.count else { return nil }
            return make(year, month, day, h, m, s)
        }
        // RFC 850  "Sunday, 06-Nov-94 08:49:37 GMT"
        guard Self.longDays.contains(dayName), eat(44), eat(32), let day = number(2), eat(45), let month = month(), eat(45),
              let yy = number(2), eat(32), let (h, m, s) = time(), eat(32), gmt(), i == b.count
        else { return nil }
        // RFC 9110 section 5.6.7: a two-digit year more than 50 years ahead is in the past century.
        let currentYear = Int(now.rfc3339.prefix(4)) ?? 2000
        var year = currentYear / 100 * 100 + yy
        if year > currentYear + 50 { year -= 100 }
        return make(year, month, day, h, m, s)
    }

    mutating func eat(_ c: UInt8) -> Bool {
        guard i < b.count, b[i] == c else { return false }
        i += 1
        return true
    }

    /// A run of ASCII letters, lowercased.
    mutating func letters() -> String? {
        let start = i
        while i < b.count, (65...90).contains(b[i]) || (97...122).contains(b[i]) { i += 1 }
        guard i > start else { return nil }
        return String(decoding: b[start..<i].map { $0 | 0x20 }, as: UTF8.self)
    }

    /// Exactly `width` digits.
    mutating func number(_ width: Int) -> Int? {
        guard i + width <= b.count else { return nil }
        var v = 0
        for k in i..<(i + width) {
            guard b[k] >= 48, b[k] <= 57 else { return nil }
            v = v * 10 + Int(b[k] - 48)
        }
        i += width
        return v
    }

    mutating func month() -> Int? {
        guard let name = letters(), let index = Self.months.firstIndex(of: name) else { return nil }
        return index + 1
    }

    mutating func time() -> (Int, Int, Int)? {
        guard let h = number(2), eat(58), let m = number(2), eat(58), let s = number(2) else { return nil }
        return (h, m, s)
    }

    mutating func gmt() -> Bool { letters() == "gmt" }

    /// Validates the fields through the RFC 3339 parser (which knows month lengths and leap years).
    func make(_ year: Int, _ month: Int, _ day: Int, _ h: Int, _ m: Int, _ s: Int) -> Timestamp? {
        guard (0...9999).contains(year), h < 24, m < 60, s <= 60 else { return nil }
        func pad(_ v: Int, _ width: Int) -> String {
            let digits = String(v)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return Timestamp(rfc3339: "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(h, 2)):\(pad(m, 2)):\(pad(s, 2))Z")
    }
}
