import Foundation
import HTTPTypes
import NIOCore
import Testing

/// Catalog, admin grants, gifts with the fee split, Idempotency-Key, wallet and history
/// (issue 2, items 3 and 6): every rejected request is a 4xx problem and appends nothing.
@Suite("HTTP API: grants, gifts and wallets", .timeLimit(.minutes(4)))
struct WalletAPITests {
    @Test("GET /gifts lists the catalog with the fee")
    func catalog() async throws {
        let directory = try TemporaryDirectory("catalog")
        defer { directory.remove() }
        try await LiveServer.runAndAudit(directory) { api, _ in
            let reply = try await api.get("/api/v1/gifts")
            #expect(reply.code == 200, "\(reply)")
            let json = try reply.json()
            let gifts = try #require(json["gifts"]?.array, "\(reply)")
            let prices = Dictionary(uniqueKeysWithValues: gifts.compactMap { g in g["name"]?.string.map { ($0, g["tokens"]?.int ?? -1) } })
            #expect(prices == ["heart": 1, "rose": 10, "star": 50, "rocket": 500], "\(reply)")
            #expect(json["platformFeePercent"] == .int(20) || json["platformFeePercent"] == .double(20), "\(reply)")
        }
    }

    @Test("admin grants: non-admin 403; 0, -5, 10^12 and \"10\" rejected with nothing appended")
    func grants() async throws {
        let directory = try TemporaryDirectory("grants")
        defer { directory.remove() }
        try await LiveServer.runAndAudit(directory) { api, admin in
            let alice = try await api.account("alice")
            let head = try await api.head(admin: admin)

            let byViewer = try await api.post("/api/v1/admin/grants", #"{"handle":"alice","tokens":10}"#, token: alice.token)
            expectProblem(byViewer, 403, "forbidden", "grant by a viewer")
            expectProblem(try await api.post("/api/v1/admin/grants", #"{"handle":"alice","tokens":10}"#), 401, "unauthenticated",
                          "anonymous grant")
            for (body, status) in [
                (#"{"handle":"alice","tokens":0}"#, 422),
                (#"{"handle":"alice","tokens":-5}"#, 422),
                (#"{"handle":"alice","tokens":1000000000000}"#, 422),
                (#"{"handle":"alice","tokens":"10"}"#, 400),
                (#"{"handle":"alice","tokens":10.5}"#, 400),
                (#"{"handle":"alice","tokens":99999999999999999999999}"#, 400),
                (#"{"handle":"alice"}"#, 400),
                (#"{"handle":"alice","tokens":10"#, 400),
                (#"[]"#, 400),
                (#"{"handle":"nobody","tokens":10}"#, 404),
            ] {
                let reply = try await api.post("/api/v1/admin/grants", body, token: admin)
                expectProblem(reply, status, nil, "grant \(body)")
            }
            #expect(try await api.head(admin: admin) == head, "a rejected grant appended an event")
            #expect(try await api.wallet(alice.token).balance == 0)

            let good = try await api.post("/api/v1/admin/grants", #"{"handle":"alice","tokens":10,"reason":"welcome"}"#, token: admin)
            #expect(good.code == 201, "\(good)")
            #expect(try good.json()["tokens"]?.int == 10)
            #expect(try good.json()["seq"]?.int == head + 1)
            #expect(try await api.wallet(alice.token).balance == 10)
        }
    }

    @Test("gifts: 20 % split, insufficient tokens, bad input, missing auth; wallet and history")
    func gifts() async throws {
        let directory = try TemporaryDirectory("gifts")
        defer { directory.remove() }
        try await LiveServer.runAndAudit(directory) { api, admin in
            let carol = try await api.account("carol", role: "creator")
            let victor = try await api.account("victor")
            let poor = try await api.account("poor")
            _ = try await api.createChannel("carol-live", token: carol.token)
            try await api.grant("victor", 100, admin: admin)
            try await api.grant("poor", 5, admin: admin)
            let path = "/api/v1/channels/carol-live/gifts"

            let sent = try await api.post(path, #"{"gift":"rose","quantity":3,"message":"encore!"}"#, token: victor.token)
            #expect(sent.code == 201, "\(sent)")
            let gift = try sent.json()
            #expect(gift["tokens"]?.int == 30, "\(sent)")
            #expect(gift["creatorTokens"]?.int == 24, "\(sent)")
            #expect(gift["feeTokens"]?.int == 6, "\(sent)")
            #expect(gift["fromAccountId"]?.string == victor.id)
            #expect(gift["toAccountId"]?.string == carol.id)
            #expect(gift["message"]?.string == "encore!")
            let giftId = try #require(gift["giftId"]?.string)
            #expect(try await api.wallet(victor.token) == Wallet(70, 0))
            #expect(try await api.wallet(carol.token) == Wallet(0, 24))
            // Rounding: the fee is floored, so a 1-token heart goes entirely to the creator.
            let heart = try await api.post(path, #"{"gift":"heart"}"#, token: victor.token)
            #expect(try heart.json()["quantity"]?.int == 1, "quantity defaults to 1: \(heart)")
            #expect(try heart.json()["creatorTokens"]?.int == 1, "\(heart)")
            #expect(try heart.json()["feeTokens"]?.int == 0, "\(heart)")

            let head = try await api.head(admin: admin)
            let insufficient = try await api.post(path, #"{"gift":"rose"}"#, token: poor.token)
            expectProblem(insufficient, 422, "insufficient-tokens", "rose with 5 tokens")
            let rejected: [(String, String?, Int, String)] = [
                (#"{"gift":"unicorn"}"#, victor.token, 404, "unknown gift"),
                (#"{"gift":"rose","quantity":0}"#, victor.token, 422, "quantity 0"),
                (#"{"gift":"rose","quantity":-1}"#, victor.token, 422, "quantity -1"),
                (#"{"gift":"rose","quantity":1001}"#, victor.token, 422, "quantity 1001"),
                (#"{"gift":"rocket","quantity":1000}"#, victor.token, 422, "more than the balance"),
                (#"{"gift":"rose","quantity":"#, victor.token, 400, "malformed JSON"),
                (#"{"gift":"rose","quantity":"2"}"#, victor.token, 400, "quantity as a string"),
                (#"{"gift":"rose","quantity":1.5}"#, victor.token, 400, "fractional quantity"),
                (#"{"gift":7}"#, victor.token, 400, "gift as a number"),
                (#"{"quantity":1}"#, victor.token, 400, "missing gift"),
                (#""#, victor.token, 400, "empty body"),
                (#"{"gift":"rose"}"#, nil, 401, "missing auth"),
                (#"{"gift":"rose"}"#, "mqs_forged", 401, "unknown token"),
                (#"{"gift":"rose"}"#, carol.token, 403, "gift to your own channel"),
            ]
            for (body, token, status, what) in rejected {
                expectProblem(try await api.post(path, body, token: token), status, nil, what)
            }
            let notJSON = try await api.post(path, #"{"gift":"rose"}"#, token: victor.token, headers: [.contentType: "text/plain"])
            #expect((400..<500).contains(notJSON.code), "text/plain body: \(notJSON)")
            #expect(try await api.head(admin: admin) == head, "a rejected gift appended an event")
            #expect(try await api.wallet(victor.token) == Wallet(69, 0), "balances moved on a rejected gift")
            #expect(try await api.wallet(poor.token) == Wallet(5, 0))
            #expect(try await api.wallet(carol.token) == Wallet(0, 25))

            let history = try await api.get(path)
            #expect(history.code == 200, "\(history)")
            let listed = try #require(try history.json()["gifts"]?.array, "\(history)")
            #expect(listed.count == 2, "\(history)")
            #expect(listed.last?["giftId"]?.string == giftId, "history is newest first: \(history)")
            #expect(listed.last?["tokens"]?.int == 30)
            let page = try await api.get(path + "?limit=1")
            #expect(try page.json()["gifts"]?.array?.count == 1, "\(page)")
            #expect(try page.json()["nextBefore"]?.int != nil, "\(page)")
            expectProblem(try await api.get(path + "?limit=0"), 400, nil, "limit 0")
        }
    }

    @Test("Idempotency-Key: same key and body replays once; same key, other body 422")
    func idempotency() async throws {
        let directory = try TemporaryDirectory("idempotency")
        defer { directory.remove() }
        try await LiveServer.runAndAudit(directory) { api, admin in
            let carol = try await api.account("carol", role: "creator")
            let victor = try await api.account("victor")
            let vera = try await api.account("vera")
            _ = try await api.createChannel("carol-live", token: carol.token)
            try await api.grant("victor", 100, admin: admin)
            try await api.grant("vera", 100, admin: admin)
            let path = "/api/v1/channels/carol-live/gifts"
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "gift-0001"]
            let body = #"{"gift":"rose","quantity":2}"#

            let first = try await api.post(path, body, token: victor.token, headers: key)
            #expect(first.code == 201, "\(first)")
            #expect(first.headers[HTTPField.Name("Idempotent-Replayed")!] == nil, "a first answer is not a replay: \(first)")
            let head = try await api.head(admin: admin)
            let again = try await api.post(path, body, token: victor.token, headers: key)
            #expect(again.code == 201, "\(again)")
            #expect(again.headers[HTTPField.Name("Idempotent-Replayed")!] == "true", "\(again)")
            #expect(try again.json()["giftId"] == first.json()["giftId"], "first \(first) again \(again)")
            #expect(try again.json()["seq"] == first.json()["seq"])
            #expect(try await api.head(admin: admin) == head, "a replay appended an event")
            #expect(try await api.wallet(victor.token).balance == 80, "charged once")
            #expect(try await api.wallet(carol.token).earnings == 16)

            let other = try await api.post(path, #"{"gift":"rose","quantity":3}"#, token: victor.token, headers: key)
            expectProblem(other, 422, "idempotency-key-reused", "same key, other body")
            #expect(try await api.head(admin: admin) == head)
            #expect(try await api.wallet(victor.token).balance == 80)

            // Keys belong to the account that sent them: vera's same key is a new request.
            let vera1 = try await api.post(path, body, token: vera.token, headers: key)
            #expect(vera1.code == 201, "\(vera1)")
            #expect(vera1.headers[HTTPField.Name("Idempotent-Replayed")!] == nil, "\(vera1)")
            #expect(try vera1.json()["giftId"] != first.json()["giftId"])
            #expect(try await api.wallet(vera.token).balance == 80)

            let badKey = try await api.post(path, body, token: victor.token, headers: [HTTPField.Name("Idempotency-Key")!: String(repeating: "k", count: 256)])
            expectProblem(badKey, 400, nil, "a 256-character key")
            #expect(try await api.head(admin: admin) == head + 1)
        }
    }

    @Test("unknown fields, duplicate keys and malformed JSON of every kind are 400 and append nothing (strict decoding)")
    func unknownFields() async throws {
        let directory = try TemporaryDirectory("unknown-fields")
        defer { directory.remove() }
        try await LiveServer.runAndAudit(directory) { api, admin in
            let (carol, victor) = try await api.carolAndVictor(admin: admin)
            let head = try await api.head(admin: admin)
            let requests: [(String, String, String?, String)] = [
                ("/api/v1/channels/carol-live/gifts", #"{"gift":"rose","quantity":1,"tip":5}"#, victor.token, "gift with 'tip'"),
                ("/api/v1/channels/carol-live/gifts", #"{"gift":"rose","quantity":1,"tokens":0}"#, victor.token, "gift with a client price"),
                ("/api/v1/admin/grants", #"{"handle":"victor","tokens":10,"bonus":true}"#, admin, "grant with 'bonus'"),
                ("/api/v1/accounts", #"{"handle":"mallory","password":"password-123","isAdmin":true}"#, nil, "register with 'isAdmin'"),
                ("/api/v1/channels", #"{"slug":"carol-two","title":"Two","ownerId":"acc_x"}"#, carol.token, "channel with 'ownerId'"),
            ]
            for (path, body, token, what) in requests {
                expectProblem(try await api.post(path, body, token: token), 400, "invalid-request", what)
            }
            // Malformed or ambiguous JSON of every kind is a 400 too.
            let gifts = "/api/v1/channels/carol-live/gifts"
            for (body, what) in [
                (#"{"gift":"rose","gift":"star"}"#, "duplicate key"),
                (#"{"gift":"rose"} x"#, "trailing garbage"),
                (#"{"gift":"rose"}{"gift":"rose"}"#, "two documents"),
                (#"{'gift':'rose'}"#, "single quotes"),
                (#"{"gift":"rose","message":"\ud800"}"#, "lone surrogate escape"),
                (#"{"gift":"rose","quantity":1e400}"#, "number out of range"),
                (#"{"gift":"rose","quantity":9223372036854775808}"#, "integer overflow"),
                ("{\"gift\":\"rose\",\"message\":\"a\tb\"}", "raw control character in a string"),
                (#"{"gift":"rose","message":"#, "truncated"),
                (#"{"gift":"rose","message":"# + String(repeating: "[", count: 20_000) + String(repeating: "]", count: 20_000) + "}",
                 "20,000 levels of nesting"),
                (#""rose""#, "a string, not an object"),
                (#"null"#, "null"),
            ] {
                expectProblem(try await api.post(gifts, body, token: victor.token), 400, "invalid-request", what)
            }
            let invalidUTF8 = try await api.transport(gifts, .post, [.contentType: "application/json", .authorization: "Bearer \(victor.token)"],
                                                      ByteBuffer(bytes: Array(#"{"gift":"rose","message":""#.utf8) + [0xC0, 0xAF] + Array(#""}"#.utf8)))
            expectProblem(invalidUTF8, 400, "invalid-request", "invalid UTF-8")
            let patch = try await api.patch("/api/v1/channels/carol-live", #"{"title":"New","streamKey":"sk_mine"}"#, token: carol.token)
            expectProblem(patch, 400, "invalid-request", "PATCH with 'streamKey'")
            let login = try await api.post("/api/v1/sessions", #"{"handle":"victor","password":"password-123","remember":true}"#)
            expectProblem(login, 400, "invalid-request", "login with 'remember'")
            #expect(try await api.head(admin: admin) == head, "a request with an unknown field appended an event")
            #expect(try await api.wallet(victor.token) == Wallet(100, 0), "a request with an unknown field moved tokens")
        }
    }
}
