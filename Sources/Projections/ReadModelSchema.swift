import SQLiteDB

/// The read-model database (`readmodels.sqlite`), separate from the log: deleting it and
/// restarting rebuilds it from the log.
public enum ReadModelSchema {
    /// Bump when the read models change shape: a file with another version is rebuilt.
    public static let version: Int64 = 3

    /// Tables compared by `marquee replay --check`, each with the ORDER BY that makes a dump stable.
    public static let tables: [(name: String, orderBy: String)] = [
        ("accounts", "account_id"),
        ("channels", "channel_id"),
        ("wallets", "account_id"),
        ("gifts", "seq"),
        ("streams", "stream_id"),
        ("viewing_sessions", "session_id"),
        ("subscriptions", "subscription_id"),
        ("payouts", "payout_id"),
        ("purchases", "seq"),
        ("chat_messages", "seq"),
        ("chat_bans", "channel_id, user_id"),
        ("chat_settings", "channel_id"),
        ("chat_moderators", "channel_id, user_id"),
        ("polls", "poll_id"),
        ("ads", "ad_id"),
        ("ad_breaks", "break_id"),
        ("ad_impressions", "channel_id, ad_id"),
        ("apps", "app_id"),
        ("app_grants", "app_id, account_id"),
        ("access_tokens", "token_id"),
        ("webhook_endpoints", "endpoint_id"),
        ("platform_totals", "id"),
        ("projection_checkpoint", "id"),
    ]

    static let tablesSQL = """
        CREATE TABLE IF NOT EXISTS schema_info (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS projection_checkpoint (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS accounts (
            account_id    TEXT PRIMARY KEY,
            handle        TEXT NOT NULL,
            role          TEXT NOT NULL,
            suspended     INTEGER NOT NULL DEFAULT 0,
            registered_at TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS channels (
            channel_id       TEXT PRIMARY KEY,
            slug             TEXT NOT NULL,
            owner_id         TEXT NOT NULL,
            title            TEXT NOT NULL,
            access           TEXT NOT NULL,
            price_per_minute INTEGER NOT NULL,
            age_restricted   INTEGER NOT NULL,
            created_at       TEXT NOT NULL,
            updated_at       TEXT NOT NULL,
            live_stream_id   TEXT,
            tiers            TEXT NOT NULL DEFAULT '[]',
            subscribers_watch_paid_free INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE IF NOT EXISTS wallets (
            account_id     TEXT PRIMARY KEY,
            balance        INTEGER NOT NULL DEFAULT 0,
            earnings       INTEGER NOT NULL DEFAULT 0,
            tokens_in      INTEGER NOT NULL DEFAULT 0,
            gifts_sent     INTEGER NOT NULL DEFAULT 0,
            gifts_received INTEGER NOT NULL DEFAULT 0,
            pending_payout INTEGER NOT NULL DEFAULT 0,
            paid_out       INTEGER NOT NULL DEFAULT 0,
            minutes_billed INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE IF NOT EXISTS gifts (
            seq             INTEGER PRIMARY KEY,
            gift_id         TEXT NOT NULL,
            stream_id       TEXT,
            channel_id      TEXT NOT NULL,
            from_account_id TEXT NOT NULL,
            to_account_id   TEXT NOT NULL,
            gift            TEXT NOT NULL,
            quantity        INTEGER NOT NULL,
            tokens          INTEGER NOT NULL,
            creator_tokens  INTEGER NOT NULL,
            fee_tokens      INTEGER NOT NULL,
            message         TEXT,
            sent_at         TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS platform_totals (
            id            INTEGER PRIMARY KEY CHECK (id = 1),
            tokens_issued INTEGER NOT NULL,
            fees          INTEGER NOT NULL,
            gifts         INTEGER NOT NULL,
            paid_out      INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE IF NOT EXISTS streams (
            stream_id        TEXT PRIMARY KEY,
            channel_id       TEXT NOT NULL,
            title            TEXT NOT NULL,
            access           TEXT NOT NULL,
            price_per_minute INTEGER NOT NULL,
            started_at       TEXT NOT NULL,
            ended_at         TEXT,
            end_reason       TEXT,
            duration_ms      INTEGER,
            viewers_now      INTEGER NOT NULL DEFAULT 0,
            viewers_total    INTEGER NOT NULL DEFAULT 0,
            minutes_billed   INTEGER NOT NULL DEFAULT 0,
            tokens_billed    INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE IF NOT EXISTS viewing_sessions (
            session_id       TEXT PRIMARY KEY,
            stream_id        TEXT NOT NULL,
            channel_id       TEXT NOT NULL,
            viewer_id        TEXT,
            transport        TEXT NOT NULL,
            price_per_minute INTEGER NOT NULL,
            status           TEXT NOT NULL,
            joined_at        TEXT NOT NULL,
            left_at          TEXT,
            left_reason      TEXT,
            connected_ms     INTEGER NOT NULL DEFAULT 0,
            minutes_billed   INTEGER NOT NULL DEFAULT 0,
            tokens_billed    INTEGER NOT NULL DEFAULT 0,
            billing_stopped  TEXT
        );
        CREATE TABLE IF NOT EXISTS subscriptions (
            subscription_id TEXT PRIMARY KEY,
            viewer_id       TEXT NOT NULL,
            channel_id      TEXT NOT NULL,
            creator_id      TEXT NOT NULL,
            tier            TEXT NOT NULL,
            tokens          INTEGER NOT NULL,
            status          TEXT NOT NULL,
            period_start    TEXT NOT NULL,
            period_end      TEXT NOT NULL,
            renewals        INTEGER NOT NULL DEFAULT 0,
            failed_attempts INTEGER NOT NULL DEFAULT 0,
            retry_at        TEXT,
            last_failure    TEXT,
            started_at      TEXT NOT NULL,
            canceled_at     TEXT,
            expired_at      TEXT,
            expiry_reason   TEXT
        );
        CREATE TABLE IF NOT EXISTS payouts (
            payout_id    TEXT PRIMARY KEY,
            creator_id   TEXT NOT NULL,
            tokens       INTEGER NOT NULL,
            currency     TEXT NOT NULL,
            minor        INTEGER NOT NULL,
            destination  TEXT NOT NULL,
            status       TEXT NOT NULL,
            requested_at TEXT NOT NULL,
            decided_at   TEXT,
            decided_by   TEXT,
            reason       TEXT,
            provider_ref TEXT
        );
        CREATE TABLE IF NOT EXISTS purchases (
            seq          INTEGER PRIMARY KEY,
            purchase_id  TEXT NOT NULL,
            account_id   TEXT NOT NULL,
            package_id   TEXT NOT NULL,
            tokens       INTEGER NOT NULL,
            currency     TEXT NOT NULL,
            minor        INTEGER NOT NULL,
            provider     TEXT NOT NULL,
            provider_ref TEXT NOT NULL,
            purchased_at TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS chat_messages (
            seq           INTEGER PRIMARY KEY,
            message_id    TEXT NOT NULL,
            channel_id    TEXT NOT NULL,
            stream_id     TEXT,
            author_id     TEXT NOT NULL,
            author_handle TEXT NOT NULL,
            text          TEXT NOT NULL,
            posted_at     TEXT NOT NULL,
            deleted       INTEGER NOT NULL DEFAULT 0,
            deleted_by    TEXT,
            delete_reason TEXT
        );
        CREATE TABLE IF NOT EXISTS chat_bans (
            channel_id TEXT NOT NULL,
            user_id    TEXT NOT NULL,
            until      TEXT,
            reason     TEXT NOT NULL,
            by         TEXT NOT NULL,
            banned_at  TEXT NOT NULL,
            PRIMARY KEY (channel_id, user_id)
        );
        CREATE TABLE IF NOT EXISTS chat_settings (
            channel_id        TEXT PRIMARY KEY,
            slow_mode_seconds INTEGER NOT NULL,
            subscribers_only  INTEGER NOT NULL,
            blocked_terms     TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS chat_moderators (
            channel_id TEXT NOT NULL,
            user_id    TEXT NOT NULL,
            PRIMARY KEY (channel_id, user_id)
        );
        CREATE TABLE IF NOT EXISTS polls (
            poll_id    TEXT PRIMARY KEY,
            channel_id TEXT NOT NULL,
            stream_id  TEXT,
            question   TEXT NOT NULL,
            options    TEXT NOT NULL,
            counts     TEXT NOT NULL,
            status     TEXT NOT NULL,
            closes_at  TEXT NOT NULL,
            opened_at  TEXT NOT NULL,
            closed_at  TEXT
        );
        CREATE TABLE IF NOT EXISTS ads (
            ad_id       TEXT PRIMARY KEY,
            name        TEXT NOT NULL,
            duration_ms INTEGER NOT NULL,
            media       TEXT NOT NULL,
            created_at  TEXT NOT NULL,
            impressions INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE IF NOT EXISTS ad_breaks (
            break_id    TEXT PRIMARY KEY,
            channel_id  TEXT NOT NULL,
            stream_id   TEXT NOT NULL,
            ad_id       TEXT NOT NULL,
            by          TEXT,
            started_at  TEXT NOT NULL,
            duration_ms INTEGER NOT NULL,
            impressions INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE IF NOT EXISTS ad_impressions (
            channel_id  TEXT NOT NULL,
            ad_id       TEXT NOT NULL,
            impressions INTEGER NOT NULL,
            PRIMARY KEY (channel_id, ad_id)
        );
        CREATE TABLE IF NOT EXISTS apps (
            app_id        TEXT PRIMARY KEY,
            owner_id      TEXT NOT NULL,
            name          TEXT NOT NULL,
            redirect_uris TEXT NOT NULL,
            scopes        TEXT NOT NULL,
            client_type   TEXT NOT NULL,
            created_at    TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS app_grants (
            app_id        TEXT NOT NULL,
            account_id    TEXT NOT NULL,
            scopes        TEXT NOT NULL,
            authorized_at TEXT NOT NULL,
            PRIMARY KEY (app_id, account_id)
        );
        CREATE TABLE IF NOT EXISTS access_tokens (
            token_id   TEXT PRIMARY KEY,
            account_id TEXT NOT NULL,
            name       TEXT NOT NULL,
            scopes     TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS webhook_endpoints (
            endpoint_id     TEXT PRIMARY KEY,
            app_id          TEXT,
            owner_id        TEXT NOT NULL,
            url             TEXT NOT NULL,
            event_types     TEXT NOT NULL,
            scopes          TEXT NOT NULL,
            enabled         INTEGER NOT NULL,
            disabled_reason TEXT,
            created_at      TEXT NOT NULL,
            updated_at      TEXT NOT NULL,
            previous_secret_expires_at TEXT
        );
        """

    /// Secondary indexes, created after a bulk rebuild (building them once at the end is much
    /// faster than maintaining them row by row) and kept up to date afterwards.
    static let indexesSQL = """
        CREATE UNIQUE INDEX IF NOT EXISTS accounts_handle ON accounts(handle);
        CREATE UNIQUE INDEX IF NOT EXISTS channels_slug ON channels(slug);
        CREATE INDEX IF NOT EXISTS channels_owner ON channels(owner_id);
        CREATE INDEX IF NOT EXISTS gifts_channel ON gifts(channel_id, seq);
        CREATE INDEX IF NOT EXISTS sessions_stream ON viewing_sessions(stream_id);
        CREATE INDEX IF NOT EXISTS subscriptions_viewer ON subscriptions(viewer_id);
        CREATE INDEX IF NOT EXISTS subscriptions_channel ON subscriptions(channel_id);
        CREATE INDEX IF NOT EXISTS payouts_creator ON payouts(creator_id);
        CREATE INDEX IF NOT EXISTS purchases_account ON purchases(account_id);
        CREATE UNIQUE INDEX IF NOT EXISTS chat_messages_id ON chat_messages(message_id);
        CREATE INDEX IF NOT EXISTS chat_messages_channel ON chat_messages(channel_id, seq);
        CREATE INDEX IF NOT EXISTS polls_channel ON polls(channel_id);
        """
    // Only indexes that a query uses: each one costs replay time (issue 2 benchmark (b)).

    /// Opens (creating when missing) a read-model file for writing. Returns the connection and
    /// whether the file was new or had another schema version (it was then emptied).
    public static func openForWriting(path: String, durable: Bool) throws -> (Connection, fresh: Bool) {
        let connection = try Connection(path: path, mode: .readWriteCreate)
        if durable {
            try connection.execute("PRAGMA journal_mode=WAL")
            // NORMAL is safe here: the projection is rebuildable and its checkpoint commits with its rows.
            try connection.execute("PRAGMA synchronous=NORMAL")
        } else {
            // A bulk rebuild into a fresh file that is renamed into place only when complete:
            // no journal, no syncs, no other connection, sorting for indexes in memory.
            try connection.execute("PRAGMA journal_mode=OFF")
            try connection.execute("PRAGMA synchronous=OFF")
            try connection.execute("PRAGMA locking_mode=EXCLUSIVE")
            try connection.execute("PRAGMA temp_store=MEMORY")
        }
        try connection.execute("PRAGMA cache_size=-131072")
        let hasInfo = try connection.scalarInt("SELECT count(*) FROM sqlite_master WHERE name = 'schema_info'") ?? 0
        var fresh = hasInfo == 0
        if !fresh, try connection.scalarInt("SELECT version FROM schema_info WHERE id = 1") != version {
            for (table, _) in tables { try connection.execute("DROP TABLE IF EXISTS \(table)") }
            try connection.execute("DROP TABLE IF EXISTS schema_info")
            fresh = true
        }
        if fresh {
            try connection.execute(tablesSQL)
            try connection.execute("INSERT INTO schema_info(id, version) VALUES (1, \(version))")
            try connection.execute("INSERT INTO projection_checkpoint(id, seq) VALUES (1, 0)")
            try connection.execute("INSERT INTO platform_totals(id, tokens_issued, fees, gifts) VALUES (1, 0, 0, 0)")
        }
        return (connection, fresh)
    }

    public static func createIndexes(_ connection: Connection) throws {
        try connection.execute(indexesSQL)
    }

    public static func checkpoint(_ connection: Connection) throws -> Int64 {
        try connection.scalarInt("SELECT seq FROM projection_checkpoint WHERE id = 1") ?? 0
    }
}
