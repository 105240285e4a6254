import Domain
import EventLog
import MarqueeCore
import MarqueeJSON
import SQLiteDB

/// The writer's handler: decides `CommandEnvelope`s with the pure `Decider` against the
/// in-memory `DomainState`, turns events into log rows, applies Idempotency-Key semantics
/// (IETF draft "The Idempotency-Key HTTP Header Field") and schedules secret writes.
/// Lives on the writer thread only.
public final class DomainHandler: CommandHandler {
    public typealias Command = CommandEnvelope
    public typealias Outcome = EngineOutcome

    /// How long an Idempotency-Key is remembered (the issue asks for at least 24 h).
    public static let idempotencyRetentionMillis: Int64 = 48 * 3_600_000

    public let config: DomainConfig
    public private(set) var state = DomainState()
    private var idempotency = IdempotencyIndex(retentionMillis: DomainHandler.idempotencyRetentionMillis)
    private var oauth = OAuthBook()
    private let clock: any WallClock

    public init(config: DomainConfig, clock: any WallClock) {
        self.config = config
        self.clock = clock
    }

    public func load(from store: EventStore) throws {
        var fresh = DomainState()
        try store.scan(after: 0) { row in
            if let event = try DomainEvent.decode(type: row.type, schema: row.schema, data: row.data) { fresh.apply(event) }
            return true
        }
        state = fresh
        try oauth.load(store.connection, now: clock.now())
        idempotency = IdempotencyIndex(retentionMillis: Self.idempotencyRetentionMillis)
        let since = clock.now().adding(milliseconds: -Self.idempotencyRetentionMillis).rfc3339
        let statement = try store.connection.prepared("""
            SELECT seq, meta, recorded_at FROM events
            WHERE recorded_at >= ?1 AND instr(meta, '"idempotencyKey"') > 0 ORDER BY seq
            """)
        defer { statement.reset() }
        try statement.bind(1, since)
        while try statement.step() {
            let meta = try JSONDecoding.decode(RequestMeta.self, from: statement.bytes(1))
            guard let key = meta.idempotencyKey, let hash = meta.requestHash,
                  let time = Timestamp(rfc3339: statement.string(2)) else { continue }
            idempotency.record(scope: IdempotencyIndex.scope(actor: meta.actor, key: key), requestHash: hash,
                               seq: statement.int64(0), at: time.milliseconds)
        }
    }

    public func decide(_ envelope: CommandEnvelope, now: Timestamp, nextSeq: Int64) throws -> Decision<EngineOutcome> {
        switch envelope.command {
        case .createSession(let session):
            return Decision(events: [], sideWrite: { @Sendable (connection: Connection) throws in try SecretStore.write(session, connection) }, outcome: .done)
        case .deleteSession(let tokenHash):
            return Decision(events: [], sideWrite: { @Sendable (connection: Connection) throws in try SecretStore.deleteSession(tokenHash, connection) }, outcome: .done)
        case .domain(let command, let secrets):
            return try decideDomain(command, secrets: secrets, meta: envelope.meta, now: now, nextSeq: nextSeq)
        case .oauth(let request):
            var decision = Decision<EngineOutcome>(events: [], outcome: .done)
            if case .approve(let authorize, _) = request {
                // Consent: the grant is an event; the code is a secret written with it.
                decision = try decideDomain(.authorizeApp(authorize), secrets: [], meta: envelope.meta, now: now, nextSeq: nextSeq)
            }
            let (result, write) = oauth.decide(request, state: state, now: now)
            decision.outcome = .oauth(result)
            decision.sideWrite = Self.chain(decision.sideWrite, write)
            return decision
        }
    }

    /// `Decider.decide` on the state in place. Handing it the stored property itself copies
    /// `DomainState` (a retain and a release of each of its collections) on every command, since
    /// the class could change the property during the call; an `inout` access is exclusive, so
    /// the state is lent as it is.
    private static func decide(_ command: Domain.Command, in state: inout DomainState, config: DomainConfig,
                               now: Timestamp) throws(DomainError) -> [DomainEvent] {
        try Decider.decide(command, state: state, config: config, now: now)
    }

    private func decideDomain(_ command: Domain.Command, secrets: [SecretWrite], meta: RequestMeta, now: Timestamp,
                              nextSeq: Int64) throws -> Decision<EngineOutcome> {
        idempotency.prune(now: now.milliseconds)
        var scope: String?
        if let key = meta.idempotencyKey {
            let s = IdempotencyIndex.scope(actor: meta.actor, key: key)
            if let previous = idempotency.lookup(s) {
                guard previous.requestHash == meta.requestHash else { throw EngineError.idempotencyKeyReused(key) }
                return Decision(events: [], outcome: .replayed(seqs: previous.seqs))
            }
            scope = s
        }
        let events = try Self.decide(command, in: &state, config: config, now: now)
        let metaBytes = try meta.encodedJSON()
        var rows: [NewEvent] = []
        rows.reserveCapacity(events.count)
        for event in events {
            rows.append(NewEvent(stream: event.stream, type: event.type, schema: event.schema,
                                 data: try event.encodedData(), meta: metaBytes))
        }
        // Only now, when nothing can throw any more, evolve the state.
        for event in events { state.apply(event) }
        if let scope, let hash = meta.requestHash, !events.isEmpty {
            for offset in events.indices {
                idempotency.record(scope: scope, requestHash: hash, seq: nextSeq + Int64(offset), at: now.milliseconds)
            }
        }
        var outcome = EngineOutcome.appended(events)
        if case .tick = command { outcome = .ticked(events, nextDue: state.nextDue(config)) }
        var decision = Decision<EngineOutcome>(events: rows, outcome: outcome)
        if !secrets.isEmpty {
            decision.sideWrite = { @Sendable (connection: Connection) throws in
                for secret in secrets { try SecretStore.write(secret, connection) }
            }
        }
        // Withdrawn grants and personal tokens stop working in the same transaction.
        for event in events {
            switch event {
            case .appRevoked(let e):
                decision.sideWrite = Self.chain(decision.sideWrite, oauth.revokeGrant(app: e.appId, account: e.accountId))
            case .accessTokenRevoked(let e):
                decision.sideWrite = Self.chain(decision.sideWrite, { c in try SecretStore.write(.deleteToken(tokenId: e.tokenId), c) })
            default:
                break
            }
        }
        return decision
    }

    private static func chain(_ first: (@Sendable (Connection) throws -> Void)?,
                              _ second: (@Sendable (Connection) throws -> Void)?) -> (@Sendable (Connection) throws -> Void)? {
        guard let first else { return second }
        guard let second else { return first }
        return { c in try first(c); try second(c) }
    }
}

/// Idempotency-Key → first decision, derived from event `meta` (so it survives restarts).
struct IdempotencyIndex {
    struct Entry {
        var requestHash: String
        var seqs: [Int64]
        var at: Int64
    }

    let retentionMillis: Int64
    private var entries: [String: Entry] = [:]
    private var order: [(scope: String, at: Int64)] = []
    private var orderStart = 0

    init(retentionMillis: Int64) { self.retentionMillis = retentionMillis }

    static func scope(actor: String?, key: String) -> String { (actor ?? "-") + "\u{1F}" + key }

    func lookup(_ scope: String) -> Entry? { entries[scope] }

    mutating func record(scope: String, requestHash: String, seq: Int64, at: Int64) {
        if entries[scope] == nil {
            entries[scope] = Entry(requestHash: requestHash, seqs: [seq], at: at)
            order.append((scope, at))
        } else {
            entries[scope]?.seqs.append(seq)
        }
    }

    /// Forgets keys older than the retention window.
    mutating func prune(now: Int64) {
        let cutoff = now - retentionMillis
        while orderStart < order.count, order[orderStart].at < cutoff {
            entries[order[orderStart].scope] = nil
            orderStart += 1
        }
        if orderStart > 4096 && orderStart * 2 > order.count {
            order.removeFirst(orderStart)
            orderStart = 0
        }
    }
}
