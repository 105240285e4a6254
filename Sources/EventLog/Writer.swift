import Foundation
import MarqueeCore
import Synchronization
import SQLiteDB

/// What a decided command asks the writer to do in its transaction.
public struct Decision<Outcome: Sendable>: Sendable {
    public var events: [NewEvent]
    /// Rows that must commit atomically with the events but are not events themselves
    /// (for example a password hash, which must never enter the exported log).
    public var sideWrite: (@Sendable (Connection) throws -> Void)?
    public var outcome: Outcome

    public init(events: [NewEvent], sideWrite: (@Sendable (Connection) throws -> Void)? = nil, outcome: Outcome) {
        self.events = events
        self.sideWrite = sideWrite
        self.outcome = outcome
    }
}

/// The domain side of the writer: decides commands against in-memory state.
/// Called by the writer only, one call at a time and never concurrently: `decide` on its preparer
/// thread; `load` at start, and on its writer thread after a failed commit while the preparer is held.
public protocol CommandHandler: AnyObject, SendableMetatype {
    associatedtype Command: Sendable
    associatedtype Outcome: Sendable

    /// Rebuilds the in-memory state from the log (at start, and after a failed commit).
    func load(from store: EventStore) throws

    /// Decides `command` at time `now`, evolving the in-memory state with the resulting events.
    /// `nextSeq` is the seq its first event will get. Throwing rejects the command and must
    /// leave the state unchanged.
    func decide(_ command: Command, now: Timestamp, nextSeq: Int64) throws -> Decision<Outcome>
}

/// The answer to a caller: its outcome and the events that were appended for it.
public struct Appended<Outcome: Sendable>: Sendable {
    public var outcome: Outcome
    public var events: [RecordedEvent]
}

public enum WriterError: Error, CustomStringConvertible, Sendable {
    case stopped
    case storage(String)

    public var description: String {
        switch self {
        case .stopped: return "the event log writer is stopped"
        case .storage(let message): return "the event log could not be written: \(message)"
        }
    }
}

/// The single writer of the event log, with group commit, in two stages on two threads.
///
/// Commands from every caller go into one queue. The **preparer** thread takes everything queued
/// (up to `maxBatch`) as one batch and decides each command against the handler's in-memory
/// state, encoding and chaining the rows it appends; it touches no database. The **writer**
/// thread appends a prepared batch in one transaction (one fsync with `synchronous=FULL`) and
/// only then answers each caller. The two overlap: while the writer thread commits batch N, the
/// preparer decides batch N+1 against the state that includes N. It takes the queue once the
/// writer thread has inserted N (at once when that thread is idle), so the callers answered by
/// the batch before N have had time to send their next command and batches stay large. A
/// rejected command answers its caller with the error and appends nothing.
///
/// If a transaction fails, its batch and the one prepared behind it (decided on top of it) fail
/// every caller with `WriterError.storage`; the preparer is held while the writer thread rolls
/// back and rebuilds the handler and the chain from what is durably in the log.
public final class LogWriter<Handler: CommandHandler>: @unchecked Sendable {
    private struct Pending {
        let command: Handler.Command
        /// Unchecked: each is resumed exactly once, by the writer thread (answer or failure) or by
        /// `submit` itself when stopped. The checked kind allocates a canary per command.
        let continuation: UnsafeContinuation<Appended<Handler.Outcome>, any Error>
    }

    /// A batch decided, encoded and hashed, ready to insert.
    private struct Prepared {
        var batch: [Pending]
        var steps: [Step] = []
        /// One per command of `batch`, in order.
        var results: [Result<Appended<Handler.Outcome>, any Error>] = []
        /// The seq of the batch's last event (the head before it when it appends nothing).
        var lastSeq: Int64 = 0
    }

    private enum Step {
        case insert(RecordedEvent)
        case sideWrite(@Sendable (Connection) throws -> Void)
    }

    public let watcher: HeadWatcher
    private let store: EventStore
    private let handler: Handler
    private let clock: any WallClock
    private let maxBatch: Int

    // Guarded by `monitor`. The preparer waits on `preparerTurn`, the writer thread on
    // `writerTurn`, `shutdown` on `finishedTurn`: a command wakes the preparer only, and only
    // when it can take the queue; a prepared batch wakes the writer thread only.
    private let monitor = Monitor(conditions: 3)
    private static var preparerTurn: Monitor.Condition { Monitor.Condition(0) }
    private static var writerTurn: Monitor.Condition { Monitor.Condition(1) }
    private static var finishedTurn: Monitor.Condition { Monitor.Condition(2) }
    private var queue: [Pending] = []
    /// Prepared and waiting for the writer thread (at most one: the pipeline is two deep).
    private var ready: Prepared?
    /// The preparer is deciding a batch it took from the queue.
    private var preparing = false
    /// The writer thread is inserting a batch (not yet committing it). The preparer waits until the
    /// inserts are done and the COMMIT begins before taking the queue, so callers answered by the
    /// batch before have had time to send their next command; an idle writer thread takes a batch at once.
    private var inserting = false
    /// The writer thread is undoing a failed transaction: the preparer waits.
    private var recovering = false
    private var running = false
    private var stopping = false
    private var preparerDone = false
    private var finished = false
    /// The preparer is waiting and has not been signalled since it began to.
    private var preparerWaiting = false

    // Chain state: the preparer's, except while it is held during recovery (`recovering`).
    private var headSeq: Int64 = 0
    private var headHash: [UInt8] = HashChain.genesis
    private var lastMillis: Int64 = 0
    private var versions: [String: Int64] = [:]
    private var timeBuffer = [UInt8](repeating: 0, count: 24)

    private let batches = Atomic<Int>(0)
    /// Transactions committed so far (each is one group commit), for metrics and tests.
    public var committedBatches: Int { batches.load(ordering: .relaxed) }

    public init(store: EventStore, handler: Handler, clock: any WallClock, maxBatch: Int = 1024) throws {
        self.store = store
        self.handler = handler
        self.clock = clock
        self.maxBatch = maxBatch
        try handler.load(from: store)
        watcher = HeadWatcher(head: 0)
        try loadChain()
        watcher.advance(to: headSeq)
    }

    /// The chain state from what is durably in the log.
    private func loadChain() throws {
        let head = try store.head()
        headSeq = head.seq
        headHash = head.hash
        versions = try store.streamVersions()
        lastMillis = 0
        if let last = try store.event(seq: head.seq), let time = last.recordedTime { lastMillis = time.milliseconds }
    }

    /// Starts the preparer and writer threads.
    public func start() {
        monitor.lock()
        defer { monitor.unlock() }
        guard !running else { return }
        running = true
        spawn("marquee-writer") { [self] in runWriter() }
        spawn("marquee-prepare") { [self] in runPreparer() }
    }

    private func spawn(_ name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread {
            ThreadName.set(name)
            body()
        }
        thread.name = name
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Decides and durably appends one command; returns after its transaction committed.
    public func submit(_ command: Handler.Command) async throws -> Appended<Handler.Outcome> {
        try await withUnsafeThrowingContinuation { continuation in
            monitor.lock()
            if stopping || !running {
                monitor.unlock()
                continuation.resume(throwing: WriterError.stopped)
                return
            }
            queue.append(Pending(command: command, continuation: continuation))
            wakePreparer()
            monitor.unlock()
        }
    }

    /// Stops taking commands, finishes what is queued, and waits for both threads to end.
    public func shutdown() {
        monitor.lock()
        stopping = true
        wakePreparer()
        while running && !finished { monitor.wait(Self.finishedTurn) }
        monitor.unlock()
        watcher.close()
    }

    /// The position of the last committed event.
    public var head: Int64 { watcher.head }

    /// Commands waiting for the preparer (not counting the batches being prepared or written).
    public var queueDepth: Int {
        monitor.lock()
        defer { monitor.unlock() }
        return queue.count
    }

    /// Whether the preparer can go on: a queue to take while no batch waits prepared, none is
    /// being inserted and no recovery runs; or an empty queue at shutdown (it ends).
    private var preparerCanGo: Bool {
        if stopping && queue.isEmpty { return true }
        return !queue.isEmpty && ready == nil && !inserting && !recovering
    }

    /// Signals the preparer if it waits and can now go on: once per wait, so a burst of commands
    /// wakes it once, and commands that arrive while it must wait anyway wake nobody.
    /// Call holding the monitor, after any change that can make `preparerCanGo` true.
    private func wakePreparer() {
        guard preparerWaiting && preparerCanGo else { return }
        preparerWaiting = false
        monitor.signal(Self.preparerTurn)
    }

    /// Takes the queue as a batch whenever the writer thread has taken the last prepared one.
    private func runPreparer() {
        monitor.lock()
        while true {
            while !preparerCanGo {
                preparerWaiting = true
                monitor.wait(Self.preparerTurn)
                preparerWaiting = false
            }
            if queue.isEmpty {
                preparerDone = true
                monitor.signal(Self.writerTurn)
                monitor.unlock()
                return
            }
            // Usually the whole queue: hand the array over rather than copy each command out of it
            // (this class is generic and not specialized across modules, so every element copy
            // and destroy goes through runtime metadata).
            let batch: [Pending]
            if queue.count <= maxBatch {
                batch = queue
                queue = []
                queue.reserveCapacity(batch.count)
            } else {
                batch = Array(queue.prefix(maxBatch))
                queue.removeFirst(maxBatch)
            }
            preparing = true
            monitor.unlock()
            let prepared = prepare(batch)
            monitor.lock()
            preparing = false
            ready = prepared
            monitor.signal(Self.writerTurn)
        }
    }

    /// Appends each prepared batch in one transaction, then answers its callers.
    private func runWriter() {
        monitor.lock()
        while true {
            while ready == nil && !preparerDone { monitor.wait(Self.writerTurn) }
            guard let prepared = ready else {
                finished = true
                monitor.broadcast(Self.finishedTurn)
                monitor.unlock()
                return
            }
            // The preparer waits on `inserting` now: it takes the queue once this batch is inserted.
            ready = nil
            inserting = true
            monitor.unlock()
            write(prepared)
            monitor.lock()
        }
    }

    /// Commits a prepared batch and answers its callers, or recovers from its failure.
    private func write(_ prepared: Prepared) {
        if let failure = commit(prepared) {
            recover(from: failure, failed: prepared)
        } else {
            batches.add(1, ordering: .relaxed)
            watcher.advance(to: prepared.lastSeq)
            // By index: a generic `zip` iterator costs a metadata lookup per element here.
            for index in prepared.batch.indices {
                prepared.batch[index].continuation.resume(with: prepared.results[index])
            }
        }
    }

    private func insertsDone() {
        monitor.lock()
        inserting = false
        wakePreparer()
        monitor.unlock()
    }

    /// The INSERTs and side writes of a prepared batch in one transaction; the error if it failed.
    private func commit(_ prepared: Prepared) -> (any Error)? {
        do {
            try store.connection.execute("BEGIN IMMEDIATE")
            let insert = try store.connection.prepared("""
                INSERT INTO events(seq, stream, version, type, schema, data, meta, recorded_at, prev_hash, hash)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                """)
            for step in prepared.steps {
                switch step {
                case .insert(let event):
                    try insert.bind(1, event.seq)
                    try insert.bind(2, event.stream)
                    try insert.bind(3, event.version)
                    try insert.bind(4, event.type)
                    try insert.bind(5, event.schema)
                    try insert.bindText(6, bytes: event.data)
                    try insert.bindText(7, bytes: event.meta)
                    try insert.bind(8, event.recordedAt)
                    try insert.bindBlob(9, event.prevHash)
                    try insert.bindBlob(10, event.hash)
                    try insert.run()
                case .sideWrite(let sideWrite):
                    try sideWrite(store.connection)
                }
            }
            insertsDone()
            try store.connection.execute("COMMIT")
            return nil
        } catch {
            // `inserting` stays set until the recovery is done: nothing is decided on top of a
            // batch that failed before its commit.
            return error
        }
    }

    /// A transaction failed after the handler evolved its state, for its batch and perhaps for
    /// the next one already prepared on top of it: hold the preparer, roll back, fail the callers
    /// of both, and rebuild the handler and the chain from what is durably in the log.
    private func recover(from failure: any Error, failed: Prepared) {
        monitor.lock()
        recovering = true
        while preparing { monitor.wait(Self.writerTurn) }
        let behind = ready
        ready = nil
        monitor.unlock()
        try? store.connection.execute("ROLLBACK")
        do {
            try loadChain()
            try handler.load(from: store)
        } catch {}
        let error = WriterError.storage(String(describing: failure))
        for pending in failed.batch { pending.continuation.resume(throwing: error) }
        for pending in behind?.batch ?? [] { pending.continuation.resume(throwing: error) }
        monitor.lock()
        recovering = false
        inserting = false
        wakePreparer()
        monitor.unlock()
    }

    /// Decides each command against the handler's in-memory state and computes the rows it
    /// appends (seq, version, recorded_at, hash chain), advancing the chain state. Touches no database.
    private func prepare(_ batch: [Pending]) -> Prepared {
        var prepared = Prepared(batch: batch)
        prepared.results.reserveCapacity(batch.count)
        prepared.steps.reserveCapacity(batch.count)
        for pending in batch {
            let millis = max(clock.now().milliseconds, lastMillis)
            lastMillis = millis
            let decision: Decision<Handler.Outcome>
            do {
                decision = try handler.decide(pending.command, now: Timestamp(milliseconds: millis), nextSeq: headSeq + 1)
            } catch {
                prepared.results.append(.failure(error))
                continue
            }
            Timestamp(milliseconds: millis).writeRFC3339(into: &timeBuffer)
            let recordedAt = String(decoding: timeBuffer, as: UTF8.self)
            var recorded: [RecordedEvent] = []
            recorded.reserveCapacity(decision.events.count)
            for event in decision.events {
                let seq = headSeq + 1
                let version = (versions[event.stream] ?? 0) + 1
                let hash = HashChain.hash(prevHash: headHash, seq: seq, stream: event.stream, version: version, type: event.type,
                                          schema: event.schema, data: event.data, meta: event.meta, recordedAt: recordedAt)
                let row = RecordedEvent(seq: seq, stream: event.stream, version: version, type: event.type,
                                        schema: event.schema, data: event.data, meta: event.meta,
                                        recordedAt: recordedAt, prevHash: headHash, hash: hash)
                prepared.steps.append(.insert(row))
                recorded.append(row)
                versions[event.stream] = version
                headSeq = seq
                headHash = hash
            }
            if let sideWrite = decision.sideWrite { prepared.steps.append(.sideWrite(sideWrite)) }
            prepared.results.append(.success(Appended(outcome: decision.outcome, events: recorded)))
        }
        prepared.lastSeq = headSeq
        return prepared
    }
}
