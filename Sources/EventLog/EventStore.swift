import SQLiteDB

/// The `events` table in `events.sqlite`: schema, pragmas and reading by position.
///
/// One `EventStore` wraps one SQLite connection; confine it to one thread or task at a time.
/// Readers and the writer use separate stores on the same file (WAL lets them run together).
public final class EventStore: @unchecked Sendable {
    public let connection: Connection

    /// Migrations of the log file. Shipped entries never change; new ones are appended.
    static let migrations: [String] = [
        """
        CREATE TABLE events (
            seq         INTEGER PRIMARY KEY,
            stream      TEXT    NOT NULL,
            version     INTEGER NOT NULL,
            type        TEXT    NOT NULL,
            schema      INTEGER NOT NULL,
            data        TEXT    NOT NULL,
            meta        TEXT    NOT NULL,
            recorded_at TEXT    NOT NULL,
            prev_hash   BLOB    NOT NULL,
            hash        BLOB    NOT NULL,
            UNIQUE (stream, version)
        );
        CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE rejected'); END;
        CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only: DELETE rejected'); END;
        CREATE TABLE consumer_checkpoints (
            consumer   TEXT PRIMARY KEY,
            seq        INTEGER NOT NULL,
            updated_at TEXT NOT NULL
        );
        """,
        // INSERT OR REPLACE deletes a conflicting row without firing DELETE triggers (unless a
        // connection enables recursive_triggers), so an insert that would replace is refused too.
        """
        CREATE TRIGGER events_append_only_replace BEFORE INSERT ON events
        WHEN EXISTS (SELECT 1 FROM events WHERE seq = NEW.seq)
          OR EXISTS (SELECT 1 FROM events WHERE stream = NEW.stream AND version = NEW.version)
        BEGIN SELECT RAISE(ABORT, 'events are append-only: an existing event cannot be replaced'); END;
        """,
    ]

    /// Wraps a connection opened elsewhere (a pooled reader).
    public init(connection: Connection) {
        self.connection = connection
    }

    /// How a writable store writes the file. Durability is the same in every case: WAL mode and
    /// `synchronous=FULL`, so an answered append survives power loss.
    public struct WriteOptions: Sendable, Equatable {
        /// The VFS of the writable connection (readers always use the standard one).
        public var vfs: VFS
        /// WAL pages after which a commit copies the WAL back into the database file
        /// (`PRAGMA wal_autocheckpoint`; SQLite's default is 1000, about 4 MiB).
        public var autocheckpointPages: Int

        public init(vfs: VFS, autocheckpointPages: Int) {
            self.vfs = vfs
            self.autocheckpointPages = autocheckpointPages
        }

        /// The log writer's settings: WAL writes batched per commit (one `write` instead of two per
        /// page), and a checkpoint every 16,384 pages (64 MiB of WAL) instead of every 1,000. A
        /// group commit of ~200 gifts dirties ~250 pages, most of them the same `(stream, version)`
        /// index leaves as the commit before; checkpointing 16 times less often copies each hot
        /// page back once instead of 16 times and fsyncs the database file 16 times less often
        /// (each such fsync took ~4 ms on the benchmark disk). The cost: a WAL of up to 64 MiB,
        /// and one commit in ~60 pays for a larger checkpoint (BENCHMARKS.md (a)).
        public static let writer = WriteOptions(vfs: .coalescedWAL, autocheckpointPages: 16_384)
        /// SQLite's own defaults (the raw baseline of the benchmark).
        public static let sqliteDefaults = WriteOptions(vfs: .standard, autocheckpointPages: 1000)
    }

    /// Opens the log. `writable` creates the file and applies migrations (writing as `options`
    /// says); readers open read-only with the standard VFS and fail when the file does not exist.
    public init(path: String, writable: Bool, options: WriteOptions = .writer) throws {
        if writable {
            connection = try Connection(path: path, mode: .readWriteCreate, vfs: options.vfs)
            try connection.execute("PRAGMA journal_mode=WAL")
            // FULL: each commit fsyncs the WAL, so an answered append survives power loss.
            try connection.execute("PRAGMA synchronous=FULL")
            try connection.execute("PRAGMA cache_size=-65536")
            try connection.execute("PRAGMA wal_autocheckpoint=\(options.autocheckpointPages)")
            try Self.migrate(connection)
        } else {
            connection = try Connection(path: path, mode: .readOnly)
            try connection.execute("PRAGMA query_only=1")
            try connection.execute("PRAGMA cache_size=-65536")
        }
    }

    static func migrate(_ connection: Connection) throws {
        try connection.migrate(migrations, recordedIn: "log_migrations")
    }

    /// The last appended position and its hash (0 and the genesis hash for an empty log).
    public func head() throws -> (seq: Int64, hash: [UInt8]) {
        let statement = try connection.prepared("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")
        defer { statement.reset() }
        guard try statement.step() else { return (0, HashChain.genesis) }
        return (statement.int64(0), statement.bytes(1))
    }

    /// The highest version of every stream (the writer's optimistic-concurrency map).
    public func streamVersions() throws -> [String: Int64] {
        let statement = try connection.prepared("SELECT stream, MAX(version) FROM events GROUP BY stream")
        defer { statement.reset() }
        var versions: [String: Int64] = [:]
        while try statement.step() { versions[statement.string(0)] = statement.int64(1) }
        return versions
    }

    static let columns = "seq, stream, version, type, schema, data, meta, recorded_at, prev_hash, hash"

    /// Up to `limit` events with `seq > after` (and `seq <= through` when given), in order.
    public func events(after: Int64, through: Int64? = nil, limit: Int = 1000, types: [String]? = nil) throws -> [RecordedEvent] {
        var result: [RecordedEvent] = []
        try scan(after: after, through: through, limit: limit, types: types) { row in
            result.append(row.recorded())
            return true
        }
        return result
    }

    public func event(seq: Int64) throws -> RecordedEvent? {
        try events(after: seq - 1, through: seq, limit: 1).first
    }

    /// Visits events in order without building `RecordedEvent` values unless asked:
    /// the fast path for replay. `body` returns false to stop.
    public func scan(after: Int64, through: Int64? = nil, limit: Int = Int.max, types: [String]? = nil,
                     _ body: (EventRow) throws -> Bool) throws {
        var sql = "SELECT \(Self.columns) FROM events WHERE seq > ?1 AND seq <= ?2"
        if let types, !types.isEmpty {
            sql += " AND type IN (" + types.indices.map { "?\($0 + 4)" }.joined(separator: ",") + ")"
        }
        sql += " ORDER BY seq LIMIT ?3"
        let statement = try connection.prepared(sql)
        try statement.bind(1, after)
        try statement.bind(2, through ?? Int64.max)
        try statement.bind(3, Int64(min(limit, Int(Int64.max))))
        for (index, type) in (types ?? []).enumerated() { try statement.bind(Int32(index + 4), type) }
        defer { statement.reset() }
        let row = EventRow(statement: statement)
        while try statement.step() {
            if try !body(row) { break }
        }
    }

    /// The seq of the last event recorded at or before `time` (RFC 3339, as stored), or 0.
    public func lastSeq(atOrBefore recordedAt: String) throws -> Int64 {
        // recorded_at is non-decreasing with seq (one writer, a monotonic stamp), so this is a bound.
        try connection.scalarInt("SELECT COALESCE(MAX(seq), 0) FROM events WHERE recorded_at <= ?1", [.text(recordedAt)]) ?? 0
    }

    // MARK: consumer checkpoints

    /// The durable position of a consumer that keeps no database of its own (0 when new).
    public func checkpoint(of consumer: String) throws -> Int64 {
        try connection.scalarInt("SELECT seq FROM consumer_checkpoints WHERE consumer = ?1", [.text(consumer)]) ?? 0
    }

    /// Saves a consumer's position; call inside the transaction that applied its effects when
    /// those live in this file.
    public func saveCheckpoint(_ seq: Int64, for consumer: String, at recordedAt: String) throws {
        let statement = try connection.prepared("""
            INSERT INTO consumer_checkpoints(consumer, seq, updated_at) VALUES (?1, ?2, ?3)
            ON CONFLICT(consumer) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at
            """)
        try statement.bind(1, consumer)
        try statement.bind(2, seq)
        try statement.bind(3, recordedAt)
        try statement.run()
    }
}

/// A view of the current row of a scan: valid only inside the scan's body.
public struct EventRow {
    let statement: Statement

    public var seq: Int64 { statement.int64(0) }
    public var stream: String { statement.string(1) }
    public var version: Int64 { statement.int64(2) }
    public var type: String { statement.string(3) }
    public var schema: Int { statement.int(4) }
    public var data: [UInt8] { statement.bytes(5) }
    public var meta: [UInt8] { statement.bytes(6) }
    public var recordedAt: String { statement.string(7) }
    public var prevHash: [UInt8] { statement.bytes(8) }
    public var hash: [UInt8] { statement.bytes(9) }

    /// The payload bytes without copying; valid inside `body` only.
    public func withData<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try statement.withBytes(5, body)
    }

    /// True when the row's type equals `type`, compared without allocating a String.
    public func typeIs(_ type: StaticString) -> Bool {
        statement.withBytes(3) { bytes in
            bytes.count == type.utf8CodeUnitCount
                && memcmp(bytes.baseAddress!, type.utf8Start, bytes.count) == 0
        }
    }

    public func recorded() -> RecordedEvent {
        RecordedEvent(seq: seq, stream: stream, version: version, type: type, schema: schema, data: data, meta: meta,
                      recordedAt: recordedAt, prevHash: prevHash, hash: hash)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
