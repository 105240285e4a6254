import EventLog
import Foundation
import MarqueeCore
import SQLiteDB
import Testing

/// The writer's WAL goes through our coalescing VFS (CSQLiteVFS); readers use SQLite's standard
/// one. These check that batching the WAL's writes changes nothing a reader or a reopen can see.
@Suite("Coalescing WAL VFS: readers, checkpoints, reopen")
struct CoalescingVFSTests {
    @Test func theWriterUsesTheCoalescingVFSAndReadersTheStandardOne() async throws {
        try await withTestLog { log in
            let before = VFS.coalescedWALCounters
            _ = try await log.writer.submit(.append(stream: "a", count: 50))
            let after = VFS.coalescedWALCounters
            let writable = try EventStore(path: log.path + "-other.sqlite", writable: true)
            #expect(writable.connection.vfsName?.hasPrefix("marquee-coalescing-wal/") == true, "\(writable.connection.vfsName ?? "nil")")
            #expect(try log.reader().connection.vfsName == "unix")
            // One commit of ~3 pages: SQLite asked for two writes per frame; far fewer reached the file.
            // (Counters are process-wide: other tests may add to both, so compare the differences loosely.)
            let requested = after.requested - before.requested, issued = after.issued - before.issued
            #expect(requested >= 2 && issued >= 1 && issued < requested, "requested \(requested), issued \(issued)")
        }
    }

    /// Every answered append is visible, with the same bytes, to a reader on the standard VFS
    /// that opened before the writes (so it reads the WAL that the writer extends).
    @Test func aReaderOnTheStandardVFSSeesEveryCommittedEvent() async throws {
        try await withTestLog { log in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for caller in 0..<16 {
                    group.addTask {
                        let reader = try log.reader()
                        for i in 0..<40 {
                            let appended = try await log.writer.submit(.append(stream: "s\(caller)", count: 1 + i % 3))
                            for event in appended.events {
                                #expect(try reader.event(seq: event.seq) == event, "seq \(event.seq) after its commit")
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let stored = try log.allEvents()
            let perCaller: Int = (0..<40).reduce(0) { $0 + 1 + $1 % 3 }
            #expect(stored.count == 16 * perCaller)
            expectValidChain(stored)
        }
    }

    /// A small checkpoint interval makes the WAL fill, checkpoint and restart from its start many
    /// times (non-contiguous writes at offset 0); then the file reopens with every event intact.
    @Test func writesAcrossCheckpointsAndReopens() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/events.sqlite"
            let options = EventStore.WriteOptions(vfs: .coalescedWAL, autocheckpointPages: 8)
            _ = try EventStore(path: path, writable: true, options: options) // creates the file
            let reader = try EventStore(path: path, writable: false)
            var expected: [RecordedEvent] = []
            for round in 0..<2 {
                let writer = try LogWriter(store: EventStore(path: path, writable: true, options: options),
                                           handler: TestHandler(), clock: ManualClock())
                writer.start()
                for i in 0..<150 {
                    let appended = try await writer.submit(.append(stream: "r\(round)-\(i % 7)", count: 1 + i % 5))
                    expected += appended.events
                    if i % 10 == 0 {
                        // A reader between commits; it ends its read each time, so the WAL can restart.
                        #expect(try reader.head().seq == appended.events.last?.seq)
                    }
                }
                writer.shutdown()
            }
            let reopened = try EventStore(path: path, writable: true, options: options)
            #expect(try reopened.connection.rows("PRAGMA integrity_check") == [[.text("ok")]])
            let stored = try EventStore(path: path, writable: false).events(after: 0, limit: 1_000_000)
            #expect(stored == expected)
            expectValidChain(stored)
        }
    }

    /// Without a sync per commit (synchronous=OFF) nothing flushes the buffer at commit but the
    /// WAL-index barrier: a reader must still never see a commit whose frames are not in the file.
    @Test func readersSeeCommitsThatWereNotSynced() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/unsynced.sqlite"
            let writer = try Connection(path: path, mode: .readWriteCreate, vfs: .coalescedWAL)
            try writer.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA wal_autocheckpoint=0")
            try writer.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
            let reader = try Connection(path: path, mode: .readOnly)
            let body = String(repeating: "x", count: 3000)
            for round in 1...40 {
                try writer.transaction {
                    for i in 0..<10 { try writer.execute("INSERT INTO t(id, body) VALUES (\(round * 100 + i), '\(body)')") }
                }
                #expect(try reader.scalarInt("SELECT count(*) FROM t WHERE length(body) = 3000") == Int64(round * 10))
            }
        }
    }
}
