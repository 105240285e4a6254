import Foundation
import Testing

/// `GET /api/v1/events` (admin), `/healthz`, `/metrics` (issue 2, item 6).
@Suite("HTTP API: events, health and metrics", .timeLimit(.minutes(4)))
struct SystemAPITests {
    @Test("GET /api/v1/events?after=&limit= is admin-only and pages the log in export format")
    func events() async throws {
        let directory = try TemporaryDirectory("events-api")
        defer { directory.remove() }
        try await LiveServer.runAndAudit(directory) { api, admin in
            let alice = try await api.account("alice")
            _ = try await api.register("bob", role: "creator")
            try await api.grant("alice", 7, admin: admin)

            expectProblem(try await api.get("/api/v1/events"), 401, "unauthenticated", "anonymous")
            expectProblem(try await api.get("/api/v1/events", token: alice.token), 403, "forbidden", "viewer")

            let all = try await api.get("/api/v1/events", token: admin)
            #expect(all.code == 200, "\(all)")
            #expect(all.headers[.contentType]?.hasPrefix("application/json") == true, "\(all)")
            let json = try all.json()
            let events = try #require(json["events"]?.array, "\(all)")
            #expect(events.map { $0["seq"]?.int } == [1, 2, 3, 4], "\(all)")
            #expect(events.map { $0["type"]?.string } == ["account.registered", "account.registered", "account.registered", "tokens.granted"])
            #expect(json["head"]?.int == 4)
            #expect(json["next"]?.int == 4)
            let fields: Set<String> = ["seq", "stream", "version", "type", "schema", "data", "meta", "recordedAt", "hash"]
            for event in events { #expect(Set(event.object.map { Array($0.keys) } ?? []) == fields, "fields of \(event)") }
            #expect(events[3]["data"]?["tokens"]?.int == 7)
            #expect(events[3]["data"]?["accountId"]?.string == alice.id)

            let page = try await api.get("/api/v1/events?after=1&limit=2", token: admin)
            #expect(page.code == 200, "\(page)")
            #expect(try page.json()["events"]?.array?.map { $0["seq"]?.int } == [2, 3], "\(page)")
            #expect(try page.json()["next"]?.int == 3, "\(page)")
            #expect(try page.json()["events"]?[0] == events[1], "the same event, byte for byte, in both pages")
            let end = try await api.get("/api/v1/events?after=4", token: admin)
            #expect(try end.json()["events"]?.array?.isEmpty == true, "\(end)")
            #expect(try end.json()["next"]?.int == 4, "\(end)")

            for query in ["limit=0", "limit=1001", "after=-1", "after=abc", "limit=1.5"] {
                expectProblem(try await api.get("/api/v1/events?\(query)", token: admin), 400, nil, query)
            }
        }
    }

    @Test("GET /healthz and /metrics; unknown routes are problem+json 404")
    func healthAndMetrics() async throws {
        let directory = try TemporaryDirectory("health")
        defer { directory.remove() }
        try await LiveServer.runAndAudit(directory) { api, _ in
            let health = try await api.get("/healthz")
            #expect(health.code == 200, "\(health)")
            #expect(try health.json()["status"]?.string == "ok", "\(health)")
            #expect(try health.json()["logHead"]?.int == 1, "the bootstrap admin is seq 1: \(health)")

            _ = try await api.get("/api/v1/gifts")
            let metrics = try await api.get("/metrics")
            #expect(metrics.code == 200, "\(metrics)")
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true, "\(metrics)")
            #expect(metrics.body.contains("marquee_http_requests_total"), "\(metrics.body.prefix(2000))")
            let giftsLine = metrics.body.split(separator: "\n").first {
                $0.hasPrefix("marquee_http_requests_total{") && $0.contains("200") && $0.contains("gifts")
            }
            #expect(giftsLine != nil, "a counter for GET /api/v1/gifts → 200: \(metrics.body.prefix(2000))")

            expectProblem(try await api.get("/api/v1/no-such-route"), 404, "not-found", "unknown route")
        }
    }
}
