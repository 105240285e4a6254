import Domain
import Engine
import EventLog
import Foundation
import MarqueeApp
import MarqueeCore
import Projections
import SQLiteDB
import Testing
import TestSupport

/// The long scenario of issue 3: 1,000 viewers on 20 channels for one simulated hour (manual
/// clock, 5-second steps) with random joins, disconnects, reconnects, leaves, gifts,
/// subscriptions (20-minute periods, so renewals, failures and expiries happen), cancellations,
/// payouts and their decisions. Afterwards the log audits, the read models equal a rebuild, and
/// the tokens in the system equal the tokens granted.
@Suite("Economy simulation", .timeLimit(.minutes(4)))
struct EconomySimulationTests {
    static let viewers = 1000, channels = 20
    static let step = 5, hour = 3600

    final class World: @unchecked Sendable {
        var rng = SplitMix64(seed: 0x5EED_2026)
        var sessions: [Int: String] = [:]          // viewer index → open session
        var disconnected: Set<Int> = []
        var subscriptions: [Int: String] = [:]     // viewer index → subscription id
        var pendingPayouts: [String] = []
        var counter = 0
        func id(_ prefix: String) -> String { counter += 1; return "\(prefix)_sim\(counter)" }
        func chance(_ percent: UInt64) -> Bool { rng.next() % 100 < percent }
        func pick(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
    }

    @Test func thousandViewersTwentyChannelsOneHour() async throws {
        let directory = try TemporaryDirectory("simulation")
        defer { directory.remove() }
        let dataDir = try directory.directory("data")
        let clock = ManualClock()
        var config = LiveServer.economyConfig(dataDir: dataDir)
        config.domain.subscriptionPeriodMillis = 20 * 60_000
        config.domain.renewalRetryMillis = 5 * 60_000
        let granted = try await LiveServer.runParts(config: config, clock: clock) { _, _, parts in
            try await Self.simulate(parts, clock)
        }

        // The log alone re-derives every balance; the read models equal a rebuild.
        let store = try EventStore(path: MarqueeServer.logPath(dataDir), writable: false)
        let report = try Audit.verify(store: store)
        let (balances, earnings) = report.ledger.recount()
        #expect(report.ledger.issued == granted)
        #expect(balances + earnings + report.ledger.pendingPayouts + report.ledger.fees + report.ledger.paidOut == granted)
        #expect(report.ledger.paidOut > 0 && report.ledger.fees > 0)
        let (checkpoint, difference) = try Replay.check(dataDir: dataDir, temporaryDir: try directory.directory("scratch"))
        #expect(difference == nil, "read models differ from a rebuild at \(checkpoint): \(String(describing: difference))")
        // every kind of thing happened
        let counts = Dictionary(uniqueKeysWithValues: try store.connection.rows("SELECT type, count(*) FROM events GROUP BY type").compactMap { row in
            row[0].string.map { ($0, row[1].int64 ?? 0) }
        })
        for type in ["minute.billed", "viewer.disconnected", "viewer.reconnected", "viewer.left", "billing.stopped", "gift.sent",
                     "subscription.started", "subscription.renewed", "subscription.renewal_failed", "subscription.expired",
                     "subscription.canceled", "payout.requested", "payout.paid", "payout.rejected"] {
            #expect((counts[type] ?? 0) > 0, "the simulation produced no \(type): \(counts)")
        }
        #expect((counts["minute.billed"] ?? 0) > 5_000, "\(counts)")
    }

    /// Returns the tokens granted in total.
    static func simulate(_ parts: ServerParts, _ clock: ManualClock) async throws -> Int64 {
        let world = World()
        let writer = parts.writer
        @Sendable func send(_ command: Command, _ actor: String?) async -> Bool {
            do {
                _ = try await writer.submit(CommandEnvelope(.domain(command), meta: RequestMeta(actor: actor)))
                return true
            } catch { return false }   // rejections (not enough tokens, a double payout …) are part of the game
        }
        let admin = try #require(try parts.deps.events.withConnection { c in
            try c.rows("SELECT json_extract(data, '$.accountId') FROM events WHERE type = 'account.registered' ORDER BY seq LIMIT 1").first?.first?.string
        })
        let creators = (0..<channels).map { "acc_creator\($0)" }
        let channelIds = (0..<channels).map { "chn_sim\($0)" }
        let viewerIds = (0..<viewers).map { "acc_viewer\($0)" }
        var granted: Int64 = 0

        // Setup: accounts, channels (paid, subscriber-only and public), tiers, wallets.
        await withTaskGroup(of: Void.self) { group in
            for (i, id) in creators.enumerated() {
                group.addTask { _ = await send(.registerAccount(RegisterAccount(accountId: id, handle: "creator\(i)", role: .creator, actorId: nil)), nil) }
            }
            for (i, id) in viewerIds.enumerated() {
                group.addTask { _ = await send(.registerAccount(RegisterAccount(accountId: id, handle: "viewer\(i)", role: .viewer, actorId: nil)), nil) }
            }
        }
        for c in 0..<channels {
            let access: ChannelAccess = c % 4 == 0 ? .public : (c % 4 == 1 ? .subscribers : .paid)
            #expect(await send(.createChannel(CreateChannel(channelId: channelIds[c], ownerId: creators[c], slug: "sim-\(c)", title: "Sim \(c)")), creators[c]))
            if access != .public {
                #expect(await send(.updateChannel(UpdateChannel(channelId: channelIds[c], actorId: creators[c], access: access,
                                                                pricePerMinute: access == .paid ? Int64(1 + c % 3) : nil)), creators[c]))
            }
            #expect(await send(.setSubscriptionTiers(SetSubscriptionTiers(channelId: channelIds[c], actorId: creators[c],
                                                                           tiers: [SubscriptionTier(name: "fan", tokens: 20)],
                                                                           subscribersWatchPaidFree: c % 2 == 0)), creators[c]))
            #expect(await send(.startStream(StartStream(streamId: "str_sim\(c)", channelId: channelIds[c], actorId: creators[c])), creators[c]))
        }
        var grants: [(String, Int64)] = []
        for v in 0..<viewers { grants.append((viewerIds[v], Int64(world.pick(200)) + 10)) }
        await withTaskGroup(of: Void.self) { group in
            for (account, tokens) in grants {
                group.addTask { _ = await send(.grantTokens(GrantTokens(accountId: account, tokens: tokens, reason: "sim", actorId: admin)), admin) }
            }
        }
        granted += grants.reduce(0) { $0 + $1.1 }

        // The hour, in 5-second steps: random actions of the step go to the writer together.
        for second in stride(from: 0, to: Self.hour, by: Self.step) {
            var actions: [(Command, String?)] = []
            for _ in 0..<25 {
                let v = world.pick(viewers), viewer = viewerIds[v]
                let c = v % channels
                switch world.rng.next() % 100 {
                case 0..<40 where world.sessions[v] == nil:
                    let session = world.id("ses")
                    world.sessions[v] = session
                    actions.append((.joinViewer(JoinViewer(sessionId: session, channelId: channelIds[c], viewerId: viewer)), viewer))
                case 0..<55 where world.sessions[v] != nil && !world.disconnected.contains(v):
                    world.disconnected.insert(v)
                    actions.append((.disconnectViewer(SessionCommand(sessionId: world.sessions[v]!)), nil))
                case 0..<70 where world.disconnected.contains(v):
                    world.disconnected.remove(v)
                    actions.append((.reconnectViewer(SessionCommand(sessionId: world.sessions[v]!)), nil))
                case 70..<78 where world.sessions[v] != nil:
                    actions.append((.leaveViewer(LeaveViewer(sessionId: world.sessions[v]!)), nil))
                    world.sessions[v] = nil
                    world.disconnected.remove(v)
                case 78..<90:
                    let gift = ["heart", "rose", "star"][world.pick(3)]
                    actions.append((.sendGift(SendGift(giftId: world.id("gft"), channelId: channelIds[c], senderId: viewer, gift: gift,
                                                       quantity: 1 + world.pick(3), message: nil)), viewer))
                case 90..<95 where world.subscriptions[v] == nil:
                    let sub = world.id("sub")
                    world.subscriptions[v] = sub
                    actions.append((.subscribe(Subscribe(subscriptionId: sub, viewerId: viewer, channelId: channelIds[c], tier: "fan")), viewer))
                case 95..<97 where world.subscriptions[v] != nil:
                    actions.append((.cancelSubscription(CancelSubscription(subscriptionId: world.subscriptions[v]!, actorId: viewer)), viewer))
                default:
                    break
                }
            }
            if second % 60 == 0 {
                let c = world.pick(channels)
                let payout = world.id("pay")
                world.pendingPayouts.append(payout)
                actions.append((.requestPayout(RequestPayout(payoutId: payout, creatorId: creators[c], tokens: 10 + Int64(world.pick(40)),
                                                             destination: "acct_\(c)")), creators[c]))
            }
            if second % 60 == 30, let payout = world.pendingPayouts.first {
                world.pendingPayouts.removeFirst()
                let action: DecidePayout.Action = world.chance(30) ? .reject(reason: "check the account") : .markPaid(providerRef: "tr_\(payout)")
                actions.append((.decidePayout(DecidePayout(payoutId: payout, actorId: admin, action: action)), admin))
            }
            let batch = actions
            await withTaskGroup(of: Void.self) { group in
                for (command, actor) in batch { group.addTask { _ = await send(command, actor) } }
            }
            clock.advance(seconds: Int64(Self.step))
            try await parts.scheduler.tick()
            // Sessions the decider ended (timeout, funds) are forgotten by the world too.
            if second % 60 == 55 {
                let open = try await Self.openSessions(parts)
                for (v, session) in world.sessions where !open.contains(session) {
                    world.sessions[v] = nil
                    world.disconnected.remove(v)
                }
                let current = try await Self.currentSubscriptions(parts)
                for (v, sub) in world.subscriptions where !current.contains(sub) { world.subscriptions[v] = nil }
            }
        }
        return granted
    }

    static func openSessions(_ parts: ServerParts) async throws -> Set<String> {
        try await parts.deps.consistentRead(timeoutMillis: 10_000)
        return Set(try parts.deps.readModels.withConnection { c in
            try c.rows("SELECT session_id FROM viewing_sessions WHERE status != 'left'").compactMap { $0.first?.string }
        })
    }

    static func currentSubscriptions(_ parts: ServerParts) async throws -> Set<String> {
        try await parts.deps.consistentRead(timeoutMillis: 10_000)
        return Set(try parts.deps.readModels.withConnection { c in
            try c.rows("SELECT subscription_id FROM subscriptions WHERE status != 'expired'").compactMap { $0.first?.string }
        })
    }
}
