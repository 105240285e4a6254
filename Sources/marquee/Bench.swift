import ArgumentParser
import Foundation
import MarqueeApp

/// `marquee bench writer|replay`: the numbers in BENCHMARKS.md (build with -c release first).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Measure the writer and replay beside raw SQLite (BENCHMARKS.md).",
                                                    subcommands: [Writer.self, ReplayBench.self, Webhooks.self])

    struct Writer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "writer", abstract: "Gift commands/s through the writer vs raw SQLite inserts.")
        @Option(help: "A directory on the disk to measure (it is emptied of bench files).") var dir = "./bench-data"
        @Option(help: "Caller counts, comma separated.") var callers = "1,16,256"
        @Option(help: "Gift commands per caller count (the 1-caller run uses a tenth).") var commands = 100_000

        func run() async throws {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let counts = callers.split(separator: ",").compactMap { Int($0) }
            let fixture = try await Bench.makeFixture(dir: dir, viewers: 256)
            for count in counts {
                let total = count == 1 ? commands / 10 : commands
                print(try await Bench.gifts(fixture, callers: count, total: total, label: "c\(count)"))
            }
            fixture.writer.shutdown()
            print(try Bench.rawInserts(path: dir + "/raw.sqlite", rows: commands))
            // The most a writer with 256 callers can put in one commit is 256 commands.
            print(try Bench.rawInserts(path: dir + "/raw256.sqlite", rows: commands, perTransaction: 256))
            // The same 1,000-row baseline through our VFS, then with all of the writer's settings.
            print(try Bench.rawInserts(path: dir + "/rawvfs.sqlite", rows: commands,
                                       options: .init(vfs: .coalescedWAL, autocheckpointPages: 1000)))
            print(try Bench.rawInserts(path: dir + "/rawwriter.sqlite", rows: commands, options: .writer))
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
