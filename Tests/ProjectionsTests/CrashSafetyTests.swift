import Domain
import EventLog
import Projections
import SQLiteDB
import Testing

/// A projection writes its rows and its checkpoint in one transaction: a batch that fails
/// midway leaves neither rows nor a moved checkpoint, and catching up later is exact.
@Suite("Projector checkpoint crash safety")
struct CrashSafetyTests {
    func sqliteError(_ body: () throws -> Void) -> SQLiteError? {
        do { try body(); return nil } catch let error as SQLiteError { return error } catch {
            Issue.record("expected an SQLiteError, got \(error)")
            return nil
        }
    }

    @Test func aFailedBatchLeavesNoRowsAndNoCheckpointMove() async throws {
        try await withProjectionLog { log in
            let live = log.file("live.sqlite")
            let projector = try openIncremental(live)
            let store = try log.reader()
            let start = log.seq("grant-acc_walt")
            #expect(try projector.catchUp(from: store, through: start, batchSize: 3) == start)

            // An obstacle: a row in the way of the gift.sent of "gift-4", which is inside the
            // second batch of three that the next catch-up applies.
            let blocked = log.seq("gift-4")
            #expect((start + 4)...(start + 6) ~= blocked)
            try projector.connection.execute("""
                INSERT INTO gifts(seq, gift_id, channel_id, from_account_id, to_account_id, gift, quantity, tokens, creator_tokens,
                                  fee_tokens, sent_at)
                VALUES (\(blocked), 'obstacle', 'x', 'x', 'x', 'x', 1, 1, 1, 0, 'x')
                """)
            let error = try #require(sqliteError { try projector.catchUp(from: store, batchSize: 3) })
            #expect(error.isConstraint, "\(error)")

            // The first batch (start+1 … start+3) committed; the failed one left nothing behind.
            let db = projector.connection
            #expect(try ReadModelSchema.checkpoint(db) == start + 3)
            #expect(try db.rows("SELECT seq, gift_id FROM gifts ORDER BY seq") == [
                [.integer(log.seq("gift-1")), .text("gft_1")], [.integer(log.seq("gift-2")), .text("gft_2")],
                [.integer(log.seq("gift-3")), .text("gft_3")], [.integer(blocked), .text("obstacle")],
            ])
            #expect(try ReadModels.wallet(accountId: Cast.vera, db) == WalletView(balance: 1_000 - 20 - 50, earnings: 0))
            #expect(try ReadModels.wallet(accountId: Cast.cleo, db) == WalletView(balance: 0, earnings: 16 + 3))
            #expect(try db.rows("SELECT tokens_issued, fees, gifts FROM platform_totals") == [[.integer(1_200), .integer(14), .integer(3)]])
            #expect(try ReadModels.account(handle: "walt", db)?.suspended == false, "the suspension was in the failed batch")
            #expect(try ReadModels.account(handle: "mona", db) == nil)

            // Trying again without removing the obstacle fails the same way and changes nothing.
            #expect(sqliteError { try projector.catchUp(from: store, batchSize: 3) } != nil)
            #expect(try ReadModelSchema.checkpoint(db) == start + 3)

            // Remove the obstacle: catching up completes, identical to a rebuild.
            try db.execute("DELETE FROM gifts WHERE gift_id = 'obstacle'")
            #expect(try projector.catchUp(from: store, batchSize: 3) == log.head)
            let rebuilt = log.file("rebuilt.sqlite")
            try ReadModelBuilder.rebuild(from: store, into: rebuilt)
            let difference = try difference(live, rebuilt)
            #expect(difference == nil, "\(String(describing: difference))")
        }
    }

    @Test func aFailureInOneBigBatchDoesNotMoveTheCheckpointAtAll() async throws {
        try await withProjectionLog { log in
            let live = log.file("live.sqlite")
            let projector = try openIncremental(live)
            let store = try log.reader()
            let start = log.seq("update-cleo")
            try projector.catchUp(from: store, through: start)
            let before = try projector.connection.rows("SELECT * FROM wallets ORDER BY account_id")
            #expect(before.isEmpty)

            // mona registers near the end of the log: her account row is the obstacle.
            try projector.connection.execute(
                "INSERT INTO accounts(account_id, handle, role, suspended, registered_at) VALUES ('\(Cast.mona)', 'squatter', 'viewer', 0, 'x')")
            #expect(sqliteError { try projector.catchUp(from: store) }?.isConstraint == true)
            #expect(try ReadModelSchema.checkpoint(projector.connection) == start)
            #expect(try projector.connection.rows("SELECT * FROM wallets ORDER BY account_id") == before)
            #expect(try projector.connection.scalarInt("SELECT count(*) FROM gifts") == 0)
            #expect(try projector.connection.rows("SELECT tokens_issued, fees, gifts FROM platform_totals") == [[.integer(0), .integer(0), .integer(0)]])

            try projector.connection.execute("DELETE FROM accounts WHERE handle = 'squatter'")
            #expect(try projector.catchUp(from: store) == log.head)
            let rebuilt = log.file("rebuilt.sqlite")
            try ReadModelBuilder.rebuild(from: store, into: rebuilt)
            #expect(try difference(live, rebuilt) == nil)
        }
    }

    @Test func aProjectorReopenedAfterAFailureResumesFromItsCheckpoint() async throws {
        try await withProjectionLog { log in
            let live = log.file("live.sqlite")
            let store = try log.reader()
            do {
                let projector = try openIncremental(live)
                try projector.catchUp(from: store, through: 9, batchSize: 4)
                try projector.connection.execute("""
                    INSERT INTO gifts(seq, gift_id, channel_id, from_account_id, to_account_id, gift, quantity, tokens, creator_tokens,
                                      fee_tokens, sent_at)
                    VALUES (\(log.seq("gift-1")), 'obstacle', 'x', 'x', 'x', 'x', 1, 1, 1, 0, 'x')
                    """)
                #expect(sqliteError { try projector.catchUp(from: store, batchSize: 4) } != nil)
                try projector.connection.execute("DELETE FROM gifts")
            } // the connection closes here, as in a crash-and-restart
            let reopened = try openIncremental(live)
            #expect(try ReadModelSchema.checkpoint(reopened.connection) == 9)
            #expect(try reopened.catchUp(from: store, batchSize: 4) == log.head)
            let rebuilt = log.file("rebuilt.sqlite")
            try ReadModelBuilder.rebuild(from: store, into: rebuilt)
            #expect(try difference(live, rebuilt) == nil)
        }
    }
}
