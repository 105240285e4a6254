import EventLog
import Foundation
import MarqueeCore
import SQLiteDB
import Testing

@Suite("LogWriter: appends, hash chain, rejections, failed commits, shutdown")
struct WriterTests {
    @Test func seqIsGaplessAndVersionsCountPerStream() async throws {
        try await withTestLog { log in
            let first = try await log.writer.submit(.append(stream: "a", count: 2))
            let second = try await log.writer.submit(.append(stream: "b", count: 1))
            let third = try await log.writer.submit(.append(stream: "a", count: 3))
            #expect(first.events.map(\.seq) == [1, 2])
            #expect(second.events.map(\.seq) == [3])
            #expect(third.events.map(\.seq) == [4, 5, 6])
            #expect(first.events.map(\.version) == [1, 2])
            #expect(second.events.map(\.version) == [1])
            #expect(third.events.map(\.version) == [3, 4, 5])
            // The handler is told the seq its first event will get.
            #expect(first.outcome.nextSeq == 1 && second.outcome.nextSeq == 3 && third.outcome.nextSeq == 4)
            #expect(log.writer.head == 6)
            #expect(log.writer.watcher.head == 6)

            let stored = try log.allEvents()
            #expect(stored == first.events + second.events + third.events) // the answer is what was stored
            #expect(stored.map(\.stream) == ["a", "a", "b", "a", "a", "a"])
            #expect(try log.reader().streamVersions() == ["a": 5, "b": 1])
            #expect(try log.reader().head().seq == 6)
            #expect(try log.reader().head().hash == stored.last?.hash)
        }
    }

    @Test func hashesChainFromThirtyTwoZeroBytes() async throws {
        try await withTestLog { log in
            for stream in ["a", "b", "a", "c"] { _ = try await log.writer.submit(.append(stream: stream, count: 2)) }
            let stored = try log.allEvents()
            #expect(stored.count == 8)
            #expect(stored.first?.prevHash == [UInt8](repeating: 0, count: 32))
            #expect(stored.allSatisfy { $0.hash.count == 32 })
            #expect(Set(stored.map(\.hash)).count == 8)
            expectValidChain(stored)
        }
    }

    /// Recomputes one hash from the canonical encoding documented in HashChain.swift, built here
    /// independently, so a change of encoding is caught and not just re-derived.
    @Test func hashMatchesTheDocumentedCanonicalEncoding() async throws {
        // FIPS 180-2 test vector: SHA-256("abc").
        #expect(Digest.hex(HashChain.sha256(Array("abc".utf8)))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // FIPS 180-2's two-block vector and its million "a" (many blocks, padding across a boundary),
        // and the empty input.
        #expect(Digest.hex(HashChain.sha256(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(Digest.hex(HashChain.sha256([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        #expect(Digest.hex(HashChain.sha256([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        try await withTestLog { log in
            _ = try await log.writer.submit(.append(stream: "wallet-acc_1", count: 2))
            let event = try #require(try log.allEvents().last)
            func u64(_ v: Int64) -> [UInt8] { (0..<8).reversed().map { UInt8(truncatingIfNeeded: UInt64(bitPattern: v) >> (UInt64($0) * 8)) } }
            func u32(_ v: Int) -> [UInt8] { (0..<4).reversed().map { UInt8(truncatingIfNeeded: UInt32(v) >> (UInt32($0) * 8)) } }
            func lp(_ bytes: [UInt8]) -> [UInt8] { u32(bytes.count) + bytes }
            var canonical = event.prevHash
            canonical += u64(event.seq) + lp(Array(event.stream.utf8)) + u64(event.version) + lp(Array(event.type.utf8))
            canonical += u32(event.schema) + lp(event.data) + lp(event.meta) + lp(Array(event.recordedAt.utf8))
            #expect(Digest.sha256(canonical) == event.hash)
        }
    }

    @Test func recordedAtNeverGoesBackwardsEvenWhenTheClockDoes() async throws {
        let start = Timestamp(milliseconds: 1_790_000_000_000)
        let clock = ManualClock(start)
        try await withTemporaryDirectory { dir in
            var times: [String] = []
            var decidedAt: [Timestamp] = []
            do {
                let log = try TestLog(directory: dir, clock: clock)
                defer { log.writer.shutdown() }
                for (offset, count) in [(0, 1), (-5_000, 2), (-10_000, 1), (1_000, 1), (-1, 1)] {
                    clock.set(start.adding(milliseconds: Int64(offset)))
                    let appended = try await log.writer.submit(.append(stream: "s", count: count))
                    times += appended.events.map(\.recordedAt)
                    decidedAt.append(appended.outcome.now)
                    // The handler decides at the time that is stored.
                    #expect(appended.events.allSatisfy { $0.recordedAt == appended.outcome.now.rfc3339 })
                }
            }
            #expect(times == [start.rfc3339, start.rfc3339, start.rfc3339, start.rfc3339,
                              start.adding(milliseconds: 1_000).rfc3339, start.adding(milliseconds: 1_000).rfc3339])
            #expect(decidedAt == decidedAt.sorted())
            // A restarted writer continues from the last stored time, not from its (earlier) clock.
            clock.set(start.adding(seconds: -3_600))
            let log = try TestLog(directory: dir, clock: clock)
            defer { log.writer.shutdown() }
            let later = try await log.writer.submit(.append(stream: "s", count: 1))
            #expect(later.events.first?.recordedAt == start.adding(milliseconds: 1_000).rfc3339)
            let stored = try log.allEvents()
            #expect(stored.map(\.recordedAt) == stored.map(\.recordedAt).sorted())
            #expect(stored.map(\.version) == Array(1...7))
            expectValidChain(stored)
        }
    }

    @Test func writerResumesTheChainAfterRestart() async throws {
        try await withTemporaryDirectory { dir in
            do {
                let log = try TestLog(directory: dir)
                defer { log.writer.shutdown() }
                _ = try await log.writer.submit(.append(stream: "a", count: 3))
            }
            let log = try TestLog(directory: dir)
            defer { log.writer.shutdown() }
            #expect(log.writer.head == 3)
            #expect(log.handler.loads.load(ordering: .sequentiallyConsistent) == 1)
            let next = try await log.writer.submit(.append(stream: "a", count: 1))
            #expect(next.events.map(\.seq) == [4])
            #expect(next.events.map(\.version) == [4])
            expectValidChain(try log.allEvents())
        }
    }

    /// Builds one batch deterministically: a gate command holds the writer thread inside
    /// `decide`, the others are queued behind it, then the gate opens and the queue is one batch.
    @Test func rejectedCommandAppendsNothingAndTheRestOfItsBatchSucceeds() async throws {
        try await withTestLog { log in
            let writer = log.writer
            let gate = Task { try await writer.submit(.gate(stream: "g")) }
            try await within(30, "the gate command") { await log.handler.gateEntered.wait(after: 0) }
            let a = enqueue(writer, .append(stream: "a", count: 2))
            let rejected = enqueue(writer, .reject("not today"))
            let b = enqueue(writer, .append(stream: "b", count: 1))
            try await waitUntilQueued(writer, 3)
            log.handler.gateRelease.signal()

            let gateResult = try await within { try await gate.value }
            let aResult = try await within { await a.result }
            let rejectedResult = try await within { await rejected.result }
            let bResult = try await within { await b.result }

            #expect(gateResult.events.map(\.seq) == [1])
            #expect(writer.committedBatches == 2, "the three queued commands were one batch")
            #expect(aResult.success?.events.map(\.seq) == [2, 3])
            #expect(rejectedResult.failure as? Rejected == Rejected(reason: "not today"))
            #expect(bResult.success?.events.map(\.seq) == [4])
            #expect(bResult.success?.outcome.nextSeq == 4)

            let stored = try log.allEvents()
            #expect(stored.map(\.type) == ["test.gate", "test.appended", "test.appended", "test.appended"])
            #expect(stored.map(\.stream) == ["g", "a", "a", "b"])
            expectValidChain(stored)
        }
    }

    @Test func aBatchWithOnlyRejectionsAppendsNothing() async throws {
        try await withTestLog { log in
            await #expect(throws: Rejected(reason: "x")) { try await log.writer.submit(.reject("x")) }
            #expect(try log.allEvents().isEmpty)
            #expect(log.writer.head == 0)
            let next = try await log.writer.submit(.append(stream: "a", count: 1))
            #expect(next.events.first?.seq == 1)
            #expect(next.events.first?.prevHash == HashChain.genesis)
        }
    }

    @Test func failedTransactionFailsTheWholeBatchAndTheWriterRecovers() async throws {
        try await withTestLog { log in
            let writer = log.writer
            let before = try await writer.submit(.append(stream: "a", count: 1)) // seq 1, a v1
            #expect(log.handler.loads.load(ordering: .sequentiallyConsistent) == 1)

            let gate = Task { try await writer.submit(.gate(stream: "g")) } // seq 2
            try await within(30, "the gate command") { await log.handler.gateEntered.wait(after: 0) }
            let a = enqueue(writer, .append(stream: "a", count: 2))
            let doomed = enqueue(writer, .failingSideWrite(stream: "d"))
            let b = enqueue(writer, .append(stream: "b", count: 1))
            try await waitUntilQueued(writer, 3)
            log.handler.gateRelease.signal()
            _ = try await within { try await gate.value }

            let results = [try await within { await a.result }, try await within { await doomed.result },
                           try await within { await b.result }]
            for (index, result) in results.enumerated() {
                #expect(isStorageError(result.failure), "caller \(index) of the failed batch: \(result)")
            }
            if case .storage(let message)? = results[1].failure as? WriterError {
                #expect(message.contains("side write failed on purpose"))
            }
            #expect(writer.committedBatches == 2, "the failed batch was not committed")
            // The handler rebuilt its state from the log after the rollback.
            #expect(log.handler.loads.load(ordering: .sequentiallyConsistent) == 2)

            let afterFailure = try log.allEvents()
            #expect(afterFailure.map(\.seq) == [1, 2])
            #expect(!afterFailure.contains { $0.stream == "d" || $0.stream == "b" })
            #expect(writer.head == 2)

            // The next command continues the log as if the failed batch never happened.
            let next = try await within { try await writer.submit(.append(stream: "a", count: 1)) }
            #expect(next.events.map(\.seq) == [3])
            #expect(next.events.map(\.version) == [2], "the stream version was restored")
            #expect(next.events.first?.prevHash == afterFailure.last?.hash)
            let nextB = try await within { try await writer.submit(.append(stream: "b", count: 1)) }
            #expect(nextB.events.map(\.version) == [1])
            let stored = try log.allEvents()
            #expect(stored.first == before.events.first)
            #expect(stored.count == 4)
            expectValidChain(stored)
        }
    }

    /// Under load the preparer hands batches to the writer thread and takes the next batch once
    /// that thread has inserted the last one. A batch that fails on the writer thread fails all of
    /// its callers; a command queued behind it is decided after the recovery, on the state rebuilt
    /// from the log.
    @Test func aFailureOnTheWriterThreadLeavesTheQueueToContinueOnTheRebuiltState() async throws {
        try await withTestLog { log in
            let writer = log.writer
            let handler = log.handler
            // Hold the preparer in a gate so the next two commands form one batch.
            let first = enqueue(writer, .gate(stream: "g"))
            try await within(30, "the first gate") { await handler.gateEntered.wait(after: 0) }
            let secondGate = enqueue(writer, .gate(stream: "h"))
            let doomed = enqueue(writer, .stalledFailingSideWrite(stream: "d"))
            try await waitUntilQueued(writer, 2)
            handler.gateRelease.signal()
            let committed = try await within { try await first.value }
            // The preparer holds [h, d] in the second gate; one more command waits behind it.
            try await within(30, "the second gate") { await handler.gateEntered.wait(after: 1) }
            let behind = enqueue(writer, .append(stream: "g", count: 1))
            try await waitUntilQueued(writer, 1)
            handler.gateRelease.signal()
            try await within(30, "the writer thread inside the failing transaction") {
                await handler.sideWriteEntered.wait(after: 0)
            }
            #expect(writer.queueDepth == 1, "the preparer takes a batch only once the writer thread commits the last one")

            handler.sideWriteRelease.signal()
            #expect(isStorageError(try await within { await secondGate.result }.failure))
            #expect(isStorageError(try await within { await doomed.result }.failure))
            try await expectDecidedOnTheRebuiltLog(behind, after: committed, log: log)
            #expect(try log.allEvents().map(\.stream) == ["g", "g"])
        }
    }

    /// A COMMIT that fails (SQLite rolls the transaction back) after the preparer has decided the
    /// next batch on top of it: that batch fails too, and what comes after is decided on the log
    /// as it durably is.
    @Test func aFailedCommitAlsoFailsTheBatchDecidedOnTopOfIt() async throws {
        try await withTestLog { log in
            let writer = log.writer
            let handler = log.handler
            let committed = try await writer.submit(.append(stream: "d", count: 1))
            let doomed = enqueue(writer, .stalledFailingCommit(stream: "d"))
            try await within(30, "the writer thread inside the failing COMMIT") { await handler.commitEntered.wait(after: 0) }
            // Inserted, now committing: the preparer takes the next command at once and decides
            // it on top of the doomed batch (stream d's version 3).
            let onTop = enqueue(writer, .append(stream: "d", count: 1))
            try await within(30, "the command decided on top") { await handler.decided.wait(after: 2) }
            // One more waits: a batch is prepared and not yet taken.
            let behind = enqueue(writer, .append(stream: "d", count: 1))
            try await waitUntilQueued(writer, 1)

            handler.commitRelease.signal()
            let commitFailure = try #require(try await within { await doomed.result }.failure)
            #expect(isStorageError(commitFailure))
            #expect(String(describing: commitFailure).contains("constraint"), "SQLite's COMMITHOOK rollback: \(commitFailure)")
            let onTopFailure = try #require(try await within { await onTop.result }.failure)
            #expect(isStorageError(onTopFailure), "decided on top of a batch that did not commit")
            try await expectDecidedOnTheRebuiltLog(behind, after: committed, log: log)
            #expect(try log.allEvents().map(\.type) == ["test.appended", "test.appended"])
            #expect(writer.head == 2)
        }
    }

    /// After a failed batch: `behind`, queued while it failed, was decided on the log as it durably
    /// is (one committed event, `committed`, on the same stream): seq 2, the stream's version 2,
    /// chained to `committed`, after exactly one rebuild, and the stored chain is valid.
    private func expectDecidedOnTheRebuiltLog(_ behind: Task<Appended<Decided>, any Error>, after committed: Appended<Decided>,
                                              log: TestLog, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let after = try #require(try await within { await behind.result }.success, sourceLocation: sourceLocation)
        #expect(after.events.map(\.seq) == [2], sourceLocation: sourceLocation)
        #expect(after.events.map(\.version) == [2], "the stream continues after its committed v1", sourceLocation: sourceLocation)
        #expect(after.events.first?.prevHash == committed.events.first?.hash, sourceLocation: sourceLocation)
        #expect(log.handler.loads.load(ordering: .sequentiallyConsistent) == 2, "one rebuild after the failure", sourceLocation: sourceLocation)
        expectValidChain(try log.allEvents(), sourceLocation: sourceLocation)
    }

    @Test func answeredAppendsAreVisibleToAnotherConnection() async throws {
        try await withTestLog { log in
            let reader = try log.reader()
            for round in 1...5 {
                let appended = try await log.writer.submit(.append(stream: "s\(round % 2)", count: round))
                // Answered means committed: a separate read-only connection sees every event at once.
                let seen = try reader.events(after: appended.events[0].seq - 1, limit: 100)
                #expect(seen == appended.events)
                #expect(try log.reader().head().seq == log.writer.head)
            }
        }
    }

    /// `EventStore.head()` and `Connection.scalarInt` (behind `lastSeq`, `checkpoint(of:)`) step
    /// their cached statement to its first row and return without resetting it. The statement
    /// stays active, so the connection keeps its read transaction (its WAL snapshot) open, and
    /// every later read on that connection sees the log as it was then.
    @Test(arguments: ["head", "lastSeq", "checkpoint"])
    func aReaderSeesAppendsMadeAfterItsOwnHeadQuery(query: String) async throws {
        try await withTemporaryDirectory { dir in
            // A consumer checkpoint saved before the writer starts (a later write by another
            // connection would trip the writer itself: see the next test).
            try EventStore(path: dir + "/events.sqlite", writable: true).saveCheckpoint(1, for: "c", at: "2026-01-01T00:00:00.000Z")
            let log = try TestLog(directory: dir)
            defer { log.writer.shutdown() }
            _ = try await log.writer.submit(.append(stream: "a", count: 1))
            let reader = try log.reader()
            let control = try log.reader()
            switch query {
            case "head": #expect(try reader.head().seq == 1)
            case "lastSeq": #expect(try reader.lastSeq(atOrBefore: "9999-12-31T23:59:59.999Z") == 1)
            default: #expect(try reader.checkpoint(of: "c") == 1)
            }
            _ = try await log.writer.submit(.append(stream: "a", count: 1))
            #expect(try control.events(after: 0).count == 2, "a connection that did not ask sees both")
            let seen = try reader.events(after: 0).count
            #expect(seen == 2, "the reader still sees the log as of its \(query) query")
        }
    }

    /// A statement left active (once: migrate's `scalarInt`) pins the writer's snapshot; after
    /// another connection commits to events.sqlite (a consumer's `saveCheckpoint`, an operator's
    /// sqlite3 shell) every `BEGIN IMMEDIATE` would then fail with SQLITE_BUSY_SNAPSHOT (517).
    @Test func theWriterKeepsAppendingAfterAnotherConnectionWritesTheFile() async throws {
        try await withTestLog { log in
            _ = try await log.writer.submit(.append(stream: "a", count: 1))
            try Connection(path: log.path).execute(
                "INSERT INTO consumer_checkpoints(consumer, seq, updated_at) VALUES ('webhooks', 1, '2026-01-01T00:00:00.000Z')")
            let next = await outcome { try await log.writer.submit(.append(stream: "a", count: 1)) }
            let later = await outcome { try await log.writer.submit(.append(stream: "a", count: 1)) }
            #expect(next.success?.events.map(\.seq) == [2], "\(String(describing: next.failure))")
            #expect(later.success?.events.map(\.seq) == [3], "\(String(describing: later.failure))")
            if case .storage(let message)? = next.failure as? WriterError {
                #expect(message.contains("517") || message.contains("locked"), "\(message)")
            }
        }
    }

    @Test func submitsFailWhenTheWriterIsNotRunning() async throws {
        try await withTemporaryDirectory { dir in
            let handler = TestHandler()
            let writer = try LogWriter(store: EventStore(path: dir + "/events.sqlite", writable: true),
                                       handler: handler, clock: ManualClock())
            // Not started yet.
            let early = await outcome { try await writer.submit(.append(stream: "a", count: 1)) }
            #expect(isStoppedError(early.failure))
            writer.start()
            writer.start() // a second start is harmless
            _ = try await within { try await writer.submit(.append(stream: "a", count: 1)) }
            writer.shutdown()
            #expect(writer.watcher.isClosed)
            let late = await outcome { try await writer.submit(.append(stream: "a", count: 1)) }
            #expect(isStoppedError(late.failure))
            writer.shutdown() // idempotent
            let reader = try EventStore(path: dir + "/events.sqlite", writable: false)
            #expect(try reader.events(after: 0).count == 1)
        }
    }

    @Test func shutdownFinishesWhatIsQueued() async throws {
        try await withTemporaryDirectory { dir in
            let log = try TestLog(directory: dir)
            let writer = log.writer
            defer { writer.shutdown() } // idempotent; only matters when an expectation below throws
            let gate = Task { try await writer.submit(.gate(stream: "g")) }
            try await within(30, "the gate command") { await log.handler.gateEntered.wait(after: 0) }
            let queued = (0..<3).map { enqueue(writer, .append(stream: "q\($0)", count: 1)) }
            try await waitUntilQueued(writer, 3)
            // shutdown() blocks until the thread ends, so it runs off the test's task.
            let stopped = Task.detached { writer.shutdown() }
            log.handler.gateRelease.signal()
            _ = try await within { try await gate.value }
            for task in queued {
                let result = try await within { await task.result }
                #expect(result.success?.events.count == 1, "a command queued before shutdown is still answered")
            }
            try await within { await stopped.value }
            #expect(try log.allEvents().count == 4)
            let late = await outcome { try await writer.submit(.append(stream: "late", count: 1)) }
            #expect(isStoppedError(late.failure))
        }
    }
}

/// The result of an async throwing call, as a value.
func outcome<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
    do { return .success(try await body()) } catch { return .failure(error) }
}
