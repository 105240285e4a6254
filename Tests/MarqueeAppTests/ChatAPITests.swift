import Domain
import Foundation
import HTTPTypes
import MarqueeApp
import MarqueeCore
import Testing
import TestSupport

/// Chat over real WebSockets on loopback, the POST fallback and history, moderation, live
/// polls and ads, against a live server.
@Suite("Chat, polls and ads over HTTP and WebSocket", .timeLimit(.minutes(4)))
struct ChatAPITests {
    static func withServer(_ body: @escaping @Sendable (API, String, ServerParts, ManualClock) async throws -> Void) async throws {
        let directory = try TemporaryDirectory("chat")
        defer { directory.remove() }
        let dataDir = try directory.directory("data")
        let clock = ManualClock()
        try await LiveServer.runParts(config: LiveServer.economyConfig(dataDir: dataDir), clock: clock) { api, admin, parts in
            try await body(api, admin, parts, clock)
        }
        expectLogAuditsAndReplays(dataDir: dataDir, scratch: try directory.directory("scratch"))
    }

    @Test func everySocketOfTheChannelReceivesEachMessage() async throws {
        try await Self.withServer { api, admin, _, _ in
            let (carol, victor) = try await api.carolAndVictor(admin: admin)
            let viewer = try await ChatSocket.open(port: api.port ?? 0, slug: "carol-live", token: victor.token)
            let anonymous = try await ChatSocket.open(port: api.port ?? 0, slug: "carol-live")
            let byQuery = try await ChatSocket.open(port: api.port ?? 0, slug: "carol-live", query: "access_token=\(carol.token)")
            try await viewer.send(#"{"type":"message","text":"hello from the socket"}"#)
            for socket in [viewer, anonymous, byQuery] {
                let message = try await socket.next("message")
                #expect(message["text"]?.string == "hello from the socket" && message["author"]?["handle"]?.string == "victor", "\(message)")
                #expect(message["id"]?.string?.hasPrefix("msg_") == true)
            }
            // the POST fallback reaches the sockets too
            let posted = try await api.post("/api/v1/channels/carol-live/chat/messages", #"{"text":"hi from HTTP"}"#, token: carol.token)
            try #require(posted.code == 201, "\(posted)")
            #expect(try await anonymous.next("message")["text"]?.string == "hi from HTTP")
            // anonymous sockets read but cannot post
            try await anonymous.send(#"{"type":"message","text":"sneaky"}"#)
            #expect(try await anonymous.next("error")["status"]?.int == 401)
            // malformed input gets an error on that socket only and appends nothing
            let head = try await api.head(admin: admin)
            try await viewer.send("not json")
            #expect(try await viewer.next("error")["status"]?.int == 400)
            try await viewer.send(#"{"type":"message","text":""}"#)
            #expect(try await viewer.next("error")["status"]?.int == 422)
            #expect(try await api.head(admin: admin) == head)
            // history, newest first
            let history = try await api.get("/api/v1/channels/carol-live/chat/messages?limit=10")
            let texts = try history.json()["messages"]?.array?.compactMap { $0["text"]?.string }
            #expect(texts == ["hi from HTTP", "hello from the socket"], "\(history)")
            viewer.close(); anonymous.close(); byQuery.close()
        }
    }

    @Test func moderationBlockedTermsSlowModeBansAndDeletes() async throws {
        try await Self.withServer { api, admin, _, clock in
            let (carol, victor) = try await api.carolAndVictor(admin: admin)
            let settings = try await api.patch("/api/v1/channels/carol-live/chat/settings",
                                               #"{"blockedTerms":["Spoiler"],"slowModeSeconds":30}"#, token: carol.token)
            try #require(settings.code == 200, "\(settings)")
            #expect(try settings.json()["blockedTerms"]?[0]?.string == "spoiler")
            expectProblem(try await api.patch("/api/v1/channels/carol-live/chat/settings", #"{"slowModeSeconds":5}"#, token: victor.token), 403)
            let socket = try await ChatSocket.open(port: api.port ?? 0, slug: "carol-live", token: victor.token)
            let head = try await api.head(admin: admin)
            try await socket.send(#"{"type":"message","text":"huge SPOILER: it was a dream"}"#)
            let refused = try await socket.next("error")
            #expect(refused["status"]?.int == 422 && refused["detail"]?.string?.contains("spoiler") == true, "\(refused)")
            #expect(try await api.head(admin: admin) == head)
            try await socket.send(#"{"type":"message","text":"first"}"#)
            let first = try await socket.next("message")
            try await socket.send(#"{"type":"message","text":"second"}"#)
            #expect(try await socket.next("error")["status"]?.int == 429)
            let limited = try await api.post("/api/v1/channels/carol-live/chat/messages", #"{"text":"again"}"#, token: victor.token)
            expectProblem(limited, 429, "rate-limited")
            #expect(limited.headers[.retryAfter].flatMap { Int($0) }.map { (1...30).contains($0) } == true, "\(limited)")
            clock.advance(seconds: 30)
            try await socket.send(#"{"type":"message","text":"third"}"#)
            _ = try await socket.next("message")
            // the owner deletes the first message; every socket hears it; history hides its text
            let id = try #require(first["id"]?.string)
            let deleted = try await api.delete("/api/v1/channels/carol-live/chat/messages/\(id)", token: carol.token)
            #expect(deleted.code == 204, "\(deleted)")
            #expect(try await socket.next("message_deleted")["id"]?.string == id)
            expectProblem(try await api.delete("/api/v1/channels/carol-live/chat/messages/msg_nope", token: carol.token), 404)
            // a timeout closes the user's sockets at once, and keeps them out until it ends
            let ban = try await api.post("/api/v1/channels/carol-live/chat/bans", #"{"handle":"victor","durationSeconds":600,"reason":"cool off"}"#,
                                         token: carol.token)
            try #require(ban.code == 201, "\(ban)")
            let frame = try await socket.closed()
            #expect(frame?.reason?.contains("timed out") == true, "\(String(describing: frame))")
            await #expect(throws: (any Error).self) { _ = try await ChatSocket.open(port: api.port ?? 0, slug: "carol-live", token: victor.token) }
            expectProblem(try await api.post("/api/v1/channels/carol-live/chat/messages", #"{"text":"let me in"}"#, token: victor.token), 403)
            let bans = try await api.get("/api/v1/channels/carol-live/chat/bans", token: carol.token)
            #expect(try bans.json()["bans"]?[0]?["handle"]?.string == "victor", "\(bans)")
            clock.advance(seconds: 601)
            let back = try await ChatSocket.open(port: api.port ?? 0, slug: "carol-live", token: victor.token)
            back.close()
            // a channel moderator chosen by the owner may ban; the owner cannot be banned
            _ = try await api.account("mia")
            #expect(try await api.request(.put, "/api/v1/channels/carol-live/chat/moderators/mia", token: carol.token).code == 204)
            let mia = try await api.login("mia")
            let permanent = try await api.post("/api/v1/channels/carol-live/chat/bans", #"{"handle":"victor"}"#, token: mia)
            let until = try permanent.json()["until"]
            #expect(permanent.code == 201 && until?.isNull == true, "\(permanent)")
            expectProblem(try await api.post("/api/v1/channels/carol-live/chat/bans", #"{"handle":"carol"}"#, token: mia), 403)
            #expect(try await api.delete("/api/v1/channels/carol-live/chat/bans/victor", token: mia).code == 204)
        }
    }

    @Test func subscribersOnlyChannelsKeepTheirChatForSubscribers() async throws {
        try await Self.withServer { api, admin, _, _ in
            let (carol, victor) = try await api.carolAndVictor(admin: admin)
            _ = try await api.patch("/api/v1/channels/carol-live", #"{"access":"subscribers"}"#, token: carol.token)
            await #expect(throws: (any Error).self) { _ = try await ChatSocket.open(port: api.port ?? 0, slug: "carol-live") }
            await #expect(throws: (any Error).self) { _ = try await ChatSocket.open(port: api.port ?? 0, slug: "carol-live", token: victor.token) }
            _ = try await api.request(.put, "/api/v1/channels/carol-live/subscription-tiers", body: #"{"tiers":[{"name":"fan","tokens":10}]}"#,
                                      token: carol.token)
            let sub = try await api.post("/api/v1/channels/carol-live/subscriptions", #"{"tier":"fan"}"#, token: victor.token)
            try #require(sub.code == 201, "\(sub)")
            let socket = try await ChatSocket.open(port: api.port ?? 0, slug: "carol-live", token: victor.token)
            try await socket.send(#"{"type":"message","text":"subscriber here"}"#)
            #expect(try await socket.next("message")["text"]?.string == "subscriber here")
            socket.close()
        }
    }

    @Test func pollsPushLiveResultsAndCloseAtTheDeadline() async throws {
        try await Self.withServer { api, admin, parts, clock in
            let (carol, victor) = try await api.carolAndVictor(admin: admin)
            let socket = try await ChatSocket.open(port: api.port ?? 0, slug: "carol-live", token: victor.token)
            let opened = try await api.post("/api/v1/channels/carol-live/polls",
                                            #"{"question":"Next song?","options":["jazz","blues","funk"],"durationSeconds":60}"#, token: carol.token)
            try #require(opened.code == 201, "\(opened)")
            let pollId = try #require(try opened.json()["id"]?.string)
            #expect(try await socket.next("poll")["options"]?.array?.count == 3)
            try await socket.send(#"{"type":"vote","pollId":"\#(pollId)","option":1}"#)
            #expect(try await socket.next("poll_results")["counts"]?.array?.compactMap(\.int) == [0, 1, 0])
            let carolVote = try await api.post("/api/v1/polls/\(pollId)/votes", #"{"option":1}"#, token: carol.token)
            #expect(try carolVote.json()["counts"]?.array?.compactMap(\.int) == [0, 2, 0], "\(carolVote)")
            expectProblem(try await api.post("/api/v1/polls/\(pollId)/votes", #"{"option":0}"#, token: victor.token), 409)
            expectProblem(try await api.post("/api/v1/polls/\(pollId)/votes", #"{"option":9}"#, token: admin), 422)
            clock.advance(seconds: 60)
            try await parts.scheduler.tick()
            let closed = try await socket.next("poll_closed")
            #expect(closed["counts"]?.array?.compactMap(\.int) == [0, 2, 0], "\(closed)")
            let poll = try await api.get("/api/v1/polls/\(pollId)")
            #expect(try poll.json()["status"]?.string == "closed")
            socket.close()
        }
    }

    @Test func adBreaksReachNonPayingViewersOnly() async throws {
        try await Self.withServer { api, admin, parts, _ in
            let (carol, victor) = try await api.carolAndVictor(admin: admin)
            let fan = try await api.account("fan")
            try await api.grant("fan", 100, admin: admin)
            let ad = try await api.post("/api/v1/admin/ads", #"{"name":"Soda","durationMs":15000,"media":"https://ads.example/soda.mp4"}"#, token: admin)
            try #require(ad.code == 201, "\(ad)")
            expectProblem(try await api.post("/api/v1/admin/ads", #"{"name":"x","durationMs":15000,"media":"https://a.example/x"}"#, token: carol.token), 403)
            _ = try await api.request(.put, "/api/v1/channels/carol-live/subscription-tiers", body: #"{"tiers":[{"name":"fan","tokens":10}]}"#,
                                      token: carol.token)
            _ = try await api.post("/api/v1/channels/carol-live/subscriptions", #"{"tier":"fan"}"#, token: fan.token)
            let channelId = try #require(try await api.get("/api/v1/channels/carol-live").json()["id"]?.string)
            _ = try await parts.viewing.startStream(channelId: channelId, ownerId: carol.id)
            let victorSession = try await parts.viewing.join(channelId: channelId, viewerId: victor.id)
            let anonymousSession = try await parts.viewing.join(channelId: channelId, viewerId: nil)
            let fanSession = try await parts.viewing.join(channelId: channelId, viewerId: fan.id)
            let victorSocket = try await ChatSocket.open(port: api.port ?? 0, slug: "carol-live", token: victor.token)
            let anonymousSocket = try await ChatSocket.open(port: api.port ?? 0, slug: "carol-live", query: "session=\(anonymousSession)")
            let fanSocket = try await ChatSocket.open(port: api.port ?? 0, slug: "carol-live", token: fan.token, query: "session=\(fanSession)")
            let started = try await api.post("/api/v1/channels/carol-live/ad-breaks", nil, token: carol.token)
            try #require(started.code == 201, "\(started)")
            #expect(try started.json()["impressions"]?.int == 2, "\(started)")
            let shown = try await victorSocket.next("ad")
            #expect(shown["media"]?.string == "https://ads.example/soda.mp4" && shown["sessionId"]?.string == victorSession, "\(shown)")
            #expect(try await anonymousSocket.next("ad")["sessionId"]?.string == anonymousSession)
            // the subscriber is ad-free: the chat reaches them, the ad does not
            try await victorSocket.send(#"{"type":"message","text":"ads again"}"#)
            _ = try await fanSocket.next("message")
            #expect(!fanSocket.pending.contains { $0.contains("\"ad\"") }, "\(fanSocket.pending)")
            let report = try await api.get("/api/v1/admin/ads/impressions", token: admin)
            #expect(try report.json()["byChannel"]?[0]?["impressions"]?.int == 2, "\(report)")
            #expect(try report.json()["byAd"]?[0]?["impressions"]?.int == 2, "\(report)")
            victorSocket.close(); anonymousSocket.close(); fanSocket.close()
        }
    }
}
