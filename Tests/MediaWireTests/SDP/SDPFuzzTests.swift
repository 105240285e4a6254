import Foundation
import Testing
import TestSupport
@testable import MediaWire

/// Deterministic fuzzing of the parser and both negotiators with random lines and mutated real
/// offers (SplitMix64, fixed seed). Properties: no crash; every input handled in bounded time;
/// whatever parses re-serializes to text that parses to an equal value; every answer the
/// negotiators produce is itself valid SDP.
///
/// The iterations are split into `shards` test cases with derived seeds, so they run in parallel.
/// Longer runs: `MARQUEE_FUZZ_ITERATIONS=1000000 swift test --filter SDPFuzzTests`
/// (`MARQUEE_FUZZ_SEED` picks another seed). Failures print the shard, iteration and input.
@Suite("SDP fuzzing")
struct SDPFuzzTests {
    static var iterations: Int {
        ProcessInfo.processInfo.environment["MARQUEE_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 50_000
    }

    static var seed: UInt64 {
        ProcessInfo.processInfo.environment["MARQUEE_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x5D9_F022_2026
    }

    static let shards = 4

    @Test("parser and negotiators survive random and mutated offers", arguments: 0..<shards)
    func fuzz(shard: Int) async throws {
        await onOwnThread {
            let iterations = (Self.iterations + Self.shards - 1) / Self.shards
            var fuzzer = SDPFuzzer(seed: Self.seed &+ UInt64(shard) &* 0x9E37_79B9)
            let tracks = [SDPTestValues.audioTrack(), SDPTestValues.videoTrack(), SDPTestValues.videoTrack(SDPTestValues.h264("42e01f"))]
            var stats = (parsed: 0, answeredWHIP: 0, answeredWHEP: 0)
            var failures = 0
            var slowest = Duration.zero
            for iteration in 0..<iterations {
                let input = fuzzer.next(iteration: iteration)
                let started = threadCPUTime()
                defer { slowest = max(slowest, threadCPUTime() - started) }
                guard let parsed = try? SDPSessionDescription(parsing: input) else { continue }
                stats.parsed += 1
                let written = parsed.serialized()
                // LF input grows by one byte per line as CRLF; past the limit a re-parse is refused by design.
                if written.utf8.count <= SDPLimits.maximumBytes {
                    do {
                        let reparsed = try SDPSessionDescription(parsing: written)
                        if reparsed != parsed {
                            failures += 1
                            Issue.record("shard \(shard) iteration \(iteration): re-parsed value differs\ninput: \(String(decoding: input, as: UTF8.self).debugDescription)\nwritten: \(written.debugDescription)")
                        }
                    } catch {
                        failures += 1
                        Issue.record("shard \(shard) iteration \(iteration): serialized text does not parse (\(error))\ninput: \(String(decoding: input, as: UTF8.self).debugDescription)\nwritten: \(written.debugDescription)")
                    }
                }
                if let answer = try? WebRTCNegotiator.answerWHIP(offer: parsed, server: SDPTestValues.server, sessionID: 1) {
                    stats.answeredWHIP += 1
                    failures += Self.checkAnswer(answer, shard: shard, iteration: iteration, input: input)
                }
                if let answer = try? WebRTCNegotiator.answerWHEP(offer: parsed, server: SDPTestValues.server, tracks: tracks, sessionID: 1) {
                    stats.answeredWHEP += 1
                    failures += Self.checkAnswer(answer, shard: shard, iteration: iteration, input: input)
                }
                if failures >= 5 { break }
            }
            // Bounded time: no single input may take long (inputs are at most 64 KiB); CPU time of
            // this thread, so the rest of the test run cannot make it look slow.
            #expect(slowest < .seconds(1), "slowest input took \(slowest)")
            // The mutations must reach the negotiators, not just bounce off the parser.
            #expect(stats.parsed > iterations / 10)
            #expect(stats.answeredWHIP > iterations / 50)
            #expect(stats.answeredWHEP > iterations / 50)
        }
    }

    static func checkAnswer(_ answer: WebRTCAnswer, shard: Int, iteration: Int, input: [UInt8]) -> Int {
        do {
            let reparsed = try SDPSessionDescription(parsing: answer.sdp)
            guard reparsed == answer.answer else {
                Issue.record("shard \(shard) iteration \(iteration): answer does not round-trip\ninput: \(String(decoding: input, as: UTF8.self).debugDescription)")
                return 1
            }
            return 0
        } catch {
            Issue.record("shard \(shard) iteration \(iteration): answer is not valid SDP (\(error))\ninput: \(String(decoding: input, as: UTF8.self).debugDescription)\nanswer: \(answer.sdp.debugDescription)")
            return 1
        }
    }
}

/// Produces fuzz inputs: one in eight is random SDP-shaped lines, the rest are real offers with
/// a few line-, token- and byte-level mutations.
struct SDPFuzzer {
    var random: SplitMix64
    let seeds: [[[UInt8]]]

    static let lines = [
        "m=video 9 UDP/TLS/RTP/SAVPF 96", "m=audio 0 UDP/TLS/RTP/SAVPF 111", "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
        "a=mid:0", "a=mid:1", "a=sendonly", "a=recvonly", "a=sendrecv", "a=inactive", "a=rtcp-mux", "a=rtcp-rsize",
        "a=rtpmap:96 VP8/90000", "a=rtpmap:111 opus/48000/2", "a=rtpmap:97 rtx/90000", "a=fmtp:97 apt=96",
        "a=fmtp:96 packetization-mode=1;profile-level-id=42e01f", "a=rtcp-fb:* nack", "a=rtcp-fb:96 transport-cc",
        "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id", "a=extmap:4/sendonly urn:ietf:params:rtp-hdrext:sdes:mid",
        "a=rid:q send", "a=rid:h send pt=96;max-width=640", "a=rid:f recv", "a=simulcast:send q;h;f", "a=simulcast:send ~q,h recv f",
        "a=ssrc:1 cname:x", "a=ssrc-group:FID 1 2", "a=msid:s t", "a=setup:passive", "a=setup:active", "a=setup:actpass",
        "a=ice-ufrag:abcd", "a=ice-pwd:abcdefghijklmnopqrstuvwx", "a=fingerprint:sha-256 AA:BB", "a=ice-lite",
        "a=group:BUNDLE 0 1", "a=group:BUNDLE", "a=candidate:1 1 udp 1 10.0.0.1 5000 typ host raddr 1.1.1.1 rport 1",
        "a=end-of-candidates", "a=bundle-only", "a=ice-options:trickle", "a=msid-semantic: WMS *", "c=IN IP4 0.0.0.0",
        "b=AS:300", "i=info", "k=prompt", "t=0 0", "s=-", "v=0", "o=- 1 1 IN IP4 0.0.0.0", "x=unknown", "a=x-custom:1",
    ]

    static let tokens = [
        "0", "1", "9", "14", "15", "127", "128", "255", "256", "65535", "65536", "4294967295", "4294967296",
        "99999999999999999999999", "-1", "+5", "", " ", "  ", ":", "/", ";", ",", "~", "=", "*", "\t", "é", "e\u{301}",
        "\u{301}", "send", "recv", "typ", "raddr", "rport", "sha-256", "H264", "VP8", "opus", "rtx", "apt=96", "actpass",
    ]

    init(seed: UInt64) {
        random = SplitMix64(seed: seed)
        let texts = SDPFixtures.all.map(\.sdp)
        seeds = (texts + texts.map(SDPFixtures.crlf)).map { text in
            Array(text.utf8).split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        }
    }

    mutating func int(_ range: Range<Int>) -> Int { Int.random(in: range, using: &random) }

    mutating func next(iteration: Int) -> [UInt8] {
        if iteration % 8 == 7 { return randomLines() }
        var lines = seeds[int(0..<seeds.count)]
        for _ in 0..<int(1..<5) { mutate(&lines) }
        var bytes = Array(lines.joined(separator: [0x0A]))
        if int(0..<50) == 0 { bytes = Array(bytes.prefix(int(0..<(bytes.count + 1)))) }
        return bytes
    }

    private mutating func randomLines() -> [UInt8] {
        var lines: [[UInt8]] = [Array("v=0".utf8), Array("o=- 1 1 IN IP4 0.0.0.0".utf8), Array("s=-".utf8), Array("t=0 0".utf8)]
        for _ in 0..<int(0..<40) {
            if int(0..<3) == 0 {
                let type = UInt8(ascii: "a") + UInt8(int(0..<26))
                var line = [type, UInt8(ascii: "=")]
                for index in 0..<int(0..<6) {
                    if index > 0 { line.append([0x20, 0x3A, 0x2F, 0x3B][int(0..<4)]) }
                    line += Array(Self.tokens[int(0..<Self.tokens.count)].utf8)
                }
                lines.append(line)
            } else {
                lines.append(Array(Self.lines[int(0..<Self.lines.count)].utf8))
            }
        }
        return Array(lines.joined(separator: [0x0A]))
    }

    private mutating func mutate(_ lines: inout [[UInt8]]) {
        guard !lines.isEmpty else { lines = [Array("v=0".utf8)]; return }
        let index = int(0..<lines.count)
        switch int(0..<10) {
        case 0:
            lines.remove(at: index)
        case 1:
            lines.insert(lines[index], at: int(0..<lines.count))
        case 2:
            lines.swapAt(index, int(0..<lines.count))
        case 3:
            lines.insert(Array(Self.lines[int(0..<Self.lines.count)].utf8), at: index)
        case 4:
            // Replace one space/colon/slash-separated field with a dictionary token.
            var fields = lines[index].split(omittingEmptySubsequences: false) { $0 == 0x20 || $0 == 0x3A || $0 == 0x2F }.map(Array.init)
            let separators = lines[index].filter { $0 == 0x20 || $0 == 0x3A || $0 == 0x2F }
            fields[int(0..<fields.count)] = Array(Self.tokens[int(0..<Self.tokens.count)].utf8)
            var rebuilt: [UInt8] = fields[0]
            for (offset, field) in fields.dropFirst().enumerated() { rebuilt.append(separators[offset]); rebuilt += field }
            lines[index] = rebuilt
        case 5:
            lines[index] = Array(lines[index].prefix(int(0..<(lines[index].count + 1))))
        case 6:
            if !lines[index].isEmpty { lines[index][int(0..<lines[index].count)] = UInt8(int(0..<256)) }
        case 7:
            let position = int(0..<(lines[index].count + 1))
            lines[index].insert(contentsOf: (0..<int(1..<4)).map { _ in UInt8(int(0x20..<0x7F)) }, at: position)
        case 8:
            let other = seeds[int(0..<seeds.count)]
            lines.insert(other[int(0..<other.count)], at: index)
        default:
            if !lines[index].isEmpty { lines[index][0] = UInt8(ascii: "a") + UInt8(int(0..<26)) }
        }
    }
}
