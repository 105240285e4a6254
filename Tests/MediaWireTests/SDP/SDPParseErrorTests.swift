import Testing
import TestSupport
@testable import MediaWire

@Suite("SDP parse errors")
struct SDPParseErrorTests {
    static let head = "v=0\no=- 1 2 IN IP4 127.0.0.1\ns=-\nt=0 0\n"

    /// Malformed inputs and the error each must produce (line numbers are 1-based).
    static let cases: [(String, String, SDPParseError)] = [
        ("empty body", "", .empty),
        ("only blank lines", "\r\n\r\n", .empty),
        ("missing v=", "o=- 1 2 IN IP4 127.0.0.1\ns=-\nt=0 0\n", .missingVersion),
        ("v=1", "v=1\no=- 1 2 IN IP4 127.0.0.1\ns=-\nt=0 0\n", .unsupportedVersion("1")),
        ("line without =", head + "a=group:BUNDLE 0\nbogus\n", .lineWithoutEquals(line: 6)),
        ("two-letter type", head + "ab=c\n", .invalidLineType(line: 5)),
        ("uppercase type", head + "A=c\n", .invalidLineType(line: 5)),
        ("indented line", "v=0\n  o=- 1 2 IN IP4 127.0.0.1\n", .invalidLineType(line: 2)),
        ("NUL", head + "a=x\u{0}y\n", .forbiddenCharacter(line: 5)),
        ("stray CR", head + "a=x\ry\n", .forbiddenCharacter(line: 5)),
        ("missing o=", "v=0\ns=-\nt=0 0\n", .missingLine(type: "o")),
        ("missing s=", "v=0\no=- 1 2 IN IP4 127.0.0.1\nt=0 0\n", .missingLine(type: "s")),
        ("missing t=", "v=0\no=- 1 2 IN IP4 127.0.0.1\ns=-\n", .missingLine(type: "t")),
        ("short o=", "v=0\no=- 1 2 IN IP4\ns=-\nt=0 0\n", .malformedLine(line: 2, type: "o", reason: "expected 6 fields, found 5")),
        ("t= after m=", head + "m=audio 9 RTP/AVP 0\nt=0 0\n", .misplacedLine(line: 6, type: "t")),
        ("second v=", head + "v=0\n", .misplacedLine(line: 5, type: "v")),
        ("non-numeric port", head + "m=audio nine UDP/TLS/RTP/SAVPF 111\n",
         .malformedMediaLine(line: 5, reason: "port 'nine' is not a number from 0 to 65535")),
        ("port over 65535", head + "m=audio 70000 UDP/TLS/RTP/SAVPF 111\n",
         .malformedMediaLine(line: 5, reason: "port '70000' is not a number from 0 to 65535")),
        ("m= without formats", head + "m=audio 9 UDP/TLS/RTP/SAVPF\n",
         .malformedMediaLine(line: 5, reason: "expected '<media> <port> <proto> <format> …'")),
        ("payload type 128", head + "m=audio 9 UDP/TLS/RTP/SAVPF 128\n",
         .malformedMediaLine(line: 5, reason: "payload type '128' is not a number from 0 to 127")),
        ("payload type twice", head + "m=audio 9 UDP/TLS/RTP/SAVPF 111 111\n",
         .malformedMediaLine(line: 5, reason: "payload type 111 is listed twice")),
        ("rtpmap for unlisted payload type", head + "m=audio 9 UDP/TLS/RTP/SAVPF 111\na=rtpmap:96 VP8/90000\n",
         .payloadTypeNotInMediaLine(line: 6, attribute: "rtpmap", payloadType: 96)),
        ("fmtp for unlisted payload type", head + "m=audio 9 UDP/TLS/RTP/SAVPF 111\na=fmtp:112 x=1\n",
         .payloadTypeNotInMediaLine(line: 6, attribute: "fmtp", payloadType: 112)),
        ("rtpmap without clock rate", head + "m=video 9 UDP/TLS/RTP/SAVPF 96\na=rtpmap:96 VP8\n",
         .malformedAttribute(line: 6, name: "rtpmap", reason: "expected '<encoding>/<clock rate>[/<parameters>]'")),
        ("rtpmap twice", head + "m=video 9 UDP/TLS/RTP/SAVPF 96\na=rtpmap:96 VP8/90000\na=rtpmap:96 VP8/90000\n",
         .duplicateAttribute(line: 7, name: "rtpmap:96")),
        ("two mids", head + "m=video 9 UDP/TLS/RTP/SAVPF 96\na=mid:0\na=mid:1\n", .duplicateAttribute(line: 7, name: "mid")),
        ("two directions", head + "m=video 9 UDP/TLS/RTP/SAVPF 96\na=sendonly\na=recvonly\n",
         .duplicateAttribute(line: 7, name: "sendrecv/sendonly/recvonly/inactive")),
        ("extmap id 0", head + "m=video 9 UDP/TLS/RTP/SAVPF 96\na=extmap:0 urn:x\n",
         .malformedAttribute(line: 6, name: "extmap", reason: "extension id must be 1–255 (RFC 8285 §5)")),
        ("extmap id twice", head + "m=video 9 UDP/TLS/RTP/SAVPF 96\na=extmap:1 urn:x\na=extmap:1 urn:y\n",
         .malformedAttribute(line: 7, name: "extmap", reason: "id 1 is used twice (RFC 8285 §5)")),
        ("flag with a value", head + "m=video 9 UDP/TLS/RTP/SAVPF 96\na=rtcp-mux:yes\n",
         .malformedAttribute(line: 6, name: "rtcp-mux", reason: "takes no value")),
        ("bad setup", head + "a=setup:sometimes\n",
         .malformedAttribute(line: 5, name: "setup", reason: "must be actpass, active, passive or holdconn")),
        ("bad fingerprint", head + "a=fingerprint:sha-256 XY:ZZ\n",
         .malformedAttribute(line: 5, name: "fingerprint", reason: "fingerprint must be hex byte pairs separated by ':'")),
        ("ssrc not a number", head + "m=video 9 UDP/TLS/RTP/SAVPF 96\na=ssrc:abc cname:x\n",
         .malformedAttribute(line: 6, name: "ssrc", reason: "SSRC must be a 32-bit number")),
        ("rid with bad direction", head + "m=video 9 UDP/TLS/RTP/SAVPF 96\na=rid:q sideways\n",
         .malformedAttribute(line: 6, name: "rid", reason: "rid direction must be 'send' or 'recv'")),
        ("simulcast with bad rid", head + "m=video 9 UDP/TLS/RTP/SAVPF 96\na=simulcast:send q;;f\n",
         .malformedAttribute(line: 6, name: "simulcast", reason: "invalid rid in simulcast list")),
        ("candidate without typ", head + "m=video 9 UDP/TLS/RTP/SAVPF 96\na=candidate:1 1 udp 1 10.0.0.1 5000 host\n",
         .malformedAttribute(line: 6, name: "candidate",
                             reason: "expected '<foundation> <component> <transport> <priority> <address> <port> typ <type>'")),
        ("empty attribute name", head + "a=:x\n", .malformedAttribute(line: 5, name: "", reason: "attribute name must be a token")),
        ("ice-ufrag with two values", head + "a=ice-ufrag:a b\n",
         .malformedAttribute(line: 5, name: "ice-ufrag", reason: "expected a single value")),
    ]

    @Test("malformed input is refused with a reason", arguments: cases.indices)
    func refused(index: Int) {
        let (name, text, expected) = Self.cases[index]
        #expect(throws: expected, "\(name)") { try SDPSessionDescription(parsing: text) }
        #expect(!expected.detail.isEmpty)
    }

    @Test func overLongInputIsRefused() {
        let filler = String(repeating: "a=x-padding:0123456789abcdef0123456789abcdef\n", count: 1600)
        let text = Self.head + filler
        #expect(text.utf8.count > SDPLimits.maximumBytes)
        #expect(throws: SDPParseError.tooLarge(bytes: text.utf8.count, limit: SDPLimits.maximumBytes)) {
            try SDPSessionDescription(parsing: text)
        }
    }

    @Test func tooManyMediaSectionsAreRefused() throws {
        let section = "m=audio 9 UDP/TLS/RTP/SAVPF 111\n"
        _ = try SDPSessionDescription(parsing: Self.head + String(repeating: section, count: 64))
        #expect(throws: SDPParseError.tooManyMediaSections(limit: 64)) {
            try SDPSessionDescription(parsing: Self.head + String(repeating: section, count: 65))
        }
    }

    @Test func invalidUTF8IsRefused() {
        var bytes = Array(Self.head.utf8)
        bytes += [0x73, 0x3D, 0xC3, 0x28, 0x0A]  // "s=" + a broken two-byte sequence
        #expect(throws: SDPParseError.invalidUTF8) { try SDPSessionDescription(parsing: bytes) }
    }

    @Test func detailsNameTheLine() {
        let error = SDPParseError.payloadTypeNotInMediaLine(line: 12, attribute: "rtpmap", payloadType: 96)
        #expect(error.detail == "line 12: a=rtpmap for payload type 96, which the m= line does not list")
    }
}

@Suite("SDP hostile inputs")
struct SDPHostileInputTests {
    /// Bodies just under the size limit made of one repeated line; each must be handled quickly.
    static let repeated: [(String, @Sendable (Int) -> String)] = [
        ("rids", { "a=rid:r\($0) send" }),
        ("rtcp-fb", { _ in "a=rtcp-fb:96 nack" }),
        ("candidates", { "a=candidate:\($0) 1 udp 1 10.0.0.1 \($0 % 65535) typ host" }),
        ("unknown attributes", { "a=x-\($0):\($0)" }),
        ("one long ice-options", { $0 == 0 ? "a=ice-options:" + String(repeating: "tok ", count: 15000) : "a=y" }),
    ]

    @Test("a 64 KiB body of one repeated line is handled in bounded time", arguments: repeated.indices)
    func boundedTime(index: Int) throws {
        let (name, line) = Self.repeated[index]
        var text = SDPParseErrorTests.head + "a=group:BUNDLE 0\nm=video 9 UDP/TLS/RTP/SAVPF 96\na=mid:0\na=rtcp-mux\na=sendonly\n"
            + "a=ice-ufrag:abcd\na=ice-pwd:abcdefghijklmnopqrstuvwx\na=fingerprint:sha-256 AA:BB\na=rtpmap:96 VP8/90000\n"
        var count = 0
        while true {
            let next = line(count) + "\n"
            if text.utf8.count + next.utf8.count > SDPLimits.maximumBytes { break }
            text += next
            count += 1
        }
        // CPU time of this thread (synchronous work), not wall time: the rest of the run cannot inflate it.
        let started = threadCPUTime()
        let parsed = try SDPSessionDescription(parsing: text)
        _ = parsed.serialized()
        _ = try? WebRTCNegotiator.answerWHIP(offer: parsed, server: SDPTestValues.server, sessionID: 1)
        let took = threadCPUTime() - started
        #expect(took < .seconds(2), "\(name): \(count) lines took \(took) of CPU")
    }

    @Test func tooManySimulcastRidsAreRefused() {
        let rids = (0..<17).map { "r\($0)" }
        let section = SDPTestValues.videoSection(mid: "0", extra: rids.map { "a=rid:\($0) send" } + ["a=simulcast:send " + rids.joined(separator: ";")])
        #expect(throws: WebRTCNegotiationError.invalidSimulcast(mid: "0", reason: "more than 16 rids")) {
            try WebRTCNegotiator.answerWHIP(offer: SDPTestValues.offer([section]), server: SDPTestValues.server, sessionID: 1)
        }
    }
}
