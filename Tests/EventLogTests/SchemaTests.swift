import EventLog
import SQLiteDB
import Testing

/// The `events` table guards itself: append-only triggers and the (stream, version) key.
@Suite("events table schema")
struct SchemaTests {
    static let insertSQL = """
        INSERT INTO events(seq, stream, version, type, schema, data, meta, recorded_at, prev_hash, hash)
        VALUES (?1, ?2, ?3, 'test.row', 1, '{"n":1}', '{}', '2026-01-01T00:00:00.000Z', zeroblob(32), zeroblob(32))
        """

    func insert(_ connection: Connection, seq: Int64, stream: String, version: Int64) throws {
        let statement = try connection.statement(Self.insertSQL)
        try statement.bind([.integer(seq), .text(stream), .integer(version)])
        try statement.run()
    }

    func sqliteError(_ body: () throws -> Void) -> SQLiteError? {
        do { try body(); return nil } catch let error as SQLiteError { return error } catch {
            Issue.record("expected an SQLiteError, got \(error)")
            return nil
        }
    }

    @Test func updateIsRejectedByTrigger() async throws {
        try await withTemporaryDirectory { dir in
            let store = try EventStore(path: dir + "/events.sqlite", writable: true)
            try insert(store.connection, seq: 1, stream: "s", version: 1)
            let error = try #require(sqliteError { try store.connection.execute("UPDATE events SET type = 'tampered' WHERE seq = 1") })
            #expect(error.isConstraint)
            #expect(error.message.contains("append-only: UPDATE rejected"))
            // An UPSERT's update branch is an UPDATE too.
            let upsert = try #require(sqliteError {
                try store.connection.execute("""
                    INSERT INTO events(seq, stream, version, type, schema, data, meta, recorded_at, prev_hash, hash)
                    VALUES (1, 's', 1, 'x', 1, '{}', '{}', 'now', x'00', x'00')
                    ON CONFLICT(seq) DO UPDATE SET type = 'tampered'
                    """)
            })
            #expect(upsert.isConstraint)
            #expect(try store.connection.rows("SELECT type FROM events WHERE seq = 1") == [[.text("test.row")]])
        }
    }

    @Test func deleteIsRejectedByTrigger() async throws {
        try await withTemporaryDirectory { dir in
            let store = try EventStore(path: dir + "/events.sqlite", writable: true)
            try insert(store.connection, seq: 1, stream: "s", version: 1)
            let error = try #require(sqliteError { try store.connection.execute("DELETE FROM events") })
            #expect(error.isConstraint)
            #expect(error.message.contains("append-only: DELETE rejected"))
            #expect(try store.connection.scalarInt("SELECT count(*) FROM events") == 1)
        }
    }

    @Test func duplicateStreamVersionIsRejected() async throws {
        try await withTemporaryDirectory { dir in
            let store = try EventStore(path: dir + "/events.sqlite", writable: true)
            try insert(store.connection, seq: 1, stream: "s", version: 1)
            try insert(store.connection, seq: 2, stream: "other", version: 1) // same version, other stream: fine
            let error = try #require(sqliteError { try insert(store.connection, seq: 3, stream: "s", version: 1) })
            #expect(error.isConstraint)
            // The replace guard (a BEFORE INSERT trigger) answers first; UNIQUE(stream, version) stays underneath.
            #expect(error.message.contains("append-only"))
            #expect(try store.connection.scalarInt("SELECT count(*) FROM pragma_index_list('events') WHERE \"unique\" = 1") ?? 0 >= 1)
            let duplicateSeq = try #require(sqliteError { try insert(store.connection, seq: 2, stream: "s", version: 2) })
            #expect(duplicateSeq.isConstraint)
            #expect(try store.connection.scalarInt("SELECT count(*) FROM events") == 2)
        }
    }

    @Test func migrationsAreIdempotentAndReadersCannotWrite() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/events.sqlite"
            do {
                let store = try EventStore(path: path, writable: true)
                try insert(store.connection, seq: 1, stream: "s", version: 1)
            }
            let reopened = try EventStore(path: path, writable: true) // migrations already applied: no error, no loss
            #expect(try reopened.connection.scalarInt("SELECT count(*) FROM events") == 1)
            #expect(try reopened.connection.scalarInt("SELECT MAX(version) FROM log_migrations") == 2)
            let reader = try EventStore(path: path, writable: false)
            #expect(sqliteError { try insert(reader.connection, seq: 2, stream: "s", version: 2) } != nil)
            #expect(throws: (any Error).self) { try EventStore(path: dir + "/missing.sqlite", writable: false) }
        }
    }

    /// `INSERT OR REPLACE` resolves the seq conflict by deleting the old row, and SQLite fires
    /// DELETE triggers for REPLACE only when `recursive_triggers` is on, which it is not: the
    /// append-only guard can be bypassed and an event silently rewritten.
    @Test func insertOrReplaceCannotRewriteAnEvent() async throws {
        try await withTemporaryDirectory { dir in
            let store = try EventStore(path: dir + "/events.sqlite", writable: true)
            try insert(store.connection, seq: 1, stream: "s", version: 1)
            let error = sqliteError {
                try store.connection.execute("""
                    INSERT OR REPLACE INTO events(seq, stream, version, type, schema, data, meta, recorded_at, prev_hash, hash)
                    VALUES (1, 's', 1, 'tampered', 1, '{}', '{}', '2026-01-01T00:00:00.000Z', zeroblob(32), zeroblob(32))
                    """)
            }
            let rows = try store.connection.rows("SELECT type FROM events WHERE seq = 1")
            #expect(error?.isConstraint == true)
            #expect(error?.message.contains("append-only") == true)
            #expect(rows == [[.text("test.row")]])
        }
    }
}
