import Domain
import Engine
import EventLog
import Logging
import MarqueeCore
import Webhooks
import SQLiteDB
import Synchronization

/// What the HTTP API asks of the dispatcher (`/api/v1/webhooks/endpoints/{id}/…`).
public protocol WebhookManaging: Sendable {
    /// Parses an endpoint URL and checks where it leads (SSRF rules); throws `WebhookInputError`.
    func checkDestination(_ text: String) async throws -> WebhookURL
    func counts(endpointId: String) async throws -> (pending: Int, delivered: Int, failed: Int)
    func messages(endpointId: String, status: MessageStatus?, beforeSeq: Int64?, limit: Int) async throws -> [MessageRow]
    /// nil when the endpoint has no such message.
    func attempts(endpointId: String, messageId: String, limit: Int) async throws -> [AttemptRow]?
    /// Queues the message again now; false when the endpoint has no such message.
    func retry(endpointId: String, messageId: String) async throws -> Bool
    /// Queues again every event from `fromSeq` (or committed at or after `since`) that the
    /// endpoint is entitled to; returns how many.
    func replay(endpointId: String, fromSeq: Int64?, since: Timestamp?) async throws -> Int
}

public struct DispatcherConfig: Sendable {
    public var retry: RetryPolicy
    public var timeout: Duration
    /// Deliveries in flight per endpoint.
    public var maxInFlight: Int
    /// An endpoint whose every delivery failed for this long is disabled (`failing`).
    public var disableAfterMillis: Int64
    /// `MARQUEE_WEBHOOK_ALLOW`: destinations allowed despite the SSRF rules.
    public var allow: [IPNetwork]
    /// The most messages one replay may queue.
    public var replayLimit: Int
    /// `MARQUEE_WEBHOOK_NICENESS`: the `nice` of the dispatcher's thread (0 = the process's own).
    public var niceness: Int32

    public init(retry: RetryPolicy = .standard, timeout: Duration = .seconds(15), maxInFlight: Int = 8,
                disableAfterMillis: Int64 = 5 * 86_400_000, allow: [IPNetwork] = [], replayLimit: Int = 100_000, niceness: Int32 = 10) {
        self.retry = retry; self.timeout = timeout; self.maxInFlight = maxInFlight; self.disableAfterMillis = disableAfterMillis
        self.allow = allow; self.replayLimit = replayLimit; self.niceness = niceness
    }
}

/// The webhook dispatcher: a consumer of the log. It turns committed events into messages for
/// the endpoints entitled to them (one transaction per batch with its cursor, in
/// `webhooks.sqlite`), then delivers them with Standard Webhooks signatures, up to
/// `maxInFlight` at a time per endpoint, retrying on the policy's schedule. Pending messages
/// survive restarts; a crash can only cause a redelivery with the same `webhook-id`. It never
/// blocks the writer or a request: it reads the log through its own connections and reaches
/// the writer only to disable an endpoint.
public final class WebhookDispatcher: WebhookManaging {
    public typealias Disable = @Sendable (_ endpointId: String, _ reason: String) async -> Void

    let core: DispatchCore
    let logPool: ConnectionPool
    let head: HeadWatcher
    let client: WebhookClient
    let destinations: DestinationGuard
    let config: DispatcherConfig
    let clock: any WallClock
    let logger: Logger
    let wakeup = Wakeup()
    let background: BackgroundLoop

    public init(storePath: String, logPath: String, head: HeadWatcher, config: DispatcherConfig, clock: any WallClock,
                resolver: any HostResolving = SystemResolver(), disable: @escaping Disable, logger: Logger) throws {
        let store = try DeliveryStore(path: storePath)
        self.logPool = ConnectionPool.readOnly(path: logPath)
        self.head = head
        self.config = config
        self.clock = clock
        self.logger = logger
        self.background = BackgroundLoop(niceness: config.niceness)
        self.client = WebhookClient(timeout: config.timeout, eventLoopGroup: background.loop)
        self.destinations = DestinationGuard(policy: AddressPolicy(allow: config.allow), resolver: resolver)
        self.core = DispatchCore(store: store, logPool: logPool, config: config, clock: clock, disable: disable, logger: logger,
                                 knownTypes: Set(DomainEvent.catalog.map(\.type)))
    }

    /// How long a pass waits after being woken, to serve a batch rather than one delivery.
    static let coalescing: Duration = .milliseconds(8)

    /// Follows the log and delivers until cancelled, on the dispatcher's own thread.
    public func run() async throws {
        do {
            try await withTaskExecutorPreference(background) {
                try await core.load()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await self.follow() }
                    group.addTask { try await self.deliverLoop() }
                    try await group.next()
                    group.cancelAll()
                }
            }
        } catch {
            await shutdown()
            throw error
        }
        await shutdown()
    }

    /// Closes the connections, then stops the dispatcher's thread. Idempotent.
    public func shutdown() async {
        try? await client.shutdown()
        await background.shutdown()
    }

    /// The nice value of the thread deliveries run on (tests).
    public func deliveryThreadNiceness() async throws -> Int32 {
        try await background.loop.submit { BackgroundLoop.currentNiceness() }.get()
    }

    /// Enqueue side: every committed event after the cursor becomes messages.
    func follow() async throws {
        while !Task.isCancelled {
            let cursor = await core.cursor
            if head.head > cursor {
                if try await core.enqueue(through: head.head) { wakeup.signal() }
                continue
            }
            await head.wait(after: cursor)
            if Task.isCancelled { return }
        }
    }

    /// Delivery side: starts due deliveries within each endpoint's limit, records results.
    func deliverLoop() async throws {
        // A discarding group: finished deliveries leave no result behind.
        try await withThrowingDiscardingTaskGroup { group in
            while !Task.isCancelled {
                let (jobs, nextDue) = try await core.pump()
                for job in jobs {
                    group.addTask {
                        let result = await self.deliver(job)
                        await self.core.finished(job, result)
                        self.wakeup.signal()
                    }
                }
                let now = clock.now().milliseconds
                let waitMillis = min(max((nextDue?.milliseconds ?? now + 1000) - now, 1), 1000)
                await wakeup.wait(timeout: .milliseconds(waitMillis))
                // Let more results and messages gather, so one pass (two SQLite transactions)
                // serves many deliveries instead of one each.
                try? await Task.sleep(for: Self.coalescing)
            }
            group.cancelAll()
        }
    }

    /// One HTTP attempt: the event's body, signed with every live secret, to the checked address.
    func deliver(_ job: DeliveryJob) async -> DeliveryOutcome {
        let started = ContinuousClock.now
        func elapsed() -> Int64 {
            let d = ContinuousClock.now - started
            return d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
        }
        do {
            let body: [UInt8]
            if let cached = job.body {
                body = cached
            } else {
                guard let recorded = try logPool.withConnection({ try EventStore(connection: $0).event(seq: job.seq) }) else {
                    return DeliveryOutcome(statusCode: nil, latencyMillis: 0, excerpt: "", error: "event \(job.seq) is not in the log", retryAfter: nil)
                }
                body = DeliveryFormat.body(seq: recorded.seq, type: recorded.type, recordedAt: recorded.recordedAt, data: recorded.data)
            }
            let address = try await destinations.check(job.url)
            let timestamp = clock.now().milliseconds / 1000
            let signature = WebhookSignature.header(id: job.messageId, timestamp: timestamp, body: body, secrets: job.secrets)
            let response = try await client.post(url: job.url, pinned: address, headers: [
                ("content-type", "application/json"),
                ("user-agent", "Marquee-Webhooks/1"),
                ("webhook-id", job.messageId),
                ("webhook-timestamp", String(timestamp)),
                ("webhook-signature", signature),
            ], body: body)
            return DeliveryOutcome(statusCode: response.statusCode, latencyMillis: response.latencyMillis, excerpt: response.excerpt,
                                   error: nil, retryAfter: response.retryAfter)
        } catch let error as WebhookInputError {
            return DeliveryOutcome(statusCode: nil, latencyMillis: elapsed(), excerpt: "", error: "refused: \(error.description)", retryAfter: nil)
        } catch {
            return DeliveryOutcome(statusCode: nil, latencyMillis: elapsed(), excerpt: "", error: "\(error)", retryAfter: nil)
        }
    }

    // MARK: WebhookManaging

    public func checkDestination(_ text: String) async throws -> WebhookURL {
        let url = try WebhookURL(validating: text)
        _ = try await destinations.check(url)
        return url
    }

    public func counts(endpointId: String) async throws -> (pending: Int, delivered: Int, failed: Int) {
        try await core.counts(endpointId)
    }

    public func messages(endpointId: String, status: MessageStatus?, beforeSeq: Int64?, limit: Int) async throws -> [MessageRow] {
        try await core.messages(endpointId, status, beforeSeq, limit)
    }

    public func attempts(endpointId: String, messageId: String, limit: Int) async throws -> [AttemptRow]? {
        try await core.attempts(endpointId, messageId, limit)
    }

    public func retry(endpointId: String, messageId: String) async throws -> Bool {
        let done = try await core.retry(endpointId, messageId)
        if done { wakeup.signal() }
        return done
    }

    public func replay(endpointId: String, fromSeq: Int64?, since: Timestamp?) async throws -> Int {
        let count = try await core.replay(endpointId, fromSeq: fromSeq, since: since)
        if count > 0 { wakeup.signal() }
        return count
    }
}

struct DeliveryJob: Sendable {
    var endpointId: String
    var seq: Int64
    /// The delivery body (`DeliveryFormat.body`), when the dispatcher still had it in memory.
    var body: [UInt8]?
    var messageId: String
    /// Attempts made before this one.
    var attempts: Int
    var url: WebhookURL
    var secrets: [WebhookSecret]
}

struct DeliveryOutcome: Sendable {
    var statusCode: Int?
    var latencyMillis: Int64
    var excerpt: String
    var error: String?
    var retryAfter: String?
    var succeeded: Bool { statusCode.map { (200..<300).contains($0) } ?? false }
}

/// The dispatcher's state, one actor so that `webhooks.sqlite` is used serially: the registry at
/// the cursor, what is in flight, and the results waiting to be recorded in one transaction.
actor DispatchCore {
    let store: DeliveryStore
    let logPool: ConnectionPool
    let config: DispatcherConfig
    let clock: any WallClock
    let disable: WebhookDispatcher.Disable
    let logger: Logger
    var registry: Registry
    private(set) var cursor: Int64 = 0
    var inFlight: [String: Int] = [:]
    var nextDue: [String: Timestamp] = [:]
    var finishedResults: [(DeliveryJob, DeliveryOutcome, Timestamp)] = []
    var disabling: Set<String> = []
    var secrets: [String: [WebhookSecret]] = [:]
    var secretsCheckedAt: [String: Timestamp] = [:]
    var rng = SystemRandomNumberGenerator()
    /// Bodies of recently enqueued events, so that N endpoints do not read one event N times.
    var bodies: [Int64: [UInt8]] = [:]
    var bodyOrder: [Int64] = []
    static let bodyCacheSize = 8192

    init(store: DeliveryStore, logPool: ConnectionPool, config: DispatcherConfig, clock: any WallClock,
         disable: @escaping WebhookDispatcher.Disable, logger: Logger, knownTypes: Set<String>) {
        self.store = store; self.logPool = logPool; self.config = config; self.clock = clock; self.disable = disable; self.logger = logger
        self.registry = Registry(knownTypes: knownTypes)
    }

    /// The registry as of the cursor (a scan of the few event types it learns from).
    func load() throws {
        cursor = try store.cursor()
        // A log restored from a backup is shorter than what `webhooks.sqlite` remembers: its
        // messages after the log's end name events that no longer exist, and new events will
        // take those seqs. Forget them and follow the log from its end, so nothing new is skipped.
        let logHead = try logPool.withConnection { try $0.scalarInt("SELECT COALESCE(MAX(seq), 0) FROM events") } ?? 0
        if cursor > logHead {
            logger.warning("webhooks.sqlite is ahead of the event log (a restored backup?); forgetting what came after the log's end",
                           metadata: ["cursor": "\(cursor)", "logHead": "\(logHead)"])
            try store.forget(after: logHead)
            cursor = logHead
        }
        var fresh = registry
        try logPool.withConnection { connection in
            try EventStore(connection: connection).scan(after: 0, through: cursor, types: Registry.relevantTypes) { row in
                if let event = try? DomainEvent.decode(type: row.type, schema: row.schema, data: row.data) { fresh.apply(event) }
                return true
            }
        }
        registry = fresh
        let now = clock.now()
        for id in registry.enabledEndpointIds { nextDue[id] = now }
    }

    /// Turns the events after the cursor (up to `head`, a page at a time) into messages.
    /// Returns whether any message was created.
    func enqueue(through head: Int64) throws -> Bool {
        let page = try logPool.withConnection { connection in
            try EventStore(connection: connection).events(after: cursor, through: head, limit: 2000)
        }
        guard let last = page.last else { return false }
        var messages: [NewMessage] = []
        for recorded in page {
            guard registry.needsDecoding(type: recorded.type),
                  let event = try? DomainEvent.decode(type: recorded.type, schema: recorded.schema, data: recorded.data) else { continue }
            registry.apply(event)
            // A new or rotated secret is read again before the next delivery.
            if case .webhookEndpointCreated(let e) = event { secretsCheckedAt[e.endpointId] = nil }
            if case .webhookSecretRotated(let e) = event { secretsCheckedAt[e.endpointId] = nil }
            let recipients = registry.recipients(of: event)
            for id in recipients {
                messages.append(NewMessage(endpointId: id, seq: recorded.seq, type: recorded.type))
            }
            if !recipients.isEmpty {
                remember(recorded.seq, DeliveryFormat.body(seq: recorded.seq, type: recorded.type, recordedAt: recorded.recordedAt,
                                                           data: recorded.data))
            }
        }
        let now = clock.now()
        try store.enqueue(messages, cursor: last.seq, at: now)
        cursor = last.seq
        for message in messages { nextDue[message.endpointId] = now }
        return !messages.isEmpty
    }

    func remember(_ seq: Int64, _ body: [UInt8]) {
        bodies[seq] = body
        bodyOrder.append(seq)
        if bodyOrder.count > Self.bodyCacheSize {
            let drop = bodyOrder.count - Self.bodyCacheSize / 2
            for old in bodyOrder.prefix(drop) { bodies[old] = nil }
            bodyOrder.removeFirst(drop)
        }
    }

    /// Records finished attempts, then starts what is due within each endpoint's limit (the
    /// leases of one pass in one transaction).
    func pump() throws -> (jobs: [DeliveryJob], nextDue: Timestamp?) {
        let now = clock.now()
        let (results, outcomes) = takeResults(now)
        var jobs: [DeliveryJob] = []
        let ready = registry.enabledEndpointIds.filter { id in
            !disabling.contains(id) && (nextDue[id].map { $0 <= now } ?? false) && config.maxInFlight - (inFlight[id] ?? 0) > 0
        }
        guard !ready.isEmpty || !results.isEmpty else { return (jobs, soonestDue()) }
        // One commit per pass: the finished attempts and the next leases.
        try store.connection.transaction {
            try store.recordInTransaction(results)
            for id in ready {
                let free = config.maxInFlight - (inFlight[id] ?? 0)
                guard let endpoint = registry.endpoint(id), let url = endpoint.url else { continue }
                let pending = try store.due(endpointId: id, now: now, limit: free, excluding: [])
                // A lease: not due again while in flight (after a crash, due again when it ends).
                try store.lease(endpointId: id, seqs: pending.map(\.seq), until: now.adding(milliseconds: leaseMillis))
                let keys = try secrets(for: id, now)
                for message in pending {
                    jobs.append(DeliveryJob(endpointId: id, seq: message.seq, body: bodies[message.seq], messageId: message.messageId,
                                            attempts: message.attempts, url: url, secrets: keys))
                }
                inFlight[id, default: 0] += pending.count
                nextDue[id] = try store.nextDue(endpointId: id)
            }
        }
        try judgeHealth(outcomes)
        return (jobs, soonestDue())
    }

    func soonestDue() -> Timestamp? {
        nextDue.filter { registry.endpoint($0.key)?.state.enabled == true && !disabling.contains($0.key) }.values.min()
    }


    var leaseMillis: Int64 {
        let t = config.timeout.components
        return t.seconds * 1000 + t.attoseconds / 1_000_000_000_000_000 + 30_000
    }

    /// The endpoint's signing secrets (re-read at most every 10 s, and at once after a rotation).
    func secrets(for id: String, _ now: Timestamp) throws -> [WebhookSecret] {
        if let checked = secretsCheckedAt[id], now.milliseconds - checked.milliseconds < 10_000, let cached = secrets[id] { return cached }
        let texts = try logPool.withConnection { try SecretStore.webhookSecrets(endpointId: id, now: now.rfc3339, $0) }
        let keys = texts.compactMap(WebhookSecret.init)
        secrets[id] = keys
        secretsCheckedAt[id] = now
        return keys
    }

    func finished(_ job: DeliveryJob, _ outcome: DeliveryOutcome) {
        finishedResults.append((job, outcome, clock.now()))
        inFlight[job.endpointId, default: 1] -= 1
    }

    typealias Outcomes = [String: (succeeded: Bool, gone: Bool, at: Timestamp)]

    /// The finished attempts as rows to record (with their next attempt times), and what they
    /// say per endpoint.
    func takeResults(_ now: Timestamp) -> ([AttemptResult], Outcomes) {
        guard !finishedResults.isEmpty else { return ([], [:]) }
        let batch = finishedResults
        finishedResults = []
        var results: [AttemptResult] = []
        var outcomeByEndpoint: Outcomes = [:]
        for (job, outcome, at) in batch {
            var next: Timestamp?
            if !outcome.succeeded && outcome.statusCode != 410 {
                let retryAfter = outcome.retryAfter.flatMap { RetryAfter.millis($0, now: at) }
                if let delay = config.retry.delayMillis(afterFailedAttempt: job.attempts + 1, retryAfterMillis: retryAfter, using: &rng) {
                    next = at.adding(milliseconds: delay)
                }
            }
            results.append(AttemptResult(endpointId: job.endpointId, seq: job.seq, at: at, statusCode: outcome.statusCode,
                                         latencyMillis: outcome.latencyMillis, responseExcerpt: outcome.excerpt, error: outcome.error,
                                         succeeded: outcome.succeeded, nextAttemptAt: next))
            var summary = outcomeByEndpoint[job.endpointId] ?? (false, false, at)
            summary.succeeded = summary.succeeded || outcome.succeeded
            summary.gone = summary.gone || outcome.statusCode == 410
            summary.at = max(summary.at, at)
            outcomeByEndpoint[job.endpointId] = summary
            if let next { nextDue[job.endpointId] = min(nextDue[job.endpointId] ?? next, next) }
        }
        return (results, outcomeByEndpoint)
    }

    /// Disables endpoints that answered 410, or whose every attempt failed for too long.
    func judgeHealth(_ outcomes: Outcomes) throws {
        for (id, summary) in outcomes {
            // `record` keeps each endpoint's failing streak (it survives restarts).
            let health = try store.health(endpointId: id)
            if summary.gone {
                requestDisable(id, "gone")
            } else if !summary.succeeded, let since = health?.failingSince,
                      summary.at.milliseconds - since.milliseconds >= config.disableAfterMillis {
                requestDisable(id, "failing")
            }
        }
    }

    func requestDisable(_ id: String, _ reason: String) {
        guard disabling.insert(id).inserted else { return }
        logger.warning("disabling a webhook endpoint", metadata: ["endpoint": "\(id)", "reason": "\(reason)"])
        let disable = self.disable
        Task { await disable(id, reason) }
    }

    // MARK: API

    func counts(_ id: String) throws -> (pending: Int, delivered: Int, failed: Int) { try store.counts(endpointId: id) }

    func messages(_ id: String, _ status: MessageStatus?, _ before: Int64?, _ limit: Int) throws -> [MessageRow] {
        try store.messages(endpointId: id, status: status, beforeSeq: before, limit: limit)
    }

    func attempts(_ id: String, _ messageId: String, _ limit: Int) throws -> [AttemptRow]? {
        guard let row = try store.message(endpointId: id, messageId: messageId) else { return nil }
        return try store.attempts(endpointId: id, seq: row.seq, limit: limit)
    }

    func retry(_ id: String, _ messageId: String) throws -> Bool {
        guard let row = try store.message(endpointId: id, messageId: messageId) else { return false }
        let now = clock.now()
        guard try store.retryNow(endpointId: id, seq: row.seq, now: now) else { return false }
        nextDue[id] = now
        return true
    }

    /// Replays with today's entitlements (grants may have changed since).
    func replay(_ id: String, fromSeq: Int64?, since: Timestamp?) throws -> Int {
        guard registry.endpoint(id) != nil else { return 0 }
        var start = (fromSeq ?? 1) - 1
        if let since {
            start = try logPool.withConnection { c in
                (try c.scalarInt("SELECT MIN(seq) FROM events WHERE recorded_at >= ?1", [.text(since.rfc3339)])).map { $0 - 1 } ?? cursor
            }
        }
        var messages: [NewMessage] = []
        var after = max(0, start)
        while after < cursor && messages.count < config.replayLimit {
            let page = try logPool.withConnection { try EventStore(connection: $0).events(after: after, through: cursor, limit: 2000) }
            guard let last = page.last else { break }
            for recorded in page {
                guard let event = try? DomainEvent.decode(type: recorded.type, schema: recorded.schema, data: recorded.data),
                      !registry.recipients(of: event, only: id).isEmpty else { continue }
                messages.append(NewMessage(endpointId: id, seq: recorded.seq, type: recorded.type))
                if messages.count >= config.replayLimit { break }
            }
            after = last.seq
        }
        let now = clock.now()
        let count = try store.replay(endpointId: id, messages: messages, now: now)
        nextDue[id] = now
        return count
    }
}

/// A wake-up call between tasks: `signal` wakes the waiter, or the next `wait` returns at once.
final class Wakeup: Sendable {
    private let state = Mutex<(signaled: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    func signal() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if let w = s.waiter { s.waiter = nil; return w }
            s.signaled = true
            return nil
        }
        waiter?.resume()
    }

    func wait(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let now = self.state.withLock { s -> Bool in
                        if s.signaled { s.signaled = false; return true }
                        s.waiter = continuation
                        return false
                    }
                    if now { continuation.resume() }
                }
            }
            group.addTask {
                // Also when cancelled (a signal came, or the task is being cancelled): the waiter
                // must never be left hanging. A signal that lands after the waiter left only
                // causes one extra pass.
                try? await Task.sleep(for: timeout)
                self.signal()
            }
            await group.next()
            group.cancelAll()
            await group.next()
        }
    }
}
