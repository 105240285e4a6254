import Foundation
import HummingbirdTesting
import MarqueeApp
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `marquee serve` from the outside: first start, configuration from the environment, read
/// models rebuilt when missing, `events tail`, and the hash chain recomputed by an outsider
/// (issue 2, items 2, 4 and 5).
@Suite("CLI: serve lifecycle and outside auditing", .timeLimit(.minutes(4)))
struct ServeLifecycleTests {
    @Test("first start without MARQUEE_ADMIN_PASSWORD prints a generated admin password once; MARQUEE_DATA_DIR and MARQUEE_HTTP configure serve")
    func generatedAdminPassword() async throws {
        let directory = try TemporaryDirectory("bootstrap")
        defer { directory.remove() }
        let dataDir = directory.file("data-from-env")
        let environment = ["MARQUEE_DATA_DIR": dataDir, "MARQUEE_HTTP": "127.0.0.1:0"]
        let first = try await ServerProcess.start(arguments: ["serve"], environment: environment, logPath: directory.file("first.log"))
        let password: String
        do {
            #expect(FileManager.default.fileExists(atPath: dataDir + "/events.sqlite"), "MARQUEE_DATA_DIR chose the data dir")
            let log = first.log
            let range = try #require(log.range(of: "password="), "the generated password is printed: \(log)")
            password = String(log[range.upperBound...].prefix { !$0.isWhitespace })
            #expect(password.count >= 12, "a long enough generated password: '\(password)'")
            try await first.withAPI { api in
                let admin = try await api.login("admin", password: password)
                let me = try await api.get("/api/v1/me", token: admin)
                #expect(try me.json()["role"]?.string == "admin", "\(me)")
                expectProblem(try await api.post("/api/v1/sessions", #"{"handle":"admin","password":"admin-password-123"}"#), 401,
                              "unauthenticated", "another password")
            }
        } catch {
            try? await first.crash()
            throw error
        }
        #expect(try await first.stop() == 0)

        let second = try await ServerProcess.start(arguments: ["serve", "--data-dir", dataDir, "--http", "127.0.0.1:0"],
                                                   environment: [:], logPath: directory.file("second.log"))
        #expect(!second.log.contains("password="), "the password is shown only on the first start: \(second.log)")
        try await second.withAPI { api in
            _ = try await api.login("admin", password: password)
        }
        #expect(try await second.stop() == 0)
        let export = try await runMarquee(["events", "export", "--data-dir", dataDir], scratch: directory.path)
        let events = try parseJSONLines(export.stdout)
        #expect(events.count == 1, "one bootstrap admin, not two: \(export)")
        #expect(!export.stdout.contains(password), "the password is not in the log")
    }

    @Test("MARQUEE_PLATFORM_FEE_PERCENT and MARQUEE_GIFT_CATALOG configure the split and the catalog; bad values stop serve with a message")
    func feeAndCatalogFromEnvironment() async throws {
        let directory = try TemporaryDirectory("config")
        defer { directory.remove() }
        let dataDir = try directory.directory("data")
        let environment = ["MARQUEE_ADMIN_PASSWORD": ServerProcess.adminPassword, "MARQUEE_PLATFORM_FEE_PERCENT": "12.5",
                           "MARQUEE_GIFT_CATALOG": "kiss:3,cake:7"]
        let server = try await ServerProcess.start(arguments: ["serve", "--data-dir", dataDir, "--http", "127.0.0.1:0"],
                                                   environment: environment, logPath: directory.file("serve.log"))
        do {
            try await server.withAPI { api in
                let catalog = try await api.get("/api/v1/gifts").json()
                let gifts = catalog["gifts"]?.array?.map { "\($0["name"]?.string ?? "?"):\($0["tokens"]?.int ?? -1)" }
                #expect(gifts == ["kiss:3", "cake:7"], "\(catalog)")
                #expect(catalog["platformFeePercent"] == .double(12.5), "\(catalog)")
                let admin = try await api.login("admin", password: ServerProcess.adminPassword)
                let (_, victor) = try await api.carolAndVictor(admin: admin)
                let cake = try await api.post("/api/v1/channels/carol-live/gifts", #"{"gift":"cake","quantity":3}"#, token: victor.token)
                // 21 tokens at 12.5 %: fee floor(2.625) = 2, creator 19.
                #expect(try cake.json()["tokens"]?.int == 21 && cake.json()["feeTokens"]?.int == 2 && cake.json()["creatorTokens"]?.int == 19,
                        "\(cake)")
                expectProblem(try await api.post("/api/v1/channels/carol-live/gifts", #"{"gift":"rose"}"#, token: victor.token), 404,
                              "not-found", "a default gift outside the configured catalog")
            }
        } catch {
            try? await server.crash()
            throw error
        }
        #expect(try await server.stop() == 0)

        for (name, value) in [("MARQUEE_PLATFORM_FEE_PERCENT", "101"), ("MARQUEE_PLATFORM_FEE_PERCENT", "ten"),
                              ("MARQUEE_GIFT_CATALOG", "kiss:0"), ("MARQUEE_GIFT_CATALOG", "Kiss:3"), ("MARQUEE_BCRYPT_COST", "3"),
                              ("MARQUEE_MEDIA_THREADS", "0"), ("MARQUEE_MEDIA_THREADS", "two")] {
            let refused = try await runMarquee(["serve", "--data-dir", try directory.directory("bad"), "--http", "127.0.0.1:0"],
                                               environment: [name: value], scratch: directory.path, timeout: .seconds(30))
            #expect(refused.status != 0, "\(name)=\(value) must stop serve: \(refused)")
            #expect(refused.output.contains(name), "the message names \(name): \(refused)")
        }
    }

    @Test("the economy's MARQUEE_* settings reach a served binary; bad values stop serve with a message")
    func economyFromEnvironment() async throws {
        let directory = try TemporaryDirectory("economy-config")
        defer { directory.remove() }
        let dataDir = try directory.directory("data")
        let environment = ["MARQUEE_ADMIN_PASSWORD": ServerProcess.adminPassword, "MARQUEE_STRIPE_WEBHOOK_SECRET": "whsec_env",
                           "MARQUEE_TOKEN_PACKAGES": "mini:10:EUR:99,maxi:1000:EUR:8999", "MARQUEE_PAYOUT_RATE": "EUR:9/10",
                           "MARQUEE_PAYOUT_MINIMUM_TOKENS": "5", "MARQUEE_BILLING_PERIOD_SECONDS": "2"]
        let server = try await ServerProcess.start(arguments: ["serve", "--data-dir", dataDir, "--http", "127.0.0.1:0"],
                                                   environment: environment, logPath: directory.file("serve.log"))
        do {
            try await server.withAPI { api in
                let packages = try await api.get("/api/v1/wallet/packages").json()
                #expect(packages["packages"]?.array?.map { $0["id"]?.string ?? "?" } == ["mini", "maxi"], "\(packages)")
                let victor = try await api.account("victor")
                let body = checkoutCompleted(event: "evt_env", account: victor.id, package: "mini", total: 99)
                    .replacingOccurrences(of: #""currency":"usd""#, with: #""currency":"eur""#)
                let now = Int64(Date().timeIntervalSince1970)
                let credited = try await api.post("/api/v1/payments/stripe/webhook", body, headers: stripeHeader(body, secret: "whsec_env", at: now))
                #expect(try credited.json()["tokens"]?.int == 10, "\(credited)")
                let payouts = try await api.get("/api/v1/payouts", token: victor.token).json()
                #expect(payouts["policy"]?["minimumTokens"]?.int == 5 && payouts["policy"]?["currency"]?.string == "EUR"
                        && payouts["policy"]?["minorUnits"]?.int == 9 && payouts["policy"]?["perTokens"]?.int == 10, "\(payouts)")
            }
        } catch {
            try? await server.crash()
            throw error
        }
        #expect(try await server.stop() == 0)
        for (name, value) in [("MARQUEE_BILLING_PERIOD_SECONDS", "0"), ("MARQUEE_TOKEN_PACKAGES", "mini:10:eur:99"),
                              ("MARQUEE_PAYOUT_RATE", "EUR:1/0"), ("MARQUEE_PAYOUT_MINIMUM_TOKENS", "-1")] {
            let refused = try await runMarquee(["serve", "--data-dir", try directory.directory("bad"), "--http", "127.0.0.1:0"],
                                               environment: [name: value], scratch: directory.path, timeout: .seconds(30))
            #expect(refused.status != 0, "\(name)=\(value) must stop serve: \(refused)")
            #expect(refused.output.contains(name), "the message names \(name): \(refused)")
        }
        let config = try ServerConfig.resolve(dataDir: nil, http: nil, environment: ["MARQUEE_BILLING_PERIOD_SECONDS": "2",
                                                                                     "MARQUEE_RECONNECT_GRACE_SECONDS": "7",
                                                                                     "MARQUEE_CHAT_RATE_LIMIT": "3/20",
                                                                                     "MARQUEE_AD_BREAK_INTERVAL_SECONDS": "900"])
        #expect(config.domain.billingPeriodMillis == 2000 && config.domain.reconnectGraceMillis == 7000)
        #expect(config.domain.chatMessagesPerWindow == 3 && config.domain.chatWindowMillis == 20_000 && config.domain.adBreakIntervalMillis == 900_000)
        #expect(throws: ServerConfig.Invalid.self) { try ServerConfig.resolve(dataDir: nil, http: nil, environment: ["MARQUEE_CHAT_RATE_LIMIT": "50/1"]) }
        #expect(try ServerConfig.resolve(dataDir: nil, http: nil, environment: ["MARQUEE_MEDIA_THREADS": "3"]).mediaThreads == 3)
        #expect(throws: ServerConfig.Invalid.self) { try ServerConfig.resolve(dataDir: nil, http: nil, environment: ["MARQUEE_MEDIA_THREADS": "65"]) }
        #expect(ServerConfig().domain.billingPeriodMillis == 60_000 && ServerConfig().domain.reconnectGraceMillis == 60_000)
    }

    @Test("serve refuses a MARQUEE_ADMIN_PASSWORD the API would refuse (under 8 characters, over bcrypt's 72 bytes)")
    func adminPasswordPolicy() async throws {
        let directory = try TemporaryDirectory("admin-password")
        defer { directory.remove() }
        for password in ["abc", String(repeating: "p", count: 100)] {
            let dataDir = try directory.directory("data-\(password.count)")
            let child = try ChildProcess(executable: try MarqueeBinary.require(), arguments: ["serve", "--data-dir", dataDir, "--http", "127.0.0.1:0"],
                                         environment: childEnvironment(["MARQUEE_ADMIN_PASSWORD": password]),
                                         outputPath: directory.file("serve-\(password.count).log"))
            try await poll(timeout: .seconds(30), "serve to start or refuse") { !child.isRunning || child.output.contains("Server started") }
            let started = child.isRunning
            var truncatedLogin = 0
            if started, let port = ServerProcess.listeningPort(in: child.output) {
                // A 100-byte password that bcrypt truncated to 72 bytes also accepts other passwords.
                truncatedLogin = try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                    try await API(client).post("/api/v1/sessions", #"{"handle":"admin","password":"\#(password.prefix(72))-not-it"}"#).code
                }
            }
            if child.isRunning { child.signal(SIGTERM) }
            try await child.waitForExit(timeout: .seconds(30))
            #expect(!started, "serve started with a \(password.utf8.count)-byte admin password: \(child.output.suffix(1500))")
            #expect(child.output.contains("MARQUEE_ADMIN_PASSWORD"), "the refusal names MARQUEE_ADMIN_PASSWORD")
            #expect(truncatedLogin != 201, "the first 72 bytes plus anything log in as admin")
        }
    }

    @Test("a missing read-model file is rebuilt from the log on start")
    func readModelsRebuilt() async throws {
        let directory = try TemporaryDirectory("rebuild")
        defer { directory.remove() }
        let dataDir = try directory.directory("data")
        let first = try await ServerProcess.start(dataDir: dataDir, logPath: directory.file("first.log"))
        let (creatorToken, viewerToken) = try await first.withAPI { api in
            let admin = try await api.login("admin", password: ServerProcess.adminPassword)
            let (carol, victor) = try await api.carolAndVictor(admin: admin)
            let gift = try await api.post("/api/v1/channels/carol-live/gifts", #"{"gift":"star"}"#, token: victor.token)
            try #require(gift.code == 201, "\(gift)")
            return (carol.token, victor.token)
        }
        #expect(try await first.stop() == 0)
        for suffix in ["", "-wal", "-shm"] { unlink(dataDir + "/readmodels.sqlite" + suffix) }

        let second = try await ServerProcess.start(dataDir: dataDir, logPath: directory.file("second.log"))
        do {
            #expect(FileManager.default.fileExists(atPath: dataDir + "/readmodels.sqlite"))
            try await second.withAPI { api in
                #expect(try await api.wallet(viewerToken) == Wallet(50, 0))
                #expect(try await api.wallet(creatorToken) == Wallet(0, 40))
                let channel = try await api.get("/api/v1/channels/carol-live")
                #expect(channel.code == 200, "\(channel)")
                let history = try await api.get("/api/v1/channels/carol-live/gifts")
                #expect(try history.json()["gifts"]?.array?.count == 1, "\(history)")
            }
            let replay = try await runMarquee(["replay", "--check", "--data-dir", dataDir], scratch: directory.path)
            #expect(replay.status == 0, "\(replay)")
        } catch {
            try? await second.crash()
            throw error
        }
        #expect(try await second.stop() == 0)
    }

    /// Deploy/README.md's restore procedure deletes readmodels.sqlite; this is what happens when
    /// an operator forgets: the read models describe a longer log than the restored one.
    @Test("a read-model file ahead of the log (an older log restored beside it) is not trusted")
    func readModelsAheadOfTheLog() async throws {
        let directory = try TemporaryDirectory("restore")
        defer { directory.remove() }
        let dataDir = try directory.directory("data")
        let backup = try directory.directory("backup")
        let tokens = try await LiveServer.run(dataDir: dataDir) { api, admin in
            let (carol, victor) = try await api.carolAndVictor(admin: admin)
            return [carol.token, victor.token]
        }
        for name in ["events.sqlite", "events.sqlite-wal"] where FileManager.default.fileExists(atPath: dataDir + "/" + name) {
            try FileManager.default.copyItem(atPath: dataDir + "/" + name, toPath: backup + "/" + name)
        }
        try await LiveServer.run(dataDir: dataDir) { api, _ async throws -> Void in
            for _ in 0..<3 {
                #expect(try await api.post("/api/v1/channels/carol-live/gifts", #"{"gift":"rose"}"#, token: tokens[1]).code == 201)
            }
            #expect(try await api.wallet(tokens[1]) == Wallet(70, 0))
        }
        // Restore the older log, but leave readmodels.sqlite (checkpoint 8) in place.
        for name in ["events.sqlite", "events.sqlite-wal", "events.sqlite-shm"] { unlink(dataDir + "/" + name) }
        for name in try FileManager.default.contentsOfDirectory(atPath: backup) {
            try FileManager.default.copyItem(atPath: backup + "/" + name, toPath: dataDir + "/" + name)
        }
        let (wallet, health) = try await LiveServer.run(dataDir: dataDir) { api, _ in
            let star = try await api.post("/api/v1/channels/carol-live/gifts", #"{"gift":"star"}"#, token: tokens[1])
            #expect(star.code == 201, "\(star)")
            return (try await api.wallet(tokens[1]), try await api.get("/healthz").json())
        }
        #expect(wallet == Wallet(50, 0), "after the restore, victor's 100 − 50 (star); the read models say \(wallet)")
        #expect((health["projected"]?.int ?? .max) <= (health["logHead"]?.int ?? 0), "the read models claim more than the log holds: \(health)")
        let (_, difference) = try Replay.check(dataDir: dataDir, temporaryDir: try directory.directory("scratch"))
        #expect(difference == nil, "replay --check: \(String(describing: difference))")
    }

    @Test("events tail prints the log, then new events as they are appended")
    func eventsTail() async throws {
        let directory = try TemporaryDirectory("tail")
        defer { directory.remove() }
        let dataDir = try directory.directory("data")
        let server = try await ServerProcess.start(dataDir: dataDir, logPath: directory.file("serve.log"))
        let tail = try ChildProcess(executable: try MarqueeBinary.require(), arguments: ["events", "tail", "--after", "0", "--data-dir", dataDir],
                                    environment: childEnvironment([:]), outputPath: directory.file("tail.out"), errorPath: directory.file("tail.err"))
        do {
            func lines() throws -> [ResponseJSON] { try parseJSONLines(tail.output) }
            try await poll(timeout: .seconds(20), "tail to print the bootstrap event") { try lines().count == 1 }
            try await server.withAPI { api in
                let admin = try await api.login("admin", password: ServerProcess.adminPassword)
                _ = try await api.register("alice")
                try await api.grant("alice", 3, admin: admin)
            }
            try await poll(timeout: .seconds(20), "tail to print the two new events") { try lines().count == 3 }
            let seen = try lines()
            #expect(seen.map { $0["seq"]?.int } == [1, 2, 3])
            #expect(seen.map { $0["type"]?.string } == ["account.registered", "account.registered", "tokens.granted"])
            let export = try await runMarquee(["events", "export", "--data-dir", dataDir], scratch: directory.path)
            #expect(tail.output == export.stdout, "tail prints exactly the export lines")
        } catch {
            tail.signal(SIGKILL)
            try? await server.crash()
            throw error
        }
        tail.signal(SIGTERM)
        try await tail.waitForExit(timeout: .seconds(20))
        #expect(try await server.stop() == 0)
    }

    /// The rule of EventSchemas/README.md ("Hash chain"), in Python with hashlib, over the
    /// database file: an auditor needs nothing from Marquee to check the chain.
    static let outsideAuditor = #"""
    import hashlib, sqlite3, struct, sys
    db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
    db.text_factory = bytes
    prev = bytes(32)
    count = 0
    def lp(b): return struct.pack(">I", len(b)) + b
    for seq, stream, version, type_, schema, data, meta, recorded_at, prev_hash, hash_ in db.execute(
            "SELECT seq, stream, version, type, schema, data, meta, recorded_at, prev_hash, hash FROM events ORDER BY seq"):
        canonical = struct.pack(">Q", seq) + lp(stream) + struct.pack(">Q", version) + lp(type_) + struct.pack(">I", schema) \
            + lp(data) + lp(meta) + lp(recorded_at)
        expected = hashlib.sha256(prev + canonical).digest()
        if prev_hash != prev or hash_ != expected:
            print("chain broken at seq %d" % seq)
            sys.exit(1)
        prev = expected
        count += 1
    print("chain ok: %d events, head %s" % (count, prev.hex()))
    """#

    @Test("the hash chain recomputes with an independent SHA-256 per EventSchemas/README.md, and the export shows the same hashes")
    func outsideAuditorRecomputesTheChain() async throws {
        let directory = try TemporaryDirectory("outside-audit")
        defer { directory.remove() }
        let fixture = try await LedgerFixture.make(in: directory)
        let script = directory.file("auditor.py")
        try Self.outsideAuditor.write(toFile: script, atomically: true, encoding: .utf8)
        let result = try await runProgram(SchemaTests.python(), [script, fixture.dataDir + "/events.sqlite"], scratch: directory.path)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.hasPrefix("chain ok: 10 events"), "\(result)")
        let export = try await runMarquee(["events", "export", "--data-dir", fixture.dataDir], scratch: directory.path)
        let lastHash = try parseJSONLines(export.stdout).last?["hash"]?.string
        #expect(lastHash != nil && result.stdout.contains(lastHash!), "the export's head hash \(lastHash ?? "-") is the recomputed one: \(result)")
    }
}
