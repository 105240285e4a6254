import Domain
import EventLog
import Foundation
import SQLiteDB
#if canImport(Glibc)
import Glibc
#endif

/// Builds read models from position 0, and compares two read-model files.
public enum ReadModelBuilder {
    /// Rebuilds the read models into a new file at `path` (replacing it) from every event
    /// through `through` (all when nil). Bulk mode: no journal, indexes built at the end,
    /// written to a temporary name and renamed into place so a half-built file never appears.
    @discardableResult
    public static func rebuild(from store: EventStore, into path: String, through: Int64? = nil) throws -> Int64 {
        let temporary = path + ".building"
        for suffix in ["", "-wal", "-shm", "-journal"] { unlink(temporary + suffix) }
        let checkpoint: Int64
        do {
            let (connection, _) = try ReadModelSchema.openForWriting(path: temporary, durable: false)
            let projector = Projector(connection: connection)
            checkpoint = try pipelined(store: store, through: through, projector: projector)
            try ReadModelSchema.createIndexes(connection)
        }
        for suffix in ["-wal", "-shm"] { unlink(path + suffix) }
        guard rename(temporary, path) == 0 else {
            throw SQLiteError(code: -1, message: "cannot rename \(temporary) to \(path): errno \(errno)")
        }
        return checkpoint
    }

    /// Reads and decodes on a second thread while this one writes, so a rebuild uses both
    /// cores: decoding JSON and inserting rows each take about half of the work.
    public static func pipelined(store: EventStore, through: Int64?, projector: Projector, chunk: Int = 20_000) throws -> Int64 {
        let queue = BoundedQueue<[ProjectedEvent]>(capacity: 3)
        let start = try ReadModelSchema.checkpoint(projector.connection)
        let reader = Thread {
            do {
                var batch: [ProjectedEvent] = []
                batch.reserveCapacity(chunk)
                try store.scan(after: start, through: through) { row in
                    batch.append(try ProjectedEvent(row: row))
                    if batch.count == chunk {
                        guard queue.put(batch) else { return false }
                        batch.removeAll(keepingCapacity: true)
                    }
                    return true
                }
                if !batch.isEmpty { _ = queue.put(batch) }
                queue.finish(error: nil)
            } catch {
                queue.finish(error: error)
            }
        }
        reader.stackSize = 8 << 20
        reader.start()
        var checkpoint = start
        do {
            while let batch = try queue.take() {
                try projector.apply(batch)
                checkpoint = batch.last?.seq ?? checkpoint
            }
        } catch {
            // Stop the reader and wait for it: it uses the caller's connection.
            queue.cancel()
            queue.waitUntilFinished()
            throw error
        }
        return checkpoint
    }

    /// A difference between two read-model files, for `marquee replay --check`.
    public struct Difference: CustomStringConvertible, Sendable {
        public var table: String
        public var detail: String
        public var description: String { "\(table): \(detail)" }
    }

    /// Compares every read-model table row by row; nil when identical.
    public static func compare(_ a: Connection, _ b: Connection) throws -> Difference? {
        for (table, orderBy) in ReadModelSchema.tables {
            let sql = "SELECT * FROM \(table) ORDER BY \(orderBy)"
            let left = try a.statement(sql), right = try b.statement(sql)
            var row = 0
            while true {
                let l = try left.step(), r = try right.step()
                if !l && !r { break }
                row += 1
                guard l && r else {
                    return Difference(table: table, detail: l ? "the live file has more rows (first extra is row \(row))"
                                                              : "the rebuilt file has more rows (first extra is row \(row))")
                }
                let lv = (0..<left.columnCount).map { left.value($0) }
                let rv = (0..<right.columnCount).map { right.value($0) }
                if lv != rv {
                    return Difference(table: table, detail: "row \(row) differs: live \(lv) vs rebuilt \(rv)")
                }
            }
        }
        return nil
    }
}

/// A blocking single-producer, single-consumer queue with a bounded number of items.
final class BoundedQueue<Element>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Element] = []
    private var finished = false
    private var cancelled = false
    private var failure: (any Error)?
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// Blocks while full; false when the consumer cancelled.
    func put(_ item: Element) -> Bool {
        condition.lock(); defer { condition.unlock() }
        while items.count >= capacity && !cancelled { condition.wait() }
        if cancelled { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    func finish(error: (any Error)?) {
        condition.lock(); defer { condition.unlock() }
        finished = true
        failure = error
        condition.broadcast()
    }

    /// Blocks until the producer called `finish`.
    func waitUntilFinished() {
        condition.lock(); defer { condition.unlock() }
        while !finished { condition.wait() }
    }

    func cancel() {
        condition.lock(); defer { condition.unlock() }
        cancelled = true
        condition.broadcast()
    }

    /// Blocks until an item arrives; nil once the producer finished and everything was taken.
    func take() throws -> Element? {
        condition.lock(); defer { condition.unlock() }
        while items.isEmpty && !finished { condition.wait() }
        if !items.isEmpty {
            let item = items.removeFirst()
            condition.broadcast()
            return item
        }
        if let failure { throw failure }
        return nil
    }
}
