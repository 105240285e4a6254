import Domain
import EventLog
import MarqueeCore
import Projections
import SQLiteDB

/// `marquee audit verify` and `marquee audit balance`: everything from the log alone.
public enum Audit {
    public struct Report: Sendable {
        public var events: Int64
        public var headSeq: Int64
        public var headHash: String
        public var ledger: AuditLedger
        public var summary: String {
            let (balances, earnings) = ledger.recount()
            return "audit ok: \(events) events, hash chain intact to seq \(headSeq) (\(headHash.prefix(16))…); "
                + "tokens issued \(ledger.issued) = balances \(balances) + earnings \(earnings) + pending payouts \(ledger.pendingPayouts) + fees \(ledger.fees) + paid out \(ledger.paidOut)"
        }
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var seq: Int64
        public var reason: String
        public var description: String { "audit FAILED at seq \(seq): \(reason)" }
    }

    /// Walks the chain from seq 1, recomputing every hash, checking positions and stream
    /// versions, and re-deriving the ledger. Throws `Failure` naming the first bad seq.
    public static func verify(store: EventStore) throws -> Report {
        var expectedPrev = HashChain.genesis
        var expectedSeq: Int64 = 1
        var versions: [String: Int64] = [:]
        var ledger = AuditLedger()
        var failure: Failure?
        try store.scan(after: 0) { row in
            let event = row.recorded()
            func fail(_ reason: String) -> Bool { failure = Failure(seq: event.seq, reason: reason); return false }
            guard event.seq == expectedSeq else { return fail("expected seq \(expectedSeq): the log has a gap or reordering") }
            guard event.prevHash == expectedPrev else { return fail("prev_hash does not match the previous event's hash") }
            guard HashChain.hash(prevHash: expectedPrev, event: event) == event.hash else {
                return fail("hash mismatch: the row was changed after it was written")
            }
            let expectedVersion = (versions[event.stream] ?? 0) + 1
            guard event.version == expectedVersion else { return fail("stream \(event.stream) expected version \(expectedVersion), found \(event.version)") }
            versions[event.stream] = event.version
            let decoded: DomainEvent?
            do {
                decoded = try DomainEvent.decode(type: event.type, schema: event.schema, data: event.data)
            } catch {
                return fail("\(event.type) payload does not decode: \(error)")
            }
            do {
                try ledger.apply(decoded, seq: event.seq)
            } catch let violation as AuditLedger.Violation {
                return fail(violation.reason)
            }
            expectedPrev = event.hash
            expectedSeq += 1
            return true
        }
        if let failure { throw failure }
        return Report(events: expectedSeq - 1, headSeq: expectedSeq - 1, headHash: Digest.hex(expectedPrev), ledger: ledger)
    }

    public struct Balance: Sendable, Equatable {
        public var accountId: String
        public var handle: String?
        public var atSeq: Int64
        public var balance: Int64
        public var earnings: Int64
    }

    /// The balance and earnings of an account (handle or id) as of seq `through`.
    public static func balance(store: EventStore, account: String, through: Int64) throws -> Balance? {
        var ledger = AuditLedger()
        var last: Int64 = 0
        try store.scan(after: 0, through: through) { row in
            try ledger.apply(try ProjectedEvent(row: row).event, seq: row.seq)
            last = row.seq
            return true
        }
        let id = ledger.accounts.contains(account) ? account : ledger.handles[account.lowercased()]
        guard let id else { return nil }
        let handle = ledger.handles.first { $0.value == id }?.key
        return Balance(accountId: id, handle: handle, atSeq: last, balance: ledger.balance(of: id), earnings: ledger.earnings(of: id))
    }

    /// Resolves `--at SEQ|RFC3339` to a seq.
    public static func resolveAt(_ at: String?, store: EventStore) throws -> Int64 {
        guard let at else { return try store.head().seq }
        if let seq = Int64(at), seq >= 0 { return seq }
        guard let time = Timestamp(rfc3339: at) else {
            throw Failure(seq: 0, reason: "--at must be a seq number or an RFC 3339 time such as 2026-11-22T10:00:00Z")
        }
        return try store.lastSeq(atOrBefore: time.rfc3339)
    }
}

/// `marquee replay`: rebuild and compare read models.
public enum Replay {
    /// Rebuilds every read model into a temporary file up to the live file's checkpoint and
    /// compares them table by table. Works while the server runs (the live file is read in one
    /// read transaction, so it does not move during the comparison).
    public static func check(dataDir: String, temporaryDir: String) throws -> (checkpoint: Int64, difference: ReadModelBuilder.Difference?) {
        let live = try Connection(path: MarqueeServer.readModelPath(dataDir), mode: .readOnly)
        try live.execute("BEGIN")
        defer { try? live.execute("ROLLBACK") }
        let checkpoint = try ReadModelSchema.checkpoint(live)
        let store = try EventStore(path: MarqueeServer.logPath(dataDir), writable: false)
        let rebuiltPath = temporaryDir + "/marquee-replay-check-\(getpid()).sqlite"
        defer { unlink(rebuiltPath) }
        try ReadModelBuilder.rebuild(from: store, into: rebuiltPath, through: checkpoint)
        let rebuilt = try Connection(path: rebuiltPath, mode: .readOnly)
        return (checkpoint, try ReadModelBuilder.compare(live, rebuilt))
    }

    public static func to(dataDir: String, seq: Int64, out: String) throws -> Int64 {
        let store = try EventStore(path: MarqueeServer.logPath(dataDir), writable: false)
        return try ReadModelBuilder.rebuild(from: store, into: out, through: seq)
    }
}

#if canImport(Glibc)
import Glibc
#endif
