import Foundation
import HTTPTypes
import HummingbirdTesting
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 2, item 10: the server as a child process, a bounded burst of concurrent gifts,
/// SIGKILL mid-burst, restart. Every 2xx gift is in the log, audit and replay pass, retries
/// with the same Idempotency-Key never charge twice, and no token is created or lost.
@Suite("Crash: killed mid-burst", .timeLimit(.minutes(4)))
struct CrashTests {
    static let viewers = 20
    static let grant: Int64 = 1000
    static let requests = 600
    static let concurrency = 32
    static let killAfterAnswers = 300
    static let slug = "crash-live"
    static let path = "/api/v1/channels/\(slug)/gifts"

    struct Viewer: Sendable { var handle: String; var id: String; var token: String }
    struct Setup: Sendable { var admin: String; var creatorToken: String; var creatorId: String; var viewers: [Viewer] }

    struct GiftRequest: Sendable {
        var index: Int
        var viewer: Int
        var quantity: Int
        var key: String
        var body: String { #"{"gift":"rose","quantity":\#(quantity)}"# }
    }

    enum Outcome: Sendable {
        case answered(status: Int, giftId: String?, replayed: Bool, detail: String)
        case connectionError(String)
    }

    /// Shared by the burst's workers.
    final class Burst: Sendable {
        let queue: Mutex<Int> = Mutex(0)
        let outcomes: Mutex<[Int: Outcome]> = Mutex([:])
        let answered = Atomic<Int>(0)
        let killed = Atomic<Bool>(false)

        func take(below count: Int) -> Int? {
            queue.withLock { next in
                guard next < count else { return nil }
                defer { next += 1 }
                return next
            }
        }
    }

    static func headers(_ key: String) -> HTTPFields { [HTTPField.Name("Idempotency-Key")!: key] }

    static func outcome(of reply: Reply) -> Outcome {
        let giftId = (try? reply.json())?["giftId"]?.string
        return .answered(status: reply.code, giftId: giftId, replayed: reply.headers[HTTPField.Name("Idempotent-Replayed")!] == "true",
                         detail: reply.description)
    }

    /// The gift.sent events of the log, by Idempotency-Key (from `marquee events export`).
    static func loggedGifts(dataDir: String, scratch: String) async throws -> (byKey: [String: [String]], all: [ResponseJSON]) {
        let export = try await runMarquee(["events", "export", "--type", "gift.sent", "--data-dir", dataDir], scratch: scratch)
        try #require(export.status == 0, "\(export)")
        let events = try parseJSONLines(export.stdout)
        var byKey: [String: [String]] = [:]
        for event in events {
            let key = event["meta"]?["idempotencyKey"]?.string ?? "(none)"
            byKey[key, default: []].append(event["data"]?["giftId"]?.string ?? "(no giftId)")
        }
        return (byKey, events)
    }

    static func expectAuditAndReplay(dataDir: String, scratch: String, _ when: String) async throws {
        let verify = try await runMarquee(["audit", "verify", "--data-dir", dataDir], scratch: scratch)
        #expect(verify.status == 0 && verify.stdout.hasPrefix("audit ok"), "audit verify \(when): \(verify)")
        let replay = try await runMarquee(["replay", "--check", "--data-dir", dataDir], scratch: scratch)
        #expect(replay.status == 0, "replay --check \(when): \(replay)")
    }

    /// SIGKILL is the crash of item 10; SIGTERM is the graceful stop, which must also drain
    /// without a single 5xx (the writer stops only after the HTTP server).
    @Test("killed mid-burst (SIGKILL, then SIGTERM): 2xx gifts durable, audit and replay pass, retries are idempotent, tokens conserved",
          arguments: [SIGKILL, SIGTERM])
    func killedMidBurst(signal: Int32) async throws {
        let directory = try TemporaryDirectory("crash-\(signal)")
        defer { directory.remove() }
        let dataDir = try directory.directory("data")
        let scratch = try directory.directory("scratch")

        // 1. A creator's channel and 20 viewers with 1000 tokens each.
        let first = try await ServerProcess.start(dataDir: dataDir, logPath: directory.file("serve-1.log"))
        let setup: Setup
        do {
            setup = try await first.withAPI { api in
                let admin = try await api.login("admin", password: ServerProcess.adminPassword)
                let creator = try await api.account("creator", role: "creator")
                _ = try await api.createChannel(Self.slug, token: creator.token)
                var viewers: [Viewer] = []
                for n in 0..<Self.viewers {
                    let handle = "viewer\(n)"
                    let account = try await api.account(handle)
                    try await api.grant(handle, Self.grant, admin: admin)
                    viewers.append(Viewer(handle: handle, id: account.id, token: account.token))
                }
                return Setup(admin: admin, creatorToken: creator.token, creatorId: creator.id, viewers: viewers)
            }
        } catch {
            try? await first.crash()
            throw error
        }

        // 2. The burst: 600 gifts, 32 at a time, a unique key each, 1–3 roses (at most 900 tokens a viewer).
        var rng = SystemRandomNumberGenerator()
        let runId = UUID().uuidString.prefix(8)
        let requests = (0..<Self.requests).map { index in
            GiftRequest(index: index, viewer: index % Self.viewers, quantity: Int.random(in: 1...3, using: &rng), key: "crash-\(runId)-\(index)")
        }
        let burst = Burst()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<Self.concurrency {
                group.addTask {
                    var client: TestClient?
                    while let index = burst.take(below: requests.count) {
                        let request = requests[index]
                        if client == nil { client = first.client(timeout: .seconds(20)) }
                        do {
                            let reply = try await API(client!).post(Self.path, request.body, token: setup.viewers[request.viewer].token,
                                                                    headers: Self.headers(request.key))
                            burst.outcomes.withLock { $0[index] = Self.outcome(of: reply) }
                            let answered = burst.answered.add(1, ordering: .relaxed).newValue
                            if answered >= Self.killAfterAnswers, burst.killed.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged {
                                first.child.signal(signal)
                            }
                        } catch {
                            burst.outcomes.withLock { $0[index] = .connectionError("\(error)") }
                            try? await client?.shutdown()
                            client = nil
                        }
                    }
                    try? await client?.shutdown()
                }
            }
        }
        let killedMidBurst = burst.killed.load(ordering: .relaxed)
        if !killedMidBurst { first.child.signal(SIGKILL) }
        try await first.child.waitForExit(timeout: .seconds(30))
        #expect(killedMidBurst, "the burst finished before \(Self.killAfterAnswers) answers: the kill was not mid-burst")
        if signal == SIGKILL {
            #expect(first.child.process.terminationReason == .uncaughtSignal, "the server died of SIGKILL")
        } else {
            #expect(first.child.process.terminationReason == .exit && first.child.process.terminationStatus == 0,
                    "a graceful exit on SIGTERM: \(first.log.suffix(2000))")
        }

        let outcomes = burst.outcomes.withLock { $0 }
        try #require(outcomes.count == Self.requests)
        var succeeded: [Int: String] = [:]
        var failed: [Int] = []
        for (index, outcome) in outcomes.sorted(by: { $0.key < $1.key }) {
            switch outcome {
            case .answered(let status, let giftId, let replayed, let detail):
                #expect(status == 201 && giftId != nil && !replayed, "request \(index) before the crash: \(detail)")
                if (200..<300).contains(status), let giftId { succeeded[index] = giftId }
            case .connectionError:
                failed.append(index)
            }
        }
        #expect(succeeded.count >= Self.killAfterAnswers, "answered: \(succeeded.count)")
        #expect(!failed.isEmpty, "no request was cut off by the crash")

        // 3. Restart on the same data dir: the log holds every 2xx gift, once.
        let second = try await ServerProcess.start(dataDir: dataDir, logPath: directory.file("serve-2.log"))
        do {
            try await Self.expectAuditAndReplay(dataDir: dataDir, scratch: scratch, "after the restart")
            let (beforeRetry, _) = try await Self.loggedGifts(dataDir: dataDir, scratch: scratch)
            for (index, giftId) in succeeded {
                #expect(beforeRetry[requests[index].key] == [giftId], "answered gift \(index) (\(giftId)) in the log: \(beforeRetry[requests[index].key] ?? [])")
            }
            for (key, giftIds) in beforeRetry {
                #expect(giftIds.count == 1, "key \(key) appended \(giftIds.count) times")
            }
            #expect(beforeRetry.count >= succeeded.count && beforeRetry.count <= Self.requests, "\(beforeRetry.count) gifts logged")

            // 4. Retry every cut-off request with the same key: it replays or is appended once.
            let retried = failed
            let retryQueue = Burst()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await second.withAPI { api in
                            while let position = retryQueue.take(below: retried.count) {
                                let request = requests[retried[position]]
                                let reply = try await api.post(Self.path, request.body, token: setup.viewers[request.viewer].token,
                                                               headers: Self.headers(request.key))
                                retryQueue.outcomes.withLock { $0[request.index] = Self.outcome(of: reply) }
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            var replays = 0
            for (index, outcome) in retryQueue.outcomes.withLock({ $0 }) {
                let key = requests[index].key
                guard case .answered(let status, let giftId, let replayed, let detail) = outcome else { continue }
                #expect(status == 201 && giftId != nil, "retry of \(index): \(detail)")
                if replayed {
                    replays += 1
                    #expect(beforeRetry[key] == giftId.map { [$0] }, "a replayed retry of \(index) answers the logged gift: \(detail)")
                } else {
                    #expect(beforeRetry[key] == nil, "retry of \(index) was appended again although the log had it: \(detail)")
                }
            }
            #expect(retryQueue.outcomes.withLock { $0.count } == failed.count, "every retry was answered")
            let (afterRetry, gifts) = try await Self.loggedGifts(dataDir: dataDir, scratch: scratch)
            for request in requests {
                #expect(afterRetry[request.key]?.count == 1, "request \(request.index) is in the log exactly once: \(afterRetry[request.key] ?? [])")
            }
            #expect(gifts.count == Self.requests, "\(gifts.count) gift.sent events for \(Self.requests) requests (\(replays) retries replayed)")

            // Keys outlive the restart: a key answered before the crash, with another body, is 422.
            if let (index, _) = succeeded.first {
                let request = requests[index]
                let reused = try await second.withAPI { api in
                    try await api.post(Self.path, #"{"gift":"heart","quantity":1}"#, token: setup.viewers[request.viewer].token,
                                       headers: Self.headers(request.key))
                }
                expectProblem(reused, 422, "idempotency-key-reused", "a pre-crash key with another body after the restart")
            }

            // 5. No token created or lost: granted = Σ balances + Σ earnings + fees.
            let export = try await runMarquee(["events", "export", "--type", "tokens.granted", "--type", "gift.sent", "--data-dir", dataDir], scratch: scratch)
            let money = try parseJSONLines(export.stdout)
            let granted = money.filter { $0["type"]?.string == "tokens.granted" }.compactMap { $0["data"]?["tokens"]?.int }.reduce(0, +)
            let fees = money.filter { $0["type"]?.string == "gift.sent" }.compactMap { $0["data"]?["feeTokens"]?.int }.reduce(0, +)
            #expect(granted == Int64(Self.viewers) * Self.grant)
            var spentByViewer: [String: Int64] = [:]
            for gift in gifts { spentByViewer[gift["data"]?["fromAccountId"]?.string ?? "?", default: 0] += gift["data"]?["tokens"]?.int ?? 0 }
            let spent = spentByViewer
            let wallets = try await second.withAPI { api in
                var wallets: [Wallet] = []
                for viewer in setup.viewers {
                    let wallet = try await api.wallet(viewer.token)
                    #expect(wallet.balance == Self.grant - (spent[viewer.id] ?? 0), "\(viewer.handle): \(wallet)")
                    wallets.append(wallet)
                }
                wallets.append(try await api.wallet(setup.creatorToken))
                wallets.append(try await api.wallet(setup.admin))
                return wallets
            }
            let balances = wallets.map(\.balance).reduce(0, +)
            let earnings = wallets.map(\.earnings).reduce(0, +)
            #expect(granted == balances + earnings + fees, "granted \(granted) ≠ balances \(balances) + earnings \(earnings) + fees \(fees)")
            #expect(earnings + fees == gifts.compactMap { $0["data"]?["tokens"]?.int }.reduce(0, +))
        } catch {
            try? await second.crash()
            throw error
        }
        let status = try await second.stop()
        #expect(status == 0, "graceful exit: \(second.log.suffix(2000))")
        try await Self.expectAuditAndReplay(dataDir: dataDir, scratch: scratch, "after the final shutdown")
    }
}
