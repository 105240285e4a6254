/// Re-derives every token holding from money events alone and checks the ledger's invariants.
/// Used by `marquee audit verify` and `marquee audit balance`; independent of `DomainState`
/// so that a bug in the deciders' state cannot hide itself from the audit.
///
/// Invariants checked on every event:
/// - amounts are positive, and every split adds up (`creatorTokens + feeTokens == tokens`);
/// - no balance or earnings ever becomes negative;
/// - money moves only between registered accounts;
/// - every paid minute of a session is billed once, in order (minute k follows k − 1);
/// - a payout holds its tokens until paid (gone) or rejected (back to earnings), once;
/// - conservation: tokens issued == Σ balances + Σ earnings + pending payouts + fees + paid out.
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
    public private(set) var pendingPayouts: Int64 = 0
    private var minutes: [String: Int] = [:]
    private var payouts: [String: (creator: String, tokens: Int64, open: Bool)] = [:]
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
            try issue(e.tokens, to: e.accountId, "tokens.granted", fail)
        case .tokensPurchased(let e):
            guard e.amount.minor > 0 else { throw fail("tokens.purchased with a non-positive amount paid") }
            try issue(e.tokens, to: e.accountId, "tokens.purchased", fail)
        case .giftSent(let e):
            guard e.quantity > 0 else { throw fail("gift.sent with non-positive quantity") }
            try pay(e.tokens, e.creatorTokens, e.feeTokens, from: e.fromAccountId, to: e.toAccountId, "gift.sent", fail)
        case .minuteBilled(let e):
            let previous = minutes[e.sessionId] ?? 0
            guard e.minute == previous + 1 else {
                throw fail("minute \(e.minute) of session \(e.sessionId) billed after minute \(previous)")
            }
            minutes[e.sessionId] = e.minute
            try pay(e.tokens, e.creatorTokens, e.feeTokens, from: e.viewerId, to: e.creatorId, "minute.billed", fail)
        case .subscriptionStarted(let e), .subscriptionRenewed(let e):
            guard e.periodStart < e.periodEnd else { throw fail("subscription period of \(e.subscriptionId) is empty") }
            try pay(e.tokens, e.creatorTokens, e.feeTokens, from: e.viewerId, to: e.creatorId, "subscription charge", fail)
        case .payoutRequested(let e):
            moneyEvents += 1
            guard e.tokens > 0 else { throw fail("payout.requested with non-positive amount") }
            guard payouts[e.payoutId] == nil else { throw fail("payout \(e.payoutId) requested twice") }
            let after = (earnings[e.creatorId] ?? 0) - e.tokens
            guard after >= 0 else { throw fail("earnings of \(e.creatorId) would be negative (\(after))") }
            earnings[e.creatorId] = after
            pendingPayouts += e.tokens
            payouts[e.payoutId] = (e.creatorId, e.tokens, true)
        case .payoutRejected(let e), .payoutPaid(let e):
            moneyEvents += 1
            guard let payout = payouts[e.payoutId], payout.open, payout.creator == e.creatorId, payout.tokens == e.tokens else {
                throw fail("payout \(e.payoutId) closed without a matching open request")
            }
            payouts[e.payoutId]?.open = false
            pendingPayouts -= e.tokens
            if case .payoutPaid = event {
                paidOut += e.tokens
                held -= e.tokens
            } else {
                earnings[e.creatorId, default: 0] += e.tokens
            }
        case .payoutApproved(let e):
            guard payouts[e.payoutId]?.open == true else { throw fail("payout \(e.payoutId) approved without an open request") }
        case .accountRoleChanged, .accountSuspended, .accountReinstated, .channelCreated, .channelUpdated,
             .channelStreamKeyRotated, .streamStarted, .streamEnded, .viewerJoined, .viewerDisconnected, .viewerReconnected,
             .viewerLeft, .billingStopped, .channelSubscriptionTiersSet, .subscriptionRenewalFailed, .subscriptionCanceled,
             .subscriptionExpired, .chatMessagePosted, .chatMessageDeleted, .chatUserBanned, .chatUserUnbanned, .chatSettingsChanged,
             .chatModeratorAdded, .chatModeratorRemoved, .pollOpened, .pollVoted, .pollClosed, .adCreated, .adBreakStarted, .adImpression,
             .appRegistered, .appAuthorized, .appRevoked, .accessTokenCreated, .accessTokenRevoked, .webhookEndpointCreated,
             .webhookEndpointUpdated, .webhookEndpointDisabled, .webhookEndpointEnabled, .webhookEndpointDeleted, .webhookSecretRotated:
            break
        }
        // held tracks Σ balances + Σ earnings + pending payouts incrementally; conservation must hold after each event.
        guard issued == held + fees + paidOut else {
            throw fail("tokens not conserved: issued \(issued) != held \(held) + fees \(fees) + paid out \(paidOut)")
        }
    }

    /// Tokens entering the system (a grant or a purchase).
    private mutating func issue(_ tokens: Int64, to account: String, _ what: String, _ fail: (String) -> Violation) throws(Violation) {
        moneyEvents += 1
        guard tokens > 0 else { throw fail("\(what) with non-positive amount \(tokens)") }
        guard accounts.contains(account) else { throw fail("\(what) to unknown account \(account)") }
        balances[account, default: 0] += tokens
        issued += tokens
        held += tokens
    }

    /// A payment from a balance to a creator's earnings and the platform's fees.
    private mutating func pay(_ tokens: Int64, _ creatorTokens: Int64, _ feeTokens: Int64, from payer: String, to creator: String,
                              _ what: String, _ fail: (String) -> Violation) throws(Violation) {
        moneyEvents += 1
        guard tokens > 0 else { throw fail("\(what) with non-positive amount") }
        guard creatorTokens >= 0, feeTokens >= 0, creatorTokens + feeTokens == tokens else {
            throw fail("\(what) split does not add up: \(creatorTokens) + \(feeTokens) != \(tokens)")
        }
        guard accounts.contains(payer), accounts.contains(creator) else { throw fail("\(what) between unknown accounts") }
        let after = (balances[payer] ?? 0) - tokens
        guard after >= 0 else { throw fail("balance of \(payer) would be negative (\(after))") }
        balances[payer] = after
        earnings[creator, default: 0] += creatorTokens
        fees += feeTokens
        held -= feeTokens
    }

    /// A full recount (not incremental) of conservation, for the final report.
    public func recount() -> (balances: Int64, earnings: Int64) {
        (balances.values.reduce(0, +), earnings.values.reduce(0, +))
    }
}
