import Domain
import Engine
import EventLog
import MarqueeCore
import SQLiteDB
import Testing

/// Secrets commit with their events but never enter the (exported, webhook-delivered) log.
@Suite("SecretStore through the writer")
struct SecretStoreTests {
    static let password = "$2b$12$abcdefghijklmnopqrstuuSECRETPASSWORDHASHvalue0123456789"
    static let firstKey = "sk_live_FIRST_stream_key_7f3a9c"
    static let secondKey = "sk_live_SECOND_stream_key_91be44"

    func contains(_ haystack: [UInt8], _ needle: String) -> Bool {
        let n = Array(needle.utf8)
        guard n.count <= haystack.count else { return false }
        return (0...(haystack.count - n.count)).contains { Array(haystack[$0..<($0 + n.count)]) == n }
    }

    func readOnly(_ engine: EngineHarness) throws -> Connection { try Connection(path: engine.path, mode: .readOnly) }

    @Test func passwordsAndStreamKeysAreStoredButNeverLogged() async throws {
        try await withEngine(seed: false) { engine in
            try await engine.submit(.registerAccount(RegisterAccount(accountId: Cast.admin, handle: "root", role: .admin, actorId: nil)),
                                    secrets: [.password(accountId: Cast.admin, hash: Self.password)], meta: RequestMeta())
            try await engine.submit(.registerAccount(RegisterAccount(accountId: Cast.cleo, handle: "cleo", role: .creator, actorId: nil)),
                                    meta: RequestMeta())
            try await engine.submit(.createChannel(CreateChannel(channelId: Cast.channel, ownerId: Cast.cleo, slug: "cleo-live", title: "Cleo")),
                                    secrets: [.streamKey(channelId: Cast.channel, key: Self.firstKey)], meta: RequestMeta(actor: Cast.cleo))

            let db = try readOnly(engine)
            #expect(try SecretStore.passwordHash(accountId: Cast.admin, db) == Self.password)
            #expect(try SecretStore.passwordHash(accountId: Cast.cleo, db) == nil)
            #expect(try SecretStore.streamKey(channelId: Cast.channel, db) == Self.firstKey)

            let rotated = try await engine.submit(.rotateStreamKey(RotateStreamKey(channelId: Cast.channel, actorId: Cast.cleo)),
                                                  secrets: [.streamKey(channelId: Cast.channel, key: Self.secondKey)],
                                                  meta: RequestMeta(actor: Cast.cleo))
            #expect(rotated.events.map(\.type) == ["channel.stream_key_rotated"])
            #expect(try SecretStore.streamKey(channelId: Cast.channel, db) == Self.secondKey, "rotation replaces the key")
            #expect(try db.scalarInt("SELECT count(*) FROM credentials WHERE kind = 'stream_key'") == 1)

            let events = try engine.allEvents()
            #expect(events.count == 4)
            for event in events {
                for secret in [Self.password, Self.firstKey, Self.secondKey, "SECRETPASSWORDHASH", "FIRST_stream", "SECOND_stream"] {
                    #expect(!contains(event.data, secret), "seq \(event.seq) data leaks \(secret)")
                    #expect(!contains(event.meta, secret), "seq \(event.seq) meta leaks \(secret)")
                    #expect(!contains(ExportFormat.line(event), secret), "seq \(event.seq) export leaks \(secret)")
                }
            }
        }
    }

    @Test func aRejectedCommandWritesNoSecret() async throws {
        try await withEngine { engine in
            await #expect(throws: DomainError.handleTaken("vera")) {
                try await engine.submit(.registerAccount(RegisterAccount(accountId: "acc_copy", handle: "vera", role: .viewer, actorId: nil)),
                                        secrets: [.password(accountId: "acc_copy", hash: Self.password)], meta: RequestMeta())
            }
            let db = try readOnly(engine)
            #expect(try SecretStore.passwordHash(accountId: "acc_copy", db) == nil)
        }
    }

    @Test func aReplayedCommandDoesNotOverwriteTheSecret() async throws {
        try await withEngine { engine in
            let meta = RequestMeta(actor: Cast.cleo, idempotencyKey: "rotate-1", requestHash: "h")
            let command = Command.rotateStreamKey(RotateStreamKey(channelId: Cast.channel, actorId: Cast.cleo))
            try await engine.submit(command, secrets: [.streamKey(channelId: Cast.channel, key: Self.firstKey)], meta: meta)
            let replay = try await engine.submit(command, secrets: [.streamKey(channelId: Cast.channel, key: Self.secondKey)], meta: meta)
            #expect(replay.outcome.replayedSeqs != nil)
            #expect(try SecretStore.streamKey(channelId: Cast.channel, readOnly(engine)) == Self.firstKey,
                    "the key the client was first given stays valid")
        }
    }

    @Test func sessionsAreFoundUntilTheyExpireOrAreDeleted() async throws {
        let clock = ManualClock()
        try await withEngine(clock: clock) { engine in
            let now = clock.now()
            let expires = now.adding(seconds: 3_600)
            let head = engine.head
            let created = try await engine.submit(.createSession(SessionRecord(tokenHash: "tokhash-1", accountId: Cast.vera,
                                                                                expiresAt: expires.rfc3339)))
            #expect(created.outcome == .done)
            #expect(created.events.isEmpty)
            try await engine.submit(.createSession(SessionRecord(tokenHash: "tokhash-2", accountId: Cast.walt, expiresAt: expires.rfc3339)))
            #expect(engine.head == head, "sessions are not events")

            let db = try readOnly(engine)
            #expect(try SecretStore.session(tokenHash: "tokhash-1", now: now.rfc3339, db) == Cast.vera)
            #expect(try SecretStore.session(tokenHash: "tokhash-1", now: expires.adding(milliseconds: -1).rfc3339, db) == Cast.vera)
            #expect(try SecretStore.session(tokenHash: "tokhash-1", now: expires.rfc3339, db) == nil, "expired at expiresAt")
            #expect(try SecretStore.session(tokenHash: "unknown", now: now.rfc3339, db) == nil)

            try await engine.submit(.deleteSession(tokenHash: "tokhash-1"))
            #expect(try SecretStore.session(tokenHash: "tokhash-1", now: now.rfc3339, db) == nil)
            #expect(try SecretStore.session(tokenHash: "tokhash-2", now: now.rfc3339, db) == Cast.walt, "other sessions stay")

            // Sessions survive a restart (they live in the log's file).
            try engine.restart()
            #expect(try SecretStore.session(tokenHash: "tokhash-2", now: now.rfc3339, readOnly(engine)) == Cast.walt)
            let events = try engine.allEvents()
            #expect(!events.contains { String(decoding: $0.data + $0.meta, as: UTF8.self).contains("tokhash") })
        }
    }

    @Test func migrateIsIdempotent() async throws {
        try await withTemporaryDirectory { dir in
            let store = try EventStore(path: dir + "/events.sqlite", writable: true)
            let db = store.connection
            func versions() throws -> [Int64] {
                try db.rows("SELECT version FROM secret_migrations ORDER BY version").compactMap { row in
                    if case .integer(let version) = row.first { return version } else { return nil }
                }
            }
            try SecretStore.migrate(db)
            // The first run records every migration SecretStore has, numbered 1…n without gaps,
            // however many there are (one per schema change; shipped ones never change).
            let first = try versions()
            #expect(!first.isEmpty, "the first migrate recorded no migration")
            #expect(first == first.indices.map { Int64($0 + 1) }, "migrations recorded as \(first)")
            // Tables of every migration exist (the second adds the OAuth ones): the rows are not empty promises.
            for table in ["credentials", "sessions", "tokens", "oauth_codes", "oauth_families"] {
                #expect(try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1", [.text(table)]) == 1,
                        "no table \(table) after migrate")
            }
            try SecretStore.migrate(db)
            #expect(try versions() == first, "a second migrate changed the recorded migrations")
            #expect(try SecretStore.passwordHash(accountId: "nobody", db) == nil)
        }
    }
}
