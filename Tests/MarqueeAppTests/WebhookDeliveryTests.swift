import Foundation
import MarqueeApp
import MarqueeCore
import SQLiteDB
import Testing
import Webhooks

/// Webhook delivery end to end: a real receiver (`Tests/webhook_receiver.py`, the official
/// Standard Webhooks library) behind a real HTTP connection on loopback.
@Suite("Webhook delivery", .timeLimit(.minutes(4)))
struct WebhookDeliveryTests {
    /// Loopback allowed (MARQUEE_WEBHOOK_ALLOW=127.0.0.1/32), fast retries, a short timeout.
    static func config(_ dataDir: String, allowLoopback: Bool = true) -> ServerConfig {
        var config = LiveServer.config(dataDir: dataDir)
        config.webhooks.allow = allowLoopback ? [IPNetwork(cidr: "127.0.0.1/32")!] : []
        config.webhooks.retry = RetryPolicy(delaysMillis: [0, 200, 300, 400, 500, 500, 500, 500, 500, 500], jitter: 0.1)
        config.webhooks.timeout = .milliseconds(700)
        return config
    }

    static func createEndpoint(_ api: API, token: String, url: String, types: [String]) async throws -> (id: String, secret: String) {
        let list = types.map { "\"\($0)\"" }.joined(separator: ",")
        let reply = try await api.post("/api/v1/webhooks/endpoints", #"{"url":\#(jsonString(url)),"eventTypes":[\#(list)]}"#, token: token)
        #expect(reply.code == 201, "\(reply)")
        let json = try reply.json()
        let secret = json["secret"]?.string ?? ""
        #expect(secret.hasPrefix("whsec_"))
        return (json["id"]?.string ?? "", secret)
    }

    static func pat(_ api: API, session: String, scopes: [String]) async throws -> String {
        let list = scopes.map { "\"\($0)\"" }.joined(separator: ",")
        let reply = try await api.post("/api/v1/tokens", #"{"name":"bot","scopes":[\#(list)]}"#, token: session)
        #expect(reply.code == 201, "\(reply)")
        return try reply.json()["token"]?.string ?? ""
    }

    static func gift(_ api: API, slug: String, token: String) async throws -> Int64 {
        let reply = try await api.post("/api/v1/channels/\(slug)/gifts", #"{"gift":"rose","quantity":1}"#, token: token)
        #expect(reply.code == 201, "\(reply)")
        return try reply.json()["seq"]?.int ?? 0
    }

    @Test func aReceiverThatFailsTimesOutAndRecoversGetsEveryEventItIsEntitledTo() async throws {
        let directory = try TemporaryDirectory("webhooks")
        defer { directory.remove() }
        // 500 three times, then two deliveries that outlast the 700 ms timeout, then 204.
        let receiver = try await WebhookReceiver.start(in: directory, arguments: ["--fail-first", "3", "--status", "500",
                                                                                  "--sleep-first", "2", "--sleep-seconds", "2"])
        defer { receiver.terminate() }
        try await LiveServer.runParts(config: Self.config(try directory.directory("data")), clock: SystemWallClock()) { api, admin, _ in
            let (carol, victor) = try await api.carolAndVictor(admin: admin)
            let carl = try await api.account("carl", role: "creator")
            _ = try await api.createChannel("carl-live", token: carl.token)
            let bot = try await Self.pat(api, session: carol.token, scopes: ["webhooks:manage", "gifts:read", "chat:read"])
            let endpoint = try await Self.createEndpoint(api, token: bot, url: receiver.url, types: ["gift.*", "chat.*"])
            try receiver.trust([endpoint.secret])

            var expected: Set<Int64> = []
            for _ in 0..<4 { expected.insert(try await Self.gift(api, slug: "carol-live", token: victor.token)) }
            let chat = try await api.post("/api/v1/channels/carol-live/chat/messages", #"{"text":"thanks!"}"#, token: carol.token)
            expected.insert(try chat.json()["seq"]?.int ?? 0)
            // Not hers: a gift on carl's channel; not asked for: a channel update.
            let foreign = try await Self.gift(api, slug: "carl-live", token: victor.token)
            _ = try await api.patch("/api/v1/channels/carol-live", #"{"title":"New title"}"#, token: carol.token)

            try await receiver.waitFor(expected)
            let deliveries = receiver.deliveries
            #expect(deliveries.allSatisfy { $0.valid }, "every delivery verifies with the official library")
            #expect(!deliveries.contains { $0.seq == foreign }, "a gift on another creator's channel is never sent")
            #expect(!deliveries.contains { $0.type == "channel.updated" || $0.type == "gift.sent" && !expected.contains($0.seq ?? -1) })
            #expect(deliveries.filter { $0.status == 500 }.count == 3)
            // The body: {type, timestamp, data} with the seq; the id is stable across retries.
            let first = try #require(deliveries.first { $0.status == 204 && $0.type == "gift.sent" })
            #expect(first.payload?["data"]?["channelId"]?.string != nil && first.payload?["timestamp"]?.string != nil)
            for seq in expected {
                let ids = Set(deliveries.filter { $0.seq == seq }.map(\.id))
                #expect(ids.count == 1, "one webhook-id per event and endpoint: \(ids)")
            }

            // The attempt log lists the failures and the success, with status, latency and excerpt.
            let messages = try await api.get("/api/v1/webhooks/endpoints/\(endpoint.id)/messages", token: bot)
            let rows = try #require(try messages.json()["messages"]?.array, "\(messages)")
            #expect(Set(rows.compactMap { $0["seq"]?.int }) == expected)
            try await poll(timeout: .seconds(10), "every message to be marked delivered") {
                let rows = try (try await api.get("/api/v1/webhooks/endpoints/\(endpoint.id)/messages", token: bot)).json()["messages"]?.array ?? []
                return rows.allSatisfy { $0["status"]?.string == "delivered" }
            }
            var failures = 0
            var timeouts = 0
            for row in rows {
                let id = row["messageId"]?.string ?? ""
                let attempts = try #require(try (try await api.get("/api/v1/webhooks/endpoints/\(endpoint.id)/messages/\(id)/attempts",
                                                                   token: bot)).json()["attempts"]?.array)
                #expect(attempts.contains { $0["succeeded"]?.bool == true && $0["statusCode"]?.int == 204 }, "\(id): \(attempts)")
                failures += attempts.filter { $0["statusCode"]?.int == 500 }.count
                timeouts += attempts.filter { ($0["error"]?.string ?? "").contains("timed out") }.count
            }
            #expect(failures == 3 && timeouts >= 2, "failures \(failures), timeouts \(timeouts)")

            // Another app's or account's token cannot see the endpoint.
            let stranger = try await Self.pat(api, session: carl.token, scopes: ["webhooks:manage"])
            expectProblem(try await api.get("/api/v1/webhooks/endpoints/\(endpoint.id)/messages", token: stranger), 404)
        }
    }

    @Test func goneDisablesRotationSignsWithBothSecretsAndReplayResends() async throws {
        let directory = try TemporaryDirectory("webhooks-gone")
        defer { directory.remove() }
        let receiver = try await WebhookReceiver.start(in: directory)
        let gone = try await WebhookReceiver.start(in: directory, name: "gone", arguments: ["--gone"])
        defer { receiver.terminate(); gone.terminate() }
        try await LiveServer.runParts(config: Self.config(try directory.directory("data")), clock: SystemWallClock()) { api, admin, _ in
            let (carol, victor) = try await api.carolAndVictor(admin: admin)
            let endpoint = try await Self.createEndpoint(api, token: carol.token, url: receiver.url, types: ["gift.sent"])
            let dead = try await Self.createEndpoint(api, token: carol.token, url: gone.url, types: ["*"])
            try receiver.trust([endpoint.secret])
            try gone.trust([dead.secret])
            let s1 = try await Self.gift(api, slug: "carol-live", token: victor.token)
            try await receiver.waitFor([s1])

            // 410 Gone: the endpoint is disabled, with the reason, by an event in the log.
            try await poll(timeout: .seconds(10), "the gone endpoint to be disabled") {
                let json = try (try await api.get("/api/v1/webhooks/endpoints/\(dead.id)", token: carol.token)).json()
                return json["endpoint"]?["enabled"]?.bool == false && json["endpoint"]?["disabledReason"]?.string == "gone"
            }
            let events = try await api.allEvents(admin: admin)
            #expect(events.contains { $0["type"]?.string == "webhook.endpoint_disabled" && $0["data"]?["reason"]?.string == "gone" })

            // Rotation: while the overlap lasts both secrets sign, so a receiver knowing either verifies.
            let rotated = try (try await api.post("/api/v1/webhooks/endpoints/\(endpoint.id)/rotate-secret", #"{"overlapSeconds":600}"#,
                                                  token: carol.token)).json()
            let newSecret = try #require(rotated["secret"]?.string)
            try receiver.trust([endpoint.secret])
            let s2 = try await Self.gift(api, slug: "carol-live", token: victor.token)
            try await receiver.waitFor([s2])
            try receiver.trust([newSecret])
            let s3 = try await Self.gift(api, slug: "carol-live", token: victor.token)
            try await receiver.waitFor([s3])
            #expect(receiver.deliveries.allSatisfy { $0.valid })

            // Replay from a seq: the same events again, with the same webhook-id.
            let before = receiver.deliveries.count
            let replay = try await api.post("/api/v1/webhooks/endpoints/\(endpoint.id)/replay", #"{"fromSeq":\#(s2)}"#, token: carol.token)
            let queued = try replay.json()["queued"]?.int
            #expect(replay.code == 202 && queued == 2, "\(replay)")
            try await poll(timeout: .seconds(10), "the replay") { receiver.deliveries.count >= before + 2 }
            let replayed = receiver.deliveries.dropFirst(before)
            #expect(Set(replayed.compactMap(\.seq)) == [s2, s3])
            let originalIds = Set(receiver.deliveries.prefix(before).filter { $0.seq == s2 }.map(\.id))
            #expect(Set(replayed.filter { $0.seq == s2 }.map(\.id)) == originalIds)
        }
    }

    @Test func aSlowEndpointHoldsUpNoOtherAndOneThatOnlyFailsIsDisabled() async throws {
        let directory = try TemporaryDirectory("webhooks-slow")
        defer { directory.remove() }
        // Every delivery to `slow` outlasts the timeout; `failing` answers 503 with Retry-After.
        let fast = try await WebhookReceiver.start(in: directory, name: "fast")
        let slow = try await WebhookReceiver.start(in: directory, name: "slow", arguments: ["--sleep-first", "1000", "--sleep-seconds", "90"])
        let failing = try await WebhookReceiver.start(in: directory, name: "failing", arguments: ["--fail-first", "1000", "--status", "503",
                                                                                                 "--retry-after", "1"])
        defer { fast.terminate(); slow.terminate(); failing.terminate() }
        var config = Self.config(try directory.directory("data"))
        config.webhooks.disableAfterMillis = 1500
        // Long enough that no first attempt times out during the test, however loaded the machine.
        config.webhooks.timeout = .seconds(60)
        try await LiveServer.runParts(config: config, clock: SystemWallClock()) { api, admin, _ in
            let (carol, victor) = try await api.carolAndVictor(admin: admin)
            let f = try await Self.createEndpoint(api, token: carol.token, url: fast.url, types: ["gift.sent"])
            let s = try await Self.createEndpoint(api, token: carol.token, url: slow.url, types: ["gift.sent"])
            let x = try await Self.createEndpoint(api, token: carol.token, url: failing.url, types: ["gift.sent"])
            try fast.trust([f.secret]); try slow.trust([s.secret]); try failing.trust([x.secret])
            try await api.grant("victor", 1000, admin: admin)
            var seqs: Set<Int64> = []
            for _ in 0..<20 { seqs.insert(try await Self.gift(api, slug: "carol-live", token: victor.token)) }
            try await fast.waitFor(seqs, timeout: .seconds(30))
            // 20 messages wait for the slow endpoint, but only 8 are in flight until the first times out (60 s).
            try await poll(timeout: .seconds(10), "the slow endpoint's first attempts") { slow.deliveries.count >= 8 }
            try await Task.sleep(for: .milliseconds(300))
            let slowSeen = slow.deliveries
            #expect(slowSeen.count == 8, "at most 8 in flight per endpoint: \(slowSeen.count)")
            // Every event the slow endpoint has not even been offered yet reached the fast one:
            // the fast endpoint does not wait for the slow one's timeouts.
            let offeredToSlow = Set(slowSeen.compactMap(\.seq))
            #expect(seqs.subtracting(offeredToSlow).count == 12 && seqs.isSubset(of: fast.acknowledged))

            // Only failures for longer than the limit: disabled with reason `failing`.
            try await poll(timeout: .seconds(15), "the failing endpoint to be disabled") {
                let json = try (try await api.get("/api/v1/webhooks/endpoints/\(x.id)", token: carol.token)).json()
                return json["endpoint"]?["disabledReason"]?.string == "failing"
            }
            // Retry-After: 1 honoured: at least about a second between attempts at one event.
            let attempts = failing.deliveries.filter { $0.seq == seqs.min() }.map(\.receivedAt).sorted()
            #expect(attempts.count >= 2, "\(attempts)")
            for (a, b) in zip(attempts, attempts.dropFirst()) { #expect(b - a >= 0.9, "attempts \(attempts)") }
            // A manual retry of one message of the slow endpoint is accepted; an unknown one is 404.
            let rows = try (try await api.get("/api/v1/webhooks/endpoints/\(s.id)/messages", token: carol.token)).json()["messages"]?.array ?? []
            let id = try #require(rows.first?["messageId"]?.string)
            #expect(try await api.post("/api/v1/webhooks/endpoints/\(s.id)/messages/\(id)/retry", nil, token: carol.token).code == 202)
            expectProblem(try await api.post("/api/v1/webhooks/endpoints/\(s.id)/messages/msg_nope_1/retry", nil, token: carol.token), 404)
        }
    }

    @Test func destinationsInPrivateRangesAreRefusedAtRegistrationAndAtDelivery() async throws {
        let directory = try TemporaryDirectory("webhooks-ssrf")
        defer { directory.remove() }
        let dataDir = try directory.directory("data")
        let receiver = try await WebhookReceiver.start(in: directory)
        defer { receiver.terminate() }
        // Without the allowlist: loopback, private, link-local/metadata and non-http URLs are refused.
        let endpoint: String = try await LiveServer.runParts(config: Self.config(dataDir, allowLoopback: false), clock: SystemWallClock()) { api, admin, _ in
            let (carol, _) = try await api.carolAndVictor(admin: admin)
            for url in ["http://127.0.0.1:9/x", "http://localhost:9/x", "http://10.1.2.3/x", "http://169.254.169.254/latest/meta-data",
                        "http://[::1]/x", "http://192.168.0.1/x", "ftp://example.com/x", "http://user:pw@example.com/x", "not a url"] {
                let reply = try await api.post("/api/v1/webhooks/endpoints", #"{"url":\#(jsonString(url)),"eventTypes":["*"]}"#, token: carol.token)
                expectProblem(reply, 422, nil, url)
            }
            expectProblem(try await api.post("/api/v1/webhooks/endpoints", #"{"url":"http://127.0.0.1:9/x","eventTypes":["nope.*"]}"#,
                                             token: carol.token), 422)
            #expect((try (try await api.get("/api/v1/webhooks/endpoints", token: carol.token)).json())["endpoints"]?.array?.isEmpty == true)
            return ""
        }
        _ = endpoint
        // Allowed when registered, then the operator removes the allowlist: deliveries are refused
        // at delivery time and the attempt log says why.
        let (id, token): (String, String) = try await LiveServer.runParts(config: Self.config(dataDir), clock: SystemWallClock()) { api, _, _ in
            let carol = try await api.login("carol")
            let made = try await Self.createEndpoint(api, token: carol, url: receiver.url, types: ["gift.sent"])
            return (made.id, carol)
        }
        _ = token
        try await LiveServer.runParts(config: Self.config(dataDir, allowLoopback: false), clock: SystemWallClock()) { api, _, _ in
            let carol = try await api.login("carol")
            let victor = try await api.login("victor")
            _ = try await Self.gift(api, slug: "carol-live", token: victor)
            try await poll(timeout: .seconds(10), "a refused attempt") {
                let rows = try (try await api.get("/api/v1/webhooks/endpoints/\(id)/messages", token: carol)).json()["messages"]?.array ?? []
                guard let message = rows.first?["messageId"]?.string else { return false }
                let attempts = try (try await api.get("/api/v1/webhooks/endpoints/\(id)/messages/\(message)/attempts", token: carol)).json()
                return (attempts["attempts"]?[0]?["error"]?.string ?? "").contains("refused")
            }
            #expect(receiver.deliveries.isEmpty, "nothing reached the loopback receiver")
        }
    }

    @Test func aLogRestoredFromABackupBesideNewerDeliveryStateSkipsNothingNew() async throws {
        let directory = try TemporaryDirectory("webhooks-restore")
        defer { directory.remove() }
        let dataDir = try directory.directory("data")
        let backup = directory.file("events-backup.sqlite")
        let receiver = try await WebhookReceiver.start(in: directory)
        defer { receiver.terminate() }
        // 1: an endpoint and one gift, delivered; then a backup of the log.
        let secret: String = try await LiveServer.runParts(config: Self.config(dataDir), clock: SystemWallClock()) { api, admin, _ in
            let (carol, victor) = try await api.carolAndVictor(admin: admin)
            let endpoint = try await Self.createEndpoint(api, token: carol.token, url: receiver.url, types: ["gift.sent"])
            try receiver.trust([endpoint.secret])
            try await receiver.waitFor([try await Self.gift(api, slug: "carol-live", token: victor.token)])
            return endpoint.secret
        }
        try Connection(path: MarqueeServer.logPath(dataDir)).execute("VACUUM INTO '\(backup)'")
        // 2: two more gifts, delivered: webhooks.sqlite's cursor moves past the backup's end.
        try await LiveServer.runParts(config: Self.config(dataDir), clock: SystemWallClock()) { api, _, _ in
            let victor = try await api.login("victor")
            let seqs: Set<Int64> = [try await Self.gift(api, slug: "carol-live", token: victor),
                                    try await Self.gift(api, slug: "carol-live", token: victor)]
            try await receiver.waitFor(seqs)
        }
        // 3: the log is restored from the backup, webhooks.sqlite is left as it was.
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: MarqueeServer.logPath(dataDir) + suffix)
            try? FileManager.default.removeItem(atPath: MarqueeServer.readModelPath(dataDir) + suffix)
        }
        try FileManager.default.copyItem(atPath: backup, toPath: MarqueeServer.logPath(dataDir))
        _ = secret
        // 4: a new gift takes a seq the old state had already passed; it is delivered all the same.
        try await LiveServer.runParts(config: Self.config(dataDir), clock: SystemWallClock()) { api, _, _ in
            let victor = try await api.login("victor")
            let before = receiver.deliveries.count
            let seq = try await Self.gift(api, slug: "carol-live", token: victor)
            try await poll(timeout: .seconds(15), "the gift after the restore (seq \(seq))") {
                receiver.deliveries.dropFirst(before).contains { $0.seq == seq && $0.valid && $0.status == 204 }
            }
        }
    }

    /// Thread name → nice value and CPU ticks used, from `/proc/PID/task/*/{comm,stat}`.
    static func threads(of pid: Int32) -> [String: (nice: Int, cpuTicks: Int)] {
        Dictionary(ThreadStats.read(pid: String(pid)).map { ($0.name, ($0.nice, $0.cpuTicks)) }, uniquingKeysWith: { a, _ in a })
    }

    @Test func aServerKilledWithDeliveriesPendingDeliversThemAfterRestart() async throws {
        let directory = try TemporaryDirectory("webhooks-crash")
        defer { directory.remove() }
        let dataDir = try directory.directory("data")
        // Find a free port, then keep it closed while the server runs: every attempt fails.
        let probe = try await WebhookReceiver.start(in: directory, name: "probe")
        let port = probe.port
        await probe.stop()
        let environment = ["MARQUEE_ADMIN_PASSWORD": ServerProcess.adminPassword, "MARQUEE_WEBHOOK_ALLOW": "127.0.0.1/32",
                           "MARQUEE_WEBHOOK_RETRY_SCHEDULE": "0,0.2,0.5" + String(repeating: ",1", count: 40),
                           "MARQUEE_WEBHOOK_TIMEOUT_SECONDS": "2", "MARQUEE_MEDIA_UDP": "off", "MARQUEE_WEBHOOK_NICENESS": "12"]
        let arguments = ["serve", "--data-dir", dataDir, "--http", "127.0.0.1:0"]
        let server = try await ServerProcess.start(arguments: arguments, environment: environment, logPath: directory.file("serve1.log"))
        let (secret, expected): (String, Set<Int64>) = try await server.withAPI { api in
            let admin = try await api.login("admin", password: ServerProcess.adminPassword)
            let (carol, victor) = try await api.carolAndVictor(admin: admin)
            let endpoint = try await Self.createEndpoint(api, token: carol.token, url: "http://127.0.0.1:\(port)/hook", types: ["gift.sent"])
            var seqs: Set<Int64> = []
            for _ in 0..<6 { seqs.insert(try await Self.gift(api, slug: "carol-live", token: victor.token)) }
            try await poll(timeout: .seconds(10), "failed attempts to be recorded") {
                let rows = try (try await api.get("/api/v1/webhooks/endpoints/\(endpoint.id)/messages?status=pending", token: carol.token)).json()
                return (rows["messages"]?.array ?? []).contains { ($0["attempts"]?.int ?? 0) >= 1 }
            }
            return (endpoint.secret, seqs)
        }
        // The dispatcher has its own thread, at the nice value asked for; the writer's thread
        // keeps the server's.
        let threads = Self.threads(of: server.child.pid)
        #expect(threads["marquee-hooks"]?.nice == 12, "\(threads)")
        #expect(threads["marquee-writer"]?.nice == 0, "\(threads)")
        try await server.crash()

        let receiver = try await WebhookReceiver.start(in: directory, port: port)
        defer { receiver.terminate() }
        try receiver.trust([secret])
        let restarted = try await ServerProcess.start(arguments: arguments, environment: environment, logPath: directory.file("serve2.log"))
        try await receiver.waitFor(expected, timeout: .seconds(60))
        #expect(receiver.deliveries.allSatisfy { $0.valid })
        #expect(try await restarted.stop() == 0)
    }
}
