import EventLog
import Foundation
import MarqueeApp
import SQLiteDB
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The `marquee` executable as a child process: audit, replay, events export and the data-dir
/// lock (issue 2, items 2 and 5).
@Suite("CLI: the marquee binary", .timeLimit(.minutes(4)))
struct CLITests {
    /// True when `text` names seq `n` ("seq 7", not "seq 70").
    static func mentionsSeq(_ text: String, _ n: Int64) -> Bool {
        var rest = Substring(text)
        while let range = rest.range(of: "seq \(n)") {
            let after = rest[range.upperBound...]
            if after.first.map({ !$0.isNumber }) ?? true { return true }
            rest = after
        }
        return false
    }

    /// Copies the log (and its WAL) into `directory`, for tampering.
    static func copyData(from dataDir: String, to directory: String) throws {
        for name in ["events.sqlite", "events.sqlite-wal", "readmodels.sqlite", "readmodels.sqlite-wal"]
        where FileManager.default.fileExists(atPath: dataDir + "/" + name) {
            try FileManager.default.copyItem(atPath: dataDir + "/" + name, toPath: directory + "/" + name)
        }
    }

    @Test("audit verify: exit 0 and 'audit ok' on a good log, with the ledger re-derived")
    func auditVerifyOK() async throws {
        let directory = try TemporaryDirectory("cli-verify")
        defer { directory.remove() }
        let fixture = try await LedgerFixture.make(in: directory)
        let result = try await runMarquee(["audit", "verify", "--data-dir", fixture.dataDir], scratch: directory.path)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.hasPrefix("audit ok"), "\(result)")
        #expect(result.stdout.split(separator: "\n").count == 1, "a one-line summary: \(result)")
        #expect(result.stdout.contains("tokens issued 150"), "\(result)")
        #expect(result.stdout.contains("fees 17"), "\(result)")

        let missing = try await runMarquee(["audit", "verify", "--data-dir", directory.file("nowhere")], scratch: directory.path)
        #expect(missing.status != 0, "\(missing)")
        #expect(missing.output.contains("no event log"), "\(missing)")
    }

    @Test("audit verify: a changed row (UPDATE trigger dropped) fails with exit 1 naming its seq")
    func auditVerifyTamperedRow() async throws {
        let directory = try TemporaryDirectory("cli-tamper")
        defer { directory.remove() }
        let fixture = try await LedgerFixture.make(in: directory)
        let copy = try directory.directory("tampered")
        try Self.copyData(from: fixture.dataDir, to: copy)
        let seq = fixture.grantVictorSeq
        do {
            let connection = try Connection(path: copy + "/events.sqlite", mode: .readWrite)
            // The trigger is what normally stops this.
            #expect(throws: SQLiteError.self) { try connection.execute("UPDATE events SET data = data WHERE seq = \(seq)") }
            try connection.execute("DROP TRIGGER events_append_only_update")
            let data = try #require(try connection.rows("SELECT data FROM events WHERE seq = ?1", [.integer(seq)]).first?.first?.string)
            let forged = data.replacingOccurrences(of: "100", with: "1000")
            try #require(forged != data, "the grant's data should contain 100: \(data)")
            let statement = try connection.statement("UPDATE events SET data = ?1 WHERE seq = ?2")
            try statement.bind([.text(forged), .integer(seq)])
            try statement.run()
            #expect(connection.changes == 1)
            try connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        }
        let result = try await runMarquee(["audit", "verify", "--data-dir", copy], scratch: directory.path)
        #expect(result.status == 1, "\(result)")
        #expect(Self.mentionsSeq(result.output, seq), "the output names seq \(seq): \(result)")
        #expect(!result.output.contains("audit ok"), "\(result)")
        // The original is untouched.
        let original = try await runMarquee(["audit", "verify", "--data-dir", fixture.dataDir], scratch: directory.path)
        #expect(original.status == 0, "\(original)")
    }

    @Test("audit verify: a deleted middle row (DELETE trigger dropped) fails naming the seq after the gap")
    func auditVerifyDeletedRow() async throws {
        let directory = try TemporaryDirectory("cli-gap")
        defer { directory.remove() }
        let fixture = try await LedgerFixture.make(in: directory)
        let copy = try directory.directory("gap")
        try Self.copyData(from: fixture.dataDir, to: copy)
        let deleted = fixture.giftSeqs[1]
        do {
            let connection = try Connection(path: copy + "/events.sqlite", mode: .readWrite)
            #expect(throws: SQLiteError.self) { try connection.execute("DELETE FROM events WHERE seq = \(deleted)") }
            try connection.execute("DROP TRIGGER events_append_only_delete")
            try connection.execute("DELETE FROM events WHERE seq = \(deleted)")
            #expect(connection.changes == 1)
            try connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        }
        let result = try await runMarquee(["audit", "verify", "--data-dir", copy], scratch: directory.path)
        #expect(result.status == 1, "\(result)")
        #expect(Self.mentionsSeq(result.output, deleted + 1), "the output names seq \(deleted + 1): \(result)")
    }

    /// An insider's forgery: rewrites the data of `seq` and re-hashes the chain from there on,
    /// so the hash chain is intact and only the ledger re-derivation can catch it.
    static func forge(copy: String, seq: Int64, _ transform: (String) -> String) throws {
        let connection = try Connection(path: copy + "/events.sqlite", mode: .readWrite)
        try connection.execute("DROP TRIGGER events_append_only_update")
        let store = EventStore(connection: connection)
        var previous = try #require(try store.event(seq: seq - 1)).hash
        let rows = try store.events(after: seq - 1, limit: 100_000)
        try connection.transaction {
            for var row in rows {
                if row.seq == seq {
                    let forged = transform(String(decoding: row.data, as: UTF8.self))
                    try #require(Array(forged.utf8) != row.data, "the forgery changed nothing in \(String(decoding: row.data, as: UTF8.self))")
                    row.data = Array(forged.utf8)
                }
                row.prevHash = previous
                row.hash = HashChain.hash(prevHash: previous, event: row)
                let update = try connection.statement("UPDATE events SET data = ?1, prev_hash = ?2, hash = ?3 WHERE seq = ?4")
                try update.bindText(1, bytes: row.data)
                try update.bindBlob(2, row.prevHash)
                try update.bindBlob(3, row.hash)
                try update.bind(4, row.seq)
                try update.run()
                previous = row.hash
            }
        }
        try connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    }

    @Test("audit verify: a re-hashed forgery (chain intact) is caught by the ledger: a split that does not add up, an overdraft")
    func auditVerifyLedgerForgery() async throws {
        let directory = try TemporaryDirectory("cli-forgery")
        defer { directory.remove() }
        let fixture = try await LedgerFixture.make(in: directory)
        // victor's rose×3: 30 = 24 + 6; the forgery pays the creator 25.
        let split = try directory.directory("split")
        try Self.copyData(from: fixture.dataDir, to: split)
        try Self.forge(copy: split, seq: fixture.giftSeqs[0]) { $0.replacingOccurrences(of: #""creatorTokens":24"#, with: #""creatorTokens":25"#) }
        let splitResult = try await runMarquee(["audit", "verify", "--data-dir", split], scratch: directory.path)
        #expect(splitResult.status == 1, "\(splitResult)")
        #expect(Self.mentionsSeq(splitResult.output, fixture.giftSeqs[0]), "names seq \(fixture.giftSeqs[0]): \(splitResult)")
        #expect(splitResult.output.contains("split"), "\(splitResult)")

        // victor's star: 50 from a balance of 70; the forgery makes it 500 (400 + 100).
        let overdraft = try directory.directory("overdraft")
        try Self.copyData(from: fixture.dataDir, to: overdraft)
        try Self.forge(copy: overdraft, seq: fixture.giftSeqs[2]) {
            $0.replacingOccurrences(of: #""tokens":50"#, with: #""tokens":500"#)
                .replacingOccurrences(of: #""creatorTokens":40"#, with: #""creatorTokens":400"#)
                .replacingOccurrences(of: #""feeTokens":10"#, with: #""feeTokens":100"#)
        }
        let overdraftResult = try await runMarquee(["audit", "verify", "--data-dir", overdraft], scratch: directory.path)
        #expect(overdraftResult.status == 1, "\(overdraftResult)")
        #expect(Self.mentionsSeq(overdraftResult.output, fixture.giftSeqs[2]), "names seq \(fixture.giftSeqs[2]): \(overdraftResult)")
        #expect(overdraftResult.output.contains("negative"), "\(overdraftResult)")
    }

    @Test("audit balance HANDLE|ID, --at SEQ and --at RFC3339")
    func auditBalance() async throws {
        let directory = try TemporaryDirectory("cli-balance")
        defer { directory.remove() }
        let fixture = try await LedgerFixture.make(in: directory)
        func balance(_ arguments: [String]) async throws -> CommandResult {
            try await runMarquee(["audit", "balance"] + arguments + ["--data-dir", fixture.dataDir], scratch: directory.path)
        }
        let now = try await balance(["victor"])
        #expect(now.status == 0, "\(now)")
        #expect(now.stdout.contains("balance 20,") && now.stdout.contains("earnings 0"), "\(now)")
        let byId = try await balance([fixture.victorId])
        #expect(byId.status == 0 && byId.stdout.contains("balance 20,"), "\(byId)")
        let carol = try await balance(["carol"])
        #expect(carol.stdout.contains("balance 0,") && carol.stdout.contains("earnings 68"), "\(carol)")

        let atGrant = try await balance(["victor", "--at", "\(fixture.grantVictorSeq)"])
        #expect(atGrant.status == 0 && atGrant.stdout.contains("balance 100,"), "\(atGrant)")
        #expect(Self.mentionsSeq(atGrant.stdout, fixture.grantVictorSeq), "\(atGrant)")
        let beforeGrant = try await balance(["victor", "--at", "\(fixture.grantVictorSeq - 1)"])
        #expect(beforeGrant.status == 0 && beforeGrant.stdout.contains("balance 0,"), "\(beforeGrant)")
        let afterFirstGift = try await balance(["victor", "--at", "\(fixture.giftSeqs[0])"])
        #expect(afterFirstGift.stdout.contains("balance 70,"), "\(afterFirstGift)")

        // Times: grants at 10:01:00, the first gifts at 10:02:00, the star at 10:03:00 (UTC).
        let between = try await balance(["victor", "--at", "2026-11-22T10:01:30Z"])
        #expect(between.status == 0 && between.stdout.contains("balance 100,"), "\(between)")
        let atGifts = try await balance(["victor", "--at", "2026-11-22T10:02:00.000Z"])
        #expect(atGifts.stdout.contains("balance 70,"), "\(atGifts)")
        let withOffset = try await balance(["victor", "--at", "2026-11-22T11:02:30+01:00"])
        #expect(withOffset.stdout.contains("balance 70,"), "an offset time is the same instant: \(withOffset)")
        let earlier = try await balance(["carol", "--at", "2026-11-22T10:02:59Z"])
        #expect(earlier.stdout.contains("earnings 28"), "\(earlier)")

        let unknown = try await balance(["nobody"])
        #expect(unknown.status == 1, "\(unknown)")
        #expect(unknown.output.contains("no account"), "\(unknown)")
        let notYet = try await balance(["victor", "--at", "1"])
        #expect(notYet.status == 1, "victor did not exist at seq 1: \(notYet)")
        let badTime = try await balance(["victor", "--at", "yesterday"])
        #expect(badTime.status != 0, "\(badTime)")
        #expect(badTime.output.contains("RFC 3339"), "\(badTime)")
    }

    @Test("replay --check: exit 0 on a good data dir, exit 1 after a read-model row is corrupted")
    func replayCheck() async throws {
        let directory = try TemporaryDirectory("cli-replay")
        defer { directory.remove() }
        let fixture = try await LedgerFixture.make(in: directory)
        let ok = try await runMarquee(["replay", "--check", "--data-dir", fixture.dataDir], scratch: directory.path)
        #expect(ok.status == 0, "\(ok)")
        #expect(ok.stdout.contains("replay check ok"), "\(ok)")
        do {
            let connection = try Connection(path: fixture.dataDir + "/readmodels.sqlite", mode: .readWrite)
            try connection.execute("UPDATE wallets SET balance = balance + 1 WHERE account_id = '\(fixture.victorId)'")
            #expect(connection.changes == 1)
        }
        let corrupted = try await runMarquee(["replay", "--check", "--data-dir", fixture.dataDir], scratch: directory.path)
        #expect(corrupted.status == 1, "\(corrupted)")
        #expect(corrupted.output.contains("wallets"), "the output names the table: \(corrupted)")
        let usage = try await runMarquee(["replay", "--data-dir", fixture.dataDir], scratch: directory.path)
        #expect(usage.status != 0 && usage.status != 1, "neither --check nor --to is a usage error: \(usage)")
    }

    @Test("replay --to 3 --out FILE writes read models through seq 3")
    func replayTo() async throws {
        let directory = try TemporaryDirectory("cli-replay-to")
        defer { directory.remove() }
        let fixture = try await LedgerFixture.make(in: directory)
        let out = directory.file("through-3.sqlite")
        let result = try await runMarquee(["replay", "--to", "3", "--out", out, "--data-dir", fixture.dataDir], scratch: directory.path)
        #expect(result.status == 0, "\(result)")
        #expect(Self.mentionsSeq(result.stdout, 3), "\(result)")
        let connection = try Connection(path: out, mode: .readOnly)
        #expect(try connection.scalarInt("SELECT seq FROM projection_checkpoint") == 3)
        // seqs 1–3: admin, carol, victor.
        let handles = try connection.rows("SELECT handle FROM accounts ORDER BY handle").compactMap { $0.first?.string }
        #expect(handles == ["admin", "carol", "victor"])
        #expect(try connection.scalarInt("SELECT count(*) FROM channels") == 0)
        #expect(try connection.scalarInt("SELECT count(*) FROM gifts") == 0)

        let full = directory.file("full.sqlite")
        let all = try await runMarquee(["replay", "--to", "1000", "--out", full, "--data-dir", fixture.dataDir], scratch: directory.path)
        #expect(all.status == 0, "\(all)")
        let rebuilt = try Connection(path: full, mode: .readOnly)
        #expect(try rebuilt.scalarInt("SELECT count(*) FROM gifts") == 3)
        #expect(try rebuilt.scalarInt("SELECT balance FROM wallets WHERE account_id = '\(fixture.victorId)'") == 20)
        #expect(try rebuilt.scalarInt("SELECT earnings FROM wallets WHERE account_id = '\(fixture.carolId)'") == 68)
    }

    @Test("events export: JSON Lines with the nine fields; --type and --from/--to filters")
    func eventsExport() async throws {
        let directory = try TemporaryDirectory("cli-export")
        defer { directory.remove() }
        let fixture = try await LedgerFixture.make(in: directory)
        func export(_ arguments: [String]) async throws -> (CommandResult, [ResponseJSON]) {
            let result = try await runMarquee(["events", "export"] + arguments + ["--data-dir", fixture.dataDir], scratch: directory.path)
            #expect(result.status == 0, "\(result)")
            return (result, try parseJSONLines(result.stdout))
        }
        let (full, events) = try await export([])
        let lines = full.stdout.split(separator: "\n")
        #expect(events.count == 10, "4 accounts, 1 channel, 2 grants, 3 gifts: \(events.count) events")
        #expect(events.map { $0["seq"]?.int } == (1...Int64(events.count)).map { $0 }, "seqs 1…N without gaps")
        let fields: Set<String> = ["seq", "stream", "version", "type", "schema", "data", "meta", "recordedAt", "hash"]
        for event in events {
            #expect(Set(event.object.map { Array($0.keys) } ?? []) == fields, "fields of \(event)")
            #expect(event["stream"]?.string?.isEmpty == false)
            #expect((event["version"]?.int ?? 0) >= 1)
            #expect(event["schema"]?.int == 1)
            #expect(event["data"]?.object != nil && event["meta"]?.object != nil, "\(event)")
            let hash = event["hash"]?.string ?? ""
            #expect(hash.count == 64 && hash.allSatisfy { "0123456789abcdef".contains($0) }, "\(event)")
            let recordedAt = event["recordedAt"]?.string ?? ""
            #expect(recordedAt.count == 24 && recordedAt.hasPrefix("2026-11-22T10:0") && recordedAt.hasSuffix("Z"), "\(event)")
        }
        #expect(events[0]["type"]?.string == "account.registered")
        #expect(events[0]["data"]?["handle"]?.string == "admin")

        let (_, gifts) = try await export(["--type", "gift.sent"])
        #expect(gifts.map { $0["type"]?.string } == ["gift.sent", "gift.sent", "gift.sent"])
        #expect(gifts.map { $0["seq"]?.int } == fixture.giftSeqs.map { $0 })
        #expect(gifts.compactMap { $0["data"]?["giftId"]?.string } == fixture.giftIds)
        #expect(gifts.map { $0["data"]?["tokens"]?.int } == [30, 5, 50])
        let (_, money) = try await export(["--type", "gift.sent", "--type", "tokens.granted"])
        #expect(money.count == 5)
        let (_, none) = try await export(["--type", "no.such_type"])
        #expect(none.isEmpty)

        let (window, windowEvents) = try await export(["--from", "2", "--to", "4"])
        #expect(windowEvents.map { $0["seq"]?.int } == [2, 3, 4])
        #expect(window.stdout.split(separator: "\n") == Array(lines[1...3]), "the same lines as the full export")
        let (_, tail) = try await export(["--from", "\(events.count - 1)"])
        #expect(tail.map { $0["seq"]?.int } == [Int64(events.count - 1), Int64(events.count)])
        let (_, grantsInWindow) = try await export(["--from", "1", "--to", "\(fixture.grantVeraSeq)", "--type", "tokens.granted"])
        #expect(grantsInWindow.map { $0["seq"]?.int } == [fixture.grantVictorSeq, fixture.grantVeraSeq])
    }

    @Test("a second `marquee serve` on a data dir locked by a running one fails with a lock message; read-only commands still work")
    func dataDirLock() async throws {
        let directory = try TemporaryDirectory("cli-lock")
        defer { directory.remove() }
        let dataDir = try directory.directory("data")
        let first = try await ServerProcess.start(dataDir: dataDir, logPath: directory.file("first.log"))
        do {
            let second = try await runMarquee(["serve", "--data-dir", dataDir, "--http", "127.0.0.1:0"],
                                              environment: ["MARQUEE_ADMIN_PASSWORD": ServerProcess.adminPassword],
                                              scratch: directory.path, timeout: .seconds(30))
            #expect(second.status != 0, "the second server must not start: \(second)")
            #expect(second.output.contains("marquee.lock"), "the message names the lock: \(second)")
            #expect(second.output.contains("another Marquee process"), "the message says who holds it: \(second)")
            #expect(!second.output.contains("Server started"), "\(second)")

            // The first server is unharmed, and the read-only commands work beside it.
            try await first.withAPI { api in
                let health = try await api.get("/healthz")
                #expect(health.code == 200, "\(health)")
                let admin = try await api.login("admin", password: ServerProcess.adminPassword)
                _ = try await api.register("alice")
                try await api.grant("alice", 5, admin: admin)
            }
            let verify = try await runMarquee(["audit", "verify", "--data-dir", dataDir], scratch: directory.path)
            #expect(verify.status == 0 && verify.stdout.contains("audit ok"), "\(verify)")
            let export = try await runMarquee(["events", "export", "--data-dir", dataDir], scratch: directory.path)
            #expect(try parseJSONLines(export.stdout).count == 3, "\(export)")
            let replay = try await runMarquee(["replay", "--check", "--data-dir", dataDir], scratch: directory.path)
            #expect(replay.status == 0, "\(replay)")
            let balance = try await runMarquee(["audit", "balance", "alice", "--data-dir", dataDir], scratch: directory.path)
            #expect(balance.stdout.contains("balance 5,"), "\(balance)")
        } catch {
            _ = try? await first.stop()
            throw error
        }
        let status = try await first.stop()
        #expect(status == 0, "graceful exit on SIGTERM: \(first.log.suffix(2000))")
        // The lock goes with the process: a new server starts on the same data dir.
        let third = try await ServerProcess.start(dataDir: dataDir, logPath: directory.file("third.log"))
        try await third.withAPI { api in
            let admin = try await api.login("admin", password: ServerProcess.adminPassword)
            #expect(try await api.head(admin: admin) == 3, "the restarted server sees the log")
        }
        #expect(try await third.stop() == 0)
        #expect(!third.log.contains("created the admin account"), "the admin is bootstrapped once: \(third.log.suffix(2000))")
    }
}
