import EventLog
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import MarqueeApp
import MarqueeCore
import Domain
import Testing

/// An in-process Marquee server on 127.0.0.1, port 0, driven through HummingbirdTesting's
/// `.live` client. Each test gives it its own data directory.
enum LiveServer {
    static let adminPassword = "admin-password-123"

    static func config(dataDir: String) -> ServerConfig {
        var config = ServerConfig(dataDir: dataDir, httpHost: "127.0.0.1", httpPort: 0, adminPassword: adminPassword, bcryptCost: 4)
        config.mediaHost = "127.0.0.1"
        config.mediaPort = 0
        // Hundreds of tests share two cores: a niced dispatcher thread would be starved into
        // timeouts its tests do not expect. (The niceness itself: the crash test's child server.)
        config.webhooks.niceness = 0
        return config
    }

    /// The economy settings tests use: short periods so a manual clock can cross them, a low
    /// payout minimum and a Stripe signing secret.
    static let stripeSecret = "whsec_test_secret"
    static func economyConfig(dataDir: String) -> ServerConfig {
        var config = config(dataDir: dataDir)
        config.domain.subscriptionPeriodMillis = 3_600_000
        config.domain.renewalRetryMillis = 600_000
        config.domain.payout = PayoutPolicy(minimumTokens: 10, currency: "USD", minorUnits: 1, perTokens: 1)
        config.stripeWebhookSecret = stripeSecret
        return config
    }

    /// `run` with the server's parts (the SFU's command interface, the scheduler) in reach.
    static func runParts<Value: Sendable>(config: ServerConfig, clock: any WallClock,
                                          _ body: @escaping @Sendable (_ api: API, _ admin: String, _ parts: ServerParts) async throws -> Value)
        async throws -> Value {
        var logger = Logger(label: "marquee-apptests")
        logger.logLevel = .warning
        let (app, parts) = try await MarqueeServer.make(config: config, clock: clock, logger: logger)
        return try await app.test(.live) { client in
            let api = API(client)
            let admin = try await api.login("admin", password: adminPassword)
            return try await body(api, admin, parts)
        }
    }

    /// Starts a server on `dataDir`, logs in as the bootstrap admin, runs `body`, shuts down.
    static func run<Value: Sendable>(dataDir: String, clock: any WallClock = SystemWallClock(),
                                     _ body: @escaping @Sendable (_ api: API, _ admin: String) async throws -> Value) async throws -> Value {
        var logger = Logger(label: "marquee-apptests")
        logger.logLevel = .warning
        let (app, _) = try await MarqueeServer.make(config: config(dataDir: dataDir), clock: clock, logger: logger)
        return try await app.test(.live) { client in
            let api = API(client)
            let admin = try await api.login("admin", password: adminPassword)
            return try await body(api, admin)
        }
    }

    /// `run`, then the two checks every test's log must pass: `Audit.verify` (hash chain and
    /// ledger from the log alone) and `Replay.check` (read models identical to a rebuild).
    static func runAndAudit<Value: Sendable>(_ directory: TemporaryDirectory, clock: any WallClock = SystemWallClock(),
                                             sourceLocation: SourceLocation = #_sourceLocation,
                                             _ body: @escaping @Sendable (_ api: API, _ admin: String) async throws -> Value) async throws -> Value {
        let dataDir = try directory.directory("data")
        let value = try await run(dataDir: dataDir, clock: clock, body)
        expectLogAuditsAndReplays(dataDir: dataDir, scratch: try directory.directory("scratch"), sourceLocation: sourceLocation)
        return value
    }
}

/// `Audit.verify` passes and `Replay.check` finds no difference on `dataDir`.
func expectLogAuditsAndReplays(dataDir: String, scratch: String, sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        let store = try EventStore(path: MarqueeServer.logPath(dataDir), writable: false)
        let report = try Audit.verify(store: store)
        #expect(report.events > 0, "audit verified an empty log", sourceLocation: sourceLocation)
    } catch {
        Issue.record("Audit.verify failed: \(error)", sourceLocation: sourceLocation)
    }
    do {
        let (checkpoint, difference) = try Replay.check(dataDir: dataDir, temporaryDir: scratch)
        #expect(difference == nil, "Replay.check found a difference at checkpoint \(checkpoint): \(String(describing: difference))",
                sourceLocation: sourceLocation)
        #expect(checkpoint > 0, "Replay.check compared nothing (checkpoint 0)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("Replay.check failed: \(error)", sourceLocation: sourceLocation)
    }
}
