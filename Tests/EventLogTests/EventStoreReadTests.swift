import EventLog
import MarqueeCore
import SQLiteDB
import Testing

@Suite("EventStore: reading by position, time, type; consumer checkpoints")
struct EventStoreReadTests {
    static let start = Timestamp(milliseconds: 1_790_000_000_000)

    /// seq 1-3: s1 "t.one" at start; 4-5: s2 "t.two" at +1 s; 6-7: s1 "t.three" at +2 s.
    func withSampleLog(_ body: (TestLog) async throws -> Void) async throws {
        let clock = ManualClock(Self.start)
        try await withTestLog(clock: clock) { log in
            _ = try await log.writer.submit(.append(stream: "s1", count: 3, type: "t.one"))
            clock.advance(seconds: 1)
            _ = try await log.writer.submit(.append(stream: "s2", count: 2, type: "t.two"))
            clock.advance(seconds: 1)
            _ = try await log.writer.submit(.append(stream: "s1", count: 2, type: "t.three"))
            try await body(log)
        }
    }

    @Test func eventsByPositionWithBoundsAndLimits() async throws {
        try await withSampleLog { log in
            let store = try log.reader()
            #expect(try store.events(after: 0).map(\.seq) == [1, 2, 3, 4, 5, 6, 7])
            #expect(try store.events(after: 0).map(\.version) == [1, 2, 3, 1, 2, 4, 5])
            #expect(try store.events(after: 2, through: 5).map(\.seq) == [3, 4, 5])
            #expect(try store.events(after: 0, limit: 2).map(\.seq) == [1, 2])
            #expect(try store.events(after: 5, through: 100, limit: 10).map(\.seq) == [6, 7])
            #expect(try store.events(after: 7).isEmpty)
            #expect(try store.events(after: 3, through: 3).isEmpty)
            #expect(try store.event(seq: 4)?.type == "t.two")
            #expect(try store.event(seq: 4)?.stream == "s2")
            #expect(try store.event(seq: 8) == nil)
            #expect(try store.event(seq: 0) == nil)
        }
    }

    @Test func eventsFilteredByType() async throws {
        try await withSampleLog { log in
            let store = try log.reader()
            #expect(try store.events(after: 0, types: ["t.two"]).map(\.seq) == [4, 5])
            #expect(try store.events(after: 0, types: ["t.one", "t.three"]).map(\.seq) == [1, 2, 3, 6, 7])
            #expect(try store.events(after: 0, limit: 4, types: ["t.one", "t.three"]).map(\.seq) == [1, 2, 3, 6])
            #expect(try store.events(after: 2, through: 6, types: ["t.three", "t.one"]).map(\.seq) == [3, 6])
            #expect(try store.events(after: 0, types: ["nope"]).isEmpty)
            #expect(try store.events(after: 0, types: []).count == 7, "an empty filter is no filter")
            // The cached statement is reused with other bindings.
            #expect(try store.events(after: 0, types: ["t.one"]).map(\.seq) == [1, 2, 3])
            #expect(try store.events(after: 0, types: ["t.three"]).map(\.seq) == [6, 7])
        }
    }

    @Test func scanVisitsInOrderAndStopsWhenAsked() async throws {
        try await withSampleLog { log in
            let store = try log.reader()
            var visited: [Int64] = []
            try store.scan(after: 1) { row in
                visited.append(row.seq)
                return visited.count < 3
            }
            #expect(visited == [2, 3, 4])

            var oneOrThree: [(Int64, Bool)] = []
            try store.scan(after: 0, through: 6, types: ["t.one", "t.three"]) { row in
                oneOrThree.append((row.seq, row.typeIs("t.one")))
                return true
            }
            #expect(oneOrThree.map(\.0) == [1, 2, 3, 6])
            #expect(oneOrThree.map(\.1) == [true, true, true, false])

            // A scan row carries the same values as the recorded event.
            var rows: [RecordedEvent] = []
            var dataLengths: [Int] = []
            try store.scan(after: 0, limit: 3) { row in
                rows.append(row.recorded())
                dataLengths.append(row.withData { $0.count })
                return true
            }
            #expect(rows == Array(try store.events(after: 0).prefix(3)))
            #expect(dataLengths == rows.map(\.data.count))
            #expect(rows.first?.recordedTime == Self.start)
        }
    }

    @Test func lastSeqAtOrBeforeATime() async throws {
        try await withSampleLog { log in
            let store = try log.reader()
            #expect(try store.lastSeq(atOrBefore: Self.start.adding(milliseconds: -1).rfc3339) == 0)
            #expect(try store.lastSeq(atOrBefore: Self.start.rfc3339) == 3)
            #expect(try store.lastSeq(atOrBefore: Self.start.adding(milliseconds: 999).rfc3339) == 3)
            #expect(try store.lastSeq(atOrBefore: Self.start.adding(seconds: 1).rfc3339) == 5)
            #expect(try store.lastSeq(atOrBefore: Self.start.adding(milliseconds: 1_500).rfc3339) == 5)
            #expect(try store.lastSeq(atOrBefore: Self.start.adding(seconds: 2).rfc3339) == 7)
            #expect(try store.lastSeq(atOrBefore: "9999-12-31T23:59:59.999Z") == 7)
        }
    }

    @Test func headOfAnEmptyLog() async throws {
        try await withTemporaryDirectory { dir in
            let store = try EventStore(path: dir + "/events.sqlite", writable: true)
            let head = try store.head()
            #expect(head.seq == 0)
            #expect(head.hash == HashChain.genesis)
            #expect(try store.streamVersions().isEmpty)
            #expect(try store.events(after: 0).isEmpty)
            #expect(try store.lastSeq(atOrBefore: "2100-01-01T00:00:00.000Z") == 0)
        }
    }

    @Test func consumerCheckpointsAreDurableAndTransactional() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/events.sqlite"
            do {
                let store = try EventStore(path: path, writable: true)
                #expect(try store.checkpoint(of: "webhooks") == 0)
                try store.saveCheckpoint(5, for: "webhooks", at: "2026-01-01T00:00:00.000Z")
                #expect(try store.checkpoint(of: "webhooks") == 5)
                try store.saveCheckpoint(7, for: "webhooks", at: "2026-01-01T00:00:01.000Z") // an update, not a second row
                try store.saveCheckpoint(2, for: "feed", at: "2026-01-01T00:00:02.000Z")
                #expect(try store.checkpoint(of: "webhooks") == 7)
                #expect(try store.checkpoint(of: "feed") == 2)
                // Saved inside a transaction that rolls back: not saved.
                struct Abort: Error {}
                #expect(throws: Abort.self) {
                    try store.connection.transaction {
                        try store.saveCheckpoint(9, for: "webhooks", at: "2026-01-01T00:00:03.000Z")
                        throw Abort()
                    }
                }
                #expect(try store.checkpoint(of: "webhooks") == 7)
            }
            let reopened = try EventStore(path: path, writable: false)
            #expect(try reopened.checkpoint(of: "webhooks") == 7)
            #expect(try reopened.checkpoint(of: "feed") == 2)
            #expect(try reopened.connection.rows("SELECT consumer, seq, updated_at FROM consumer_checkpoints ORDER BY consumer") == [
                [.text("feed"), .integer(2), .text("2026-01-01T00:00:02.000Z")],
                [.text("webhooks"), .integer(7), .text("2026-01-01T00:00:01.000Z")],
            ])
        }
    }
}
