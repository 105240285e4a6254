import Foundation
import MarqueeApp
import Testing

/// `marquee bench writer --rounds N`: the ratio is taken per round and summarised.
@Suite("Bench: writer rounds and their ratios")
struct BenchRoundsTests {
    @Test func medianOfOddAndEvenCounts() {
        #expect(Bench.median([]) == 0)
        #expect(Bench.median([7]) == 7)
        #expect(Bench.median([3, 1, 2]) == 2)
        #expect(Bench.median([4, 1, 3, 2]) == 2.5)
    }

    @Test func percentileIsTheNearestRank() {
        let values = (1...10).map(Double.init)
        #expect(Bench.percentile(values, 0.5) == 5)
        #expect(Bench.percentile(values, 0.9) == 9)
        #expect(Bench.percentile(values, 0.99) == 10)
        #expect(Bench.percentile([7], 0.99) == 7)
        #expect(Bench.percentile([], 0.5).isNaN)
    }

    @Test func theRatioIsTakenPerRoundNotFromTheMedians() {
        // Each writer figure is 60 % of the raw figure measured beside it, while the medians of
        // the two columns taken apart would give 80 / 110 ≈ 72.7 %.
        let rounds = Bench.Rounds([.init(writer: 60, raw: 100), .init(writer: 80, raw: 133.34), .init(writer: 96, raw: 160)])
        #expect(rounds.rounds.map { ($0.ratio * 1000).rounded() / 1000 } == [0.6, 0.6, 0.6])
        #expect(abs(rounds.medianRatio - 0.6) < 0.001)
    }

    @Test func summaryCountsTheRoundsReachingTheTarget() {
        let rounds = Bench.Rounds([.init(writer: 50, raw: 100), .init(writer: 70, raw: 100), .init(writer: 60, raw: 100),
                                   .init(writer: 90, raw: 100)])
        #expect(rounds.reaching(0.6) == 3, "60 % itself reaches 60 %")
        #expect(abs(rounds.medianRatio - 0.65) < 1e-9)
        let line = rounds.summary(label: "writer, 256 caller(s) ÷ raw 1000-row", target: 0.6)
        #expect(line == "writer, 256 caller(s) ÷ raw 1000-row over 4 round(s): writer median 65 /s (50–90), raw median 100 /s; "
                + "ratio per round 50.0 %, 70.0 %, 60.0 %, 90.0 %; median 65.0 %; 3 of 4 reach 60.0 %")
    }

    @Test func aRoundWithoutARawFigureHasNoRatio() {
        #expect(Bench.Rounds.Round(writer: 10, raw: 0).ratio == 0)
        #expect(Bench.Rounds().summary(label: "x", target: 0.6).hasSuffix("median 0.0 %; 0 of 0 reach 60.0 %"))
        #expect(Bench.Rounds([.init(writer: 1, raw: 4)]).summary(label: "x", target: nil).hasSuffix("ratio per round 25.0 %; median 25.0 %"))
    }

    @Test func theSyncProbeMeasuresARealFileAndCleansUp() throws {
        let scratch = try TemporaryDirectory("bench-sync")
        let sync = try Bench.syncLatency(dir: scratch.path, count: 20)
        #expect(sync.median > 0 && sync.p90 >= sync.median)
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/sync-probe"))
        #expect(throws: Bench.BenchError.self) { try Bench.syncLatency(dir: scratch.path + "/missing", count: 1) }
    }

    /// The command end to end on a tiny load (the numbers themselves are BENCHMARKS.md's).
    @Test(.timeLimit(.minutes(3))) func benchWriterRunsRoundsAndSummarisesThem() async throws {
        let scratch = try TemporaryDirectory("bench-writer")
        let result = try await runMarquee(["bench", "writer", "--dir", scratch.path + "/bench", "--commands", "200",
                                           "--callers", "1,4,256", "--rounds", "2"], scratch: scratch.path, timeout: .seconds(150))
        #expect(result.status == 0, "\(result)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.hasPrefix("round ") } == ["round 1 of 2", "round 2 of 2"])
        #expect(lines.filter { $0.hasPrefix("disk before: 4 KiB pwrite + fdatasync median ") }.count == 2, "\(result)")
        #expect(lines.filter { $0.hasPrefix("disk after: ") }.count == 2, "\(result)")
        #expect(lines.filter { $0.hasPrefix("raw SQLite C API, 1000-row transactions: 200 in ") }.count == 2, "\(result)")
        for callers in [1, 4, 256] {
            let summary = try #require(lines.first { $0.hasPrefix("writer, \(callers) caller(s) ÷ raw 1000-row over 2 round(s): ") }, "\(result)")
            // only the 256 callers carry the 60 % target
            #expect(summary.hasSuffix(" of 2 reach 60.0 %") == (callers == 256), "\(summary)")
        }
        let refused = try await runMarquee(["bench", "writer", "--dir", scratch.path + "/bench", "--rounds", "0"], scratch: scratch.path)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("--rounds must be 1 to 100"), "\(refused)")
    }
}
