import Foundation
import HTTPTypes
import MarqueeCore
import Testing

/// Admin routes (roles, suspension), limits, and the rules that depend on time: session
/// expiry and Idempotency-Key retention (issue 2, items 3 and 6).
@Suite("HTTP API: admin, limits and time", .timeLimit(.minutes(4)))
struct AdminAPITests {
    @Test("role changes and suspension: admin only; a suspended account cannot log in or act until reinstated")
    func rolesAndSuspension() async throws {
        let directory = try TemporaryDirectory("admin")
        defer { directory.remove() }
        try await LiveServer.runAndAudit(directory) { api, admin in
            let (carol, victor) = try await api.carolAndVictor(admin: admin)
            let gifts = "/api/v1/channels/carol-live/gifts"

            let head = try await api.head(admin: admin)
            expectProblem(try await api.post("/api/v1/admin/accounts/victor/role", #"{"role":"admin"}"#, token: victor.token), 403,
                          "forbidden", "a viewer makes itself admin")
            expectProblem(try await api.post("/api/v1/admin/accounts/victor/suspend", #"{"reason":"x"}"#, token: carol.token), 403,
                          "forbidden", "a creator suspends")
            expectProblem(try await api.post("/api/v1/admin/accounts/victor/role", #"{"role":"king"}"#, token: admin), 400, nil, "unknown role")
            expectProblem(try await api.post("/api/v1/admin/accounts/nobody/role", #"{"role":"creator"}"#, token: admin), 404, "not-found",
                          "unknown account")
            expectProblem(try await api.post("/api/v1/admin/accounts/admin/role", #"{"role":"viewer"}"#, token: admin), 403, "forbidden",
                          "an admin demotes itself")
            expectProblem(try await api.post("/api/v1/admin/accounts/admin/suspend", #"{"reason":"x"}"#, token: admin), 403, "forbidden",
                          "an admin suspends itself")
            expectProblem(try await api.post("/api/v1/admin/accounts/victor/suspend", #"{"reason":""}"#, token: admin), 422, "invalid-value",
                          "empty reason")
            #expect(try await api.head(admin: admin) == head, "a rejected admin action appended an event")

            let promoted = try await api.post("/api/v1/admin/accounts/victor/role", #"{"role":"creator"}"#, token: admin)
            #expect(try promoted.code == 200 && promoted.json()["role"]?.string == "creator", "\(promoted)")
            #expect(try await api.get("/api/v1/me", token: victor.token).json()["role"]?.string == "creator", "the session sees the new role")
            let same = try await api.post("/api/v1/admin/accounts/victor/role", #"{"role":"creator"}"#, token: admin)
            #expect(same.code == 200, "\(same)")
            #expect(try await api.head(admin: admin) == head + 1, "an unchanged role appends nothing")

            let suspended = try await api.post("/api/v1/admin/accounts/victor/suspend", #"{"reason":"spam"}"#, token: admin)
            #expect(try suspended.code == 200 && suspended.json()["suspended"]?.bool == true, "\(suspended)")
            expectProblem(try await api.post("/api/v1/sessions", #"{"handle":"victor","password":"password-123"}"#), 403, "forbidden",
                          "a suspended account logs in")
            let headSuspended = try await api.head(admin: admin)
            expectProblem(try await api.post(gifts, #"{"gift":"rose"}"#, token: victor.token), 403, "forbidden",
                          "a suspended account sends a gift with an old session")
            expectProblem(try await api.post("/api/v1/channels", #"{"slug":"victor-live","title":"Mine"}"#, token: victor.token), 403,
                          "forbidden", "a suspended creator creates a channel")
            #expect(try await api.head(admin: admin) == headSuspended)
            #expect(try await api.wallet(victor.token) == Wallet(100, 0))

            // Gifts to a suspended creator's channel are refused too.
            let viewer = try await api.account("vera")
            try await api.grant("vera", 10, admin: admin)
            _ = try await api.post("/api/v1/admin/accounts/carol/suspend", #"{"reason":"investigation"}"#, token: admin)
            expectProblem(try await api.post(gifts, #"{"gift":"rose"}"#, token: viewer.token), 403, "forbidden", "gift to a suspended creator")
            _ = try await api.post("/api/v1/admin/accounts/carol/reinstate", #"{"reason":"cleared"}"#, token: admin)

            let reinstated = try await api.post("/api/v1/admin/accounts/victor/reinstate", #"{"reason":"appeal accepted"}"#, token: admin)
            #expect(try reinstated.code == 200 && reinstated.json()["suspended"]?.bool == false, "\(reinstated)")
            _ = try await api.login("victor")
            let gift = try await api.post(gifts, #"{"gift":"rose"}"#, token: victor.token)
            #expect(gift.code == 201, "\(gift)")
            #expect(try await api.wallet(victor.token) == Wallet(90, 0))
        }
    }

    @Test("admin grants honour Idempotency-Key too")
    func grantIdempotency() async throws {
        let directory = try TemporaryDirectory("grant-key")
        defer { directory.remove() }
        try await LiveServer.runAndAudit(directory) { api, admin in
            let alice = try await api.account("alice")
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "grant-1"]
            let first = try await api.post("/api/v1/admin/grants", #"{"handle":"alice","tokens":25}"#, token: admin, headers: key)
            #expect(first.code == 201, "\(first)")
            let again = try await api.post("/api/v1/admin/grants", #"{"handle":"alice","tokens":25}"#, token: admin, headers: key)
            #expect(again.code == 201 && again.headers[HTTPField.Name("Idempotent-Replayed")!] == "true", "\(again)")
            #expect(try again.json()["seq"] == first.json()["seq"])
            expectProblem(try await api.post("/api/v1/admin/grants", #"{"handle":"alice","tokens":26}"#, token: admin, headers: key), 422,
                          "idempotency-key-reused", "same key, other amount")
            #expect(try await api.wallet(alice.token) == Wallet(25, 0))
        }
    }

    @Test("limits: bodies over 64 KiB 413; messages over 200 characters or with control characters 422; long passwords 422")
    func limits() async throws {
        let directory = try TemporaryDirectory("limits")
        defer { directory.remove() }
        try await LiveServer.runAndAudit(directory) { api, admin in
            let (carol, victor) = try await api.carolAndVictor(admin: admin)
            let gifts = "/api/v1/channels/carol-live/gifts"
            let head = try await api.head(admin: admin)
            let huge = #"{"gift":"rose","message":"\#(String(repeating: "a", count: 70_000))"}"#
            expectProblem(try await api.post(gifts, huge, token: victor.token), 413, nil, "70 KB body")
            let long = #"{"gift":"rose","message":"\#(String(repeating: "é", count: 201))"}"#
            expectProblem(try await api.post(gifts, long, token: victor.token), 422, "invalid-value", "201-character message")
            expectProblem(try await api.post(gifts, #"{"gift":"rose","message":"a\u0007b"}"#, token: victor.token), 422, "invalid-value",
                          "control character in a message")
            expectProblem(try await api.patch("/api/v1/channels/carol-live", #"{"title":"\#(String(repeating: "t", count: 141))"}"#,
                                              token: carol.token), 422, "invalid-value", "141-character title")
            let password = String(repeating: "p", count: 73)
            expectProblem(try await api.post("/api/v1/accounts", #"{"handle":"longpass","password":"\#(password)"}"#), 422, "invalid-value",
                          "73-byte password (bcrypt's limit is 72)")
            #expect(try await api.head(admin: admin) == head, "a rejected request appended an event")
            let exactly200 = #"{"gift":"heart","message":"\#(String(repeating: "é", count: 200))"}"#
            #expect(try await api.post(gifts, exactly200, token: victor.token).code == 201, "200 characters are allowed")
            let unchanged = try await api.patch("/api/v1/channels/carol-live", "{}", token: carol.token)
            #expect(unchanged.code == 200, "\(unchanged)")
            #expect(try await api.head(admin: admin) == head + 1, "an empty PATCH appends nothing")
        }
    }

    @Test("sessions expire after their TTL; Idempotency-Keys are kept at least 24 h (manual clock)")
    func timeRules() async throws {
        let directory = try TemporaryDirectory("time")
        defer { directory.remove() }
        let clock = ManualClock(Timestamp(rfc3339: "2026-11-22T10:00:00Z")!)
        try await LiveServer.runAndAudit(directory, clock: clock) { api, admin in
            let (_, victor) = try await api.carolAndVictor(admin: admin)
            let gifts = "/api/v1/channels/carol-live/gifts"
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "day-old"]
            let first = try await api.post(gifts, #"{"gift":"rose"}"#, token: victor.token, headers: key)
            #expect(first.code == 201, "\(first)")

            clock.advance(seconds: 24 * 3600 + 60)
            let dayLater = try await api.post(gifts, #"{"gift":"rose"}"#, token: victor.token, headers: key)
            #expect(dayLater.code == 201 && dayLater.headers[HTTPField.Name("Idempotent-Replayed")!] == "true",
                    "a key is remembered for at least 24 h: \(dayLater)")
            #expect(try dayLater.json()["giftId"] == first.json()["giftId"])
            #expect(try await api.wallet(victor.token) == Wallet(90, 0))

            let session = try await api.post("/api/v1/sessions", #"{"handle":"victor","password":"password-123"}"#)
            let expiresAt = try #require(try session.json()["expiresAt"]?.string, "\(session)")
            let expiry = try #require(Timestamp(rfc3339: expiresAt), "expiresAt is RFC 3339: \(expiresAt)")
            #expect(expiry.milliseconds == clock.now().milliseconds + 720 * 3_600_000, "the default TTL is 720 h: \(session)")
            clock.advance(seconds: 721 * 3600)
            expectProblem(try await api.get("/api/v1/me", token: victor.token), 401, "unauthenticated", "an expired session")
            #expect(try await api.get("/api/v1/me", token: try await api.login("victor")).code == 200)
        }
    }
}
