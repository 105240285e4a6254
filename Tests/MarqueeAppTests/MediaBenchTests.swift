import Foundation
import Testing

/// `marquee bench media` end to end, small: the load generator's peers (our ICE, DTLS client and
/// server roles, SRTP) publish and watch through a real `marquee serve` and through Debian's
/// Janus (libnice's full ICE, its own DTLS and SRTP: an outside WebRTC implementation), and
/// every viewer receives the publisher's packets. The numbers themselves are BENCHMARKS.md's.
@Suite("Forwarding benchmark harness", .timeLimit(.minutes(4)))
struct MediaBenchTests {
    @Test func threeViewersReceiveThePublisherThroughMarqueeAndJanus() async throws {
        let scratch = try TemporaryDirectory("bench-media")
        let result = try await runMarquee(["bench", "media", "--dir", scratch.path + "/bench", "--viewers", "1,3", "--seconds", "2",
                                           "--servers", "marquee,janus", "--floor-seconds", "1"],
                                          scratch: scratch.path, timeout: .seconds(200))
        #expect(result.status == 0, "\(result)")
        let rows = result.stdout.split(separator: "\n").filter { $0.hasPrefix("| Marquee |") || $0.hasPrefix("| Janus 1.1 (defaults) |") }
        // each row is printed as it is measured, then again in the final table
        #expect(rows.count == 8, "\(result)")
        for row in rows {
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            let viewers = try #require(Int(cells[1]))
            let forwarded = try #require(Double(cells[2]))
            let loss = try #require(Double(cells[6].replacingOccurrences(of: " %", with: "")))
            // loss is counted against what the publisher sent while measuring (a busy box sends
            // fewer than 150 packets/s, so the rate itself is not checked); loopback loses
            // nothing at this size, allow for a loaded box
            #expect(viewers == 1 || viewers == 3, "\(row)")
            #expect(forwarded > 0, "\(row)")
            #expect(loss < 5, "\(row)")
        }
        #expect(result.stdout.contains("| kernel: sendmmsg of the same datagrams to 3 loopback sockets"), "\(result)")
        #expect(result.stdout.contains("srtp_protect of a 1,012-byte packet"), "\(result)")
    }
}
