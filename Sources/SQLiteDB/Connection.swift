import CSQLite
import CSQLiteVFS

/// An error reported by SQLite, with its result code and message.
public struct SQLiteError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The primary or extended SQLite result code (`SQLITE_CONSTRAINT`, `SQLITE_BUSY`, …).
    public let code: Int32
    public let message: String
    public let sql: String?

    public init(code: Int32, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    /// True for constraint violations (UNIQUE, CHECK, trigger RAISE(ABORT)).
    public var isConstraint: Bool { code & 0xff == SQLITE_CONSTRAINT }

    public var description: String {
        if let sql { return "SQLite error \(code): \(message) (in: \(sql.prefix(120)))" }
        return "SQLite error \(code): \(message)"
    }
}

/// How a connection opens its file.
public enum OpenMode: Sendable {
    case readOnly
    case readWrite
    /// Read-write, creating the file when it does not exist.
    case readWriteCreate
}

/// The SQLite VFS (file-system layer) a connection opens its files through.
public enum VFS: Sendable, Equatable {
    /// The platform's default ("unix" on Linux).
    case standard
    /// The default, with the write-ahead log's writes batched: one `write` per commit instead of
    /// two per page (CSQLiteVFS). Same durability and visibility: the batch reaches the file
    /// before the WAL is synced and before readers can see the commit. For a log's writer.
    case coalescedWAL

    /// The name to pass to `sqlite3_open_v2` (nil: the default).
    var name: String? {
        switch self {
        case .standard: return nil
        case .coalescedWAL: return marquee_coalescing_vfs().map { String(cString: $0) }
        }
    }

    /// Writes SQLite made to WAL files through `.coalescedWAL`, and writes that reached the files
    /// (process-wide totals, for tests and benchmarks).
    public static var coalescedWALCounters: (requested: Int, issued: Int) {
        let counters = marquee_coalescing_vfs_counters()
        return (Int(counters.walWritesRequested), Int(counters.walWritesIssued))
    }
}

/// One SQLite connection. Not thread-safe: confine it to one thread or task at a time
/// (SQLite is built serialized on Debian, but statement state is per connection).
public final class Connection: @unchecked Sendable {
    public let handle: OpaquePointer
    public let path: String
    private var cache: [String: Statement] = [:]
    /// Keeps the commit hook alive while SQLite holds a pointer to it.
    private var commitHook: CommitHook?

    /// Opens `path` (`":memory:"` for an in-memory database) through `vfs`.
    public init(path: String, mode: OpenMode = .readWriteCreate, vfs: VFS = .standard) throws(SQLiteError) {
        var db: OpaquePointer?
        var flags: Int32 = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI
        switch mode {
        case .readOnly: flags |= SQLITE_OPEN_READONLY
        case .readWrite: flags |= SQLITE_OPEN_READWRITE
        case .readWriteCreate: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        }
        marquee_sqlite_configure()
        let vfsName = vfs.name
        if vfs != .standard && vfsName == nil {
            throw SQLiteError(code: SQLITE_ERROR, message: "the \(vfs) VFS is not available: \(path)")
        }
        let rc = sqlite3_open_v2(path, &db, flags, vfsName)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: rc, message: "\(message): \(path)")
        }
        self.handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, 10_000)
    }

    deinit {
        for statement in cache.values { statement.finalize() }
        cache.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Runs one or more SQL statements that return no rows.
    public func execute(_ sql: String) throws(SQLiteError) {
        var error: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &error)
        if rc != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(error)
            throw SQLiteError(code: rc, message: message, sql: sql)
        }
    }

    /// A prepared statement, compiled once per connection and reused (reset before each use).
    public func prepared(_ sql: String) throws(SQLiteError) -> Statement {
        if let statement = cache[sql] {
            statement.reset()
            return statement
        }
        let statement = try Statement(connection: self, sql: sql)
        cache[sql] = statement
        return statement
    }

    /// A statement that is not cached (for one-off queries).
    public func statement(_ sql: String) throws(SQLiteError) -> Statement {
        try Statement(connection: self, sql: sql)
    }

    /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT`, rolling back when it throws.
    public func transaction<T>(_ kind: String = "IMMEDIATE", _ body: () throws -> T) throws -> T {
        try execute("BEGIN \(kind)")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Sets the function SQLite calls as each transaction on this connection commits, on the
    /// committing thread (`sqlite3_commit_hook`), or removes it (nil). Returning false turns that
    /// COMMIT into a rollback: it fails with `SQLITE_CONSTRAINT_COMMITHOOK` and nothing of the
    /// transaction is written. The hook must not use this connection.
    public func setCommitHook(_ hook: (@Sendable () -> Bool)?) {
        guard let hook else {
            sqlite3_commit_hook(handle, nil, nil)
            commitHook = nil
            return
        }
        let box = CommitHook(hook)
        sqlite3_commit_hook(handle, { context in
            guard let context else { return 0 }
            return Unmanaged<CommitHook>.fromOpaque(context).takeUnretainedValue().hook() ? 0 : 1
        }, Unmanaged.passUnretained(box).toOpaque())
        commitHook = box
    }

    private final class CommitHook {
        let hook: @Sendable () -> Bool
        init(_ hook: @escaping @Sendable () -> Bool) { self.hook = hook }
    }

    public var lastError: SQLiteError {
        SQLiteError(code: sqlite3_extended_errcode(handle), message: String(cString: sqlite3_errmsg(handle)))
    }

    public var changes: Int { Int(sqlite3_changes64(handle)) }

    /// The name of the VFS stack the main database was opened through (e.g. "unix" or
    /// "marquee-coalescing-wal/unix").
    public var vfsName: String? {
        var name: UnsafeMutablePointer<CChar>?
        guard sqlite3_file_control(handle, "main", SQLITE_FCNTL_VFSNAME, &name) == SQLITE_OK, let name else { return nil }
        defer { sqlite3_free(name) }
        return String(cString: name)
    }

    /// The first column of the first row of a query, as an integer (nil when no row or NULL).
    public func scalarInt(_ sql: String, _ bindings: [SQLValue] = []) throws(SQLiteError) -> Int64? {
        let statement = try prepared(sql)
        // Reset before returning: a statement left on a row keeps its read snapshot open, which
        // hides later commits from this connection and makes its next write fail (BUSY_SNAPSHOT).
        defer { statement.reset() }
        try statement.bind(bindings)
        guard try statement.step() else { return nil }
        return statement.isNull(0) ? nil : statement.int64(0)
    }

    /// Runs one statement that returns no rows, with its values bound in order.
    public func run(_ sql: String, _ bindings: [SQLValue]) throws(SQLiteError) {
        let statement = try prepared(sql)
        try statement.bind(bindings)
        try statement.run()
    }

    /// Every row of a query as value arrays (for small results: comparisons, tests, CLI output).
    public func rows(_ sql: String, _ bindings: [SQLValue] = []) throws(SQLiteError) -> [[SQLValue]] {
        let statement = try prepared(sql)
        defer { statement.reset() }
        try statement.bind(bindings)
        var result: [[SQLValue]] = []
        while try statement.step() {
            result.append((0..<statement.columnCount).map { statement.value($0) })
        }
        return result
    }
}

/// A dynamically typed SQLite value (for small queries; hot paths bind typed values directly).
public enum SQLValue: Sendable, Hashable, CustomStringConvertible {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    public var description: String {
        switch self {
        case .null: return "NULL"
        case .integer(let v): return String(v)
        case .real(let v): return String(v)
        case .text(let v): return "'\(v)'"
        case .blob(let v): return "x'" + v.map { String($0, radix: 16).leftPadded(2) }.joined() + "'"
        }
    }

    public init(_ value: String?) { self = value.map { .text($0) } ?? .null }
    public init(_ value: Int64?) { self = value.map { .integer($0) } ?? .null }
    public init(_ value: Int) { self = .integer(Int64(value)) }
    public init(_ value: Bool) { self = .integer(value ? 1 : 0) }

    public var int64: Int64? { if case .integer(let v) = self { return v }; return nil }
    public var string: String? { if case .text(let v) = self { return v }; return nil }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
