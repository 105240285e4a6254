import Domain
import Engine
import EventLog
import Foundation
import Logging
import MarqueeApp
import MarqueeCore
import Projections
import Testing

/// A crash between two paid minutes: the process stops with no chance to record anything (the
/// writer is stopped without the graceful-shutdown step that disconnects sessions), then a new
/// server starts on the same data directory. No minute is billed twice and no time is billed
/// while the server was down.
@Suite("Billing across a crash", .timeLimit(.minutes(4)))
struct BillingRecoveryTests {
    struct Cast { var admin: String; var carol: String; var victor: String; var channel: String }

    static func logger() -> Logger { var l = Logger(label: "billing-recovery"); l.logLevel = .warning; return l }

    static func submit(_ parts: ServerParts, _ command: Command, actor: String?) async throws {
        _ = try await parts.writer.submit(CommandEnvelope(.domain(command), meta: RequestMeta(actor: actor)))
    }

    /// Starts the server's core (writer, recovery, scheduler interface) without serving HTTP.
    static func start(_ dataDir: String, _ clock: ManualClock) async throws -> ServerParts {
        try await MarqueeServer.make(config: LiveServer.config(dataDir: dataDir), clock: clock, logger: logger()).1
    }

    /// A paid show at 5 tokens a minute; Victor (100 tokens) joins at t0 and pays minute 1.
    static func paidShowWithVictorWatching(_ parts: ServerParts) async throws -> (Cast, session: String) {
        let admin = try #require(try parts.deps.events.withConnection { c in
            try c.rows("SELECT json_extract(data, '$.accountId') FROM events WHERE type = 'account.registered' ORDER BY seq LIMIT 1").first?.first?.string
        })
        let cast = Cast(admin: admin, carol: "acc_carol", victor: "acc_victor", channel: "chn_carol")
        try await submit(parts, .registerAccount(RegisterAccount(accountId: cast.carol, handle: "carol", role: .creator, actorId: nil)), actor: nil)
        try await submit(parts, .registerAccount(RegisterAccount(accountId: cast.victor, handle: "victor", role: .viewer, actorId: nil)), actor: nil)
        try await submit(parts, .createChannel(CreateChannel(channelId: cast.channel, ownerId: cast.carol, slug: "carol-live", title: "Carol")), actor: cast.carol)
        try await submit(parts, .updateChannel(UpdateChannel(channelId: cast.channel, actorId: cast.carol, access: .paid, pricePerMinute: 5)), actor: cast.carol)
        try await submit(parts, .grantTokens(GrantTokens(accountId: cast.victor, tokens: 100, reason: "test", actorId: admin)), actor: admin)
        _ = try await parts.viewing.startStream(channelId: cast.channel, ownerId: cast.carol)
        let session = try await parts.viewing.join(channelId: cast.channel, viewerId: cast.victor)
        return (cast, session)
    }

    static func minutes(_ dataDir: String) throws -> [Int64] {
        let store = try EventStore(path: MarqueeServer.logPath(dataDir), writable: false)
        return try store.connection.rows("SELECT json_extract(data, '$.minute') FROM events WHERE type = 'minute.billed' ORDER BY seq")
            .compactMap { $0.first?.int64 }
    }

    static func balance(_ dataDir: String, _ account: String) throws -> Int64 {
        let store = try EventStore(path: MarqueeServer.logPath(dataDir), writable: false)
        return try Audit.verify(store: store).ledger.balance(of: account)
    }

    @Test func restartAfterTheGracePeriodEndsTheSessionWithOnlyThePaidMinute() async throws {
        let directory = try TemporaryDirectory("crash-billing")
        defer { directory.remove() }
        let dataDir = try directory.directory("data")
        let clock = ManualClock()
        var parts: ServerParts? = try await Self.start(dataDir, clock)
        let (cast, session) = try await Self.paidShowWithVictorWatching(parts!)
        clock.advance(seconds: 40)
        try await parts!.scheduler.tick()           // 40 s into minute 1: nothing due
        parts!.writer.shutdown()                     // the crash: nothing more reaches the log
        parts = nil

        clock.advance(seconds: 600)                  // down for ten minutes
        let restarted = try await Self.start(dataDir, clock)
        try await restarted.scheduler.tick()
        #expect(try Self.minutes(dataDir) == [1])
        #expect(try Self.balance(dataDir, cast.victor) == 95)
        await #expect(throws: DomainError.conflict("no open viewing session \(session); join again")) {
            try await restarted.viewing.reconnected(session)
        }
        restarted.writer.shutdown()
        let types = try EventStore(path: MarqueeServer.logPath(dataDir), writable: false).connection
            .rows("SELECT type FROM events WHERE type IN ('viewer.disconnected', 'billing.stopped', 'viewer.left') ORDER BY seq")
            .compactMap { $0.first?.string }
        #expect(types == ["viewer.disconnected", "billing.stopped", "viewer.left"])
    }

    @Test func aViewerBackWithinTheGraceResumesTheMinuteWithoutASecondCharge() async throws {
        let directory = try TemporaryDirectory("crash-billing-resume")
        defer { directory.remove() }
        let dataDir = try directory.directory("data")
        let clock = ManualClock()
        var parts: ServerParts? = try await Self.start(dataDir, clock)
        let (cast, session) = try await Self.paidShowWithVictorWatching(parts!)
        clock.advance(seconds: 20)
        parts!.writer.shutdown()
        parts = nil

        clock.advance(seconds: 25)                   // back up 45 s after the last event
        let restarted = try await Self.start(dataDir, clock)
        try await restarted.viewing.reconnected(session)
        clock.advance(seconds: 59)
        try await restarted.scheduler.tick()
        #expect(try Self.minutes(dataDir) == [1])   // the crash's 45 s were not connected time
        clock.advance(seconds: 1)
        try await restarted.scheduler.tick()
        #expect(try Self.minutes(dataDir) == [1, 2])
        #expect(try Self.balance(dataDir, cast.victor) == 90)
        restarted.writer.shutdown()
    }
}
