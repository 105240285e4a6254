import SQLiteDB

/// Tables for secrets in the log's file, outside the `events` table: password hashes, stream
/// keys and login sessions. Written only by the writer, inside the transaction of the event
/// that created them; read through any connection. Not part of the exported log.
public enum SecretStore {
    static let migrations: [String] = [
        """
        CREATE TABLE credentials (
            kind       TEXT NOT NULL,
            subject    TEXT NOT NULL,
            value      TEXT NOT NULL,
            PRIMARY KEY (kind, subject)
        );
        CREATE TABLE sessions (
            token_hash TEXT PRIMARY KEY,
            account_id TEXT NOT NULL,
            expires_at TEXT NOT NULL
        );
        """,
    ]

    /// Creates or upgrades the secret tables (call with the writer's connection before it starts).
    public static func migrate(_ connection: Connection) throws {
        try connection.migrate(migrations, recordedIn: "secret_migrations")
    }

    static func write(_ secret: SecretWrite, _ connection: Connection) throws {
        let statement = try connection.prepared("""
            INSERT INTO credentials(kind, subject, value) VALUES (?1, ?2, ?3)
            ON CONFLICT(kind, subject) DO UPDATE SET value = excluded.value
            """)
        switch secret {
        case .password(let accountId, let hash):
            try statement.bind(1, "password"); try statement.bind(2, accountId); try statement.bind(3, hash)
        case .streamKey(let channelId, let key):
            try statement.bind(1, "stream_key"); try statement.bind(2, channelId); try statement.bind(3, key)
        }
        try statement.run()
    }

    static func write(_ session: SessionRecord, _ connection: Connection) throws {
        let statement = try connection.prepared("INSERT OR REPLACE INTO sessions(token_hash, account_id, expires_at) VALUES (?1, ?2, ?3)")
        try statement.bind(1, session.tokenHash)
        try statement.bind(2, session.accountId)
        try statement.bind(3, session.expiresAt)
        try statement.run()
    }

    static func deleteSession(_ tokenHash: String, _ connection: Connection) throws {
        let statement = try connection.prepared("DELETE FROM sessions WHERE token_hash = ?1")
        try statement.bind(1, tokenHash)
        try statement.run()
    }

    // MARK: reads

    public static func passwordHash(accountId: String, _ connection: Connection) throws -> String? {
        try value(kind: "password", subject: accountId, connection)
    }

    public static func streamKey(channelId: String, _ connection: Connection) throws -> String? {
        try value(kind: "stream_key", subject: channelId, connection)
    }

    /// The account behind a session token hash, if the session exists and has not expired at `now`.
    public static func session(tokenHash: String, now: String, _ connection: Connection) throws -> String? {
        let statement = try connection.prepared("SELECT account_id FROM sessions WHERE token_hash = ?1 AND expires_at > ?2")
        try statement.bind(1, tokenHash)
        try statement.bind(2, now)
        defer { statement.reset() }
        return try statement.step() ? statement.string(0) : nil
    }

    static func value(kind: String, subject: String, _ connection: Connection) throws -> String? {
        let statement = try connection.prepared("SELECT value FROM credentials WHERE kind = ?1 AND subject = ?2")
        try statement.bind(1, kind)
        try statement.bind(2, subject)
        defer { statement.reset() }
        return try statement.step() ? statement.string(0) : nil
    }
}
