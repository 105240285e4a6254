import MarqueeCore
import SQLiteDB

/// The webhook delivery state, in its own SQLite file (`webhooks.sqlite` in the data dir):
/// the enqueue cursor, one row per (endpoint, event) message, the attempt log, endpoint health.
///
/// Durability: WAL with `synchronous=NORMAL`. A power loss can drop the last commits, which
/// only rewinds the cursor (events are enqueued again: `INSERT OR IGNORE` makes that a no-op
/// or a duplicate delivery with the same `webhook-id`) or forgets that an attempt happened (it
/// is made again). No event is lost, because the log itself is the source of every message.
///
/// Confinement: not thread-safe. Use one instance from one serial context (the dispatcher's
/// task); every method is synchronous and throws. Another context (an HTTP handler listing
/// messages) opens its own instance on the same file: WAL lets readers run beside the writer.
public final class DeliveryStore: @unchecked Sendable {
    public let connection: Connection

    /// Migrations of `webhooks.sqlite`. Shipped entries never change; new ones are appended.
    static let migrations: [String] = [
        """
        CREATE TABLE webhook_cursor (
            id  INTEGER PRIMARY KEY CHECK (id = 1),
            seq INTEGER NOT NULL
        );
        INSERT INTO webhook_cursor(id, seq) VALUES (1, 0);
        CREATE TABLE webhook_messages (
            endpoint_id      TEXT    NOT NULL,
            seq              INTEGER NOT NULL,
            type             TEXT    NOT NULL,
            status           TEXT    NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
            attempts         INTEGER NOT NULL DEFAULT 0,
            next_attempt_at  INTEGER,
            last_status_code INTEGER,
            created_at       INTEGER NOT NULL,
            delivered_at     INTEGER,
            PRIMARY KEY (endpoint_id, seq)
        ) WITHOUT ROWID;
        CREATE INDEX webhook_messages_due ON webhook_messages(endpoint_id, next_attempt_at, seq)
            WHERE status = 'pending';
        CREATE INDEX webhook_messages_by_status ON webhook_messages(endpoint_id, status, seq);
        CREATE TABLE webhook_attempts (
            id           INTEGER PRIMARY KEY,
            endpoint_id  TEXT    NOT NULL,
            seq          INTEGER NOT NULL,
            at           INTEGER NOT NULL,
            status_code  INTEGER,
            latency_ms   INTEGER NOT NULL,
            response     TEXT    NOT NULL,
            error        TEXT,
            succeeded    INTEGER NOT NULL
        );
        CREATE INDEX webhook_attempts_by_message ON webhook_attempts(endpoint_id, seq, id);
        CREATE TABLE webhook_endpoint_health (
            endpoint_id     TEXT PRIMARY KEY,
            failing_since   INTEGER,
            last_success_at INTEGER
        ) WITHOUT ROWID;
        """,
    ]

    /// Opens (creating when missing) and migrates the store at `path`.
    public init(path: String) throws {
        // The log writer's WAL-coalescing VFS: a commit's frames reach the file in a few writes
        // instead of two per page (at 2,000 deliveries/s that was ~13,000 `pwrite`s a second),
        // and a checkpoint every 8,192 pages instead of 1,000, so its fsyncs (which queue on the
        // disk beside the log writer's) come a few times a minute rather than 7 times a second.
        connection = try Connection(path: path, vfs: .coalescedWAL)
        try connection.execute("PRAGMA journal_mode=WAL")
        try connection.execute("PRAGMA synchronous=NORMAL")
        try connection.execute("PRAGMA wal_autocheckpoint=8192")
        try connection.execute("PRAGMA journal_size_limit=\(16 << 20)")
        try connection.migrate(Self.migrations, recordedIn: "webhook_schema_migrations")
    }

    /// The `webhook-id` of a message (see `WebhookMessage.id`).
    public static func messageId(endpointId: String, seq: Int64) -> String {
        WebhookMessage.id(endpointId: endpointId, seq: seq)
    }

    // MARK: enqueueing

    /// The highest log seq already turned into messages (0 before any).
    public func cursor() throws -> Int64 {
        try connection.scalarInt("SELECT seq FROM webhook_cursor WHERE id = 1") ?? 0
    }

    /// In one transaction: inserts the messages as pending, due at `at` (a message that already
    /// exists for the same endpoint and seq is left as it is), and sets the cursor to `cursor`.
    public func enqueue(_ messages: [NewMessage], cursor: Int64, at: Timestamp) throws {
        try connection.transaction {
            let insert = try connection.prepared("""
                INSERT OR IGNORE INTO webhook_messages(endpoint_id, seq, type, status, attempts, next_attempt_at, created_at)
                VALUES (?1, ?2, ?3, 'pending', 0, ?4, ?4)
                """)
            for message in messages {
                insert.reset()
                try insert.bind(1, message.endpointId)
                try insert.bind(2, message.seq)
                try insert.bind(3, message.type)
                try insert.bind(4, at.milliseconds)
                try insert.run()
            }
            try connection.run("UPDATE webhook_cursor SET seq = ?1 WHERE id = 1", [.integer(cursor)])
        }
    }

    // MARK: scheduling

    /// Pending messages of one endpoint due by `now` and not in `excluding` (those in flight),
    /// earliest `next_attempt_at` first, then lowest seq; at most `limit`.
    public func due(endpointId: String, now: Timestamp, limit: Int, excluding: Set<Int64>) throws -> [PendingMessage] {
        guard limit > 0 else { return [] }
        let statement = try connection.prepared("""
            SELECT seq, type, attempts FROM webhook_messages
            WHERE endpoint_id = ?1 AND status = 'pending' AND next_attempt_at <= ?2
            ORDER BY next_attempt_at, seq
            LIMIT ?3
            """)
        defer { statement.reset() }
        try statement.bind(1, endpointId)
        try statement.bind(2, now.milliseconds)
        try statement.bind(3, limit + excluding.count)
        var result: [PendingMessage] = []
        while result.count < limit, try statement.step() {
            let seq = statement.int64(0)
            if excluding.contains(seq) { continue }
            result.append(PendingMessage(endpointId: endpointId, seq: seq, type: statement.string(1), attempts: statement.int(2)))
        }
        return result
    }

    /// The earliest `next_attempt_at` among the endpoint's pending messages (nil when none).
    public func nextDue(endpointId: String) throws -> Timestamp? {
        try connection.scalarInt("""
            SELECT MIN(next_attempt_at) FROM webhook_messages WHERE endpoint_id = ?1 AND status = 'pending'
            """, [.text(endpointId)]).map(Timestamp.init(milliseconds:))
    }

    /// The endpoints that have pending messages (for a dispatcher starting up).
    public func endpointsWithPending() throws -> [String] {
        try connection.rows("SELECT DISTINCT endpoint_id FROM webhook_messages WHERE status = 'pending' ORDER BY endpoint_id")
            .compactMap { $0.first?.string }
    }

    // MARK: recording attempts

    /// Records finished attempts in ONE transaction (one commit for a whole batch of deliveries).
    /// For each result: appends an attempt row; updates the message (attempts + 1, the status
    /// code; on success `delivered`; on failure the next attempt time, or `failed` when
    /// `nextAttemptAt` is nil); and updates the endpoint's health (see `health(endpointId:)`).
    /// A failure never demotes a message that is already delivered.
    public func record(_ results: [AttemptResult]) throws {
        guard !results.isEmpty else { return }
        try connection.transaction { try recordInTransaction(results) }
    }

    /// `record` inside a transaction the caller holds (the dispatcher records a pass's results
    /// and takes its next leases in one commit).
    public func recordInTransaction(_ results: [AttemptResult]) throws {
        guard !results.isEmpty else { return }
        do {
            let insertAttempt = try connection.prepared("""
                INSERT INTO webhook_attempts(endpoint_id, seq, at, status_code, latency_ms, response, error, succeeded)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                """)
            let delivered = try connection.prepared("""
                UPDATE webhook_messages
                SET status = 'delivered', attempts = attempts + 1, last_status_code = COALESCE(?3, last_status_code),
                    next_attempt_at = NULL, delivered_at = ?4
                WHERE endpoint_id = ?1 AND seq = ?2
                """)
            let failed = try connection.prepared("""
                UPDATE webhook_messages
                SET attempts = attempts + 1, last_status_code = COALESCE(?3, last_status_code),
                    status = CASE WHEN ?4 IS NULL THEN 'failed' ELSE 'pending' END, next_attempt_at = ?4
                WHERE endpoint_id = ?1 AND seq = ?2 AND status <> 'delivered'
                """)
            let healthSuccess = try connection.prepared("""
                INSERT INTO webhook_endpoint_health(endpoint_id, failing_since, last_success_at) VALUES (?1, NULL, ?2)
                ON CONFLICT(endpoint_id) DO UPDATE SET
                    failing_since = CASE WHEN failing_since <= excluded.last_success_at THEN NULL ELSE failing_since END,
                    last_success_at = MAX(COALESCE(last_success_at, excluded.last_success_at), excluded.last_success_at)
                """)
            let healthFailure = try connection.prepared("""
                INSERT INTO webhook_endpoint_health(endpoint_id, failing_since, last_success_at) VALUES (?1, ?2, NULL)
                ON CONFLICT(endpoint_id) DO UPDATE SET
                    failing_since = CASE
                        WHEN last_success_at IS NOT NULL AND excluded.failing_since < last_success_at THEN failing_since
                        WHEN failing_since IS NULL THEN excluded.failing_since
                        ELSE MIN(failing_since, excluded.failing_since) END
                """)
            for result in results {
                insertAttempt.reset()
                try insertAttempt.bind(1, result.endpointId)
                try insertAttempt.bind(2, result.seq)
                try insertAttempt.bind(3, result.at.milliseconds)
                try insertAttempt.bind(4, result.statusCode.map(Int64.init))
                try insertAttempt.bind(5, result.latencyMillis)
                try insertAttempt.bind(6, ResponseExcerpt.truncate(result.responseExcerpt))
                try insertAttempt.bind(7, result.error.map { ResponseExcerpt.truncate($0) })
                try insertAttempt.bind(8, Int64(result.succeeded ? 1 : 0))
                try insertAttempt.run()

                let update = result.succeeded ? delivered : failed
                update.reset()
                try update.bind(1, result.endpointId)
                try update.bind(2, result.seq)
                try update.bind(3, result.statusCode.map(Int64.init))
                try update.bind(4, result.succeeded ? result.at.milliseconds : result.nextAttemptAt?.milliseconds)
                try update.run()
            }
            // Health in time order, so a batch's success clears only the failures before it.
            for result in Self.healthSteps(results) {
                let health = result.succeeded ? healthSuccess : healthFailure
                health.reset()
                try health.bind(1, result.endpointId)
                try health.bind(2, result.at.milliseconds)
                try health.run()
            }
        }
    }

    /// The results whose health updates matter, in time order: of an endpoint's consecutive
    /// successes only the last (applying an earlier one first changes nothing the later one
    /// does not); every failure. One upsert per endpoint per batch when all is well.
    static func healthSteps(_ results: [AttemptResult]) -> [AttemptResult] {
        var steps: [AttemptResult] = []
        var last: [String: Int] = [:]
        for result in results.sorted(by: { $0.at < $1.at }) {
            if result.succeeded, let index = last[result.endpointId], steps[index].succeeded {
                steps[index] = result
                continue
            }
            last[result.endpointId] = steps.count
            steps.append(result)
        }
        return steps
    }

    // MARK: endpoint health

    /// The endpoint's health, kept by `record` (so there is nothing for the dispatcher to do):
    /// `failingSince` is the start time of the earliest failed attempt after the latest success
    /// (or ever, before any success) and clears on a later success; `lastSuccessAt` is the
    /// latest success. A failure that started before the latest success is ignored. Within a
    /// batch results are applied in time order; across batches a success recorded after a
    /// later failure can clear `failingSince` until the next failure sets it again. nil when
    /// the endpoint has no recorded attempt (and no `setHealth`).
    public func health(endpointId: String) throws -> EndpointHealth? {
        let rows = try connection.rows("""
            SELECT failing_since, last_success_at FROM webhook_endpoint_health WHERE endpoint_id = ?1
            """, [.text(endpointId)])
        guard let row = rows.first else { return nil }
        return EndpointHealth(endpointId: endpointId, failingSince: row[0].int64.map(Timestamp.init(milliseconds:)),
                              lastSuccessAt: row[1].int64.map(Timestamp.init(milliseconds:)))
    }

    /// Overwrites an endpoint's health (e.g. clearing `failingSince` when a person re-enables it).
    public func setHealth(_ health: EndpointHealth) throws {
        try connection.run("""
            INSERT OR REPLACE INTO webhook_endpoint_health(endpoint_id, failing_since, last_success_at) VALUES (?1, ?2, ?3)
            """, [.text(health.endpointId), SQLValue(health.failingSince?.milliseconds), SQLValue(health.lastSuccessAt?.milliseconds)])
    }

    // MARK: listing

    static let messageColumns = "seq, type, status, attempts, next_attempt_at, last_status_code, created_at, delivered_at"

    /// The endpoint's messages, newest (highest seq) first, optionally of one status, with seq
    /// below `beforeSeq` (the last seq of the previous page); at most `limit`.
    public func messages(endpointId: String, status: MessageStatus?, beforeSeq: Int64?, limit: Int) throws -> [MessageRow] {
        guard limit > 0 else { return [] }
        var sql = "SELECT \(Self.messageColumns) FROM webhook_messages WHERE endpoint_id = ?1 AND seq < ?2"
        var bindings: [SQLValue] = [.text(endpointId), .integer(beforeSeq ?? Int64.max), .integer(Int64(limit))]
        if let status {
            sql += " AND status = ?4"
            bindings.append(.text(status.rawValue))
        }
        sql += " ORDER BY seq DESC LIMIT ?3"
        return try connection.rows(sql, bindings).compactMap { messageRow(endpointId: endpointId, $0) }
    }

    /// One message by its `webhook-id`, or nil when the id is not one of this endpoint's messages.
    public func message(endpointId: String, messageId: String) throws -> MessageRow? {
        guard let seq = WebhookMessage.seq(fromId: messageId, endpointId: endpointId) else { return nil }
        return try message(endpointId: endpointId, seq: seq)
    }

    /// One message by its seq.
    public func message(endpointId: String, seq: Int64) throws -> MessageRow? {
        try connection.rows("SELECT \(Self.messageColumns) FROM webhook_messages WHERE endpoint_id = ?1 AND seq = ?2",
                            [.text(endpointId), .integer(seq)]).first.flatMap { messageRow(endpointId: endpointId, $0) }
    }

    private func messageRow(endpointId: String, _ row: [SQLValue]) -> MessageRow? {
        guard let seq = row[0].int64, let status = row[2].string.flatMap(MessageStatus.init(rawValue:)) else { return nil }
        return MessageRow(
            messageId: WebhookMessage.id(endpointId: endpointId, seq: seq), endpointId: endpointId, seq: seq,
            type: row[1].string ?? "", status: status, attempts: Int(row[3].int64 ?? 0),
            nextAttemptAt: row[4].int64.map(Timestamp.init(milliseconds:)), lastStatusCode: row[5].int64.map { Int($0) },
            createdAt: Timestamp(milliseconds: row[6].int64 ?? 0), deliveredAt: row[7].int64.map(Timestamp.init(milliseconds:)))
    }

    /// The message's attempts, newest first, at most `limit`.
    public func attempts(endpointId: String, seq: Int64, limit: Int) throws -> [AttemptRow] {
        guard limit > 0 else { return [] }
        return try connection.rows("""
            SELECT at, status_code, latency_ms, response, error, succeeded FROM webhook_attempts
            WHERE endpoint_id = ?1 AND seq = ?2 ORDER BY id DESC LIMIT ?3
            """, [.text(endpointId), .integer(seq), .integer(Int64(limit))]).map { row in
            AttemptRow(at: Timestamp(milliseconds: row[0].int64 ?? 0), statusCode: row[1].int64.map { Int($0) },
                       latencyMillis: row[2].int64 ?? 0, response: row[3].string ?? "", error: row[4].string,
                       succeeded: row[5].int64 == 1)
        }
    }

    /// Messages per status for the endpoint.
    public func counts(endpointId: String) throws -> (pending: Int, delivered: Int, failed: Int) {
        var counts = (pending: 0, delivered: 0, failed: 0)
        for row in try connection.rows("""
            SELECT status, COUNT(*) FROM webhook_messages WHERE endpoint_id = ?1 GROUP BY status
            """, [.text(endpointId)]) {
            let n = Int(row[1].int64 ?? 0)
            switch row[0].string.flatMap(MessageStatus.init(rawValue:)) {
            case .pending?: counts.pending = n
            case .delivered?: counts.delivered = n
            case .failed?: counts.failed = n
            case nil: break
            }
        }
        return counts
    }

    // MARK: manual retry and replay

    /// Manual retry: the message goes back to pending, due `now`, keeping its attempt count and
    /// attempt log (a delivered message is sent again too). false when there is no such message.
    public func retryNow(endpointId: String, seq: Int64, now: Timestamp) throws -> Bool {
        try connection.run("""
            UPDATE webhook_messages SET status = 'pending', next_attempt_at = ?3 WHERE endpoint_id = ?1 AND seq = ?2
            """, [.text(endpointId), .integer(seq), .integer(now.milliseconds)])
        return connection.changes > 0
    }

    /// Replay, in one transaction: each message is inserted as pending due `now`, or, when it
    /// exists, reset to pending due `now` with its attempt count back to 0 (a replayed message
    /// gets the whole retry schedule again; its earlier attempts stay in the attempt log).
    /// Returns how many messages were inserted or reset.
    @discardableResult
    public func replay(endpointId: String, messages: [NewMessage], now: Timestamp) throws -> Int {
        try connection.transaction {
            let upsert = try connection.prepared("""
                INSERT INTO webhook_messages(endpoint_id, seq, type, status, attempts, next_attempt_at, created_at)
                VALUES (?1, ?2, ?3, 'pending', 0, ?4, ?4)
                ON CONFLICT(endpoint_id, seq) DO UPDATE SET
                    status = 'pending', attempts = 0, next_attempt_at = excluded.next_attempt_at, delivered_at = NULL
                """)
            var count = 0
            for message in messages {
                upsert.reset()
                try upsert.bind(1, endpointId)
                try upsert.bind(2, message.seq)
                try upsert.bind(3, message.type)
                try upsert.bind(4, now.milliseconds)
                try upsert.run()
                count += connection.changes
            }
            return count
        }
    }
}
