import EventLog
import Foundation
import MarqueeCore
import SQLiteDB
import Synchronization
import Testing

// MARK: temporary directories

/// Runs `body` with a fresh directory under the system temporary directory, removed afterwards.
func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

private func makeTemporaryDirectory() throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("marquee-eventlog-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
    return url.path
}

// MARK: bounds

struct TimedOut: Error, CustomStringConvertible {
    var seconds: Double
    var what: String
    var description: String { "\(what) did not finish within \(seconds) s" }
}

/// Resumes a continuation at most once (whichever of the work and the timer is first).
private final class ResumeOnce<T: Sendable>: Sendable {
    private let state: Mutex<CheckedContinuation<T, any Error>?>
    init(_ continuation: CheckedContinuation<T, any Error>) { state = Mutex(continuation) }
    @discardableResult
    func resume(_ result: Result<T, any Error>) -> Bool {
        let continuation = state.withLock { state in
            defer { state = nil }
            return state
        }
        continuation?.resume(with: result)
        return continuation != nil
    }
}

/// Awaits `operation`, but never longer than `seconds`: a bound so a broken writer or watcher
/// fails the test instead of hanging it. Not a synchronization device (nothing waits on time).
func within<T: Sendable>(_ seconds: Double = 30, _ what: String = "operation",
                         _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        let once = ResumeOnce(continuation)
        let timer = Task {
            try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            if !Task.isCancelled { once.resume(.failure(TimedOut(seconds: seconds, what: what))) }
        }
        let work = Task {
            do { once.resume(.success(try await operation())) } catch { once.resume(.failure(error)) }
            timer.cancel()
        }
        _ = work
    }
}

// MARK: a tiny command handler

enum TestCommand: Sendable {
    /// Appends `count` events of `type` to `stream`.
    case append(stream: String, count: Int, type: String = "test.appended")
    /// Rejected by the handler with `Rejected(reason)`.
    case reject(String)
    /// Appends one event to `stream`, then its side write throws inside the transaction.
    case failingSideWrite(stream: String)
    /// Appends one event to `stream` after blocking the writer thread until `gateRelease` is signalled.
    case gate(stream: String)
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

    func load(from store: EventStore) throws {
        loads.add(1, ordering: .sequentiallyConsistent)
    }

    func decide(_ command: TestCommand, now: Timestamp, nextSeq: Int64) throws -> Decision<Decided> {
        let outcome = Decided(nextSeq: nextSeq, now: now)
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
