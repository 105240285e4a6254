import EventLog
import Foundation
import MarqueeJSON
import Testing

@Suite("ExportFormat: JSON Lines")
struct ExportFormatTests {
    func sample(stream: String, type: String, data: String, meta: String) -> RecordedEvent {
        RecordedEvent(seq: 42, stream: stream, version: 7, type: type, schema: 3, data: Array(data.utf8), meta: Array(meta.utf8),
                      recordedAt: "2026-11-22T10:00:00.000Z", prevHash: HashChain.genesis,
                      hash: (0..<32).map { UInt8($0 * 7 & 0xff) })
    }

    func parse(_ line: [UInt8]) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(line), options: [])
        return try #require(object as? [String: Any])
    }

    func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        return (0...(haystack.count - needle.count)).contains { Array(haystack[$0..<($0 + needle.count)]) == needle }
    }

    @Test(arguments: [
        ("plain-stream", "gift.sent"),
        (#"quote"in-stream"#, #"type\with\backslashes"#),
        ("new\nline\ttab\rreturn", "nul\u{0}bell\u{7}esc\u{1B}unit\u{1F}"),
        ("del\u{7F}and é ünïcødé 🎁", "slash/and\u{8}backspace\u{C}formfeed"),
        (#"\"already escaped\""#, #"\u0041"#),
    ])
    func stringsAreEscapedAndRoundTrip(stream: String, type: String) throws {
        let event = sample(stream: stream, type: type, data: #"{"k":"v"}"#, meta: "{}")
        let line = ExportFormat.line(event)
        #expect(!line.contains(10) && !line.contains(13), "one event is one line")
        #expect(!line.contains { $0 < 0x20 }, "no raw control characters")
        let object = try parse(line)
        #expect(object["stream"] as? String == stream)
        #expect(object["type"] as? String == type)
        #expect(object["seq"] as? Int == 42)
        #expect(object["version"] as? Int == 7)
        #expect(object["schema"] as? Int == 3)
        #expect(object["recordedAt"] as? String == "2026-11-22T10:00:00.000Z")
        #expect(object["hash"] as? String == Digest.hex(event.hash))
        #expect((object["hash"] as? String)?.count == 64)
    }

    /// Export lines escape strings with MarqueeJSON's writer (RFC 8259 section 7).
    @Test func specificEscapes() {
        var writer = JSONWriter()
        writer.write("a\"b\\c\nd\u{1}e\u{1F}f\tg\rh")
        var out = writer.bytes
        #expect(String(decoding: out, as: UTF8.self) == #""a\"b\\c\nd\u0001e\u001ff\tg\rh""#)
        writer = JSONWriter()
        writer.write("")
        out = writer.bytes
        #expect(out == Array(#""""#.utf8))
    }

    @Test func dataAndMetaAreEmbeddedVerbatim() throws {
        // Unusual but valid JSON spellings that a re-encoder would change: spacing, key order,
        // escapes, exponent numbers. The hash covers these exact bytes, so they must survive.
        let data = #"{ "z":1,"a" : [1.50, 2e3, -0.0], "s":"\u00e9\"\\", "n":null }"#
        let meta = #"{"actor":"acc_1","idempotencyKey":"k\/1"}"#
        let event = sample(stream: "wallet-acc_1", type: "gift.sent", data: data, meta: meta)
        let line = ExportFormat.line(event)
        #expect(contains(line, Array(#","data":"#.utf8) + Array(data.utf8) + Array(#","meta":"#.utf8) + Array(meta.utf8)))
        let object = try parse(line)
        let parsedData = try #require(object["data"] as? [String: Any])
        #expect(parsedData["s"] as? String == "é\"\\")
        #expect(parsedData["z"] as? Int == 1)
        let parsedMeta = try #require(object["meta"] as? [String: Any])
        #expect(parsedMeta["idempotencyKey"] as? String == "k/1")
        // The exported line alone is enough to recompute the event's hash.
        #expect(HashChain.hash(prevHash: event.prevHash, event: event) == HashChain.hash(
            prevHash: event.prevHash, seq: 42, stream: object["stream"] as! String, version: 7, type: object["type"] as! String,
            schema: 3, data: Array(data.utf8), meta: Array(meta.utf8), recordedAt: object["recordedAt"] as! String))
    }

    @Test func exportOfARealLogParsesLineByLine() async throws {
        try await withTestLog { log in
            _ = try await log.writer.submit(.append(stream: "s\"1", count: 3))
            let events = try log.allEvents()
            let lines = events.map(ExportFormat.line)
            for (event, line) in zip(events, lines) {
                let object = try parse(line)
                #expect(object["seq"] as? Int == Int(event.seq))
                #expect(object["stream"] as? String == "s\"1")
                #expect(object["hash"] as? String == Digest.hex(event.hash))
            }
        }
    }

    @Test func hexAndDigestHelpers() {
        #expect(Digest.hex([0x00, 0x0f, 0xa0, 0xff]) == "000fa0ff")
        #expect(Digest.hex([]) == "")
        #expect(Digest.sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}
