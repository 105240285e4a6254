import Foundation
import HTTPTypes
import Testing

/// Many connections at once against the single writer: no overdraft, one winner per handle,
/// one append per Idempotency-Key (issue 2, items 2 and 3).
@Suite("HTTP API: concurrent requests", .timeLimit(.minutes(4)))
struct ConcurrencyTests {
    /// Sends `count` requests at once, each on its own connection; returns the replies.
    static func concurrently(_ api: API, count: Int, _ request: @escaping @Sendable (API, Int) async throws -> Reply) async throws -> [Reply] {
        try await withThrowingTaskGroup(of: Reply.self) { group in
            for index in 0..<count {
                group.addTask { try await api.withConnection { connection in try await request(connection, index) } }
            }
            var replies: [Reply] = []
            for try await reply in group { replies.append(reply) }
            return replies
        }
    }

    @Test("20 concurrent 10-token gifts from a 100-token wallet: exactly 10 succeed, the balance never goes negative")
    func noOverdraft() async throws {
        let directory = try TemporaryDirectory("overdraft")
        defer { directory.remove() }
        try await LiveServer.runAndAudit(directory) { api, admin in
            let (carol, victor) = try await api.carolAndVictor(admin: admin)
            let replies = try await Self.concurrently(api, count: 20) { connection, _ in
                try await connection.post("/api/v1/channels/carol-live/gifts", #"{"gift":"rose"}"#, token: victor.token)
            }
            #expect(replies.filter { $0.code == 201 }.count == 10, "\(replies.map(\.code))")
            for reply in replies where reply.code != 201 { expectProblem(reply, 422, "insufficient-tokens", "overdraft") }
            #expect(try await api.wallet(victor.token) == Wallet(0, 0))
            #expect(try await api.wallet(carol.token) == Wallet(0, 80))
        }
    }

    @Test("10 concurrent registrations of one handle: one 201, nine 409")
    func oneHandleWinner() async throws {
        let directory = try TemporaryDirectory("handle-race")
        defer { directory.remove() }
        try await LiveServer.runAndAudit(directory) { api, admin in
            let head = try await api.head(admin: admin)
            let replies = try await Self.concurrently(api, count: 10) { connection, index in
                try await connection.post("/api/v1/accounts", #"{"handle":"popular","password":"password-\#(index)-xyz"}"#)
            }
            #expect(replies.filter { $0.code == 201 }.count == 1, "\(replies.map(\.code))")
            for reply in replies where reply.code != 201 { expectProblem(reply, 409, "already-taken", "handle race") }
            #expect(try await api.head(admin: admin) == head + 1)
        }
    }

    @Test("10 concurrent identical gifts with one Idempotency-Key: one append, ten answers with the same giftId")
    func oneKeyOneAppend() async throws {
        let directory = try TemporaryDirectory("key-race")
        defer { directory.remove() }
        try await LiveServer.runAndAudit(directory) { api, admin in
            let (_, victor) = try await api.carolAndVictor(admin: admin)
            let head = try await api.head(admin: admin)
            let replies = try await Self.concurrently(api, count: 10) { connection, _ in
                try await connection.post("/api/v1/channels/carol-live/gifts", #"{"gift":"rose","quantity":2}"#, token: victor.token,
                                          headers: [HTTPField.Name("Idempotency-Key")!: "same-key"])
            }
            #expect(replies.allSatisfy { $0.code == 201 }, "\(replies)")
            let giftIds = Set(replies.compactMap { try? $0.json()["giftId"]?.string })
            #expect(giftIds.count == 1, "\(giftIds)")
            #expect(replies.filter { $0.headers[HTTPField.Name("Idempotent-Replayed")!] == "true" }.count == 9, "\(replies)")
            #expect(try await api.head(admin: admin) == head + 1)
            #expect(try await api.wallet(victor.token) == Wallet(80, 0))
        }
    }
}
