import Foundation
import Domain
import EventLog
import Projections
import SQLiteDB
import Testing

@Suite("Read models: rebuild, incremental projection, comparison")
struct ReadModelTests {
    @Test func rebuildProducesTheExpectedViews() async throws {
        try await withProjectionLog { log in
            let path = log.file("readmodels.sqlite")
            let checkpoint = try ReadModelBuilder.rebuild(from: log.reader(), into: path)
            #expect(checkpoint == log.head)
            #expect(log.head == 20)
            let db = try readOnly(path)
            #expect(try ReadModelSchema.checkpoint(db) == log.head)

            // Wallets, checked against numbers worked out by hand and against the writer's state.
            #expect(try ReadModels.wallet(accountId: Cast.vera, db) == WalletView(balance: 429, earnings: 0))
            #expect(try ReadModels.wallet(accountId: Cast.walt, db) == WalletView(balance: 197, earnings: 0))
            #expect(try ReadModels.wallet(accountId: Cast.cleo, db) == WalletView(balance: 0, earnings: 420))
            #expect(try ReadModels.wallet(accountId: Cast.carl, db) == WalletView(balance: 0, earnings: 40))
            #expect(try ReadModels.wallet(accountId: "acc_nobody", db) == WalletView())
            for (account, wallet) in log.handler.state.wallets {
                #expect(try ReadModels.wallet(accountId: account, db) == WalletView(balance: wallet.balance, earnings: wallet.earnings))
            }
            #expect(try db.rows("SELECT tokens_issued, fees, gifts FROM platform_totals") == [[.integer(1_200), .integer(114), .integer(5)]])
            #expect(try db.rows("SELECT gifts_sent, gifts_received, tokens_in FROM wallets WHERE account_id = ?1", [.text(Cast.vera)])
                    == [[.integer(4), .integer(0), .integer(1_000)]])
            #expect(try db.rows("SELECT gifts_sent, gifts_received FROM wallets WHERE account_id = ?1", [.text(Cast.cleo)])
                    == [[.integer(0), .integer(4)]])

            // Accounts: suspension and role change applied.
            #expect(try ReadModels.account(handle: "walt", db)?.suspended == true)
            #expect(try ReadModels.account(handle: "vera", db)?.suspended == false)
            #expect(try ReadModels.account(id: Cast.carl, db)?.role == .admin)
            #expect(try ReadModels.account(id: Cast.mona, db)?.role == .moderator)
            #expect(try ReadModels.account(handle: "nobody", db) == nil)
            let store = try log.reader()
            let registeredAt = try #require(try store.event(seq: log.seq("register-vera"))?.recordedAt)
            #expect(try ReadModels.account(id: Cast.vera, db)?.registeredAt == registeredAt)

            // Channels, with the owner's handle joined in.
            let created = try #require(try store.event(seq: log.seq("channel-cleo"))?.recordedAt)
            let rotated = try #require(try store.event(seq: log.seq("rotate-cleo"))?.recordedAt)
            let cleo = try #require(try ReadModels.channel(slug: "cleo-live", db))
            #expect(cleo.id == Cast.cleoChannel && cleo.slug == "cleo-live" && cleo.ownerId == Cast.cleo)
            #expect(cleo.ownerHandle == "cleo")
            #expect(cleo.title == "Cleo Tonight" && cleo.access == .paid && cleo.pricePerMinute == 5 && cleo.ageRestricted)
            #expect(cleo.createdAt == created)
            #expect(cleo.updatedAt == rotated, "the stream key rotation touched updated_at")
            let carl = try #require(try ReadModels.channel(slug: "carl-cave", db))
            #expect(carl.ownerHandle == "carl" && carl.title == "Carl's Cave" && carl.access == .public && carl.pricePerMinute == 0)
            #expect(carl.createdAt == carl.updatedAt)
            #expect(try ReadModels.channel(slug: "nope", db) == nil)
        }
    }

    @Test func giftsArePagedNewestFirst() async throws {
        try await withProjectionLog { log in
            let path = log.file("readmodels.sqlite")
            try ReadModelBuilder.rebuild(from: log.reader(), into: path)
            let db = try readOnly(path)
            let expected = ["5", "4", "2", "1"].map { log.seq("gift-\($0)") }
            let page1 = try ReadModels.gifts(channelId: Cast.cleoChannel, before: Int64.max, limit: 2, db)
            #expect(page1.map(\.seq) == Array(expected[0..<2]))
            let page2 = try ReadModels.gifts(channelId: Cast.cleoChannel, before: try #require(page1.last).seq, limit: 2, db)
            #expect(page2.map(\.seq) == Array(expected[2..<4]))
            let page3 = try ReadModels.gifts(channelId: Cast.cleoChannel, before: try #require(page2.last).seq, limit: 2, db)
            #expect(page3.isEmpty)
            #expect(try ReadModels.gifts(channelId: Cast.carlChannel, before: Int64.max, limit: 10, db).map(\.giftId) == ["gft_3"])
            #expect(try ReadModels.gifts(channelId: "chn_none", before: Int64.max, limit: 10, db).isEmpty)

            let newest = try #require(page1.first)
            let sentAt = try #require(try log.reader().event(seq: newest.seq)?.recordedAt)
            #expect(newest.giftId == "gft_5" && newest.streamId == nil && newest.channelId == Cast.cleoChannel)
            #expect(newest.fromAccountId == Cast.vera && newest.toAccountId == Cast.cleo && newest.gift == "heart")
            #expect(newest.quantity == 1 && newest.tokens == 1 && newest.creatorTokens == 1 && newest.feeTokens == 0)
            #expect(newest.message == "gg \"well\" played")
            #expect(newest.sentAt == sentAt)
            let rocket = try #require(page1.last)
            #expect(rocket.tokens == 500 && rocket.feeTokens == 100 && rocket.creatorTokens == 400 && rocket.message == nil)
        }
    }

    @Test func incrementalProjectionInSmallBatchesEqualsABulkRebuild() async throws {
        try await withProjectionLog { log in
            let live = log.file("live.sqlite")
            let projector = try openIncremental(live)
            let store = try log.reader()
            #expect(try projector.catchUp(from: store, through: 4, batchSize: 3) == 4)
            #expect(try ReadModelSchema.checkpoint(projector.connection) == 4)
            #expect(try projector.catchUp(from: store, through: 13, batchSize: 3) == 13)
            #expect(try projector.catchUp(from: store, batchSize: 3) == log.head)
            #expect(try projector.catchUp(from: store, batchSize: 3) == log.head, "nothing new: no change")

            // More appends after the first catch-up, then follow again.
            try await log.grant(Cast.walt, 7)
            try await log.gift("6", from: Cast.vera, to: Cast.carlChannel, "heart")
            #expect(try projector.catchUp(from: store, batchSize: 3) == log.head)

            let rebuilt = log.file("rebuilt.sqlite")
            #expect(try ReadModelBuilder.rebuild(from: store, into: rebuilt) == log.head)
            let difference = try difference(live, rebuilt)
            #expect(difference == nil, "\(String(describing: difference))")
            #expect(try ReadModels.wallet(accountId: Cast.walt, readOnly(live)) == WalletView(balance: 197 + 7, earnings: 0))
            #expect(try ReadModels.wallet(accountId: Cast.vera, readOnly(live)) == WalletView(balance: 429 - 1, earnings: 0))
        }
    }

    @Test func compareReportsAChangedRow() async throws {
        try await withProjectionLog { log in
            let a = log.file("a.sqlite"), b = log.file("b.sqlite")
            try ReadModelBuilder.rebuild(from: log.reader(), into: a)
            try ReadModelBuilder.rebuild(from: log.reader(), into: b)
            #expect(try difference(a, b) == nil)

            try Connection(path: b).execute("UPDATE wallets SET balance = balance + 1 WHERE account_id = '\(Cast.vera)'")
            let changed = try #require(try difference(a, b))
            #expect(changed.table == "wallets")
            #expect(changed.detail.contains("differs"))
            #expect(changed.detail.contains("429") && changed.detail.contains("430"))
        }
    }

    @Test func compareReportsAMissingRowAndAChangedCheckpoint() async throws {
        try await withProjectionLog { log in
            let a = log.file("a.sqlite"), b = log.file("b.sqlite")
            try ReadModelBuilder.rebuild(from: log.reader(), into: a)
            try ReadModelBuilder.rebuild(from: log.reader(), into: b)
            try Connection(path: b).execute("DELETE FROM gifts WHERE seq = \(log.seq("gift-5"))")
            let missing = try #require(try difference(a, b))
            #expect(missing.table == "gifts")
            #expect(missing.detail.contains("more rows"))
            #expect(try difference(b, a)?.table == "gifts")

            let c = log.file("c.sqlite")
            try ReadModelBuilder.rebuild(from: log.reader(), into: c)
            try Connection(path: c).execute("UPDATE projection_checkpoint SET seq = seq - 1")
            #expect(try difference(a, c)?.table == "projection_checkpoint")
        }
    }

    @Test func unknownEventTypesAreSkippedButPassed() async throws {
        try await withProjectionLog { log in
            let live = log.file("live.sqlite")
            let projector = try openIncremental(live)
            let unknown = log.seq("unknown")
            #expect(try projector.catchUp(from: log.reader(), through: unknown, batchSize: 1) == unknown)
            #expect(try ReadModelSchema.checkpoint(projector.connection) == unknown)
            #expect(try projector.connection.scalarInt("SELECT count(*) FROM gifts") == 3)
        }
    }

    @Test(arguments: [Int64(0), 5, 13, 14])
    func rebuildThroughStopsAtThatSeq(through: Int64) async throws {
        try await withProjectionLog { log in
            let path = log.file("readmodels.sqlite")
            try ReadModelBuilder.rebuild(from: log.reader(), into: path) // replaced below
            #expect(try ReadModelBuilder.rebuild(from: log.reader(), into: path, through: through) == through)
            let db = try readOnly(path)
            #expect(try ReadModelSchema.checkpoint(db) == through)
            #expect(try db.scalarInt("SELECT count(*) FROM accounts") == min(through, 5), "only the accounts registered by then")
            #expect(try db.scalarInt("SELECT count(*) FROM gifts WHERE seq > ?1", [.integer(through)]) == 0)
            #expect(try db.scalarInt("SELECT count(*) FROM gifts") == Int64([11, 12, 13].filter { $0 <= through }.count))

            // The same as following the log up to that seq.
            let live = log.file("live.sqlite")
            let projector = try openIncremental(live)
            #expect(try projector.catchUp(from: log.reader(), through: through, batchSize: 2) == through)
            #expect(try difference(live, path) == nil)
        }
    }

    @Test func aMalformedEventFailsTheRebuildAndKeepsTheOldFile() async throws {
        try await withProjectionLog { log in
            let path = log.file("readmodels.sqlite")
            let store = try log.reader()
            let good = try ReadModelBuilder.rebuild(from: store, into: path)
            // A gift.sent whose payload does not decode: the projection must stop, not skip it.
            try await log.submitRaw(NewEvent(stream: "wallet-acc_vera", type: "gift.sent", data: Array("{}".utf8)), name: "malformed")
            #expect(throws: (any Error).self) { try ReadModelBuilder.rebuild(from: store, into: path) }
            #expect(try ReadModelSchema.checkpoint(readOnly(path)) == good, "the previous file is still in place")
            let previous = log.file("previous.sqlite")
            try ReadModelBuilder.rebuild(from: store, into: previous, through: good)
            #expect(try difference(path, previous) == nil)

            // Incremental projection stops at the event before it as well.
            let live = log.file("live.sqlite")
            let projector = try openIncremental(live)
            #expect(throws: (any Error).self) { try projector.catchUp(from: store, batchSize: 4) }
            #expect(try ReadModelSchema.checkpoint(projector.connection) <= good)
            #expect(try ReadModelSchema.checkpoint(projector.connection) >= good - 3)

            // The store that was being read when the failure happened still sees new appends.
            try await log.grant(Cast.vera, 1)
            let head = try store.head().seq
            #expect(head == log.head)
        }
    }

    @Test func rebuildThroughBeyondTheHeadStopsAtTheHead() async throws {
        try await withProjectionLog { log in
            let path = log.file("readmodels.sqlite")
            let store = try log.reader()
            #expect(try ReadModelBuilder.rebuild(from: store, into: path, through: 1_000) == log.head)
            #expect(!FileManager.default.fileExists(atPath: path + ".building"), "the temporary file was renamed into place")
        }
    }
}
