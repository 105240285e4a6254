/// Re-derives every token holding from money events alone and checks the ledger's invariants.
/// Used by `marquee audit verify` and `marquee audit balance`; independent of `DomainState`
/// so that a bug in the deciders' state cannot hide itself from the audit.
///
/// Invariants checked on every event:
/// - amounts are positive, and every split adds up (`creatorTokens + feeTokens == tokens`);
/// - no balance or earnings ever becomes negative;
/// - money moves only between registered accounts;
/// - conservation: tokens issued == Σ balances + Σ earnings + fees + paid out.
public struct AuditLedger: Sendable {
    public struct Violation: Error, Equatable, Sendable, CustomStringConvertible {
        public var seq: Int64
        public var reason: String
        public var description: String { "seq \(seq): \(reason)" }
    }

    public private(set) var balances: [String: Int64] = [:]
    public private(set) var earnings: [String: Int64] = [:]
    public private(set) var handles: [String: String] = [:]
    public private(set) var accounts: Set<String> = []
    public private(set) var issued: Int64 = 0
    public private(set) var fees: Int64 = 0
    public private(set) var paidOut: Int64 = 0
    public private(set) var events: Int64 = 0
    public private(set) var moneyEvents: Int64 = 0
    private var held: Int64 = 0

    public init() {}

    public func balance(of account: String) -> Int64 { balances[account] ?? 0 }
    public func earnings(of account: String) -> Int64 { earnings[account] ?? 0 }

    /// Applies one event (nil for a type this build does not know, which moves no money).
    public mutating func apply(_ event: DomainEvent?, seq: Int64) throws(Violation) {
        events += 1
        guard let event else { return }
        func fail(_ reason: String) -> Violation { Violation(seq: seq, reason: reason) }
        switch event {
        case .accountRegistered(let e):
            guard !accounts.contains(e.accountId) else { throw fail("account \(e.accountId) registered twice") }
            accounts.insert(e.accountId)
            handles[e.handle] = e.accountId
        case .tokensGranted(let e):
            moneyEvents += 1
            guard e.tokens > 0 else { throw fail("tokens.granted with non-positive amount \(e.tokens)") }
            guard accounts.contains(e.accountId) else { throw fail("tokens granted to unknown account \(e.accountId)") }
            balances[e.accountId, default: 0] += e.tokens
            issued += e.tokens
            held += e.tokens
        case .giftSent(let e):
            moneyEvents += 1
            guard e.tokens > 0, e.quantity > 0 else { throw fail("gift.sent with non-positive amount") }
            guard e.creatorTokens >= 0, e.feeTokens >= 0, e.creatorTokens + e.feeTokens == e.tokens else {
                throw fail("gift.sent split does not add up: \(e.creatorTokens) + \(e.feeTokens) != \(e.tokens)")
            }
            guard accounts.contains(e.fromAccountId), accounts.contains(e.toAccountId) else {
                throw fail("gift.sent between unknown accounts")
            }
            let after = (balances[e.fromAccountId] ?? 0) - e.tokens
            guard after >= 0 else { throw fail("balance of \(e.fromAccountId) would be negative (\(after))") }
            balances[e.fromAccountId] = after
            earnings[e.toAccountId, default: 0] += e.creatorTokens
            fees += e.feeTokens
            held -= e.feeTokens
        case .accountRoleChanged, .accountSuspended, .accountReinstated, .channelCreated, .channelUpdated,
             .channelStreamKeyRotated:
            break
        }
        // held tracks Σ balances + Σ earnings incrementally; conservation must hold after each event.
        guard issued == held + fees + paidOut else {
            throw fail("tokens not conserved: issued \(issued) != held \(held) + fees \(fees) + paid out \(paidOut)")
        }
    }

    /// A full recount (not incremental) of conservation, for the final report.
    public func recount() -> (balances: Int64, earnings: Int64) {
        (balances.values.reduce(0, +), earnings.values.reduce(0, +))
    }
}
