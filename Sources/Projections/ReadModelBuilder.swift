import Domain
import EventLog
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
            checkpoint = try projector.catchUp(from: store, through: through, batchSize: 50_000)
            try ReadModelSchema.createIndexes(connection)
        }
        for suffix in ["-wal", "-shm"] { unlink(path + suffix) }
        guard rename(temporary, path) == 0 else {
            throw SQLiteError(code: -1, message: "cannot rename \(temporary) to \(path): errno \(errno)")
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
