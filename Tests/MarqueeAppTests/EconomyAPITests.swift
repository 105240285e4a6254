import Domain
import EventLog
import Foundation
import HTTPTypes
import MarqueeApp
import MarqueeCore
import Testing

/// Signs a Stripe webhook body the way Stripe does (`t=…,v1=hex(HMAC-SHA256(secret, "t.body"))`).
func stripeHeader(_ body: String, secret: String = LiveServer.stripeSecret, at seconds: Int64) -> HTTPFields {
    let mac = Digest.hmacSHA256(key: Array(secret.utf8), message: Array("\(seconds).\(body)".utf8))
    return [HTTPField.Name("Stripe-Signature")!: "t=\(seconds),v1=\(Digest.hex(mac))"]
}

func checkoutCompleted(event: String, account: String, package: String = "tokens-100", total: Int64 = 199,
                       status: String = "paid", type: String = "checkout.session.completed") -> String {
    """
    {"id":"\(event)","object":"event","type":"\(type)","livemode":false,"data":{"object":{"id":"cs_test_\(event)",\
    "object":"checkout.session","client_reference_id":"\(account)","metadata":{"package":"\(package)"},\
    "amount_total":\(total),"currency":"usd","payment_status":"\(status)","mode":"payment"}}}
    """
}

/// One walk through the creator economy over HTTP and the SFU's command interface, with a manual
/// clock: a paid show billed per connected minute (with a disconnect and a reconnect), a
/// subscriber watching free, a Stripe purchase, subscriptions renewed, canceled, failing and
/// expiring, and payouts rejected and paid. Produces every event type of issue 3.
enum EconomyScenario {
    static func play(_ api: API, _ admin: String, _ parts: ServerParts, _ clock: ManualClock) async throws {
        let carol = try await api.account("cora", role: "creator")
        let victor = try await api.account("vince")
        let walt = try await api.account("walt")
        let channel = try await api.createChannel("carol-show", title: "Carol's show", token: carol.token)
        let channelId = try #require(channel["id"]?.string)
        try await api.grant("vince", 100, admin: admin)
        try await api.grant("walt", 70, admin: admin)

        // Carol sells a paid show at 5 tokens a minute and a "fan" tier whose subscribers watch free.
        let paid = try await api.patch("/api/v1/channels/carol-show", #"{"access":"paid","pricePerMinute":5}"#, token: carol.token)
        try #require(paid.code == 200, "\(paid)")
        let tiers = try await api.request(.put, "/api/v1/channels/carol-show/subscription-tiers",
                                          body: #"{"tiers":[{"name":"fan","tokens":30}],"subscribersWatchPaidFree":true}"#, token: carol.token)
        try #require(tiers.code == 200, "\(tiers)")
        #expect(try tiers.json()["subscriptionTiers"]?[0]?["tokens"]?.int == 30)
        let walts = try await api.post("/api/v1/channels/carol-show/subscriptions", #"{"tier":"fan"}"#, token: walt.token)
        try #require(walts.code == 201, "\(walts)")
        #expect(try walts.json()["status"]?.string == "active")
        #expect(try await api.wallet(walt.token) == Wallet(40, 0))

        // Victor buys 100 tokens through Stripe (tokens.purchased).
        let now = clock.now().milliseconds / 1000
        let body = checkoutCompleted(event: "evt_scenario", account: victor.id)
        let bought = try await api.post("/api/v1/payments/stripe/webhook", body, headers: stripeHeader(body, at: now))
        try #require(bought.code == 200, "\(bought)")
        #expect(try bought.json()["outcome"]?.string == "credited")
        #expect(try await api.wallet(victor.token) == Wallet(200, 0))

        // The show: Carol goes live; Victor pays the first minute as he joins; Walt watches free.
        let stream = try await parts.viewing.startStream(channelId: channelId, ownerId: carol.id, codecs: ["opus", "VP8"])
        let victorSession = try await parts.viewing.join(channelId: channelId, viewerId: victor.id)
        let waltSession = try await parts.viewing.join(channelId: channelId, viewerId: walt.id)
        #expect(try await api.wallet(victor.token) == Wallet(195, 0))
        clock.advance(seconds: 30)
        try await parts.viewing.disconnected(victorSession)
        clock.advance(seconds: 20)                      // away 20 s: not billed
        try await parts.viewing.reconnected(victorSession)
        clock.advance(seconds: 29)                      // 59 s connected: still one minute
        try await parts.scheduler.tick()
        #expect(try await api.wallet(victor.token) == Wallet(195, 0))
        clock.advance(seconds: 1)                       // 60 s connected: minute 2 begins
        try await parts.scheduler.tick()
        #expect(try await api.wallet(victor.token) == Wallet(190, 0))
        try await parts.viewing.left(victorSession)
        try await parts.viewing.endStream(stream, reason: .endedByCreator, by: carol.id)
        _ = waltSession
        let show = try await api.get("/api/v1/channels/carol-show")
        #expect(try show.json()["liveStreamId"]?.isNull == true, "\(show)")

        // Victor subscribes too; an hour later both renew; Victor cancels, Walt runs dry.
        let victors = try await api.post("/api/v1/channels/carol-show/subscriptions", #"{"tier":"fan"}"#, token: victor.token)
        try #require(victors.code == 201, "\(victors)")
        let victorSub = try #require(try victors.json()["id"]?.string)
        clock.advance(seconds: 3600)
        try await parts.scheduler.tick()                 // subscription.renewed × 2
        #expect(try await api.wallet(victor.token) == Wallet(130, 0))
        #expect(try await api.wallet(walt.token) == Wallet(10, 0))
        let cancel = try await api.post("/api/v1/subscriptions/\(victorSub)/cancel", nil, token: victor.token)
        try #require(cancel.code == 200, "\(cancel)")
        #expect(try cancel.json()["status"]?.string == "canceled")
        clock.advance(seconds: 3600)
        try await parts.scheduler.tick()                 // victor: expired (canceled); walt: renewal_failed 1
        for _ in 0..<3 {
            clock.advance(seconds: 600)
            try await parts.scheduler.tick()             // renewal_failed 2, 3, then expired (payment_failed)
        }
        let mine = try await api.get("/api/v1/subscriptions", token: walt.token)
        #expect(try mine.json()["subscriptions"]?[0]?["status"]?.string == "expired", "\(mine)")

        // Carol earned 2 minutes × 4 + 4 subscription charges × 24 = 104 tokens; she cashes out.
        #expect(try await api.wallet(carol.token) == Wallet(0, 104))
        let first = try await api.post("/api/v1/payouts", #"{"tokens":50,"destination":"IBAN DE89 3704 0044 0532 0130 00"}"#, token: carol.token)
        try #require(first.code == 201, "\(first)")
        #expect(try await api.wallet(carol.token) == Wallet(0, 54))
        let firstId = try #require(try first.json()["id"]?.string)
        let rejected = try await api.post("/api/v1/admin/payouts/\(firstId)/reject", #"{"reason":"the IBAN is closed"}"#, token: admin)
        try #require(rejected.code == 200, "\(rejected)")
        #expect(try rejected.json()["status"]?.string == "rejected")
        #expect(try await api.wallet(carol.token) == Wallet(0, 104))
        let second = try await api.post("/api/v1/payouts", #"{"tokens":100,"destination":"acct_carol"}"#, token: carol.token)
        try #require(second.code == 201, "\(second)")
        let secondId = try #require(try second.json()["id"]?.string)
        #expect(try second.json()["amount"]?["minor"]?.int == 100)
        #expect(try await api.get("/api/v1/payouts/\(secondId)", token: carol.token).json()["status"]?.string == "requested")
        expectProblem(try await api.get("/api/v1/payouts/\(secondId)", token: victor.token), 404)
        #expect(try await api.get("/api/v1/subscriptions/\(victorSub)", token: victor.token).json()["status"]?.string == "expired")
        let approved = try await api.post("/api/v1/admin/payouts/\(secondId)/approve", nil, token: admin)
        try #require(approved.code == 200, "\(approved)")
        let paidOut = try await api.post("/api/v1/admin/payouts/\(secondId)/paid", #"{"providerRef":"tr_1"}"#, token: admin)
        try #require(paidOut.code == 200, "\(paidOut)")
        #expect(try paidOut.json()["status"]?.string == "paid")
        let wallet = try await api.get("/api/v1/wallet", token: carol.token)
        #expect(try wallet.json()["earnings"]?.int == 4 && wallet.json()["paidOut"]?.int == 100, "\(wallet)")

        try await engagement(api, admin, parts, clock, carol: carol, viewer: walt, channelId: channelId)
    }

    /// Chat, moderation, a poll and an ad break on Cora's channel (every chat.*, poll.* and ad.* type).
    static func engagement(_ api: API, _ admin: String, _ parts: ServerParts, _ clock: ManualClock,
                           carol: (id: String, token: String), viewer: (id: String, token: String), channelId: String) async throws {
        let path = "/api/v1/channels/carol-show"
        let posted = try await api.post("\(path)/chat/messages", #"{"text":"great show"}"#, token: viewer.token)
        try #require(posted.code == 201, "\(posted)")
        let messageId = try #require(try posted.json()["id"]?.string)
        #expect(try await api.delete("\(path)/chat/messages/\(messageId)", token: carol.token).code == 204)
        let settings = try await api.patch("\(path)/chat/settings", #"{"slowModeSeconds":5,"blockedTerms":["spoiler"]}"#, token: carol.token)
        try #require(settings.code == 200, "\(settings)")
        let ban = try await api.post("\(path)/chat/bans", #"{"handle":"walt","durationSeconds":60,"reason":"cool off"}"#, token: carol.token)
        try #require(ban.code == 201, "\(ban)")
        #expect(try await api.delete("\(path)/chat/bans/walt", token: carol.token).code == 204)
        #expect(try await api.request(.put, "\(path)/chat/moderators/walt", token: carol.token).code == 204)
        #expect(try await api.request(.delete, "\(path)/chat/moderators/walt", token: carol.token).code == 204)
        let poll = try await api.post("\(path)/polls", #"{"question":"Encore?","options":["yes","no"],"durationSeconds":30}"#, token: carol.token)
        try #require(poll.code == 201, "\(poll)")
        let pollId = try #require(try poll.json()["id"]?.string)
        let vote = try await api.post("/api/v1/polls/\(pollId)/votes", #"{"option":0}"#, token: viewer.token)
        try #require(vote.code == 201, "\(vote)")
        clock.advance(seconds: 30)
        try await parts.scheduler.tick()
        let ad = try await api.post("/api/v1/admin/ads", #"{"name":"Soda","durationMs":15000,"media":"https://ads.example/soda.mp4"}"#, token: admin)
        try #require(ad.code == 201, "\(ad)")
        let free = try await api.patch(path, #"{"access":"public"}"#, token: carol.token)
        try #require(free.code == 200, "\(free)")
        let stream = try await parts.viewing.startStream(channelId: channelId, ownerId: carol.id)
        let anonymous = try await parts.viewing.join(channelId: channelId, viewerId: nil)
        let adBreak = try await api.post("\(path)/ad-breaks", nil, token: carol.token)
        try #require(adBreak.code == 201, "\(adBreak)")
        #expect(try adBreak.json()["impressions"]?.int == 1, "\(adBreak)")
        try await parts.viewing.left(anonymous)
        try await parts.viewing.endStream(stream, reason: .endedByCreator, by: carol.id)
    }
}

@Suite("Creator economy over HTTP", .timeLimit(.minutes(4)))
struct EconomyAPITests {
    @Test func aPaidShowSubscriptionsAndPayoutsEndToEnd() async throws {
        let directory = try TemporaryDirectory("economy")
        defer { directory.remove() }
        let dataDir = try directory.directory("data")
        let clock = ManualClock()
        try await LiveServer.runParts(config: LiveServer.economyConfig(dataDir: dataDir), clock: clock) { api, admin, parts in
            try await EconomyScenario.play(api, admin, parts, clock)
        }
        expectLogAuditsAndReplays(dataDir: dataDir, scratch: try directory.directory("scratch"))
    }

    @Test func stripeWebhookSignaturesAreCheckedAndEachEventCreditsOnce() async throws {
        let directory = try TemporaryDirectory("stripe")
        defer { directory.remove() }
        let dataDir = try directory.directory("data")
        let clock = ManualClock()
        try await LiveServer.runParts(config: LiveServer.economyConfig(dataDir: dataDir), clock: clock) { api, admin, _ in
            let victor = try await api.account("victor")
            let now = clock.now().milliseconds / 1000
            let path = "/api/v1/payments/stripe/webhook"
            let body = checkoutCompleted(event: "evt_A", account: victor.id)
            let headBefore = try await api.head(admin: admin)
            // forged (another secret), stale (6 min old), future, unsigned, garbled: 400, nothing appended
            expectProblem(try await api.post(path, body, headers: stripeHeader(body, secret: "whsec_other", at: now)), 400, "invalid-signature")
            expectProblem(try await api.post(path, body, headers: stripeHeader(body, at: now - 301)), 400, "invalid-signature")
            expectProblem(try await api.post(path, body, headers: stripeHeader(body, at: now + 301)), 400, "invalid-signature")
            expectProblem(try await api.post(path, body), 400, "invalid-signature")
            expectProblem(try await api.post(path, body, headers: [HTTPField.Name("Stripe-Signature")!: "t=abc,v1=zz"]), 400, "invalid-signature")
            // a body changed after signing
            let tampered = body.replacingOccurrences(of: "tokens-100", with: "tokens-500")
            expectProblem(try await api.post(path, tampered, headers: stripeHeader(body, at: now)), 400, "invalid-signature")
            #expect(try await api.head(admin: admin) == headBefore)
            #expect(try await api.wallet(victor.token) == Wallet(0, 0))

            // correct: credited once; the same event again (Stripe retries) is a duplicate
            let ok = try await api.post(path, body, headers: stripeHeader(body, at: now - 299))
            try #require(ok.code == 200, "\(ok)")
            #expect(try ok.json()["outcome"]?.string == "credited" && ok.json()["tokens"]?.int == 100)
            let again = try await api.post(path, body, headers: stripeHeader(body, at: now))
            #expect(try again.json()["outcome"]?.string == "duplicate", "\(again)")
            #expect(try await api.wallet(victor.token) == Wallet(100, 0))

            // several v1 while a secret rolls: one valid is enough
            let rolled = checkoutCompleted(event: "evt_B", account: victor.id)
            var headers = stripeHeader(rolled, at: now)
            headers[HTTPField.Name("Stripe-Signature")!] = "t=\(now),v1=\(String(repeating: "0", count: 64)),"
                + (headers[HTTPField.Name("Stripe-Signature")!]!.split(separator: ",")[1])
            let two = try await api.post(path, rolled, headers: headers)
            let twoOutcome = try two.json()["outcome"]?.string
            #expect(two.code == 200 && twoOutcome == "credited", "\(two)")

            // other event types and unpaid sessions are acknowledged and ignored
            let other = #"{"id":"evt_C","type":"customer.created","data":{"object":{"id":"cus_1"}}}"#
            let ignored = try await api.post(path, other, headers: stripeHeader(other, at: now))
            let ignoredOutcome = try ignored.json()["outcome"]?.string
            #expect(ignored.code == 200 && ignoredOutcome == "ignored", "\(ignored)")
            let unpaid = checkoutCompleted(event: "evt_D", account: victor.id, status: "unpaid")
            let later = try await api.post(path, unpaid, headers: stripeHeader(unpaid, at: now))
            #expect(try later.json()["outcome"]?.string == "ignored", "\(later)")
            // a paid amount that does not match the package, an unknown account: 4xx, nothing credited
            let cheap = checkoutCompleted(event: "evt_E", account: victor.id, total: 1)
            expectProblem(try await api.post(path, cheap, headers: stripeHeader(cheap, at: now)), 422, "invalid-value")
            let ghost = checkoutCompleted(event: "evt_F", account: "acc_ghost")
            expectProblem(try await api.post(path, ghost, headers: stripeHeader(ghost, at: now)), 404, "not-found")
            #expect(try await api.wallet(victor.token) == Wallet(200, 0))
            let purchases = try await api.get("/api/v1/wallet/purchases", token: victor.token)
            #expect(try purchases.json()["purchases"]?.array?.count == 2, "\(purchases)")
            let packages = try await api.get("/api/v1/wallet/packages")
            #expect(try packages.json()["packages"]?[0]?["id"]?.string == "tokens-100", "\(packages)")
            let checkout = try await api.post("/api/v1/wallet/checkout", #"{"package":"tokens-100"}"#, token: victor.token)
            #expect(try checkout.json()["stripe"]?["client_reference_id"]?.string == victor.id, "\(checkout)")
        }
        expectLogAuditsAndReplays(dataDir: dataDir, scratch: try directory.directory("scratch"))
    }

    @Test func webhookWithoutASecretIsUnavailable() async throws {
        let directory = try TemporaryDirectory("stripe-off")
        defer { directory.remove() }
        try await LiveServer.run(dataDir: try directory.directory("data")) { api, _ in
            expectProblem(try await api.post("/api/v1/payments/stripe/webhook", "{}"), 503, "payments-not-configured")
        }
    }

    @Test func badSubscriptionAndPayoutRequestsChangeNothing() async throws {
        let directory = try TemporaryDirectory("economy-bad")
        defer { directory.remove() }
        try await LiveServer.runAndAudit(directory) { api, admin in
            let (carol, victor) = try await api.carolAndVictor(admin: admin)
            let head = try await api.head(admin: admin)
            expectProblem(try await api.post("/api/v1/channels/carol-live/subscriptions", #"{"tier":"fan"}"#, token: victor.token), 422, "invalid-value")
            expectProblem(try await api.post("/api/v1/channels/carol-live/subscriptions", #"{"tier":7}"#, token: victor.token), 400)
            expectProblem(try await api.request(.put, "/api/v1/channels/carol-live/subscription-tiers",
                                                body: #"{"tiers":[{"name":"fan","tokens":-1}]}"#, token: carol.token), 422, "invalid-value")
            expectProblem(try await api.request(.put, "/api/v1/channels/carol-live/subscription-tiers",
                                                body: #"{"tiers":[{"name":"fan","tokens":5}]}"#, token: victor.token), 403, "forbidden")
            expectProblem(try await api.post("/api/v1/payouts", #"{"tokens":5000,"destination":"x"}"#, token: carol.token), 422, "insufficient-earnings")
            expectProblem(try await api.post("/api/v1/payouts", #"{"tokens":-5,"destination":"x"}"#, token: carol.token), 422, "invalid-value")
            expectProblem(try await api.post("/api/v1/admin/payouts/pay_nope/approve", nil, token: admin), 404, "not-found")
            expectProblem(try await api.post("/api/v1/admin/payouts/pay_nope/approve", nil, token: carol.token), 403)
            expectProblem(try await api.post("/api/v1/subscriptions/sub_nope/cancel", nil, token: victor.token), 404, "not-found")
            #expect(try await api.head(admin: admin) == head)
        }
    }
}
