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
/// Called by the writer only, one command at a time and never concurrently: on its thread, or on
/// its helper thread, which prepares the next chunk of a large batch while the writer thread only
/// inserts rows (never touching the handler) and then waits for it.
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

/// The single writer of the event log, with group commit.
///
/// Commands from every caller go into one queue. The writer thread takes everything queued
/// (up to `maxBatch`), decides each command, appends all resulting events in one
/// transaction (one fsync with `synchronous=FULL`), and only then answers each caller. A
/// rejected command answers its caller with the error and appends nothing.
public final class LogWriter<Handler: CommandHandler>: @unchecked Sendable {
    private struct Pending {
        let command: Handler.Command
        let continuation: CheckedContinuation<Appended<Handler.Outcome>, any Error>
    }

    public let watcher: HeadWatcher
    private let store: EventStore
    private let handler: Handler
    private let clock: any WallClock
    private let maxBatch: Int
    private let condition = NSCondition()
    private var queue: [Pending] = []
    private var running = false
    private var stopping = false
    private var finished = false
    private var thread: Thread?

    // Chain state: used by the writer thread, or by the helper while the writer thread inserts.
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
        let head = try store.head()
        headSeq = head.seq
        headHash = head.hash
        versions = try store.streamVersions()
        if let last = try store.event(seq: head.seq), let time = last.recordedTime { lastMillis = time.milliseconds }
        watcher = HeadWatcher(head: head.seq)
    }

    /// Starts the writer thread.
    public func start() {
        condition.lock()
        defer { condition.unlock() }
        guard !running else { return }
        running = true
        let thread = Thread { [self] in
            ThreadName.set("marquee-writer")
            self.run()
        }
        thread.name = "marquee-log-writer"
        thread.stackSize = 8 << 20
        self.thread = thread
        thread.start()
    }

    /// Decides and durably appends one command; returns after its transaction committed.
    public func submit(_ command: Handler.Command) async throws -> Appended<Handler.Outcome> {
        try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            if stopping || !running {
                condition.unlock()
                continuation.resume(throwing: WriterError.stopped)
                return
            }
            queue.append(Pending(command: command, continuation: continuation))
            condition.signal()
            condition.unlock()
        }
    }

    /// Stops taking commands, finishes what is queued, and waits for the thread to end.
    public func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while running && !finished { condition.wait() }
        condition.unlock()
        watcher.close()
    }

    /// The position of the last committed event.
    public var head: Int64 { watcher.head }

    /// Commands waiting for the writer thread (not counting the batch it is working on).
    public var queueDepth: Int {
        condition.lock()
        defer { condition.unlock() }
        return queue.count
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty && !stopping { condition.wait() }
            if queue.isEmpty && stopping {
                finished = true
                condition.broadcast()
                condition.unlock()
                helper.stop()
                return
            }
            // Usually the whole queue: hand the array over rather than copy each command out of it
            // (this class is generic and not specialized across modules, so every element copy
            // and destroy goes through runtime metadata: ~4 % of the writer thread at 256 callers).
            let batch: [Pending]
            if queue.count <= maxBatch {
                batch = queue
                queue = []
                queue.reserveCapacity(batch.count)
            } else {
                batch = Array(queue.prefix(maxBatch))
                queue.removeFirst(maxBatch)
            }
            condition.unlock()
            process(batch)
        }
    }

    /// A run of commands decided, encoded and hashed, ready to insert.
    private struct Prepared {
        var steps: [Step] = []
        var results: [Result<Appended<Handler.Outcome>, any Error>] = []
        /// Stream versions before each appended event, to undo them if the batch is not committed.
        var touched: [(String, Int64?)] = []
    }

    private enum Step {
        case insert(RecordedEvent)
        case sideWrite(@Sendable (Connection) throws -> Void)
    }

    /// Batches at least this large are prepared in chunks, the next chunk on the helper thread
    /// while this one inserts the current one.
    private static var chunkedFrom: Int { 48 }

    /// Runs one job at a time on its own thread (started on first use): the preparation of the
    /// next chunk of a large batch.
    private let helper = HelperThread(name: "marquee-log-prepare")

    /// Decides, appends and commits one batch in one transaction, then answers its callers.
    ///
    /// Preparing a command (decide against the in-memory state, JSON-encode, chain the hash)
    /// needs no database; inserting its rows needs no domain state. A large batch is cut into
    /// four chunks: while the writer thread inserts chunk k, the helper prepares chunk k+1, so
    /// the two halves of the CPU work overlap. The handler and the chain state are used by one
    /// thread at a time (the helper from `run` to `wait`), and the batch is still one transaction.
    private func process(_ batch: [Pending]) {
        let startSeq = headSeq, startHash = headHash, startMillis = lastMillis
        var results: [Result<Appended<Handler.Outcome>, any Error>] = []
        results.reserveCapacity(batch.count)
        var touched: [(String, Int64?)] = []
        var failure: (any Error)?
        do {
            try store.connection.execute("BEGIN IMMEDIATE")
        } catch {
            failure = error
        }
        if failure == nil {
            let chunkSize = batch.count >= Self.chunkedFrom ? (batch.count + 3) / 4 : batch.count
            var chunks = stride(from: 0, to: batch.count, by: chunkSize).map { batch[$0..<min($0 + chunkSize, batch.count)] }[...]
            var current = prepare(chunks.removeFirst())
            while true {
                let box = Box<Prepared>()
                if let chunk = chunks.popFirst() {
                    helper.run { [self] in box.value = prepare(chunk) }
                }
                do { try write(current.steps) } catch { failure = error }
                helper.wait()
                results += current.results
                touched += current.touched
                guard let next = box.value else { break }
                current = next
                if failure != nil {
                    // Keep what the helper prepared so its versions are undone too; stop writing.
                    touched += next.touched
                    break
                }
            }
            if failure == nil {
                do { try store.connection.execute("COMMIT") } catch { failure = error }
            }
        }
        if let failure {
            // The transaction failed after the handler evolved its state: undo everything and
            // rebuild from what is durably in the log, then fail every caller of the batch.
            try? store.connection.execute("ROLLBACK")
            headSeq = startSeq
            headHash = startHash
            lastMillis = startMillis
            for (stream, previous) in touched.reversed() { versions[stream] = previous }
            do { try handler.load(from: store) } catch {}
            let error = WriterError.storage(String(describing: failure))
            for pending in batch { pending.continuation.resume(throwing: error) }
            return
        }
        batches.add(1, ordering: .relaxed)
        if headSeq > startSeq { watcher.advance(to: headSeq) }
        // By index: a generic `zip` iterator costs a metadata lookup per element here.
        for index in batch.indices {
            batch[index].continuation.resume(with: results[index])
        }
    }

    /// Decides each command against the handler's in-memory state and computes the rows it
    /// appends (seq, version, recorded_at, hash chain), advancing the chain state. Touches no database.
    private func prepare(_ commands: ArraySlice<Pending>) -> Prepared {
        var prepared = Prepared()
        prepared.results.reserveCapacity(commands.count)
        prepared.steps.reserveCapacity(commands.count)
        for pending in commands {
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
                let previous = versions[event.stream]
                prepared.touched.append((event.stream, previous))
                let version = (previous ?? 0) + 1
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
        return prepared
    }

    /// The INSERTs and side writes of prepared commands, inside the open transaction.
    private func write(_ steps: [Step]) throws {
        let insert = try store.connection.prepared("""
            INSERT INTO events(seq, stream, version, type, schema, data, meta, recorded_at, prev_hash, hash)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
            """)
        for step in steps {
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
    }
}

/// Carries a result from the helper thread back to the writer thread (`HelperThread.wait` orders
/// the write before the read).
private final class Box<Value>: @unchecked Sendable {
    var value: Value?
}

/// A thread that runs one job at a time for its owner, who hands a job over with `run` and
/// waits for it with `wait` (started on first use, ended by `stop`).
final class HelperThread: @unchecked Sendable {
    private let name: String
    private let condition = NSCondition()
    private var job: (@Sendable () -> Void)?
    private var busy = false
    private var stopped = false
    private var started = false

    init(name: String) { self.name = name }

    func run(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        defer { condition.unlock() }
        precondition(!busy && !stopped, "one job at a time, before stop")
        if !started {
            started = true
            let thread = Thread { [self] in
                ThreadName.set(name)
                loop()
            }
            thread.name = name
            thread.stackSize = 8 << 20
            thread.start()
        }
        self.job = job
        busy = true
        condition.broadcast()
    }

    /// Blocks until the job handed over last has finished (at once when none is running).
    func wait() {
        condition.lock()
        while busy { condition.wait() }
        condition.unlock()
    }

    /// Ends the thread once it is idle.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while job == nil && !stopped { condition.wait() }
            guard let job else {
                condition.unlock()
                return
            }
            self.job = nil
            condition.unlock()
            job()
            condition.lock()
            busy = false
            condition.broadcast()
            condition.unlock()
        }
    }
}
