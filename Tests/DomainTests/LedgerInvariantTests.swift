import MarqueeCore
import Domain
import Testing

/// A seeded random walk through the deciders: whatever is accepted is applied, and after every
/// step the money invariants must hold.
@Suite("Ledger invariants under random commands")
struct LedgerInvariantTests {
    static let accounts = ["acc_root", "acc_a", "acc_b", "acc_c", "acc_d", "acc_e", "acc_ghost"]
    static let handles = ["root", "alice", "bob", "carol", "dave", "erin", "Bad", "x"]
    static let channels = ["chn_1", "chn_2", "chn_3", "chn_ghost"]
    static let slugs = ["one", "two", "three", "-bad"]
    static let gifts = DomainConfig.test.giftCatalog.map(\.name) + ["tulip"]

    struct Walk {
        var rng: SplitMix64
        init(seed: UInt64) { rng = SplitMix64(seed: seed) }

        mutating func pick<T>(_ items: [T]) -> T { items.randomElement(using: &rng)! }
        mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &rng) < percent }

        mutating func tokens() -> Int64 {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0: return pick([0, -1, -500, 1_000_000_001, .max, .min])
            case 1...4: return Int64.random(in: 1...20, using: &rng)
            case 5...8: return Int64.random(in: 1...2_000, using: &rng)
            default: return Int64.random(in: 1...100_000, using: &rng)
            }
        }

        mutating func quantity() -> Int {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0: return pick([0, -1, 1001, .max, .min])
            case 1...5: return Int.random(in: 1...5, using: &rng)
            default: return Int.random(in: 1...1000, using: &rng)
            }
        }

        mutating func text() -> String {
            chance(75) ? pick(["ok", "a reason", "🎁 thanks", String(repeating: "x", count: 200)])
                       : pick(["", "line\nbreak", String(repeating: "x", count: 501)])
        }

        /// Mostly ids that exist (so commands get past the lookups), sometimes any id at all.
        mutating func id(_ all: [String], existing: [String]) -> String {
            existing.isEmpty || chance(15) ? pick(all) : pick(existing.sorted())
        }

        mutating func command(step: Int, state: DomainState) -> Command {
            let actor = id(LedgerInvariantTests.accounts, existing: Array(state.accounts.keys))
            let account = id(LedgerInvariantTests.accounts, existing: Array(state.accounts.keys))
            let channel = id(LedgerInvariantTests.channels, existing: Array(state.channels.keys))
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<8:
                return .registerAccount(RegisterAccount(accountId: account, handle: pick(LedgerInvariantTests.handles),
                                                        role: pick(Role.allCases), actorId: chance(50) ? nil : actor))
            case 8..<12:
                return .changeRole(ChangeRole(accountId: account, role: pick(Role.allCases), actorId: actor))
            case 12..<16:
                return .suspendAccount(SuspendAccount(accountId: account, reason: text(), actorId: actor))
            case 16..<22:
                return .reinstateAccount(ReinstateAccount(accountId: account, reason: text(), actorId: actor))
            case 22..<28:
                return .createChannel(CreateChannel(channelId: channel, ownerId: actor, slug: pick(LedgerInvariantTests.slugs),
                                                    title: text()))
            case 28..<32:
                return .updateChannel(UpdateChannel(channelId: channel, actorId: actor, title: chance(50) ? text() : nil,
                                                    access: chance(50) ? pick(ChannelAccess.allCases) : nil,
                                                    pricePerMinute: chance(50) ? Int64.random(in: -1...3, using: &rng) : nil,
                                                    ageRestricted: chance(50) ? chance(50) : nil))
            case 32..<34:
                return .rotateStreamKey(RotateStreamKey(channelId: channel, actorId: actor))
            case 34..<52:
                return .grantTokens(GrantTokens(accountId: account, tokens: tokens(), reason: text(),
                                                actorId: chance(80) ? "acc_root" : actor))
            default:
                return .sendGift(SendGift(giftId: "gft_\(step)", channelId: channel, senderId: actor,
                                          gift: pick(LedgerInvariantTests.gifts), quantity: quantity(),
                                          message: chance(70) ? nil : text()))
            }
        }
    }

    /// Every broken money invariant of `state`, in words (empty when all hold).
    static func violations(_ state: DomainState) -> [String] {
        var found: [String] = []
        var balances: Int64 = 0, earnings: Int64 = 0
        for (id, wallet) in state.wallets.sorted(by: { $0.key < $1.key }) {
            if wallet.balance < 0 { found.append("balance of \(id) is \(wallet.balance)") }
            if wallet.earnings < 0 { found.append("earnings of \(id) are \(wallet.earnings)") }
            if state.accounts[id] == nil { found.append("wallet of unregistered \(id)") }
            balances += wallet.balance
            earnings += wallet.earnings
        }
        if state.platformFees < 0 { found.append("platform fees are \(state.platformFees)") }
        if state.tokensIssued != balances + earnings + state.platformFees {
            found.append("issued \(state.tokensIssued) != balances \(balances) + earnings \(earnings) + fees \(state.platformFees)")
        }
        return found
    }

    struct Tally { var accepted = 0, rejected = 0, noOps = 0, gifts = 0, grants = 0, insufficient = 0 }

    @Test("random commands never break conservation or make a balance negative",
          arguments: [UInt64(1), 2024, 0xC0FFEE])
    func randomWalk(seed: UInt64) {
        let config = DomainConfig.test
        var walk = Walk(seed: seed)
        // The only thing a random walk cannot create is the first admin.
        var log: [DomainEvent] = [F.registered("acc_root", "root", .admin)]
        var state = Decider.initialState.evolved(with: log[0])
        var tally = Tally()

        for step in 0..<2_000 {
            let now = Timestamp(milliseconds: 1_700_000_000_000 + Int64(step) * 1000)
            let command = walk.command(step: step, state: state)
            do {
                let events = try Decider.decide(command, state: state, config: config, now: now)
                // deciding is pure: the same command on the same state decides the same
                #expect((try? Decider.decide(command, state: state, config: config, now: now)) == events)
                if events.isEmpty { tally.noOps += 1 } else { tally.accepted += 1 }
                for event in events {
                    if case .giftSent(let e) = event {
                        tally.gifts += 1
                        #expect(e.creatorTokens + e.feeTokens == e.tokens, "step \(step)")
                        #expect(e.creatorTokens >= 0 && e.feeTokens >= 0, "step \(step)")
                        let price = config.gift(named: e.gift)?.tokens
                        #expect(price.map { $0 * Int64(e.quantity) } == e.tokens, "step \(step): price × quantity")
                        #expect(FeeSplit(tokens: e.tokens, feeBasisPoints: config.feeBasisPoints).feeTokens == e.feeTokens)
                        #expect(state.wallet(e.fromAccountId).balance >= e.tokens, "step \(step): overspent")
                        #expect(e.fromAccountId != e.toAccountId, "step \(step): gift to self")
                        #expect(state.accounts[e.toAccountId]?.suspended == false, "step \(step): suspended receiver")
                    }
                    if case .tokensGranted(let e) = event {
                        tally.grants += 1
                        #expect((1...config.maxTokensPerCommand).contains(e.tokens), "step \(step)")
                        #expect(state.accounts[e.grantedBy]?.role == .admin, "step \(step): grant by non-admin")
                    }
                    state.apply(event)
                    log.append(event)
                }
            } catch {
                tally.rejected += 1
                if case .insufficientTokens(let balance, let needed) = error {
                    tally.insufficient += 1
                    #expect(balance < needed, "step \(step)")
                    if case .sendGift(let c) = command { #expect(state.wallet(c.senderId).balance == balance) }
                }
            }
            let broken = Self.violations(state)
            #expect(broken.isEmpty, "step \(step) after \(command): \(broken)")
            if !broken.isEmpty { return }
        }

        // Replaying the log from scratch gives the same state (evolve is a pure fold).
        #expect(log.reduce(Decider.initialState) { Decider.evolve($0, $1) } == state)
        // The walk must have exercised the interesting paths, or the invariants proved nothing.
        #expect(tally.gifts >= 50, "only \(tally.gifts) gifts were accepted: \(tally)")
        #expect(tally.grants >= 50, "only \(tally.grants) grants were accepted: \(tally)")
        #expect(tally.insufficient >= 10, "only \(tally.insufficient) insufficient-token rejections: \(tally)")
        #expect(tally.rejected >= 100 && tally.noOps >= 1, "\(tally)")
        #expect(state.platformFees > 0 && state.wallets.values.contains { $0.earnings > 0 })
    }

    @Test func theInvariantCheckCanFail() {
        // The checker itself must be able to fail, or a green random walk proves nothing.
        let healthy = given(F.world + [F.granted(F.vera, 100),
                                       F.giftSent(gift: "rose", quantity: 1, tokens: 10, creator: 8, fee: 2)]).state
        #expect(Self.violations(healthy).isEmpty)
        let leaky = healthy.evolved(with: F.giftSent("gft_2", gift: "rose", quantity: 1, tokens: 10, creator: 8, fee: 1))
        #expect(Self.violations(leaky) == ["issued 100 != balances 80 + earnings 16 + fees 3"])
        let overdrawn = healthy.evolved(with: F.giftSent("gft_3", gift: "rocket", quantity: 1, tokens: 500, creator: 400, fee: 100))
        #expect(Self.violations(overdrawn) == ["balance of acc_vera is -410"])
    }
}
