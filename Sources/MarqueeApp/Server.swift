import Domain
import Engine
import EventLog
import HTTPAPI
import Hummingbird
import Logging
import MarqueeCore
import NIOCore
import Prometheus
import Projections
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
    /// The admin password when this start generated it (first start, no MARQUEE_ADMIN_PASSWORD).
    public let generatedAdminPassword: String?
}

/// Wires the log, the writer, projections and the HTTP API into one Hummingbird application.
public enum MarqueeServer {
    public static func logPath(_ dataDir: String) -> String { dataDir + "/events.sqlite" }
    public static func readModelPath(_ dataDir: String) -> String { dataDir + "/readmodels.sqlite" }

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

        let projections = ProjectionRunner(readModelPath: readModelPath(config.dataDir), logPath: logPath(config.dataDir),
                                           logHead: writer.watcher)
        if try projections.prepare() {
            logger.notice("read models rebuilt from the log", metadata: ["seq": "\(projections.projected.head)"])
        }
        let registry = PrometheusCollectorRegistry()
        let deps = APIDependencies(
            writer: writer, logHead: writer.watcher, projected: projections.projected,
            events: .readOnly(path: logPath(config.dataDir)), readModels: .readOnly(path: readModelPath(config.dataDir)),
            config: APIConfig(domain: config.domain, bcryptCost: config.bcryptCost, sessionTTLMillis: config.sessionTTLHours * 3_600_000),
            clock: clock, ids: ids, metrics: registry)
        let router = try await APIRouter.build(deps)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(config.httpHost, port: config.httpPort), serverName: "marquee"),
            services: [WriterService(writer: writer, lock: lock), ProjectionService(runner: projections, logger: logger)],
            onServerRunning: onServerRunning,
            logger: logger)
        return (app, ServerParts(writer: writer, projections: projections, deps: deps, lock: lock, generatedAdminPassword: generated))
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
    func run() async throws {
        try? await gracefulShutdown()
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
