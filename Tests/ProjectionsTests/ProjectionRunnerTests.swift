import Domain
import EventLog
import Foundation
import Projections
import SQLiteDB
import Testing

@Suite("ProjectionRunner: prepare, follow, stop")
struct ProjectionRunnerTests {
    func runner(_ log: ProjectionLog, _ name: String = "readmodels.sqlite") -> ProjectionRunner {
        ProjectionRunner(readModelPath: log.file(name), logPath: log.path, logHead: log.writer.watcher)
    }

    func expectIdenticalToRebuild(_ log: ProjectionLog, _ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let rebuilt = log.file("rebuilt-\(UUID().uuidString).sqlite")
        try ReadModelBuilder.rebuild(from: log.reader(), into: rebuilt)
        let difference = try difference(path, rebuilt)
        #expect(difference == nil, "\(String(describing: difference))", sourceLocation: sourceLocation)
    }

    @Test func prepareRebuildsAMissingFileOnly() async throws {
        try await withProjectionLog { log in
            let path = log.file("readmodels.sqlite")
            #expect(!FileManager.default.fileExists(atPath: path))
            let first = runner(log)
            #expect(try first.prepare() == true)
            #expect(FileManager.default.fileExists(atPath: path))
            #expect(first.projected.head == log.head)
            try expectIdenticalToRebuild(log, path)

            let second = runner(log)
            #expect(try second.prepare() == false, "an existing file of the current shape is kept")
            #expect(second.projected.head == log.head)
        }
    }

    @Test func prepareCatchesUpAnExistingFileThatIsBehind() async throws {
        try await withProjectionLog { log in
            let path = log.file("readmodels.sqlite")
            try ReadModelBuilder.rebuild(from: log.reader(), into: path, through: 8)
            let runner = runner(log)
            #expect(try runner.prepare() == false)
            #expect(runner.projected.head == log.head)
            #expect(try ReadModelSchema.checkpoint(readOnly(path)) == log.head)
            try expectIdenticalToRebuild(log, path)
        }
    }

    @Test func runFollowsNewAppendsAndStopsWhenTheWriterShutsDown() async throws {
        try await withProjectionLog { log in
            let runner = runner(log)
            try runner.prepare()
            let running = Task { try await runner.run() }

            try await log.grant(Cast.walt, 50)
            try await log.gift("7", from: Cast.vera, to: Cast.cleoChannel, "star")
            let giftSeq = log.head
            try await within(30, "projection of seq \(giftSeq)") { await runner.projected.wait(after: giftSeq - 1) }
            #expect(runner.projected.head >= giftSeq)
            let db = try readOnly(runner.readModelPath)
            #expect(try ReadModels.gifts(channelId: Cast.cleoChannel, before: Int64.max, limit: 1, db).first?.giftId == "gft_7")
            #expect(try ReadModels.wallet(accountId: Cast.vera, db) == WalletView(balance: 429 - 50, earnings: 0))
            #expect(try ReadModels.wallet(accountId: Cast.walt, db) == WalletView(balance: 197 + 50, earnings: 0))

            // Appended right before shutdown: the runner drains it before returning.
            try await log.submit(.updateChannel(UpdateChannel(channelId: Cast.carlChannel, actorId: Cast.carl, title: "Late Show")))
            let last = log.head
            log.writer.shutdown()
            try await within(30, "the runner after the writer shut down") { try await running.value }
            #expect(runner.projected.head == last)
            #expect(try ReadModels.channel(slug: "carl-cave", db)?.title == "Late Show")
            try expectIdenticalToRebuild(log, runner.readModelPath)
        }
    }

    @Test func runFollowsManySmallCommitsInOrder() async throws {
        try await withProjectionLog(world: false) { log in
            try await log.register(Cast.admin, "root", .admin)
            try await log.register(Cast.vera, "vera", .viewer)
            let runner = runner(log)
            #expect(try runner.prepare() == true)
            let running = Task { try await runner.run() }
            for round in 1...25 {
                try await log.grant(Cast.vera, Int64(round))
                let seq = log.head
                try await within(30, "projection of seq \(seq)") { await runner.projected.wait(after: seq - 1) }
                #expect(try ReadModels.wallet(accountId: Cast.vera, readOnly(runner.readModelPath)).balance == Int64(round * (round + 1) / 2))
            }
            running.cancel()
            try await within(30, "the cancelled runner") { try await running.value }
            #expect(runner.projected.head == log.head)
            try expectIdenticalToRebuild(log, runner.readModelPath)
        }
    }

    @Test func runWithoutPrepareIsPreparedFirst() async throws {
        try await withProjectionLog { log in
            let runner = runner(log)
            let running = Task { try await runner.run() }
            let head = log.head
            try await within(30, "the first catch-up") { await runner.projected.wait(after: head - 1) }
            log.writer.shutdown()
            try await within(30, "the runner") { try await running.value }
            try expectIdenticalToRebuild(log, runner.readModelPath)
        }
    }

    @Test(arguments: [Int64(0), 99])
    func aFileOfAnotherSchemaVersionIsRebuilt(version: Int64) async throws {
        try await withProjectionLog { log in
            let path = log.file("readmodels.sqlite")
            try ReadModelBuilder.rebuild(from: log.reader(), into: path)
            do {
                let db = try Connection(path: path)
                try db.execute("UPDATE schema_info SET version = \(version)")
                // Rows that a rebuild would not reproduce, to see that they are gone.
                try db.execute("UPDATE wallets SET balance = 999999 WHERE account_id = '\(Cast.vera)'")
                try db.execute("CREATE TABLE leftover (x)")
            }
            let runner = runner(log)
            var rebuilt = false
            rebuilt = try runner.prepare()
                #expect(rebuilt)
            guard rebuilt else { return }
            #expect(runner.projected.head == log.head)
            let db = try readOnly(path)
            #expect(try db.scalarInt("SELECT version FROM schema_info") == ReadModelSchema.version)
            #expect(try ReadModels.wallet(accountId: Cast.vera, db).balance == 429)
            try expectIdenticalToRebuild(log, path)

            // The reopened file keeps following the log.
            let running = Task { try await runner.run() }
            try await log.gift("8", from: Cast.vera, to: Cast.carlChannel, "rose")
            let seq = log.head
            try await within(30, "projection of seq \(seq)") { await runner.projected.wait(after: seq - 1) }
            log.writer.shutdown()
            try await within(30, "the runner") { try await running.value }
            #expect(try ReadModels.wallet(accountId: Cast.vera, readOnly(path)).balance == 419)
            try expectIdenticalToRebuild(log, path)
        }
    }

    /// The same path one level down: opening a file of another shape for writing should empty it.
    @Test func openForWritingEmptiesAFileOfAnotherVersion() async throws {
        try await withProjectionLog { log in
            let path = log.file("readmodels.sqlite")
            try ReadModelBuilder.rebuild(from: log.reader(), into: path)
            try Connection(path: path).execute("UPDATE schema_info SET version = \(ReadModelSchema.version + 1)")
            var opened: (Connection, fresh: Bool)?
            opened = try ReadModelSchema.openForWriting(path: path, durable: true)
            guard let (connection, fresh) = opened else { return }
            #expect(fresh)
            #expect(try connection.scalarInt("SELECT count(*) FROM accounts") == 0)
            #expect(try ReadModelSchema.checkpoint(connection) == 0)
        }
    }

    @Test func prepareFailsWithoutALog() async throws {
        try await withTemporaryDirectory { dir in
            let runner = ProjectionRunner(readModelPath: dir + "/readmodels.sqlite", logPath: dir + "/missing.sqlite", logHead: HeadWatcher())
            #expect(throws: (any Error).self) { try runner.prepare() }
            #expect(!FileManager.default.fileExists(atPath: dir + "/readmodels.sqlite"))
        }
    }
}
