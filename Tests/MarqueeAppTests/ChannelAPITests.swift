import Foundation
import Testing

/// Channels: create, show (stream key to the owner only), update, rotate the key (issue 2, item 6).
@Suite("HTTP API: channels", .timeLimit(.minutes(4)))
struct ChannelAPITests {
    @Test("create (creator only) returns the stream key; GET shows it to the owner only; unknown slug 404")
    func createAndShow() async throws {
        let directory = try TemporaryDirectory("channels")
        defer { directory.remove() }
        try await LiveServer.runAndAudit(directory) { api, admin in
            let carol = try await api.account("carol", role: "creator")
            let victor = try await api.account("victor")

            let head = try await api.head(admin: admin)
            let byViewer = try await api.post("/api/v1/channels", #"{"slug":"victor-live","title":"Mine"}"#, token: victor.token)
            expectProblem(byViewer, 403, "forbidden", "viewer creates a channel")
            let anonymous = try await api.post("/api/v1/channels", #"{"slug":"anon-live","title":"Mine"}"#)
            expectProblem(anonymous, 401, "unauthenticated", "anonymous creates a channel")
            let badSlug = try await api.post("/api/v1/channels", #"{"slug":"Bad Slug!","title":"Mine"}"#, token: carol.token)
            expectProblem(badSlug, 422, "invalid-value", "invalid slug")
            let emptyTitle = try await api.post("/api/v1/channels", #"{"slug":"carol-live","title":""}"#, token: carol.token)
            expectProblem(emptyTitle, 422, "invalid-value", "empty title")
            #expect(try await api.head(admin: admin) == head, "a rejected channel appended an event")

            let created = try await api.post("/api/v1/channels", #"{"slug":"carol-live","title":"Carol live"}"#, token: carol.token)
            #expect(created.code == 201, "\(created)")
            let channel = try created.json()
            let streamKey = try #require(channel["streamKey"]?.string, "the creator's answer has the stream key: \(created)")
            #expect(!streamKey.isEmpty)
            #expect(channel["slug"]?.string == "carol-live")
            #expect(channel["title"]?.string == "Carol live")
            #expect(channel["ownerId"]?.string == carol.id)
            #expect(channel["access"]?.string == "public")
            #expect(channel["pricePerMinute"]?.int == 0)

            let duplicate = try await api.post("/api/v1/channels", #"{"slug":"carol-live","title":"Again"}"#, token: carol.token)
            expectProblem(duplicate, 409, "already-taken", "duplicate slug")

            let asOwner = try await api.get("/api/v1/channels/carol-live", token: carol.token)
            #expect(asOwner.code == 200, "\(asOwner)")
            #expect(try asOwner.json()["streamKey"]?.string == streamKey, "owner sees the key: \(asOwner)")
            for (who, token) in [("anonymous", nil), ("another account", victor.token), ("an admin", admin)] as [(String, String?)] {
                let shown = try await api.get("/api/v1/channels/carol-live", token: token)
                #expect(shown.code == 200, "\(who): \(shown)")
                let key = try shown.json()["streamKey"]
                #expect(key == nil || key == .null, "\(who) must not see the stream key: \(shown)")
                #expect(!shown.body.contains(streamKey), "\(who) got the stream key somewhere: \(shown)")
            }

            expectProblem(try await api.get("/api/v1/channels/no-such-channel"), 404, "not-found", "unknown channel")
            expectProblem(try await api.patch("/api/v1/channels/no-such-channel", #"{"title":"x"}"#, token: carol.token), 404, "not-found",
                          "PATCH unknown channel")
            expectProblem(try await api.post("/api/v1/channels/no-such-channel/gifts", #"{"gift":"rose"}"#, token: victor.token), 404,
                          "not-found", "gift to unknown channel")
            expectProblem(try await api.get("/api/v1/channels/no-such-channel/gifts"), 404, "not-found", "gift history of unknown channel")
        }
    }

    @Test("PATCH title/access/pricePerMinute by the owner; paid at price 0 is 422; non-owner 403; key rotation")
    func update() async throws {
        let directory = try TemporaryDirectory("patch")
        defer { directory.remove() }
        try await LiveServer.runAndAudit(directory) { api, admin in
            let carol = try await api.account("carol", role: "creator")
            let dave = try await api.account("dave", role: "creator")
            let oldKey = try #require(try await api.createChannel("carol-live", token: carol.token)["streamKey"]?.string)

            let title = try await api.patch("/api/v1/channels/carol-live", #"{"title":"Late show"}"#, token: carol.token)
            #expect(title.code == 200, "\(title)")
            #expect(try title.json()["title"]?.string == "Late show")

            let head = try await api.head(admin: admin)
            let paidFree = try await api.patch("/api/v1/channels/carol-live", #"{"access":"paid","pricePerMinute":0}"#, token: carol.token)
            expectProblem(paidFree, 422, "invalid-value", "paid with price 0")
            let paidNoPrice = try await api.patch("/api/v1/channels/carol-live", #"{"access":"paid"}"#, token: carol.token)
            expectProblem(paidNoPrice, 422, "invalid-value", "paid while the price is 0")
            let negative = try await api.patch("/api/v1/channels/carol-live", #"{"pricePerMinute":-1}"#, token: carol.token)
            expectProblem(negative, 422, "invalid-value", "negative price")
            let badAccess = try await api.patch("/api/v1/channels/carol-live", #"{"access":"vip"}"#, token: carol.token)
            expectProblem(badAccess, 400, nil, "unknown access value")
            let wrongType = try await api.patch("/api/v1/channels/carol-live", #"{"pricePerMinute":"5"}"#, token: carol.token)
            expectProblem(wrongType, 400, nil, "price as a string")
            let nonOwner = try await api.patch("/api/v1/channels/carol-live", #"{"title":"Mine now"}"#, token: dave.token)
            expectProblem(nonOwner, 403, "forbidden", "PATCH by another creator")
            let anonymous = try await api.patch("/api/v1/channels/carol-live", #"{"title":"Mine now"}"#)
            expectProblem(anonymous, 401, "unauthenticated", "anonymous PATCH")
            #expect(try await api.head(admin: admin) == head, "a rejected PATCH appended an event")

            let paid = try await api.patch("/api/v1/channels/carol-live", #"{"access":"paid","pricePerMinute":5}"#, token: carol.token)
            #expect(paid.code == 200, "\(paid)")
            let shown = try await api.get("/api/v1/channels/carol-live")
            #expect(try shown.json()["access"]?.string == "paid", "\(shown)")
            #expect(try shown.json()["pricePerMinute"]?.int == 5, "\(shown)")
            #expect(try shown.json()["title"]?.string == "Late show", "\(shown)")

            let rotateByOther = try await api.post("/api/v1/channels/carol-live/stream-key", nil, token: dave.token)
            expectProblem(rotateByOther, 403, "forbidden", "rotation by another creator")
            let rotated = try await api.post("/api/v1/channels/carol-live/stream-key", nil, token: carol.token)
            #expect(rotated.code == 200, "\(rotated)")
            let newKey = try #require(try rotated.json()["streamKey"]?.string)
            #expect(newKey != oldKey)
            #expect(try await api.get("/api/v1/channels/carol-live", token: carol.token).json()["streamKey"]?.string == newKey)
        }
    }
}
