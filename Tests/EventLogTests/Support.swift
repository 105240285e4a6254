import EventLog
import Foundation
import MarqueeCore
import SQLiteDB
import Synchronization
import Testing
@_exported import TestSupport

// Temporary directories and time bounds come from TestSupport.

// MARK: a tiny command handler

enum TestCommand: Sendable {
    /// Appends `count` events of `type` to `stream`.
    case append(stream: String, count: Int, type: String = "test.appended")
    /// Rejected by the handler with `Rejected(reason)`.
    case reject(String)
    /// Appends one event to `stream`, then its side write throws inside the transaction.
    case failingSideWrite(stream: String)
    /// Appends one event to `stream` after blocking the thread that decides until `gateRelease` is signalled.
    case gate(stream: String)
    /// Appends one event to `stream`; its side write blocks the writer thread inside the
    /// transaction until `sideWriteRelease` is signalled, then throws.
    case stalledFailingSideWrite(stream: String)
    /// Appends one event to `stream`; its transaction's COMMIT blocks the writer thread until
    /// `commitRelease` is signalled, then SQLite rolls it back (a commit hook says no).
    case stalledFailingCommit(stream: String)
}

/// True for the first `claim` only.
final class FirstTime: Sendable {
    private let claimed = Atomic<Bool>(false)
    func claim() -> Bool { !claimed.exchange(true, ordering: .sequentiallyConsistent) }
}

struct Rejected: Error, Equatable { var reason: String }
struct SideWriteFailed: Error, CustomStringConvertible { var description: String { "side write failed on purpose" } }

/// What the handler was given for one command (returned as the outcome).
struct Decided: Sendable, Equatable {
    var nextSeq: Int64
    var now: Timestamp
}

/// A handler without a domain: it appends what it is told to, rejects on request, and counts loads.
final class TestHandler: CommandHandler, Sendable {
    typealias Command = TestCommand
    typealias Outcome = Decided

    let loads = Atomic<Int>(0)
    /// Advanced to n when the writer thread enters the n-th gate command.
    let gateEntered = HeadWatcher()
    let gateRelease = DispatchSemaphore(value: 0)
    /// Advanced to n when the writer thread enters the n-th stalled side write.
    let sideWriteEntered = HeadWatcher()
    let sideWriteRelease = DispatchSemaphore(value: 0)
    /// Advanced to n when the n-th stalled COMMIT is entered.
    let commitEntered = HeadWatcher()
    let commitRelease = DispatchSemaphore(value: 0)
    /// Advanced to n when `decide` has returned or thrown for the n-th time.
    let decided = HeadWatcher()

    func load(from store: EventStore) throws {
        loads.add(1, ordering: .sequentiallyConsistent)
    }

    func decide(_ command: TestCommand, now: Timestamp, nextSeq: Int64) throws -> Decision<Decided> {
        let outcome = Decided(nextSeq: nextSeq, now: now)
        defer { decided.advance(to: decided.head + 1) }
        switch command {
        case .append(let stream, let count, let type):
            let events = (0..<count).map { i in
                NewEvent(stream: stream, type: type, data: Array(#"{"i":\#(i)}"#.utf8),
                         meta: Array(#"{"test":true}"#.utf8))
            }
            return Decision(events: events, outcome: outcome)
        case .reject(let reason):
            throw Rejected(reason: reason)
        case .failingSideWrite(let stream):
            return Decision(events: [NewEvent(stream: stream, type: "test.doomed", data: Array("{}".utf8))],
                            sideWrite: { @Sendable _ in throw SideWriteFailed() }, outcome: outcome)
        case .stalledFailingSideWrite(let stream):
            let entered = sideWriteEntered, release = sideWriteRelease
            return Decision(events: [NewEvent(stream: stream, type: "test.doomed", data: Array("{}".utf8))],
                            sideWrite: { @Sendable _ in
                                entered.advance(to: entered.head + 1)
                                _ = release.wait(timeout: .now() + 30)
                                throw SideWriteFailed()
                            }, outcome: outcome)
        case .stalledFailingCommit(let stream):
            let entered = commitEntered, release = commitRelease
            return Decision(events: [NewEvent(stream: stream, type: "test.doomed", data: Array("{}".utf8))],
                            sideWrite: { @Sendable connection in
                                // Says no to the first COMMIT after it, and only to that one.
                                let first = FirstTime()
                                connection.setCommitHook {
                                    guard first.claim() else { return true }
                                    entered.advance(to: entered.head + 1)
                                    _ = release.wait(timeout: .now() + 30)
                                    return false
                                }
                            }, outcome: outcome)
        case .gate(let stream):
            gateEntered.advance(to: gateEntered.head + 1)
            // Bounded: a test that forgets to release does not hang the writer for good.
            _ = gateRelease.wait(timeout: .now() + 30)
            return Decision(events: [NewEvent(stream: stream, type: "test.gate", data: Array("{}".utf8))], outcome: outcome)
        }
    }
}

/// A started writer over `<dir>/events.sqlite` with a `TestHandler`; shut down by `withTestLog`.
struct TestLog {
    let path: String
    let handler: TestHandler
    let clock: ManualClock
    let writer: LogWriter<TestHandler>

    init(directory: String, clock: ManualClock = ManualClock(), handler: TestHandler = TestHandler()) throws {
        path = directory + "/events.sqlite"
        self.clock = clock
        self.handler = handler
        writer = try LogWriter(store: EventStore(path: path, writable: true), handler: handler, clock: clock)
        writer.start()
    }

    /// A second, read-only connection to the log (the writer's own connection stays on its thread).
    func reader() throws -> EventStore { try EventStore(path: path, writable: false) }

    func allEvents() throws -> [RecordedEvent] { try reader().events(after: 0, limit: 1_000_000) }
}

func withTestLog<T>(clock: ManualClock = ManualClock(), _ body: (TestLog) async throws -> T) async throws -> T {
    try await withTemporaryDirectory { directory in
        let log = try TestLog(directory: directory, clock: clock)
        defer { log.writer.shutdown() }
        return try await body(log)
    }
}

/// Checks the whole chain: seq 1… without gaps, genesis prev_hash, each hash recomputed.
func expectValidChain(_ events: [RecordedEvent], sourceLocation: SourceLocation = #_sourceLocation) {
    var previous = HashChain.genesis
    for (index, event) in events.enumerated() {
        #expect(event.seq == Int64(index + 1), "seq \(event.seq) at position \(index)", sourceLocation: sourceLocation)
        #expect(event.prevHash == previous, "prev_hash of seq \(event.seq)", sourceLocation: sourceLocation)
        #expect(HashChain.hash(prevHash: previous, event: event) == event.hash, "hash of seq \(event.seq)",
                sourceLocation: sourceLocation)
        previous = event.hash
    }
}

/// Submits `command` from a task that starts synchronously, so it is in the writer's queue when
/// this returns (the submit suspends only after queueing). Used with a gate to build one batch.
func enqueue(_ writer: LogWriter<TestHandler>, _ command: TestCommand) -> Task<Appended<Decided>, any Error> {
    Task.immediate { try await writer.submit(command) }
}

/// Waits until `count` commands wait in the writer's queue: a gate may only open once they do,
/// or the batch it is meant to build splits (seen on a loaded machine).
func waitUntilQueued(_ writer: LogWriter<TestHandler>, _ count: Int) async throws {
    try await within(30, "\(count) commands queued") {
        while writer.queueDepth < count { try await Task.sleep(for: .milliseconds(2)) }
    }
}

extension Result {
    var failure: Failure? { if case .failure(let error) = self { return error }; return nil }
    var success: Success? { if case .success(let value) = self { return value }; return nil }
}

func isStorageError(_ error: (any Error)?) -> Bool {
    if case .storage? = error as? WriterError { return true }
    return false
}

func isStoppedError(_ error: (any Error)?) -> Bool {
    if case .stopped? = error as? WriterError { return true }
    return false
}
