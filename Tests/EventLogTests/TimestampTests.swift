import Foundation
import MarqueeCore
import Testing

/// RFC 3339 (section 5.6) formatting and parsing of `Timestamp`. Expected epoch values were
/// computed independently (Python `datetime`), and a sweep is checked against Foundation.
@Suite("Timestamp RFC 3339")
struct TimestampTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (-86_400_000, "1969-12-31T00:00:00.000Z"),
        (-86_400_001, "1969-12-30T23:59:59.999Z"),
        (-301_246_200_000, "1960-06-15T08:30:00.000Z"),
        (-2_208_988_800_000, "1900-01-01T00:00:00.000Z"),
        (-62_135_596_800_000, "0001-01-01T00:00:00.000Z"),
        (946_684_799_999, "1999-12-31T23:59:59.999Z"),
        (946_684_800_000, "2000-01-01T00:00:00.000Z"),
        (951_825_600_000, "2000-02-29T12:00:00.000Z"),
        (1_709_164_800_000, "2024-02-29T00:00:00.000Z"),
        (1_709_251_199_999, "2024-02-29T23:59:59.999Z"),
        (1_709_251_200_000, "2024-03-01T00:00:00.000Z"),
        (1_767_225_600_000, "2026-01-01T00:00:00.000Z"),
        (1_795_341_845_123, "2026-11-22T10:04:05.123Z"),
        (4_107_456_000_000, "2100-02-28T00:00:00.000Z"),
        (4_107_542_400_000, "2100-03-01T00:00:00.000Z"), // 2100 is not a leap year
        (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
    ])
    func formatsAndParsesBack(milliseconds: Int64, text: String) {
        let time = Timestamp(milliseconds: milliseconds)
        #expect(time.rfc3339 == text)
        #expect(time.description == text)
        #expect(time.rfc3339.utf8.count == 24)
        #expect(Timestamp(rfc3339: text) == time)
    }

    @Test(arguments: [
        // Offsets: the same instant, 2026-01-01T00:00:00Z.
        ("2026-01-01T05:30:00+05:30", Int64(1_767_225_600_000)),
        ("2025-12-31T16:00:00-08:00", 1_767_225_600_000),
        ("2026-01-01T00:00:00+00:00", 1_767_225_600_000),
        ("2026-01-01T00:00:00-00:00", 1_767_225_600_000),
        ("2025-12-31T23:59:59.999-00:00", 1_767_225_599_999),
        ("2024-02-29T05:29:59+05:30", 1_709_164_799_000), // leap day in local time, the 28th in UTC
        ("2024-02-28T16:00:00-08:00", 1_709_164_800_000),
        // Fractions of 1 to 3 digits.
        ("2026-01-01T00:00:00.1Z", 1_767_225_600_100),
        ("2026-01-01T00:00:00.12Z", 1_767_225_600_120),
        ("2026-01-01T00:00:00.123Z", 1_767_225_600_123),
        ("2026-01-01T00:00:00.007Z", 1_767_225_600_007),
        // Lowercase t/z and a space separator (RFC 3339 section 5.6 note).
        ("2026-01-01t00:00:00z", 1_767_225_600_000),
        ("2026-01-01 00:00:00Z", 1_767_225_600_000),
        // A leap second is read as :59.
        ("2016-12-31T23:59:60Z", 1_483_228_799_000),
        ("1969-12-31T23:59:59.999Z", -1),
        ("1969-12-31T19:00:00-05:00", 0),
    ])
    func parses(text: String, milliseconds: Int64) {
        #expect(Timestamp(rfc3339: text)?.milliseconds == milliseconds, "\(text)")
    }

    @Test(arguments: [
        "2026-02-30T00:00:00Z", // no 30 February
        "2026-02-29T00:00:00Z", // 2026 is not a leap year
        "2100-02-29T00:00:00Z", // nor is 2100
        "2026-04-31T00:00:00Z",
        "2026-13-01T00:00:00Z",
        "2026-00-10T00:00:00Z",
        "2026-01-00T00:00:00Z",
        "2026-01-01T24:00:00Z",
        "2026-01-01T23:60:00Z",
        "2026-01-01T23:59:61Z",
        "2026-01-01T00:00:00", // missing Z
        "2026-01-01T00:00:00.000", // missing Z after a fraction
        "2026-01-01T00:00:00.Z", // a dot without digits
        "2026-01-01T00:00:00+0530", // offset without colon
        "2026-01-01T00:00:00+05", // short offset
        "2026-01-01T00:00:00+24:00",
        "2026-01-01T00:00:00+05:60",
        "2026-01-01T00:00:00ZZ",
        "2026-01-01T00:00:00Z ",
        " 2026-01-01T00:00:00Z",
        "2026-01-01X00:00:00Z",
        "2026/01/01T00:00:00Z",
        "2026-1-01T00:00:00Z",
        "26-01-01T00:00:00Z",
        "2026-01-01",
        "",
        "not a time at all, really",
        "２０２６-01-01T00:00:00Z", // fullwidth digits are not digits here
    ])
    func rejects(text: String) {
        #expect(Timestamp(rfc3339: text) == nil, "\(text) should be rejected")
    }

    /// Fractions beyond milliseconds truncate, as the doc comment promises. Each case runs in a
    /// child process (an exit test): the parser once trapped here (a `4..<3` range), and a
    /// regression must fail this test, not crash the whole suite.
    @Test func fractionsOfFourToSixDigitsTruncate() async {
        do {
            await #expect(processExitsWith: .success) {
                guard Timestamp(rfc3339: "2026-01-01T00:00:00.1234Z")?.milliseconds == 1_767_225_600_123 else { exit(2) }
            }
            await #expect(processExitsWith: .success) {
                guard Timestamp(rfc3339: "2026-01-01T00:00:00.12345Z")?.milliseconds == 1_767_225_600_123 else { exit(2) }
            }
            await #expect(processExitsWith: .success) {
                guard Timestamp(rfc3339: "2026-01-01T00:00:00.999999+01:00")?.milliseconds == 1_767_222_000_999 else { exit(2) }
            }
        }
    }

    @Test func roundTripsAcrossFourCenturiesAndMatchesFoundation() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        let low: Int64 = -2_208_988_800_000 // 1900-01-01
        let high: Int64 = 10_413_792_000_000 // 2300-01-01
        for _ in 0..<20_000 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let ms = low + Int64(seed >> 11) % (high - low)
            let time = Timestamp(milliseconds: ms)
            let text = time.rfc3339
            guard Timestamp(rfc3339: text) == time else {
                Issue.record("\(ms) formats as \(text), which parses back as \(String(describing: Timestamp(rfc3339: text)))")
                return
            }
            let seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second],
                                            from: Date(timeIntervalSince1970: TimeInterval(seconds)))
            func pad(_ value: Int, _ width: Int) -> String {
                let digits = String(value)
                return String(repeating: "0", count: max(0, width - digits.count)) + digits
            }
            let expected = "\(pad(c.year!, 4))-\(pad(c.month!, 2))-\(pad(c.day!, 2))T\(pad(c.hour!, 2)):\(pad(c.minute!, 2)):"
                + "\(pad(c.second!, 2)).\(pad(Int(ms - seconds * 1000), 3))Z"
            guard text == expected else {
                Issue.record("\(ms): Timestamp says \(text), Foundation says \(expected)")
                return
            }
        }
    }

    @Test func arithmeticAndCodable() throws {
        let t = Timestamp(milliseconds: 1_000)
        #expect(t.adding(seconds: 2) == Timestamp(milliseconds: 3_000))
        #expect(t.adding(milliseconds: -1_001) == Timestamp(milliseconds: -1))
        #expect(Timestamp(milliseconds: -1) < t)
        let encoded = try JSONEncoder().encode([t])
        #expect(String(decoding: encoded, as: UTF8.self) == #"["1970-01-01T00:00:01.000Z"]"#)
        #expect(try JSONDecoder().decode([Timestamp].self, from: Data(#"["1970-01-01T01:00:01+01:00"]"#.utf8)) == [t])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Timestamp].self, from: Data(#"["2026-02-30T00:00:00Z"]"#.utf8)) }
    }
}
