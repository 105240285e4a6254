import Foundation
import Testing

/// Accounts, sessions and `/me` against a live in-process server (issue 2, item 6).
@Suite("HTTP API: accounts and sessions", .timeLimit(.minutes(4)))
struct AccountAPITests {
    @Test("register viewer and creator; duplicate handle 409; roles moderator/admin only by an admin")
    func registration() async throws {
        let directory = try TemporaryDirectory("accounts")
        defer { directory.remove() }
        try await LiveServer.runAndAudit(directory) { api, admin in
            let viewer = try await api.register("alice")
            #expect(viewer["role"]?.string == "viewer", "role defaults to viewer: \(viewer)")
            #expect(viewer["handle"]?.string == "alice")
            #expect(viewer["id"]?.string?.hasPrefix("acc_") == true, "\(viewer)")
            let creator = try await api.register("bob", role: "creator")
            #expect(creator["role"]?.string == "creator")

            let head = try await api.head(admin: admin)
            // Handles are case-insensitive: 'ALICE' is 'alice'.
            for handle in ["alice", "ALICE"] {
                let duplicate = try await api.post("/api/v1/accounts", #"{"handle":"\#(handle)","password":"password-123"}"#)
                expectProblem(duplicate, 409, "already-taken", "duplicate \(handle)")
            }
            let selfAdmin = try await api.post("/api/v1/accounts", #"{"handle":"mallory","password":"password-123","role":"admin"}"#)
            expectProblem(selfAdmin, 403, "forbidden", "self-registered admin")
            let selfModerator = try await api.post("/api/v1/accounts", #"{"handle":"mallory","password":"password-123","role":"moderator"}"#)
            expectProblem(selfModerator, 403, "forbidden", "self-registered moderator")
            let viewerToken = try await api.login("alice")
            let byViewer = try await api.post("/api/v1/accounts", #"{"handle":"mallory","password":"password-123","role":"admin"}"#,
                                              token: viewerToken)
            expectProblem(byViewer, 403, "forbidden", "admin registered by a viewer")
            let badRole = try await api.post("/api/v1/accounts", #"{"handle":"mallory","password":"password-123","role":"superuser"}"#)
            expectProblem(badRole, 400, nil, "unknown role")
            let shortPassword = try await api.post("/api/v1/accounts", #"{"handle":"mallory","password":"short"}"#)
            expectProblem(shortPassword, 422, "invalid-value", "short password")
            let badHandle = try await api.post("/api/v1/accounts", #"{"handle":"9lives","password":"password-123"}"#)
            expectProblem(badHandle, 422, "invalid-value", "handle starting with a digit")
            let missingPassword = try await api.post("/api/v1/accounts", #"{"handle":"mallory"}"#)
            expectProblem(missingPassword, 400, nil, "missing password")
            #expect(try await api.head(admin: admin) == head, "a rejected registration appended an event")

            let moderator = try await api.post("/api/v1/accounts", #"{"handle":"mod","password":"password-123","role":"moderator"}"#, token: admin)
            #expect(moderator.code == 201, "admin registers a moderator: \(moderator)")
            #expect(try moderator.json()["role"]?.string == "moderator")
            #expect(try await api.head(admin: admin) == head + 1)
        }
    }

    @Test("the Location of a new account and of a new gift can be followed; unknown ids are 404")
    func locationsResolve() async throws {
        let directory = try TemporaryDirectory("locations")
        defer { directory.remove() }
        try await LiveServer.runAndAudit(directory) { api, admin in
            let (carol, victor) = try await api.carolAndVictor(admin: admin)
            let made = try await api.post("/api/v1/accounts", #"{"handle":"dora","password":"password-123"}"#)
            #expect(made.code == 201, "\(made)")
            let accountLocation = try #require(made.headers[.location], "\(made)")
            expectProblem(try await api.get(accountLocation), 401, nil, "a profile needs a token")
            let profile = try await api.get(accountLocation, token: victor.token)
            #expect(profile.code == 200, "\(profile)")
            let json = try profile.json()
            #expect(json["id"]?.string == (try made.json())["id"]?.string && json["handle"]?.string == "dora" && json["role"]?.string == "viewer",
                    "\(profile)")
            #expect(json["suspended"] == nil && json["wallet"] == nil, "only the public profile: \(profile)")
            expectProblem(try await api.get("/api/v1/accounts/acc_nobody", token: victor.token), 404)

            let gift = try await api.post("/api/v1/channels/carol-live/gifts", #"{"gift":"rose","quantity":2}"#, token: victor.token)
            #expect(gift.code == 201, "\(gift)")
            let giftLocation = try #require(gift.headers[.location], "\(gift)")
            let shown = try await api.get(giftLocation)
            #expect(shown.code == 200, "\(shown)")
            let sent = try gift.json(), got = try shown.json()
            #expect(got["giftId"]?.string == sent["giftId"]?.string && got["quantity"]?.int == 2 && got["seq"]?.int == sent["seq"]?.int,
                    "\(shown)")
            expectProblem(try await api.get("/api/v1/channels/carol-live/gifts/gft_nope"), 404)
            let eve = try await api.account("eve", role: "creator")
            _ = try await api.createChannel("eve-live", token: eve.token)
            let giftId = sent["giftId"]?.string ?? ""
            expectProblem(try await api.get("/api/v1/channels/eve-live/gifts/\(giftId)"), 404, nil, "another channel's gift")
            _ = carol
        }
    }

    @Test("login: good 201 with a token; wrong password and unknown handle 401 problem+json")
    func login() async throws {
        let directory = try TemporaryDirectory("login")
        defer { directory.remove() }
        try await LiveServer.runAndAudit(directory) { api, admin in
            let registered = try await api.register("alice")
            let good = try await api.post("/api/v1/sessions", #"{"handle":"alice","password":"password-123"}"#)
            #expect(good.code == 201, "\(good)")
            let session = try good.json()
            #expect(session["token"]?.string?.isEmpty == false, "\(good)")
            #expect(session["accountId"] == registered["id"], "\(good)")
            #expect(session["tokenType"]?.string == "Bearer", "\(good)")
            // Handles are case-insensitive at login too.
            #expect(try await api.post("/api/v1/sessions", #"{"handle":"Alice","password":"password-123"}"#).code == 201)

            let head = try await api.head(admin: admin)
            let wrong = try await api.post("/api/v1/sessions", #"{"handle":"alice","password":"password-124"}"#)
            expectProblem(wrong, 401, "unauthenticated", "wrong password")
            let unknown = try await api.post("/api/v1/sessions", #"{"handle":"nobody","password":"password-123"}"#)
            expectProblem(unknown, 401, "unauthenticated", "unknown handle")
            // The two failures must not tell which handles exist.
            #expect(try wrong.json()["detail"] == unknown.json()["detail"], "wrong: \(wrong) unknown: \(unknown)")
            let malformed = try await api.post("/api/v1/sessions", #"{"handle":"alice","password":}"#)
            expectProblem(malformed, 400, nil, "malformed login")
            #expect(try await api.head(admin: admin) == head)
        }
    }

    @Test("GET /me: 401 without or with a bad token; account and wallet with one; logout invalidates the token")
    func meAndLogout() async throws {
        let directory = try TemporaryDirectory("me")
        defer { directory.remove() }
        try await LiveServer.runAndAudit(directory) { api, admin in
            let anonymous = try await api.get("/api/v1/me")
            expectProblem(anonymous, 401, "unauthenticated", "no Authorization")
            #expect(anonymous.headers[.wwwAuthenticate]?.lowercased().hasPrefix("bearer") == true, "WWW-Authenticate: \(anonymous)")
            expectProblem(try await api.get("/api/v1/me", token: "mqs_not-a-token"), 401, "unauthenticated", "unknown token")
            expectProblem(try await api.request(.get, "/api/v1/me", headers: [.authorization: "Basic YWxpY2U6eA=="]), 401, "unauthenticated",
                          "Basic auth")

            let alice = try await api.account("alice")
            try await api.grant("alice", 42, admin: admin)
            let me = try await api.get("/api/v1/me", token: alice.token)
            #expect(me.code == 200, "\(me)")
            let json = try me.json()
            #expect(json["id"]?.string == alice.id)
            #expect(json["handle"]?.string == "alice")
            #expect(json["role"]?.string == "viewer")
            #expect(json["suspended"]?.bool == false)
            #expect(json["wallet"]?["balance"]?.int == 42, "\(me)")
            #expect(json["wallet"]?["earnings"]?.int == 0, "\(me)")

            let second = try await api.login("alice")
            let logout = try await api.delete("/api/v1/sessions/current", token: alice.token)
            #expect(logout.code == 204, "logout: \(logout)")
            expectProblem(try await api.get("/api/v1/me", token: alice.token), 401, "unauthenticated", "token after logout")
            expectProblem(try await api.delete("/api/v1/sessions/current", token: alice.token), 401, "unauthenticated", "second logout")
            // Only that session ended.
            #expect(try await api.get("/api/v1/me", token: second).code == 200)
        }
    }
}
