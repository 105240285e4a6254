import Domain
import WebhookDispatch
import Engine
import EventLog
import MarqueeCore
import Metrics
import Prometheus
import SQLiteDB

/// Sends commands to the single writer (the real one is `LogWriter<DomainHandler>`).
public protocol CommandSubmitting: Sendable {
    func submit(_ envelope: CommandEnvelope) async throws -> Appended<EngineOutcome>
}

extension LogWriter: CommandSubmitting where Handler == DomainHandler {}

/// Settings the HTTP layer needs.
public struct APIConfig: Sendable {
    public var domain: DomainConfig
    /// bcrypt cost factor for new password hashes (10–14 in production; tests use 4).
    public var bcryptCost: UInt8
    public var sessionTTLMillis: Int64
    public var maxBodyBytes: Int
    /// `MARQUEE_STRIPE_WEBHOOK_SECRET` (`whsec_…`): without it the Stripe webhook answers 503.
    public var stripeWebhookSecret: String?
    /// OAuth 2.0 lifetimes: access tokens, refresh tokens (each rotation starts a new one), codes.
    public var oauthAccessTTLSeconds: Int64 = 3600
    public var oauthRefreshTTLSeconds: Int64 = 30 * 86_400
    public var oauthCodeTTLSeconds: Int64 = 600
    /// How often the realtime feed sends a keep-alive and checks its token again.
    public var realtimeHeartbeatMillis: Int64 = 15_000

    public init(domain: DomainConfig, bcryptCost: UInt8 = 12, sessionTTLMillis: Int64 = 30 * 86_400_000, maxBodyBytes: Int = 64 * 1024,
                stripeWebhookSecret: String? = nil) {
        self.stripeWebhookSecret = stripeWebhookSecret
        self.domain = domain
        self.bcryptCost = bcryptCost
        self.sessionTTLMillis = sessionTTLMillis
        self.maxBodyBytes = maxBodyBytes
    }
}

/// Everything the routes use, passed in explicitly (no globals).
public struct APIDependencies: Sendable {
    public var writer: any CommandSubmitting
    /// The log's committed head (advanced by the writer).
    public var logHead: HeadWatcher
    /// How far the read models have caught up.
    public var projected: HeadWatcher
    /// Readers of `events.sqlite` (events, sessions, credentials).
    public var events: ConnectionPool
    /// Readers of `readmodels.sqlite`.
    public var readModels: ConnectionPool
    public var config: APIConfig
    public var clock: any WallClock
    public var ids: any IDGenerator
    public var metrics: PrometheusCollectorRegistry
    public var metricsFactory: PrometheusMetricsFactory
    /// The open chat sockets (fed by the log's consumer).
    public var chatHub: ChatHub
    /// The realtime feed's subscribers (fed by the log's consumer).
    public var realtime: RealtimeHub
    /// The webhook dispatcher behind `/api/v1/webhooks/…` (nil: those routes answer 503).
    public var webhooks: (any WebhookManaging)?
    /// The SFU behind WHIP/WHEP (nil: the routes answer 503).
    public var media: (any MediaSignaling)?

    public init(writer: any CommandSubmitting, logHead: HeadWatcher, projected: HeadWatcher, events: ConnectionPool,
                readModels: ConnectionPool, config: APIConfig, clock: any WallClock, ids: any IDGenerator,
                metrics: PrometheusCollectorRegistry, chatHub: ChatHub = ChatHub(), realtime: RealtimeHub = RealtimeHub()) {
        self.chatHub = chatHub
        self.realtime = realtime
        self.writer = writer
        self.logHead = logHead
        self.projected = projected
        self.events = events
        self.readModels = readModels
        self.config = config
        self.clock = clock
        self.ids = ids
        self.metrics = metrics
        self.metricsFactory = PrometheusMetricsFactory(registry: metrics)
    }

    /// Read-your-writes: waits (briefly) until the read models include everything committed
    /// before this call, so a client that just wrote sees its own change.
    public func consistentRead(timeoutMillis: Int64 = 2000) async throws {
        let target = logHead.head
        if projected.head >= target { return }
        let projected = self.projected
        let caughtUp = await withTaskGroup(of: Bool.self) { group in
            group.addTask { await projected.wait(after: target - 1); return true }
            group.addTask { try? await Task.sleep(for: .milliseconds(timeoutMillis)); return false }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if !caughtUp && projected.head < target {
            throw Problem(.serviceUnavailable, "read-models-behind", "Read models are behind",
                          detail: "the read models have not caught up with the log yet; retry shortly")
        }
    }
}
