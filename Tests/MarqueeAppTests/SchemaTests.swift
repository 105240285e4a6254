import Domain
import Foundation
import HTTPTypes
import MarqueeCore
import Testing
import Webhooks

/// Every event type the code can emit, produced through the HTTP API, exported with the
/// binary and validated by Tests/schema_check.py with Python's `jsonschema` (issue 2, item 7).
@Suite("Event schemas", .timeLimit(.minutes(4)))
struct SchemaTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The Python that has `jsonschema`: `$MARQUEE_PYTHON` (the Makefile's virtualenv), else python3 on PATH.
    static func python() -> String {
        if let configured = ProcessInfo.processInfo.environment["MARQUEE_PYTHON"], !configured.isEmpty { return configured }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let candidate = "\(directory)/python3"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return "/usr/bin/python3"
    }

    @Test("every event type validates against EventSchemas/ with schema_check.py, and every catalog type is covered")
    func everyEventValidates() async throws {
        let directory = try TemporaryDirectory("schemas")
        defer { directory.remove() }
        let dataDir = try directory.directory("data")
        let clock = ManualClock()
        var config = LiveServer.economyConfig(dataDir: dataDir)
        // Webhook endpoints on 127.0.0.1 (refused as a destination unless allowed, like MARQUEE_WEBHOOK_ALLOW).
        config.webhooks.allow = [try #require(IPNetwork(cidr: "127.0.0.1/32"))]
        try await LiveServer.runParts(config: config, clock: clock) { api, admin, parts in
            let carol = try await api.account("carol", role: "creator")
            let victor = try await api.account("victor")
            _ = try await api.register("mod", role: "moderator", token: admin)                  // account.registered (moderator)
            _ = try await api.createChannel("carol-live", title: "Carol \"live\" / ünïcode ✓", token: carol.token) // channel.created
            let patch = try await api.patch("/api/v1/channels/carol-live",
                                            #"{"title":"Paid show","access":"paid","pricePerMinute":3,"ageRestricted":true}"#,
                                            token: carol.token)                                    // channel.updated
            try #require(patch.code == 200, "\(patch)")
            let rotate = try await api.post("/api/v1/channels/carol-live/stream-key", nil, token: carol.token) // channel.stream_key_rotated
            try #require(rotate.code == 200, "\(rotate)")
            try await api.grant("victor", 500, admin: admin)                                     // tokens.granted
            let reasoned = try await api.post("/api/v1/admin/grants", #"{"handle":"victor","tokens":1,"reason":"contest prize"}"#, token: admin)
            try #require(reasoned.code == 201, "\(reasoned)")
            let path = "/api/v1/channels/carol-live/gifts"
            for body in [#"{"gift":"rose","quantity":3,"message":"Play Autumn Leaves!"}"#, #"{"gift":"heart"}"#, #"{"gift":"star","message":""}"#] {
                let gift = try await api.post(path, body, token: victor.token)                     // gift.sent (with and without message)
                try #require(gift.code == 201, "\(body): \(gift)")
            }
            let keyed = try await api.post(path, #"{"gift":"rose"}"#, token: victor.token,
                                           headers: [HTTPField.Name("Idempotency-Key")!: "schema-1"])
            try #require(keyed.code == 201, "\(keyed)")
            let role = try await api.post("/api/v1/admin/accounts/victor/role", #"{"role":"creator"}"#, token: admin) // account.role_changed
            try #require(role.code == 200, "\(role)")
            #expect(try role.json()["role"]?.string == "creator", "\(role)")
            let suspend = try await api.post("/api/v1/admin/accounts/mod/suspend", #"{"reason":"spam"}"#, token: admin) // account.suspended
            try #require(suspend.code == 200, "\(suspend)")
            #expect(try suspend.json()["suspended"]?.bool == true, "\(suspend)")
            let reinstate = try await api.post("/api/v1/admin/accounts/mod/reinstate", #"{"reason":"appeal accepted"}"#, token: admin) // account.reinstated
            try #require(reinstate.code == 200, "\(reinstate)")
            #expect(try reinstate.json()["suspended"]?.bool == false, "\(reinstate)")
            // Admin routes are admin-only and reject unknown accounts.
            expectProblem(try await api.post("/api/v1/admin/accounts/mod/suspend", #"{"reason":"x"}"#, token: carol.token), 403, "forbidden", "suspend by a creator")
            expectProblem(try await api.post("/api/v1/admin/accounts/nobody/suspend", #"{"reason":"x"}"#, token: admin), 404, "not-found", "suspend nobody")
            // streams, viewers, minutes, purchases, subscriptions and payouts (issue 3)
            try await EconomyScenario.play(api, admin, parts, clock)
            // apps, grants, personal access tokens and webhook endpoints (issue 4)
            try await AppsAndWebhooksScenario.play(api)
        }
        expectLogAuditsAndReplays(dataDir: dataDir, scratch: try directory.directory("scratch"))

        let export = try await runMarquee(["events", "export", "--data-dir", dataDir], scratch: directory.path)
        try #require(export.status == 0, "\(export)")
        let file = directory.file("events.jsonl")
        try export.stdout.write(toFile: file, atomically: true, encoding: .utf8)
        let events = try parseJSONLines(export.stdout)
        let exportedTypes = Set(events.compactMap { $0["type"]?.string })
        for (type, _) in DomainEvent.catalog {
            #expect(exportedTypes.contains(type), "the test run produced no \(type) event")
        }
        // schema_check.py checks streams of the types it knows; these are checked here.
        for event in events {
            guard let expected = AppsAndWebhooksScenario.expectedStream(event) else { continue }
            #expect(event["stream"]?.string == expected, "seq \(event["seq"]?.int ?? 0) \(event["type"]?.string ?? "?") is on the wrong stream")
        }
        let endpointEvents = events.filter { $0["type"]?.string?.hasPrefix("webhook.") == true }
        #expect(endpointEvents.contains { $0["data"]?["appId"]?.isNull == true }, "no event of a personal endpoint (appId null)")
        #expect(endpointEvents.contains { $0["data"]?["appId"]?.string != nil }, "no event of an app's endpoint (appId set)")

        let script = Self.packageRoot.appendingPathComponent("Tests/schema_check.py").path
        try #require(FileManager.default.fileExists(atPath: script), "no \(script)")
        let python = Self.python()
        let probe = try await runProgram(python, ["-c", "import jsonschema"], scratch: directory.path)
        try #require(probe.status == 0, """
            \(python) cannot import the PyPI package jsonschema, so the event schemas cannot be checked. \
            Install it (`make python-deps`, or `pip install 'jsonschema>=4.18' rfc3339-validator`) or point MARQUEE_PYTHON at a \
            Python that has it. \(probe.stderr)
            """)
        let check = try await runProgram(python, [script, file], scratch: directory.path)
        #expect(check.status == 0, "schema_check.py failed:\n\(check)")
        #expect(check.stdout.contains("schema check: \(events.count) passed, 0 failed"), "\(check)")
    }
}
