import Domain
import Foundation
import HTTPAPI
import HTTPTypes
import Hummingbird
import MarqueeApp
import MarqueeCore
import Testing

/// Every route enforces what its OpenAPI operation declares in `x-marquee-scope` (issue 4).
///
/// The declarations come from `Sources/HTTPAPI/openapi.yaml` (read by `Tests/openapi_check.py
/// --operations`), the routes from the router itself, so a route whose handler loses its scope
/// check, checks another scope, or reads the body or the named resource first fails here.
/// Each route is probed with dummy path parameters (`x`) and a `{}` body:
/// - a scope S: a personal access token holding every scope but S gets exactly `403`
///   `insufficient-scope` with `missingScope: S` and `WWW-Authenticate: Bearer
///   error="insufficient_scope", scope="S"`; a token holding every scope gets something else;
/// - `admin`: the same, with the admin account's tokens with and without `admin`;
/// - `session`: a token holding every scope gets `403` `forbidden`; a login session does not;
/// - `public`: a token holding one unrelated scope never gets `insufficient-scope`.
@Suite("Scopes on every route", .timeLimit(.minutes(4)))
struct ScopeEnforcementTests {
    struct Declared: Decodable, Sendable {
        var method: String
        var path: String
        var scope: String?
    }

    struct Route: Sendable, CustomStringConvertible {
        var method: String
        /// As the document writes it: `{name}` placeholders.
        var path: String
        var scope: String
        var description: String { "\(method) \(path)" }

        /// The path with every placeholder filled with `x`, plus the query of `probeQueries`.
        var probePath: String {
            let filled = path.split(separator: "/", omittingEmptySubsequences: false)
                .map { $0.hasPrefix("{") || $0.hasPrefix(":") ? "x" : String($0) }
                .joined(separator: "/")
            return filled + (ScopeEnforcementTests.probeQueries[path] ?? "")
        }
    }

    /// Queries that make a probe answer at once once the scope check has passed. An admitted
    /// realtime feed streams until the client leaves; `channel=x` makes it a `404` instead
    /// (the channel is looked up after the scope check).
    static let probeQueries = ["/api/v1/realtime": "?channel=x"]

    /// `METHOD /path` → `x-marquee-scope`, from the document in the repo.
    static func declaredScopes(scratch: String) async throws -> [String: String?] {
        let script = SchemaTests.packageRoot.appendingPathComponent("Tests/openapi_check.py").path
        let result = try await runProgram(SchemaTests.python(), [script, "--operations", OpenAPITests.document.path], scratch: scratch)
        try #require(result.status == 0, "openapi_check.py --operations failed (make python-deps installs PyYAML): \(result)")
        let operations = try JSONDecoder().decode([Declared].self, from: Data(result.stdout.utf8))
        try #require(operations.count > 50, "\(result)")
        return Dictionary(operations.map { ("\($0.method) \($0.path)", $0.scope) }, uniquingKeysWith: { first, _ in first })
    }

    /// Hummingbird prints path parameters as `{name}` (older versions as `:name`).
    static func documented(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
            .joined(separator: "/")
    }

    static func mint(_ api: API, session: String, _ scopes: [Scope], sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let names = scopes.map { jsonString($0.rawValue) }.joined(separator: ",")
        let reply = try await api.post("/api/v1/tokens", #"{"name":"probe","scopes":[\#(names)]}"#, token: session)
        try #require(reply.code == 201, "minting a token with \(scopes): \(reply)", sourceLocation: sourceLocation)
        return try #require(try reply.json()["token"]?.string, sourceLocation: sourceLocation)
    }

    static func probe(_ api: API, _ route: Route, token: String) async throws -> Reply {
        let method = try #require(HTTPRequest.Method(route.method))
        let body: String? = ["POST", "PUT", "PATCH"].contains(route.method) ? "{}" : nil
        return try await api.request(method, route.probePath, body: body, token: token)
    }

    static func isInsufficientScope(_ reply: Reply) -> Bool {
        reply.code == 403 && (try? reply.json()["type"]?.string) == "urn:marquee:problem:insufficient-scope"
    }

    @Test("every scoped route answers 403 insufficient-scope to a token without its declared scope, and only then")
    func everyRouteEnforcesItsDeclaredScope() async throws {
        let directory = try TemporaryDirectory("scopes")
        defer { directory.remove() }
        let declared = try await Self.declaredScopes(scratch: directory.path)
        let dataDir = try directory.directory("data")
        try await LiveServer.runParts(config: LiveServer.config(dataDir: dataDir), clock: SystemWallClock()) { api, admin, parts in
            let router = try await APIRouter.build(parts.deps)
            var routes: [Route] = []
            for registered in router.routes {
                let method = registered.method.rawValue, path = Self.documented("\(registered.path)")
                guard let scope = declared["\(method) \(path)"] ?? nil else {
                    Issue.record("route \(method) \(path) has no x-marquee-scope in openapi.yaml")
                    continue
                }
                routes.append(Route(method: method, path: path, scope: scope))
            }
            let carol = try await api.account("carol", role: "creator")
            let everyScope = Scope.allCases.filter { $0 != .admin }
            let carolAll = try await Self.mint(api, session: carol.token, everyScope)
            let adminAll = try await Self.mint(api, session: admin, Scope.allCases)
            var lacking: [Scope: String] = [:]
            for scope in Set(routes.compactMap { Scope(rawValue: $0.scope) }) {
                lacking[scope] = scope == .admin
                    ? try await Self.mint(api, session: admin, everyScope)
                    : try await Self.mint(api, session: carol.token, everyScope.filter { $0 != scope })
            }
            let unrelated = try await Self.mint(api, session: carol.token, [.streamRead])

            var counts: [String: Int] = [:]
            for route in routes {
                if let scope = Scope(rawValue: route.scope) {
                    counts["scoped", default: 0] += 1
                    let without = try await Self.probe(api, route, token: try #require(lacking[scope]))
                    expectProblem(without, 403, "insufficient-scope", "\(route) with a token lacking '\(scope.rawValue)'")
                    #expect((try? without.json()["missingScope"]?.string) == scope.rawValue, "\(route): \(without)")
                    #expect(without.headers[.wwwAuthenticate] == #"Bearer error="insufficient_scope", scope="\#(scope.rawValue)""#,
                            "\(route): \(without.headers)")
                    let with = try await Self.probe(api, route, token: scope == .admin ? adminAll : carolAll)
                    #expect(!Self.isInsufficientScope(with) && with.code != 401 && with.code != 500,
                            "\(route) with a token holding '\(scope.rawValue)': \(with)")
                } else if route.scope == "session" {
                    counts["session", default: 0] += 1
                    let token = try await Self.probe(api, route, token: carolAll)
                    expectProblem(token, 403, "forbidden", "\(route) with an access token holding every scope")
                    // A fresh session each time: one of these routes is the logout.
                    let session = try await Self.probe(api, route, token: try await api.login("carol"))
                    #expect(session.code != 401 && session.code != 403 && session.code != 500, "\(route) with a login session: \(session)")
                } else {
                    counts[route.scope, default: 0] += 1
                    let reply = try await Self.probe(api, route, token: unrelated)
                    #expect(!Self.isInsufficientScope(reply), "\(route) is \(route.scope) but answered \(reply)")
                }
            }
            #expect(counts["scoped", default: 0] >= 50 && counts["session", default: 0] >= 4 && counts["public", default: 0] >= 20,
                    "too few routes probed: \(counts)")
        }
    }

    @Test("tokens cannot do what their scopes do not cover: privileged registration, stream keys, logging out")
    func scopesAtTheEdgesOfPublicRoutes() async throws {
        let directory = try TemporaryDirectory("scope-edges")
        defer { directory.remove() }
        try await LiveServer.runAndAudit(directory) { api, admin in
            let everyScope = Scope.allCases.filter { $0 != .admin }
            let adminWithoutAdmin = try await Self.mint(api, session: admin, everyScope)
            let adminFull = try await Self.mint(api, session: admin, Scope.allCases)

            // Registering a moderator or admin takes the admin scope, not just an admin's token.
            let moderator = #"{"handle":"mod","password":"password-123","role":"moderator"}"#
            let refused = try await api.post("/api/v1/accounts", moderator, token: adminWithoutAdmin)
            expectProblem(refused, 403, "insufficient-scope", "an admin's token without 'admin' registers a moderator")
            #expect((try? refused.json()["missingScope"]?.string) == "admin", "\(refused)")
            let registered = try await api.post("/api/v1/accounts", moderator, token: adminFull)
            #expect(registered.code == 201, "\(registered)")
            let viewer = try await api.post("/api/v1/accounts", #"{"handle":"vic","password":"password-123"}"#, token: adminWithoutAdmin)
            #expect(viewer.code == 201, "a viewer needs no scope: \(viewer)")

            // The owner's stream key is shown to its session and to tokens with channels:write only.
            let carol = try await api.account("carol", role: "creator")
            _ = try await api.createChannel("carol-live", token: carol.token)
            let reader = try await Self.mint(api, session: carol.token, everyScope.filter { $0 != .channelsWrite })
            let writer = try await Self.mint(api, session: carol.token, [.channelsWrite])
            #expect(try await api.get("/api/v1/channels/carol-live", token: carol.token).json()["streamKey"]?.string?.hasPrefix("sk_") == true)
            #expect(try await api.get("/api/v1/channels/carol-live", token: writer).json()["streamKey"]?.string?.hasPrefix("sk_") == true)
            let hidden = try await api.get("/api/v1/channels/carol-live", token: reader)
            let hiddenKey = try hidden.json()["streamKey"]
            #expect(hidden.code == 200 && hiddenKey?.isNull == true, "\(hidden)")

            // Logging out is for sessions: a token gets 403 and keeps working.
            expectProblem(try await api.delete("/api/v1/sessions/current", token: reader), 403, "forbidden", "a token logs out")
            #expect(try await api.get("/api/v1/me", token: reader).code == 200)
        }
    }
}
