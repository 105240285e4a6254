import Foundation
import MarqueeApp
import MarqueeCore
import Testing

/// The realtime feed over real connections: Server-Sent Events and WebSocket, scoped like
/// webhooks, resumable with Last-Event-ID, closed when its token stops being valid.
@Suite("Realtime feed", .timeLimit(.minutes(4)))
struct RealtimeFeedTests {
    static func config(_ dataDir: String) -> ServerConfig {
        var config = LiveServer.config(dataDir: dataDir)
        config.realtimeHeartbeatMillis = 200
        return config
    }

    @Test func serverSentEventsAreScopedFilteredAndResumable() async throws {
        let directory = try TemporaryDirectory("realtime")
        defer { directory.remove() }
        try await LiveServer.runParts(config: Self.config(try directory.directory("data")), clock: SystemWallClock()) { api, admin, _ in
            let (carol, victor) = try await api.carolAndVictor(admin: admin)
            let carl = try await api.account("carl", role: "creator")
            _ = try await api.createChannel("carl-live", token: carl.token)
            let port = try #require(api.port)
            let overlay = try await WebhookDeliveryTests.pat(api, session: carol.token, scopes: ["events:read", "gifts:read"])
            let noEvents = try await WebhookDeliveryTests.pat(api, session: carol.token, scopes: ["gifts:read"])
            let noGifts = try await WebhookDeliveryTests.pat(api, session: carol.token, scopes: ["events:read", "chat:read"])

            // events:read is needed; unknown topics are refused; a token is needed at all.
            expectProblem(try await api.get("/api/v1/realtime?topics=gift.*", token: noEvents), 403, "insufficient-scope")
            expectProblem(try await api.get("/api/v1/realtime?topics=nope.*", token: overlay), 422)
            expectProblem(try await api.get("/api/v1/realtime"), 401)

            let feed = try await EventStreamClient.open(port: port, path: "/api/v1/realtime?topics=gift.*&access_token=\(overlay)")
            defer { feed.close() }
            #expect(feed.status == 200 && feed.contentType == "text/event-stream")
            let chatless = try await EventStreamClient.open(port: port, path: "/api/v1/realtime?topics=*",
                                                            headers: [("Authorization", "Bearer \(noGifts)")])
            defer { chatless.close() }

            let first = try await WebhookDeliveryTests.gift(api, slug: "carol-live", token: victor.token)
            let foreign = try await WebhookDeliveryTests.gift(api, slug: "carl-live", token: victor.token)
            let chat = try await api.post("/api/v1/channels/carol-live/chat/messages", #"{"text":"thank you"}"#, token: carol.token)
            let second = try await WebhookDeliveryTests.gift(api, slug: "carol-live", token: victor.token)
            let frames = try await feed.waitForFrames(2)
            #expect(frames.map(\.id) == [String(first), String(second)], "only carol's gifts, in order: \(frames)")
            #expect(frames.allSatisfy { $0.event == "gift.sent" })
            let body = try ResponseJSON.parse(frames[0].data)
            #expect(body["type"]?.string == "gift.sent" && body["seq"]?.int == first && body["data"]?["toAccountId"]?.string == carol.id)
            #expect(body["handles"]?[victor.id]?.string == "victor", "the overlay can show who sent it")
            _ = foreign

            // Without gifts:read the same feed carries carol's chat, never a gift.
            let chatSeq = try chat.json()["seq"]?.int
            try await poll(timeout: .seconds(10), "the chat message on the second feed") {
                chatless.frames.contains { $0.id == chatSeq.map(String.init) }
            }
            #expect(!chatless.frames.contains { $0.event == "gift.sent" })

            // Resuming with Last-Event-ID replays what came after it, then goes live.
            let resumed = try await EventStreamClient.open(port: port, path: "/api/v1/realtime?topics=gift.sent",
                                                           headers: [("Authorization", "Bearer \(overlay)"), ("Last-Event-ID", String(first))])
            defer { resumed.close() }
            let third = try await WebhookDeliveryTests.gift(api, slug: "carol-live", token: victor.token)
            let replayed = try await resumed.waitForFrames(2)
            #expect(replayed.map(\.id) == [String(second), String(third)], "\(replayed)")

            // Revoking the token ends the feed at the next heartbeat.
            let tokens = try (try await api.get("/api/v1/tokens", token: carol.token)).json()["tokens"]?.array ?? []
            let ids = tokens.compactMap { $0["id"]?.string }
            for id in ids { _ = try await api.delete("/api/v1/tokens/\(id)", token: carol.token) }
            try await poll(timeout: .seconds(10), "the feed to end after its token was revoked") { feed.ended }
            #expect(feed.body.contains("event: closed"))
        }
    }

    @Test func theWebSocketFeedCarriesTheSameMessages() async throws {
        let directory = try TemporaryDirectory("realtime-ws")
        defer { directory.remove() }
        try await LiveServer.runParts(config: Self.config(try directory.directory("data")), clock: SystemWallClock()) { api, admin, _ in
            let (carol, victor) = try await api.carolAndVictor(admin: admin)
            let port = try #require(api.port)
            let token = try await WebhookDeliveryTests.pat(api, session: carol.token, scopes: ["events:read", "gifts:read", "chat:read"])
            let socket = try await ChatSocket.connect(port: port, path: "/api/v1/realtime", token: token, query: "topics=gift.sent,chat.message_posted")
            defer { socket.close() }
            let seq = try await WebhookDeliveryTests.gift(api, slug: "carol-live", token: victor.token)
            _ = try await api.post("/api/v1/channels/carol-live/chat/messages", #"{"text":"hi"}"#, token: victor.token)
            let gift = try await socket.next("gift.sent")
            #expect(gift["seq"]?.int == seq && gift["data"]?["gift"]?.string == "rose")
            let message = try await socket.next("chat.message_posted")
            #expect(message["data"]?["text"]?.string == "hi")

            // The gift-alert overlay for OBS is served from the binary.
            let page = try await api.get("/overlay/gifts")
            #expect(page.code == 200 && page.body.contains("EventSource") && page.body.contains("/api/v1/realtime"))
        }
    }
}
