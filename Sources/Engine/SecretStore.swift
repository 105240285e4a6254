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
        // OAuth 2.0 and personal access tokens (only SHA-256 hashes of tokens and codes).
        """
        CREATE TABLE tokens (
            token_hash TEXT PRIMARY KEY,
            kind       TEXT NOT NULL,
            token_id   TEXT,
            app_id     TEXT,
            account_id TEXT NOT NULL,
            scopes     TEXT NOT NULL,
            family     TEXT,
            expires_at TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX tokens_family ON tokens(family);
        CREATE INDEX tokens_grant ON tokens(app_id, account_id);
        CREATE INDEX tokens_id ON tokens(token_id);
        CREATE TABLE oauth_codes (
            code_hash    TEXT PRIMARY KEY,
            app_id       TEXT NOT NULL,
            account_id   TEXT NOT NULL,
            scopes       TEXT NOT NULL,
            redirect_uri TEXT NOT NULL,
            challenge    TEXT NOT NULL,
            expires_at   TEXT NOT NULL,
            family       TEXT NOT NULL,
            used         INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE oauth_families (
            family          TEXT PRIMARY KEY,
            app_id          TEXT NOT NULL,
            account_id      TEXT NOT NULL,
            scopes          TEXT NOT NULL,
            current_refresh TEXT,
            revoked         INTEGER NOT NULL DEFAULT 0
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
        case .clientSecret(let appId, let hash):
            try statement.bind(1, "client_secret"); try statement.bind(2, appId); try statement.bind(3, hash)
        case .webhookSecret(let endpointId, let secret):
            try statement.bind(1, "webhook_secret"); try statement.bind(2, endpointId); try statement.bind(3, secret)
        case .rotatedWebhookSecret(let endpointId, let secret, let previousExpiresAt):
            if let current = try value(kind: "webhook_secret", subject: endpointId, connection) {
                try connection.run("""
                    INSERT INTO credentials(kind, subject, value) VALUES ('webhook_secret_previous', ?1, ?2)
                    ON CONFLICT(kind, subject) DO UPDATE SET value = excluded.value
                    """, [.text(endpointId), .text(previousExpiresAt + " " + current)])
            }
            try statement.bind(1, "webhook_secret"); try statement.bind(2, endpointId); try statement.bind(3, secret)
        case .token(let record):
            try write(record, connection)
            return
        case .deleteToken(let tokenId):
            try connection.run("DELETE FROM tokens WHERE token_id = ?1", [.text(tokenId)])
            return
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

    static func write(_ token: TokenRecord, _ connection: Connection) throws {
        try connection.run("""
            INSERT OR REPLACE INTO tokens(token_hash, kind, token_id, app_id, account_id, scopes, family, expires_at, created_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
            """, [.text(token.tokenHash), .text(token.kind.rawValue), SQLValue(token.tokenId), SQLValue(token.appId), .text(token.accountId),
                  .text(token.scopes.joined(separator: " ")), SQLValue(token.family), SQLValue(token.expiresAt), .text(token.createdAt)])
    }

    // MARK: reads

    /// A personal or OAuth access token that has not expired at `now`.
    public static func token(hash: String, now: String, _ connection: Connection) throws -> TokenRecord? {
        let statement = try connection.prepared("""
            SELECT token_hash, kind, token_id, app_id, account_id, scopes, family, expires_at, created_at FROM tokens
            WHERE token_hash = ?1 AND kind IN ('pat', 'access') AND (expires_at IS NULL OR expires_at > ?2)
            """)
        try statement.bind(1, hash)
        try statement.bind(2, now)
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return tokenRecord(statement)
    }

    static func tokenRecord(_ s: Statement) -> TokenRecord {
        TokenRecord(tokenHash: s.string(0), kind: TokenRecord.Kind(rawValue: s.string(1)) ?? .access, tokenId: s.optionalString(2),
                    appId: s.optionalString(3), accountId: s.string(4),
                    scopes: s.string(5).split(separator: " ").map { String($0) }, family: s.optionalString(6),
                    expiresAt: s.optionalString(7), createdAt: s.string(8))
    }

    public static func clientSecretHash(appId: String, _ connection: Connection) throws -> String? {
        try value(kind: "client_secret", subject: appId, connection)
    }

    /// The endpoint's signing secrets: the current one, and the previous one while its overlap lasts.
    public static func webhookSecrets(endpointId: String, now: String, _ connection: Connection) throws -> [String] {
        var secrets: [String] = []
        if let current = try value(kind: "webhook_secret", subject: endpointId, connection) { secrets.append(current) }
        if let previous = try value(kind: "webhook_secret_previous", subject: endpointId, connection) {
            let parts = previous.split(separator: " ", maxSplits: 1)
            if parts.count == 2, String(parts[0]) > now { secrets.append(String(parts[1])) }
        }
        return secrets
    }

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
