import Domain
import WebhookDispatch
import Engine
import EventLog
import HTTPAPI
import Hummingbird
import HummingbirdWebSocket
import Logging
import MarqueeCore
import NIOCore
import Prometheus
import Projections
import SFU
import Webhooks
import SQLiteDB
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// The parts of a running server that tests and wiring need to reach.
public struct ServerParts: Sendable {
    public let writer: LogWriter<DomainHandler>
    public let projections: ProjectionRunner
    public let deps: APIDependencies
    public let lock: DataDirLock
    /// The command interface of streams and viewer sessions (the SFU calls it).
    public let viewing: ViewingSessions
    public let scheduler: Scheduler
    /// The SFU (nil with `--media-udp off`).
    public let media: MediaServer?
    public let webhooks: WebhookDispatcher
    /// The admin password when this start generated it (first start, no MARQUEE_ADMIN_PASSWORD).
    public let generatedAdminPassword: String?
}

/// Wires the log, the writer, projections and the HTTP API into one Hummingbird application.
public enum MarqueeServer {
    public static func logPath(_ dataDir: String) -> String { dataDir + "/events.sqlite" }
    public static func readModelPath(_ dataDir: String) -> String { dataDir + "/readmodels.sqlite" }
    public static func webhookStorePath(_ dataDir: String) -> String { dataDir + "/webhooks.sqlite" }

    /// Builds everything and starts the writer. Running the returned application runs the
    /// projections and the HTTP server until graceful shutdown (SIGTERM/SIGINT with `runService`).
    public static func make(config: ServerConfig, clock: any WallClock = SystemWallClock(), ids: (any IDGenerator)? = nil,
                            logger: Logger, onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in })
        async throws -> (some ApplicationProtocol, ServerParts) {
        try makeDirectory(config.dataDir)
        let lock = try DataDirLock(dataDir: config.dataDir)
        let store = try EventStore(path: logPath(config.dataDir), writable: true)
        try SecretStore.migrate(store.connection)
        let handler = DomainHandler(config: config.domain, clock: clock)
        let writer = try LogWriter(store: store, handler: handler, clock: clock)
        writer.start()
        let ids = ids ?? RandomIDGenerator(clock: clock)

        let generated = try await bootstrapAdmin(writer: writer, config: config, ids: ids, logger: logger)
        try await suspendSessions(writer: writer, logPath: logPath(config.dataDir), logger: logger)

        let projections = ProjectionRunner(readModelPath: readModelPath(config.dataDir), logPath: logPath(config.dataDir),
                                           logHead: writer.watcher)
        if try projections.prepare() {
            logger.notice("read models rebuilt from the log", metadata: ["seq": "\(projections.projected.head)"])
        }
        let registry = PrometheusCollectorRegistry()
        let readModelPool = ConnectionPool.readOnly(path: readModelPath(config.dataDir))
        let chatHub = ChatHub(adLookup: { adId in
            let row = try? readModelPool.withConnection { c in
                try c.rows("SELECT media, duration_ms FROM ads WHERE ad_id = ?1", [.text(adId)]).first
            }
            guard let row = row ?? nil, let media = row[0].string, let duration = row[1].int64 else { return nil }
            return (media, duration)
        })
        var deps = APIDependencies(
            writer: writer, logHead: writer.watcher, projected: projections.projected,
            events: .readOnly(path: logPath(config.dataDir)), readModels: readModelPool,
            config: apiConfig(config),
            clock: clock, ids: ids, metrics: registry, chatHub: chatHub)
        let webhooks = try WebhookDispatcher(
            storePath: webhookStorePath(config.dataDir), logPath: logPath(config.dataDir), head: writer.watcher, config: config.webhooks,
            clock: clock, disable: { endpointId, reason in
                _ = try? await writer.submit(CommandEnvelope(
                    .domain(.updateWebhookEndpoint(UpdateWebhookEndpoint(endpointId: endpointId, owner: nil, enabled: false, reason: reason))),
                    meta: RequestMeta(correlationId: "webhook-dispatcher")))
            }, logger: logger)
        deps.webhooks = webhooks
        let scheduler = Scheduler(writer: writer, clock: clock, logger: logger)
        let viewing = ViewingSessions(ids: ids) { envelope in try await writer.submit(envelope) }
        var media: MediaServer?
        if let host = config.mediaHost {
            let server = try MediaServer(config: MediaConfig(host: host, port: config.mediaPort, publicIPs: config.publicIPs,
                                                                 consentDisconnectMillis: config.mediaConsentDisconnectMillis,
                                                                 consentTimeoutMillis: config.mediaConsentTimeoutMillis,
                                                                 setupTimeoutMillis: config.mediaSetupTimeoutMillis,
                                                                 fanOutThreads: config.mediaThreads),
                                         viewing: viewing, logger: logger)
            try await server.start()
            media = server
        }
        deps.media = media
        let router = try await APIRouter.build(deps)
        let app = Application(
            router: router,
            server: .http1WebSocketUpgrade(webSocketRouter: router),
            configuration: .init(address: .hostname(config.httpHost, port: config.httpPort), serverName: "marquee"),
            services: [WriterService(writer: writer, lock: lock, clock: clock), ProjectionService(runner: projections, logger: logger),
                       scheduler, LogFeedService(logPath: logPath(config.dataDir), watcher: writer.watcher, hub: chatHub, realtime: deps.realtime, media: media,
                                                  logger: logger),
                        WebhookService(dispatcher: webhooks, logger: logger)]
                       + (media.map { [$0] as [any Service] } ?? []),
            onServerRunning: onServerRunning,
            logger: logger)
        return (app, ServerParts(writer: writer, projections: projections, deps: deps, lock: lock, viewing: viewing,
                                scheduler: scheduler, media: media, webhooks: webhooks, generatedAdminPassword: generated))
    }

    static func apiConfig(_ config: ServerConfig) -> APIConfig {
        var api = APIConfig(domain: config.domain, bcryptCost: config.bcryptCost, sessionTTLMillis: config.sessionTTLHours * 3_600_000,
                            stripeWebhookSecret: config.stripeWebhookSecret)
        api.oauthAccessTTLSeconds = config.oauthAccessTTLSeconds
        api.realtimeHeartbeatMillis = config.realtimeHeartbeatMillis
        return api
    }

    /// On an empty log, registers the account `admin` (role admin) with MARQUEE_ADMIN_PASSWORD or a
    /// generated password, which is logged once.
    static func bootstrapAdmin(writer: LogWriter<DomainHandler>, config: ServerConfig, ids: any IDGenerator, logger: Logger) async throws -> String? {
        guard writer.head == 0 else { return nil }
        if let given = config.adminPassword, let problem = HTTPAPIPasswords.problem(given) {
            throw ServerConfig.Invalid(description: "MARQUEE_ADMIN_PASSWORD \(problem)")
        }
        let password = config.adminPassword ?? generatePassword()
        let hash = try await HTTPAPIPasswords.hash(password, cost: config.bcryptCost)
        let accountId = ids.next("acc")
        _ = try await writer.submit(CommandEnvelope(
            .domain(.registerAccount(RegisterAccount(accountId: accountId, handle: "admin", role: .admin, actorId: nil)),
                    secrets: [.password(accountId: accountId, hash: hash)]),
            meta: RequestMeta(actor: nil, correlationId: "bootstrap")))
        if config.adminPassword == nil {
            logger.notice("created the admin account; this password is shown once, store it now",
                          metadata: ["handle": "admin", "password": "\(password)"])
            return password
        }
        logger.notice("created the admin account with MARQUEE_ADMIN_PASSWORD", metadata: ["handle": "admin"])
        return nil
    }

    /// After a crash the viewers' media connections are gone: every session the log still shows
    /// as connected is disconnected as of the last moment the log proves the server was alive
    /// (its newest event), so no time is billed for the downtime; a viewer who comes back within
    /// the grace period resumes, the others end at the next tick.
    static func suspendSessions(writer: LogWriter<DomainHandler>, logPath: String, logger: Logger) async throws {
        let last = try ConnectionPool.readOnly(path: logPath).withConnection { connection in
            try connection.rows("SELECT recorded_at FROM events ORDER BY seq DESC LIMIT 1").first?.first?.string
        }
        guard let text = last, let lastAlive = Timestamp(rfc3339: text) else { return }
        let answer = try await writer.submit(CommandEnvelope(.domain(.suspendSessions(at: lastAlive)),
                                                             meta: RequestMeta(correlationId: "recovery")))
        if !answer.events.isEmpty {
            logger.notice("viewing sessions from before the restart are disconnected", metadata: ["sessions": "\(answer.events.count)"])
        }
    }

    static func generatePassword() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var rng = SystemRandomNumberGenerator()
        return String((0..<20).map { _ in alphabet[Int(rng.next(upperBound: UInt64(alphabet.count)))] })
    }

    static func makeDirectory(_ path: String) throws {
        var partial = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            partial += "/" + component
            if mkdir(partial, 0o750) != 0 && errno != EEXIST {
                throw ServerConfig.Invalid(description: "cannot create the data directory \(path): \(String(cString: strerror(errno)))")
            }
        }
    }
}

/// Stops the writer (after everything queued is committed) when the server shuts down.
/// Owns the data-directory lock, so the lock lives exactly as long as the application.
struct WriterService: Service {
    let writer: LogWriter<DomainHandler>
    let lock: DataDirLock
    let clock: any WallClock
    func run() async throws {
        try? await gracefulShutdown()
        // Media connections end with the process: record that now, so the downtime is not billed.
        _ = try? await writer.submit(CommandEnvelope(.domain(.suspendSessions(at: clock.now())), meta: RequestMeta(correlationId: "shutdown")))
        writer.shutdown()
    }
}

/// Runs the projection runner until shutdown.
struct ProjectionService: Service {
    let runner: ProjectionRunner
    let logger: Logger
    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await runner.run() }
        } catch is CancellationError {
        } catch {
            logger.critical("projection failed", metadata: ["error": "\(error)"])
            throw error
        }
    }
}

/// Follows the log from its head at start and hands every new event to the chat hub (chat,
/// polls, gifts, stream changes and ad impressions reach the sockets this way, after commit).
struct LogFeedService: Service {
    let logPath: String
    let watcher: HeadWatcher
    let hub: ChatHub
    let realtime: RealtimeHub
    let media: MediaServer?
    let logger: Logger

    func run() async throws {
        let start = watcher.head
        defer { realtime.closeAll("the server is shutting down; resume from the last seq") }
        do {
            try await cancelWhenGracefulShutdown {
                let store = try EventStore(path: logPath, writable: false)
                // The realtime feed's audience index as of `start`, from the few types it learns from.
                var index = AudienceIndex()
                try store.scan(after: 0, through: start, types: AudienceIndex.learnsFrom) { row in
                    if let event = try? DomainEvent.decode(type: row.type, schema: row.schema, data: row.data) { index.apply(event) }
                    return true
                }
                realtime.load(index: index, head: start)
                var after = start
                while !Task.isCancelled {
                    await watcher.wait(after: after)
                    // woken without a new event: the writer stopped, or shutdown began
                    if Task.isCancelled || watcher.head <= after { return }
                    var delivered: [(RecordedEvent, DomainEvent)] = []
                    try store.scan(after: after, limit: 10_000) { row in
                        let recorded = row.recorded()
                        if let event = try? DomainEvent.decode(type: recorded.type, schema: recorded.schema, data: recorded.data) {
                            delivered.append((recorded, event))
                        }
                        after = row.seq
                        return true
                    }
                    for (recorded, event) in delivered {
                        hub.deliver(seq: recorded.seq, event: event)
                        realtime.publish(seq: recorded.seq, recordedAt: recorded.recordedAt, data: recorded.data, event: event)
                        media?.observe(seq: recorded.seq, event: event)
                    }
                }
            }
        } catch is CancellationError {
        }
    }
}

/// Runs the webhook dispatcher until graceful shutdown.
struct WebhookService: Service {
    let dispatcher: WebhookDispatcher
    let logger: Logger

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await dispatcher.run() }
        } catch is CancellationError {
        }
        await dispatcher.shutdown()
    }
}
