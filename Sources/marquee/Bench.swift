import ArgumentParser
import Foundation
import MediaCrypto
import MarqueeApp
import MediaLoad

/// `marquee bench writer|replay`: the numbers in BENCHMARKS.md (build with -c release first).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Measure the writer and replay beside raw SQLite (BENCHMARKS.md).",
                                                    subcommands: [Writer.self, ReplayBench.self, Webhooks.self, Media.self])

    struct Writer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "writer", abstract: "Gift commands/s through the writer vs raw SQLite inserts.")
        @Option(help: "A directory on the disk to measure (it is emptied of bench files).") var dir = "./bench-data"
        @Option(help: "Caller counts, comma separated.") var callers = "1,16,256"
        @Option(help: "Gift commands per caller count (the 1-caller run uses a tenth).") var commands = 100_000
        @Option(help: "Rounds, each on a fresh log with the raw 1,000-row baseline right after it; with more than one, a summary of the ratio per round.")
        var rounds = 1

        func validate() throws {
            guard (1...100).contains(rounds) else { throw ValidationError("--rounds must be 1 to 100") }
            guard commands >= 10 else { throw ValidationError("--commands must be at least 10") }
        }

        private func syncLine(_ when: String) throws -> String {
            let sync = try Bench.syncLatency(dir: dir)
            return "disk \(when): 4 KiB pwrite + fdatasync median \(Int(sync.median.rounded())) µs, p90 \(Int(sync.p90.rounded())) µs"
        }

        func run() async throws {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let counts = callers.split(separator: ",").compactMap { Int($0) }.filter { $0 > 0 }
            guard !counts.isEmpty else { throw ValidationError("--callers needs at least one positive count") }
            var byCount: [Int: Bench.Rounds] = [:]
            for round in 1...rounds {
                if rounds > 1 { print("round \(round) of \(rounds)") }
                print(try syncLine("before"))
                let fixture = try await Bench.makeFixture(dir: dir, viewers: 256)
                var figures: [(Int, Bench.Figure)] = []
                for count in counts {
                    let total = count == 1 ? commands / 10 : commands
                    let figure = try await Bench.gifts(fixture, callers: count, total: total, label: "c\(count)")
                    print(figure)
                    figures.append((count, figure))
                }
                fixture.writer.shutdown()
                let raw = try Bench.rawInserts(path: dir + "/raw.sqlite", rows: commands)
                print(raw)
                print(try syncLine("after"))
                for (count, figure) in figures {
                    byCount[count, default: Bench.Rounds()].rounds.append(.init(writer: figure.perSecond, raw: raw.perSecond))
                }
            }
            if rounds > 1 {
                // The target is for 256 callers: at least 60 % of the raw figure.
                for count in counts {
                    print(byCount[count, default: Bench.Rounds()].summary(label: "writer, \(count) caller(s) ÷ raw 1000-row",
                                                                          target: count == 256 ? 0.6 : nil))
                }
            }
            // The most a writer with 256 callers can put in one commit is 256 commands.
            print(try Bench.rawInserts(path: dir + "/raw256.sqlite", rows: commands, perTransaction: 256))
            // The same 1,000-row baseline through our VFS, then with all of the writer's settings.
            print(try Bench.rawInserts(path: dir + "/rawvfs.sqlite", rows: commands,
                                       options: .init(vfs: .coalescedWAL, autocheckpointPages: 1000)))
            print(try Bench.rawInserts(path: dir + "/rawwriter.sqlite", rows: commands, options: .writer))
        }
    }

    struct Media: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "media",
            abstract: "SFU forwarding: one ~1.2 Mbit/s VP8 publisher to N lightweight viewers (ICE, DTLS, SRTP), Marquee beside Janus.")
        @Option(help: "Where the servers' data, configuration and logs go.") var dir = "./bench-media"
        @Option(help: "Viewer counts, comma separated (viewers are added, never removed, between steps).") var viewers = "10,50,100,250,500"
        @Option(help: "Seconds measured at each viewer count.") var seconds = 10.0
        @Option(help: "Servers: marquee, marquee-threads-K (K fan-out threads), janus (its defaults), janus-loops-K (event_loops=K); comma separated.")
        var servers = "marquee,janus,janus-loops-2"
        @Option(help: "Seconds of the kernel floor measurement at each viewer count.") var floorSeconds = 5.0

        func run() throws {
            var targets: [MediaBench.Target] = []
            for name in servers.split(separator: ",") {
                if name == "marquee" { targets.append(.marquee(threads: nil)) }
                else if name.hasPrefix("marquee-threads-"), let threads = Int(name.dropFirst(16)), (1...64).contains(threads) {
                    targets.append(.marquee(threads: threads))
                }
                else if name == "janus" { targets.append(.janus(eventLoops: nil)) }
                else if name.hasPrefix("janus-loops-"), let loops = Int(name.dropFirst(12)) { targets.append(.janus(eventLoops: loops)) }
                else { throw ValidationError("unknown server '\(name)'") }
            }
            let counts = viewers.split(separator: ",").compactMap { Int($0) }.filter { $0 > 0 }
            guard !counts.isEmpty else { throw ValidationError("--viewers needs at least one positive count") }
            let binary = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
            var options = MediaBench.Options(targets: targets, viewerCounts: counts, seconds: seconds, dir: dir, marqueeBinary: binary)
            options.warmupSeconds = 2
            let rows = try MediaBench.run(options) { line in FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
            print("\n" + MediaBench.format(rows))
            // the floors every server here pays, measured in the same run
            print("\n| floor (same run) | viewers | µs per packet |\n|---|---|---|")
            for count in counts {
                print("| kernel: sendmmsg of the same datagrams to \(count) loopback sockets (sending thread) | \(count) | \(MediaBench.fixed(try FloorBench.sendmmsg(receivers: count, seconds: floorSeconds), 2)) |")
            }
            // AES-GCM as this process runs it: ours on OpenSSL inside libsrtp2, or Debian's NSS build
            // with MARQUEE_SRTP_GCM=nss (which then reaches the marquee server too)
            let gcm = SRTPSession.gcmImplementation == "openssl" ? "libsrtp2 with our OpenSSL AES-GCM" : "libsrtp2 (Debian, NSS)"
            for count in [1] + counts {
                print("| \(gcm): srtp_protect of a 1,012-byte packet, AEAD_AES_128_GCM, \(count) session(s) in turn | \(count) | \(MediaBench.fixed(try FloorBench.srtpProtect(sessions: count), 2)) |")
            }
            print("| libsrtp2 (Debian, NSS): the same, AES_CM_128_HMAC_SHA1_80, 1 session | 1 | \(MediaBench.fixed(try FloorBench.srtpProtect(profile: .aes128CmHmacSha1_80), 2)) |")
        }
    }

    struct Webhooks: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "webhooks",
                                                        abstract: "Webhook deliveries/s and latency to a local receiver; the writer alone and while delivering.")
        @Option(help: "A directory on the disk to measure.") var dir = "./bench-data"
        @Option(help: "Webhook endpoints (all on one local receiver).") var endpoints = 10
        @Option(help: "Gifts appended per second in the steady phase.") var rate = 200
        @Option(help: "Seconds of the steady phase.") var seconds = 10
        @Option(help: "Gift commands in each writer burst.") var burst = 20_000
        @Option(help: "Concurrent callers in each writer burst.") var callers = 64
        @Option(help: "Rounds of (writer alone, writer while delivering), interleaved.") var rounds = 3
        @Option(help: "The dispatcher thread's nice value (MARQUEE_WEBHOOK_NICENESS; 0 = the process's own).") var niceness: Int32 = 10
        @Option(help: "Where webhooks.sqlite goes (default: --dir, beside the log).") var storeDir: String?

        func run() async throws {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            print(try await WebhookBench.run(dir: dir, endpoints: endpoints, rate: rate, seconds: seconds, burst: burst, callers: callers,
                                             rounds: max(1, rounds), niceness: min(max(niceness, 0), 19), storeDir: storeDir))
        }
    }

    struct ReplayBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "replay", abstract: "Replay N events into read models vs a raw sequential read.")
        @Option(help: "A directory on the disk to measure.") var dir = "./bench-data"
        @Option(help: "Events in the log to replay.") var events = 1_000_000
        @Flag(help: "Replay the log already in --dir instead of writing a new one.") var reuse = false

        func run() async throws {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            if ProcessInfo.processInfo.environment["MARQUEE_BENCH_STAGES"] != nil {
                print(try Bench.decodeOnly(logPath: dir + "/events.sqlite"))
                for figure in try Bench.rebuildPhases(logPath: dir + "/events.sqlite", into: dir + "/phases.sqlite") { print(figure) }
                return
            }
            if reuse {
                print(try Bench.rawRead(logPath: dir + "/events.sqlite"))
                print(try Bench.replay(logPath: dir + "/events.sqlite", into: dir + "/readmodels.sqlite"))
                print(try Bench.rawRead(logPath: dir + "/events.sqlite"))
                return
            }
            let fixture = try await Bench.makeFixture(dir: dir, viewers: 256)
            let setup = fixture.writer.head
            print(try await Bench.gifts(fixture, callers: 256, total: events - Int(setup), label: "r"))
            let head = fixture.writer.head
            fixture.writer.shutdown()
            print("log: \(head) events")
            print(try Bench.rawRead(logPath: dir + "/events.sqlite"))
            print(try Bench.replay(logPath: dir + "/events.sqlite", into: dir + "/readmodels.sqlite"))
            print(try Bench.rawRead(logPath: dir + "/events.sqlite"))
        }
    }
}
