import Domain
import Foundation
import HTTPAPI
import Hummingbird
import MarqueeApp
import MarqueeCore
import Testing
import TestSupport

/// `GET /api/openapi.yaml` serves the document in the repo, the document is a valid OpenAPI 3.1
/// description (PyPI `openapi-spec-validator`), every route the router registers is in it, and
/// every operation declares its `x-marquee-scope`, with the `oauth2` scheme listing exactly
/// `Scope.allCases` and their summaries. (`ScopeEnforcementTests` checks the handlers keep it.)
@Suite("OpenAPI document", .timeLimit(.minutes(4)))
struct OpenAPITests {
    static let document = SchemaTests.packageRoot.appendingPathComponent("Sources/HTTPAPI/openapi.yaml")

    @Test func everyRegisteredRouteIsDocumentedAndTheDocumentIsValid() async throws {
        let directory = try TemporaryDirectory("openapi")
        defer { directory.remove() }
        let dataDir = try directory.directory("data")
        let routes: [String] = try await LiveServer.runParts(config: LiveServer.config(dataDir: dataDir), clock: SystemWallClock()) { api, _, parts in
            let served = try await api.get("/api/openapi.yaml")
            #expect(served.code == 200)
            #expect(Array(served.body.utf8) == (try Array(Data(contentsOf: Self.document))), "the served document is the one in the repo")
            let router = try await APIRouter.build(parts.deps)
            return router.routes.map { "\($0.method.rawValue) \($0.path)" }
        }
        #expect(routes.count > 50, "\(routes)")
        let list = directory.file("routes.txt")
        try routes.joined(separator: "\n").write(toFile: list, atomically: true, encoding: .utf8)
        let script = SchemaTests.packageRoot.appendingPathComponent("Tests/openapi_check.py").path
        let python = SchemaTests.python()
        let probe = try await runProgram(python, ["-c", "import openapi_spec_validator, yaml"], scratch: directory.path)
        try #require(probe.status == 0, "\(python) lacks openapi-spec-validator / PyYAML (make python-deps installs them): \(probe.stderr)")
        let scopes = directory.file("scopes.json")
        let summaries = Dictionary(uniqueKeysWithValues: Scope.allCases.map { ($0.rawValue, $0.summary) })
        try JSONEncoder().encode(summaries).write(to: URL(fileURLWithPath: scopes))
        let check = try await runProgram(python, [script, Self.document.path, list, "--scopes", scopes], scratch: directory.path)
        #expect(check.status == 0, "openapi_check.py failed:\n\(check)")
        let selfTest = try await runProgram(python, [script, "--self-test"], scratch: directory.path)
        #expect(selfTest.status == 0, "openapi_check.py --self-test failed:\n\(selfTest)")
    }
}

@Suite("Pages served by the server", .timeLimit(.minutes(4)))
struct PagesTests {
    @Test func studioWatchAndAssetsAreServedFromTheBinary() async throws {
        let directory = try TemporaryDirectory("pages")
        defer { directory.remove() }
        try await LiveServer.run(dataDir: try directory.directory("data")) { api, _ in
            let studio = try await api.get("/studio/carol-live")
            #expect(studio.code == 200 && studio.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(studio.body.contains("/whip/") && studio.body.contains("sendEncodings") && studio.body.contains("getUserMedia"))
            let watch = try await api.get("/watch/carol-live")
            #expect(watch.code == 200 && watch.body.contains("/whep/") && watch.body.contains("recvonly"))
            let script = try await api.get("/assets/common.js")
            #expect(script.code == 200 && script.headers[.contentType]?.hasPrefix("text/javascript") == true)
            #expect(script.body.contains("application/sdp") && script.body.contains("WebSocket"))
            #expect(try await api.get("/assets/marquee.css").code == 200)
        }
    }
}
