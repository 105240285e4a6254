import Domain
import MarqueeJSON
import EventLog
import SQLiteDB

/// One event as the projector sees it (nil `event`: a type this build does not know).
public struct ProjectedEvent: Sendable {
    public var seq: Int64
    public var recordedAt: String
    public var event: DomainEvent?
    public init(seq: Int64, recordedAt: String, event: DomainEvent?) {
        self.seq = seq; self.recordedAt = recordedAt; self.event = event
    }

    /// Decodes the current row of a scan, straight from SQLite's buffer (no copy of the payload).
    public init(row: EventRow) throws {
        let type = row.type, schema = row.schema
        self.init(seq: row.seq, recordedAt: row.recordedAt,
                  event: try row.withData { try DomainEvent.decode(type: type, schema: schema, bytes: $0) })
    }
}

/// Applies events to the read-model tables. Decides nothing: every value it writes comes from
/// an event. One transaction per batch, with the checkpoint, so a crash never applies an event
/// twice or skips one.
public final class Projector {
    public let connection: Connection

    private struct WalletDelta {
        var balance: Int64 = 0, earnings: Int64 = 0, tokensIn: Int64 = 0, giftsSent: Int64 = 0, giftsReceived: Int64 = 0
        var pendingPayout: Int64 = 0, paidOut: Int64 = 0, minutesBilled: Int64 = 0
    }

    public init(connection: Connection) { self.connection = connection }

    /// The one statement that runs for nearly every event of a busy log, prepared once
    /// (`Connection.prepared` would hash its SQL text on every call).
    private var giftInsertStatement: Statement?

    private func giftInsert() throws -> Statement {
        if let statement = giftInsertStatement { return statement }
        let statement = try connection.statement("""
            INSERT INTO gifts(seq, gift_id, stream_id, channel_id, from_account_id, to_account_id, gift, quantity,
                              tokens, creator_tokens, fee_tokens, message, sent_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
            """)
        giftInsertStatement = statement
        return statement
    }

    /// Applies `batch` (in seq order, all after the current checkpoint) in one transaction.
    public func apply(_ batch: [ProjectedEvent]) throws {
        guard let last = batch.last else { return }
        try connection.transaction {
            var wallets: [String: WalletDelta] = [:]
            var issued: Int64 = 0, fees: Int64 = 0, gifts: Int64 = 0, paidOut: Int64 = 0
            for item in batch {
                guard let event = item.event else { continue }
                switch event {
                case .accountRegistered(let e):
                    let s = try connection.prepared("INSERT INTO accounts(account_id, handle, role, suspended, registered_at) VALUES (?1, ?2, ?3, 0, ?4)")
                    try s.bind(1, e.accountId); try s.bind(2, e.handle); try s.bind(3, e.role.rawValue); try s.bind(4, item.recordedAt)
                    try s.run()
                case .accountRoleChanged(let e):
                    let s = try connection.prepared("UPDATE accounts SET role = ?2 WHERE account_id = ?1")
                    try s.bind(1, e.accountId); try s.bind(2, e.role.rawValue)
                    try s.run()
                case .accountSuspended(let e):
                    try setSuspended(e.accountId, true)
                case .accountReinstated(let e):
                    try setSuspended(e.accountId, false)
                case .channelCreated(let e):
                    let s = try connection.prepared("""
                        INSERT INTO channels(channel_id, slug, owner_id, title, access, price_per_minute, age_restricted, created_at, updated_at)
                        VALUES (?1, ?2, ?3, ?4, 'public', 0, 0, ?5, ?5)
                        """)
                    try s.bind(1, e.channelId); try s.bind(2, e.slug); try s.bind(3, e.ownerId); try s.bind(4, e.title)
                    try s.bind(5, item.recordedAt)
                    try s.run()
                case .channelUpdated(let e):
                    let s = try connection.prepared("""
                        UPDATE channels SET title = ?2, access = ?3, price_per_minute = ?4, age_restricted = ?5, updated_at = ?6
                        WHERE channel_id = ?1
                        """)
                    try s.bind(1, e.channelId); try s.bind(2, e.title); try s.bind(3, e.access.rawValue)
                    try s.bind(4, e.pricePerMinute); try s.bind(5, e.ageRestricted ? 1 : 0); try s.bind(6, item.recordedAt)
                    try s.run()
                case .channelStreamKeyRotated(let e):
                    let s = try connection.prepared("UPDATE channels SET updated_at = ?2 WHERE channel_id = ?1")
                    try s.bind(1, e.channelId); try s.bind(2, item.recordedAt)
                    try s.run()
                case .tokensGranted(let e):
                    update(&wallets, e.accountId) { $0.balance += e.tokens; $0.tokensIn += e.tokens }
                    issued += e.tokens
                case .giftSent(let e):
                    update(&wallets, e.fromAccountId) { $0.balance -= e.tokens; $0.giftsSent += 1 }
                    update(&wallets, e.toAccountId) { $0.earnings += e.creatorTokens; $0.giftsReceived += 1 }
                    fees += e.feeTokens
                    gifts += 1
                    let s = try giftInsert()
                    try s.bind(1, item.seq); try s.bind(2, e.giftId); try s.bind(3, e.streamId); try s.bind(4, e.channelId)
                    try s.bind(5, e.fromAccountId); try s.bind(6, e.toAccountId); try s.bind(7, e.gift); try s.bind(8, e.quantity)
                    try s.bind(9, e.tokens); try s.bind(10, e.creatorTokens); try s.bind(11, e.feeTokens); try s.bind(12, e.message)
                    try s.bind(13, item.recordedAt)
                    try s.run()
                case .minuteBilled(let e):
                    update(&wallets, e.viewerId) { $0.balance -= e.tokens; $0.minutesBilled += 1 }
                    update(&wallets, e.creatorId) { $0.earnings += e.creatorTokens }
                    fees += e.feeTokens
                    try run("UPDATE viewing_sessions SET minutes_billed = ?2, tokens_billed = tokens_billed + ?3 WHERE session_id = ?1",
                            [.text(e.sessionId), .integer(Int64(e.minute)), .integer(e.tokens)])
                    try run("UPDATE streams SET minutes_billed = minutes_billed + 1, tokens_billed = tokens_billed + ?2 WHERE stream_id = ?1",
                            [.text(e.streamId), .integer(e.tokens)])
                case .subscriptionStarted(let e), .subscriptionRenewed(let e):
                    update(&wallets, e.viewerId) { $0.balance -= e.tokens }
                    update(&wallets, e.creatorId) { $0.earnings += e.creatorTokens }
                    fees += e.feeTokens
                    if case .subscriptionStarted = event {
                        try run("""
                            INSERT INTO subscriptions(subscription_id, viewer_id, channel_id, creator_id, tier, tokens, status,
                                                      period_start, period_end, started_at)
                            VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'active', ?7, ?8, ?9)
                            """, [.text(e.subscriptionId), .text(e.viewerId), .text(e.channelId), .text(e.creatorId), .text(e.tier),
                                  .integer(e.tokens), .text(e.periodStart.rfc3339), .text(e.periodEnd.rfc3339), .text(item.recordedAt)])
                    } else {
                        try run("""
                            UPDATE subscriptions SET status = 'active', period_start = ?2, period_end = ?3, renewals = renewals + 1,
                                failed_attempts = 0, retry_at = NULL WHERE subscription_id = ?1
                            """, [.text(e.subscriptionId), .text(e.periodStart.rfc3339), .text(e.periodEnd.rfc3339)])
                    }
                case .subscriptionRenewalFailed(let e):
                    try run("UPDATE subscriptions SET status = 'past_due', failed_attempts = ?2, retry_at = ?3, last_failure = ?4 WHERE subscription_id = ?1",
                            [.text(e.subscriptionId), SQLValue(e.attempt), SQLValue(e.retryAt?.rfc3339), .text(e.reason)])
                case .subscriptionCanceled(let e):
                    try run("UPDATE subscriptions SET status = 'canceled', canceled_at = ?2 WHERE subscription_id = ?1",
                            [.text(e.subscriptionId), .text(item.recordedAt)])
                case .subscriptionExpired(let e):
                    try run("UPDATE subscriptions SET status = 'expired', expired_at = ?2, expiry_reason = ?3 WHERE subscription_id = ?1",
                            [.text(e.subscriptionId), .text(item.recordedAt), .text(e.reason.rawValue)])
                case .channelSubscriptionTiersSet(let e):
                    let tiers = String(decoding: try JSONEncoding.encode(e.tiers), as: UTF8.self)
                    try run("UPDATE channels SET tiers = ?2, subscribers_watch_paid_free = ?3, updated_at = ?4 WHERE channel_id = ?1",
                            [.text(e.channelId), .text(tiers), SQLValue(e.subscribersWatchPaidFree), .text(item.recordedAt)])
                case .tokensPurchased(let e):
                    update(&wallets, e.accountId) { $0.balance += e.tokens; $0.tokensIn += e.tokens }
                    issued += e.tokens
                    try run("""
                        INSERT INTO purchases(seq, purchase_id, account_id, package_id, tokens, currency, minor, provider, provider_ref, purchased_at)
                        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                        """, [.integer(item.seq), .text(e.purchaseId), .text(e.accountId), .text(e.packageId), .integer(e.tokens),
                              .text(e.amount.currency), .integer(e.amount.minor), .text(e.provider), .text(e.providerRef), .text(item.recordedAt)])
                case .payoutRequested(let e):
                    update(&wallets, e.creatorId) { $0.earnings -= e.tokens; $0.pendingPayout += e.tokens }
                    try run("""
                        INSERT INTO payouts(payout_id, creator_id, tokens, currency, minor, destination, status, requested_at)
                        VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'requested', ?7)
                        """, [.text(e.payoutId), .text(e.creatorId), .integer(e.tokens), .text(e.amount.currency), .integer(e.amount.minor),
                              .text(e.destination), .text(item.recordedAt)])
                case .payoutApproved(let e):
                    try decidePayout(e, status: "approved", at: item.recordedAt)
                case .payoutRejected(let e):
                    update(&wallets, e.creatorId) { $0.earnings += e.tokens; $0.pendingPayout -= e.tokens }
                    try decidePayout(e, status: "rejected", at: item.recordedAt)
                case .payoutPaid(let e):
                    update(&wallets, e.creatorId) { $0.pendingPayout -= e.tokens; $0.paidOut += e.tokens }
                    paidOut += e.tokens
                    try decidePayout(e, status: "paid", at: item.recordedAt)
                case .streamStarted(let e):
                    try run("""
                        INSERT INTO streams(stream_id, channel_id, title, access, price_per_minute, started_at)
                        VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                        """, [.text(e.streamId), .text(e.channelId), .text(e.title), .text(e.access.rawValue), .integer(e.pricePerMinute),
                              .text(e.startedAt.rfc3339)])
                    try run("UPDATE channels SET live_stream_id = ?2 WHERE channel_id = ?1", [.text(e.channelId), .text(e.streamId)])
                case .streamEnded(let e):
                    try run("UPDATE streams SET ended_at = ?2, end_reason = ?3, duration_ms = ?4 WHERE stream_id = ?1",
                            [.text(e.streamId), .text(item.recordedAt), .text(e.reason.rawValue), .integer(e.durationMs)])
                    try run("UPDATE channels SET live_stream_id = NULL WHERE channel_id = ?1 AND live_stream_id = ?2",
                            [.text(e.channelId), .text(e.streamId)])
                case .viewerJoined(let e):
                    try run("""
                        INSERT INTO viewing_sessions(session_id, stream_id, channel_id, viewer_id, transport, price_per_minute, status, joined_at)
                        VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'connected', ?7)
                        """, [.text(e.sessionId), .text(e.streamId), .text(e.channelId), SQLValue(e.viewerId), .text(e.transport.rawValue),
                              .integer(e.pricePerMinute), .text(e.at.rfc3339)])
                    try run("UPDATE streams SET viewers_now = viewers_now + 1, viewers_total = viewers_total + 1 WHERE stream_id = ?1",
                            [.text(e.streamId)])
                case .viewerDisconnected(let e):
                    try run("UPDATE viewing_sessions SET status = 'disconnected', connected_ms = ?2 WHERE session_id = ?1",
                            [.text(e.sessionId), .integer(e.connectedMs)])
                case .viewerReconnected(let e):
                    try run("UPDATE viewing_sessions SET status = 'connected' WHERE session_id = ?1", [.text(e.sessionId)])
                case .viewerLeft(let e):
                    try run("UPDATE viewing_sessions SET status = 'left', left_at = ?2, left_reason = ?3, connected_ms = ?4 WHERE session_id = ?1",
                            [.text(e.sessionId), .text(item.recordedAt), .text(e.reason.rawValue), .integer(e.connectedMs)])
                    try run("UPDATE streams SET viewers_now = viewers_now - 1 WHERE stream_id = ?1", [.text(e.streamId)])
                case .billingStopped(let e):
                    try run("UPDATE viewing_sessions SET billing_stopped = ?2 WHERE session_id = ?1", [.text(e.sessionId), .text(e.reason.rawValue)])
                case .chatMessagePosted, .chatMessageDeleted, .chatUserBanned, .chatUserUnbanned, .chatSettingsChanged,
                     .chatModeratorAdded, .chatModeratorRemoved, .pollOpened, .pollVoted, .pollClosed, .adCreated, .adBreakStarted,
                     .adImpression, .appRegistered, .appAuthorized, .appRevoked, .accessTokenCreated, .accessTokenRevoked,
                     .webhookEndpointCreated, .webhookEndpointUpdated, .webhookEndpointDisabled, .webhookEndpointEnabled,
                     .webhookEndpointDeleted, .webhookSecretRotated:
                    try applyEngagement(event, item)
                }
            }
            if !wallets.isEmpty {
                let s = try connection.prepared("""
                    INSERT INTO wallets(account_id, balance, earnings, tokens_in, gifts_sent, gifts_received, pending_payout, paid_out, minutes_billed)
                    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                    ON CONFLICT(account_id) DO UPDATE SET balance = balance + excluded.balance,
                        earnings = earnings + excluded.earnings, tokens_in = tokens_in + excluded.tokens_in,
                        gifts_sent = gifts_sent + excluded.gifts_sent, gifts_received = gifts_received + excluded.gifts_received,
                        pending_payout = pending_payout + excluded.pending_payout, paid_out = paid_out + excluded.paid_out,
                        minutes_billed = minutes_billed + excluded.minutes_billed
                    """)
                // Sorted, so the rows' physical order (and a rebuilt file) does not depend on hashing.
                for (account, d) in wallets.sorted(by: { $0.key < $1.key }) {
                    try s.bind(1, account); try s.bind(2, d.balance); try s.bind(3, d.earnings); try s.bind(4, d.tokensIn)
                    try s.bind(5, d.giftsSent); try s.bind(6, d.giftsReceived)
                    try s.bind(7, d.pendingPayout); try s.bind(8, d.paidOut); try s.bind(9, d.minutesBilled)
                    try s.run()
                }
            }
            if issued != 0 || fees != 0 || gifts != 0 || paidOut != 0 {
                let s = try connection.prepared("UPDATE platform_totals SET tokens_issued = tokens_issued + ?1, fees = fees + ?2, gifts = gifts + ?3, paid_out = paid_out + ?4 WHERE id = 1")
                try s.bind(1, issued); try s.bind(2, fees); try s.bind(3, gifts); try s.bind(4, paidOut)
                try s.run()
            }
            let s = try connection.prepared("UPDATE projection_checkpoint SET seq = ?1 WHERE id = 1")
            try s.bind(1, last.seq)
            try s.run()
        }
    }

    /// One hash lookup per account and event.
    private func update(_ wallets: inout [String: WalletDelta], _ account: String, _ change: (inout WalletDelta) -> Void) {
        change(&wallets[account, default: WalletDelta()])
    }

    /// Chat, polls, ads, apps and webhook endpoints: no money, one row change each.
    private func applyEngagement(_ event: DomainEvent, _ item: ProjectedEvent) throws {
        func json<T: Encodable>(_ value: T) throws -> SQLValue { .text(String(decoding: try JSONEncoding.encode(value), as: UTF8.self)) }
        switch event {
        case .chatMessagePosted(let e):
            try run("""
                INSERT INTO chat_messages(seq, message_id, channel_id, stream_id, author_id, author_handle, text, posted_at)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                """, [.integer(item.seq), .text(e.messageId), .text(e.channelId), SQLValue(e.streamId), .text(e.authorId),
                      .text(e.authorHandle), .text(e.text), .text(e.at.rfc3339)])
        case .chatMessageDeleted(let e):
            try run("UPDATE chat_messages SET deleted = 1, deleted_by = ?2, delete_reason = ?3 WHERE message_id = ?1",
                    [.text(e.messageId), .text(e.by), .text(e.reason)])
        case .chatUserBanned(let e):
            try run("""
                INSERT INTO chat_bans(channel_id, user_id, until, reason, by, banned_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                ON CONFLICT(channel_id, user_id) DO UPDATE SET until = excluded.until, reason = excluded.reason, by = excluded.by,
                    banned_at = excluded.banned_at
                """, [.text(e.channelId), .text(e.userId), SQLValue(e.until?.rfc3339), .text(e.reason), .text(e.by), .text(item.recordedAt)])
        case .chatUserUnbanned(let e):
            try run("DELETE FROM chat_bans WHERE channel_id = ?1 AND user_id = ?2", [.text(e.channelId), .text(e.userId)])
        case .chatSettingsChanged(let e):
            try run("""
                INSERT INTO chat_settings(channel_id, slow_mode_seconds, subscribers_only, blocked_terms) VALUES (?1, ?2, ?3, ?4)
                ON CONFLICT(channel_id) DO UPDATE SET slow_mode_seconds = excluded.slow_mode_seconds,
                    subscribers_only = excluded.subscribers_only, blocked_terms = excluded.blocked_terms
                """, [.text(e.channelId), SQLValue(e.slowModeSeconds), SQLValue(e.subscribersOnly), try json(e.blockedTerms)])
        case .chatModeratorAdded(let e):
            try run("INSERT OR IGNORE INTO chat_moderators(channel_id, user_id) VALUES (?1, ?2)", [.text(e.channelId), .text(e.userId)])
        case .chatModeratorRemoved(let e):
            try run("DELETE FROM chat_moderators WHERE channel_id = ?1 AND user_id = ?2", [.text(e.channelId), .text(e.userId)])
        case .pollOpened(let e):
            try run("""
                INSERT INTO polls(poll_id, channel_id, stream_id, question, options, counts, status, closes_at, opened_at)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'open', ?7, ?8)
                """, [.text(e.pollId), .text(e.channelId), SQLValue(e.streamId), .text(e.question), try json(e.options),
                      try json(Array(repeating: 0, count: e.options.count)), .text(e.closesAt.rfc3339), .text(item.recordedAt)])
        case .pollVoted(let e):
            try run("UPDATE polls SET counts = ?2 WHERE poll_id = ?1", [.text(e.pollId), try json(e.counts)])
        case .pollClosed(let e):
            try run("UPDATE polls SET counts = ?2, status = 'closed', closed_at = ?3 WHERE poll_id = ?1",
                    [.text(e.pollId), try json(e.results), .text(item.recordedAt)])
        case .adCreated(let e):
            try run("INSERT INTO ads(ad_id, name, duration_ms, media, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                    [.text(e.adId), .text(e.name), .integer(e.durationMs), .text(e.media), .text(item.recordedAt)])
        case .adBreakStarted(let e):
            try run("INSERT INTO ad_breaks(break_id, channel_id, stream_id, ad_id, by, started_at, duration_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    [.text(e.breakId), .text(e.channelId), .text(e.streamId), .text(e.adId), SQLValue(e.by), .text(e.at.rfc3339),
                     .integer(e.durationMs)])
        case .adImpression(let e):
            try run("UPDATE ads SET impressions = impressions + 1 WHERE ad_id = ?1", [.text(e.adId)])
            try run("UPDATE ad_breaks SET impressions = impressions + 1 WHERE break_id = ?1", [.text(e.breakId)])
            try run("""
                INSERT INTO ad_impressions(channel_id, ad_id, impressions) VALUES (?1, ?2, 1)
                ON CONFLICT(channel_id, ad_id) DO UPDATE SET impressions = impressions + 1
                """, [.text(e.channelId), .text(e.adId)])
        case .appRegistered(let e):
            try run("""
                INSERT INTO apps(app_id, owner_id, name, redirect_uris, scopes, client_type, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                """, [.text(e.appId), .text(e.ownerId), .text(e.name), try json(e.redirectUris), try json(e.scopes), .text(e.clientType),
                      .text(item.recordedAt)])
        case .appAuthorized(let e):
            try run("""
                INSERT INTO app_grants(app_id, account_id, scopes, authorized_at) VALUES (?1, ?2, ?3, ?4)
                ON CONFLICT(app_id, account_id) DO UPDATE SET scopes = excluded.scopes, authorized_at = excluded.authorized_at
                """, [.text(e.appId), .text(e.accountId), try json(e.scopes), .text(item.recordedAt)])
        case .appRevoked(let e):
            try run("DELETE FROM app_grants WHERE app_id = ?1 AND account_id = ?2", [.text(e.appId), .text(e.accountId)])
        case .accessTokenCreated(let e):
            try run("INSERT INTO access_tokens(token_id, account_id, name, scopes, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                    [.text(e.tokenId), .text(e.accountId), .text(e.name), try json(e.scopes), .text(item.recordedAt)])
        case .accessTokenRevoked(let e):
            try run("DELETE FROM access_tokens WHERE token_id = ?1", [.text(e.tokenId)])
        case .webhookEndpointCreated(let e):
            try run("""
                INSERT INTO webhook_endpoints(endpoint_id, app_id, owner_id, url, event_types, scopes, enabled, created_at, updated_at)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?7)
                """, [.text(e.endpointId), SQLValue(e.appId), .text(e.ownerId), .text(e.url), try json(e.eventTypes), try json(e.scopes),
                      .text(item.recordedAt)])
        case .webhookEndpointUpdated(let e), .webhookEndpointDisabled(let e), .webhookEndpointEnabled(let e):
            try run("""
                UPDATE webhook_endpoints SET url = ?2, event_types = ?3, enabled = ?4, disabled_reason = ?5, updated_at = ?6
                WHERE endpoint_id = ?1
                """, [.text(e.endpointId), .text(e.url), try json(e.eventTypes), SQLValue(e.enabled), e.enabled ? .null : SQLValue(e.reason),
                      .text(item.recordedAt)])
        case .webhookEndpointDeleted(let e):
            try run("DELETE FROM webhook_endpoints WHERE endpoint_id = ?1", [.text(e.endpointId)])
        case .webhookSecretRotated(let e):
            try run("UPDATE webhook_endpoints SET previous_secret_expires_at = ?2, updated_at = ?3 WHERE endpoint_id = ?1",
                    [.text(e.endpointId), .text(e.previousSecretExpiresAt.rfc3339), .text(item.recordedAt)])
        default:
            break
        }
    }

    private func run(_ sql: String, _ values: [SQLValue]) throws {
        try connection.run(sql, values)
    }

    private func decidePayout(_ e: PayoutDecided, status: String, at: String) throws {
        try run("UPDATE payouts SET status = ?2, decided_at = ?3, decided_by = ?4, reason = coalesce(?5, reason), provider_ref = coalesce(?6, provider_ref) WHERE payout_id = ?1",
                [.text(e.payoutId), .text(status), .text(at), .text(e.by), SQLValue(e.reason), SQLValue(e.providerRef)])
    }

    private func setSuspended(_ accountId: String, _ suspended: Bool) throws {
        let s = try connection.prepared("UPDATE accounts SET suspended = ?2 WHERE account_id = ?1")
        try s.bind(1, accountId); try s.bind(2, suspended ? 1 : 0)
        try s.run()
    }

    /// Reads events after the checkpoint from `store` and applies them in batches of
    /// `batchSize`, through `through` when given. Returns the new checkpoint.
    @discardableResult
    public func catchUp(from store: EventStore, through: Int64? = nil, batchSize: Int = 10_000) throws -> Int64 {
        var checkpoint = try ReadModelSchema.checkpoint(connection)
        var batch: [ProjectedEvent] = []
        batch.reserveCapacity(batchSize)
        while true {
            batch.removeAll(keepingCapacity: true)
            try store.scan(after: checkpoint, through: through, limit: batchSize) { row in
                batch.append(try ProjectedEvent(row: row))
                return true
            }
            guard let last = batch.last else { return checkpoint }
            try apply(batch)
            checkpoint = last.seq
            if batch.count < batchSize { return checkpoint }
        }
    }
}
