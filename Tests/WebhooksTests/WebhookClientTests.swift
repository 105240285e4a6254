import NIOCore
import NIOHTTP1
import NIOPosix
import Testing
import TestSupport
import Webhooks

/// The HTTP client against a real server on 127.0.0.1 (nothing leaves the machine).
@Suite("webhook client", .timeLimit(.minutes(1)))
struct WebhookClientTests {
    static let loopback = IPAddress("127.0.0.1")!

    static func route(_ request: ReceivedRequest) -> ServerAction {
        switch request.path {
        case "/ok", "/pinned":
            return .respond(status: .ok, body: Array("ok".utf8))
        case "/error":
            return .respond(status: .internalServerError, body: Array(String(repeating: "e", count: 5000).utf8))
        case "/unavailable":
            return .respond(status: .serviceUnavailable, headers: [("Retry-After", "120")], body: Array("busy".utf8))
        case "/redirect":
            return .respond(status: .found, headers: [("Location", "/ok")])
        case "/huge":
            return .respond(status: .ok, body: [UInt8](repeating: 120, count: 1 << 20))
        case "/hang":
            return .hang
        case "/half":
            return .headThenHang
        case "/close":
            return .close
        case "/barrier":
            return .barrier(count: 8)
        default:
            return .respond(status: .notFound)
        }
    }

    /// Runs `body` with a started server and client, then shuts both down.
    func withServer<T: Sendable>(timeout: Duration = .seconds(10), maximumCachedClients: Int = 64,
                                 _ body: @escaping @Sendable (TestHTTPServer, WebhookClient) async throws -> T) async throws -> T {
        let server = try await TestHTTPServer.start(route: Self.route)
        let client = WebhookClient(timeout: timeout, maximumCachedClients: maximumCachedClients)
        do {
            let result = try await within(30, "client test") { try await body(server, client) }
            try await client.shutdown()
            await server.close()
            return result
        } catch {
            try? await client.shutdown()
            await server.close()
            throw error
        }
    }

    func url(_ server: TestHTTPServer, _ path: String, host: String = "127.0.0.1", scheme: String = "http") throws -> WebhookURL {
        try WebhookURL(validating: "\(scheme)://\(host):\(server.port)\(path)")
    }

    static let headers = [("content-type", "application/json"), ("webhook-id", "msg_1_1"), ("webhook-timestamp", "1790000000"),
                          ("webhook-signature", "v1,abc=")]

    @Test func successfulPostSendsHeadersAndBody() async throws {
        try await withServer { server, client in
            let body = Array(#"{"type":"gift.sent"}"#.utf8)
            let response = try await client.post(url: try url(server, "/ok?x=1"), pinned: Self.loopback, headers: Self.headers, body: body)
            #expect(response.statusCode == 200 && response.succeeded)
            #expect(response.excerpt == "ok")
            #expect(response.retryAfter == nil)
            #expect(response.latencyMillis >= 0 && response.latencyMillis < 10_000)
            let request = try #require(server.requests.first)
            #expect(request.method == .POST)
            #expect(request.uri == "/ok?x=1")
            #expect(request.body == body)
            #expect(request.headers["host"] == ["127.0.0.1:\(server.port)"])
            #expect(request.headers["webhook-id"] == ["msg_1_1"])
            #expect(request.headers["webhook-signature"] == ["v1,abc="])
            #expect(request.headers["content-type"] == ["application/json"])
            #expect(request.headers["content-length"] == [String(body.count)])
        }
    }

    @Test func errorResponseBodyIsTruncatedToTheExcerpt() async throws {
        try await withServer { server, client in
            let response = try await client.post(url: try url(server, "/error"), pinned: Self.loopback, headers: [], body: [])
            #expect(response.statusCode == 500 && !response.succeeded)
            #expect(response.excerpt == String(repeating: "e", count: 1024))
        }
    }

    @Test func retryAfterIsReturned() async throws {
        try await withServer { server, client in
            let response = try await client.post(url: try url(server, "/unavailable"), pinned: Self.loopback, headers: [], body: [])
            #expect(response.statusCode == 503)
            #expect(response.retryAfter == "120")
            #expect(response.excerpt == "busy")
        }
    }

    @Test func redirectsAreNotFollowed() async throws {
        try await withServer { server, client in
            let response = try await client.post(url: try url(server, "/redirect"), pinned: Self.loopback, headers: [], body: [1, 2])
            #expect(response.statusCode == 302 && !response.succeeded)
            #expect(server.requests.map(\.uri) == ["/redirect"], "only one request reached the server")
        }
    }

    @Test func hugeBodiesAreReadOnlyInPart() async throws {
        try await withServer { server, client in
            let response = try await client.post(url: try url(server, "/huge"), pinned: Self.loopback, headers: [], body: [])
            #expect(response.statusCode == 200)
            #expect(response.excerpt == String(repeating: "x", count: 1024))
            // The connection was dropped mid-body; the next request still works on a fresh one.
            let again = try await client.post(url: try url(server, "/ok"), pinned: Self.loopback, headers: [], body: [])
            #expect(again.statusCode == 200)
        }
    }

    @Test func aServerThatNeverAnswersHitsTheTimeout() async throws {
        try await withServer(timeout: .milliseconds(300)) { server, client in
            let start = ContinuousClock.now
            let error = try await #require(throws: WebhookTransportError.self) {
                try await client.post(url: try url(server, "/hang"), pinned: Self.loopback, headers: [], body: [])
            }
            #expect(error.kind == .timedOut)
            #expect(error.description == "timed out after 300 ms")
            // Well before the suite's limit; generous, as a loaded test run delays timers by seconds.
            #expect(ContinuousClock.now - start < .seconds(20))
        }
    }

    @Test func aBodyThatNeverEndsHitsTheTimeout() async throws {
        try await withServer(timeout: .milliseconds(400)) { server, client in
            let start = ContinuousClock.now
            let error = try await #require(throws: WebhookTransportError.self) {
                try await client.post(url: try url(server, "/half"), pinned: Self.loopback, headers: [], body: [])
            }
            #expect(error.kind == .timedOut)
            #expect(ContinuousClock.now - start < .seconds(20))
        }
    }

    @Test func connectionRefused() async throws {
        // A port that was just listening and is now closed.
        let closed = try await TestHTTPServer.start(route: Self.route)
        let port = closed.port
        await closed.close()
        // A timeout far longer than the bound checked below, which a loaded run cannot blur.
        let client = WebhookClient(timeout: .seconds(50))
        let start = ContinuousClock.now
        do {
            _ = try await client.post(url: try WebhookURL(validating: "http://127.0.0.1:\(port)/"), pinned: Self.loopback, headers: [], body: [])
            Issue.record("a closed port answered")
        } catch let error as WebhookTransportError {
            #expect(error.kind == .connectionRefused, "\(error)")
            #expect(error.description == "connection refused by 127.0.0.1:\(port)")
            #expect(ContinuousClock.now - start < .seconds(20), "no retrying of the connection until the timeout")
        }
        try await client.shutdown()
    }

    @Test func serverClosingWithoutResponse() async throws {
        try await withServer { server, client in
            let error = try await #require(throws: WebhookTransportError.self) {
                try await client.post(url: try url(server, "/close"), pinned: Self.loopback, headers: [], body: [])
            }
            #expect(error.kind == .connectionClosed, "\(error)")
        }
    }

    @Test func tlsToAPlainServerFailsCleanly() async throws {
        try await withServer(timeout: .seconds(5)) { server, client in
            // Repeated: the plain server's answer and close can race the pool handing the new
            // connection to the request (once seen as `connectionClosed` under load).
            for _ in 0..<40 {
                let error = try await #require(throws: WebhookTransportError.self) {
                    try await client.post(url: try url(server, "/ok", host: "hooks.invalid", scheme: "https"), pinned: Self.loopback,
                                          headers: [], body: [])
                }
                #expect(error.kind == .tls, "\(error)")
                // The reason depends on which the client sees first: the plain answer, or the close.
                let prefix = "TLS with hooks.invalid at 127.0.0.1:\(server.port) failed: "
                #expect(error.description == prefix + "WRONG_VERSION_NUMBER" || error.description == prefix + "the connection closed during the handshake",
                        "\(error)")
            }
        }
    }

    @Test func pinningConnectsToTheGivenAddressWithTheURLHost() async throws {
        try await withServer { server, client in
            // hooks.invalid never resolves (RFC 6761): only the pinned address can be reached.
            let response = try await client.post(url: try url(server, "/pinned", host: "hooks.invalid"), pinned: Self.loopback,
                                                 headers: Self.headers, body: Array("{}".utf8))
            #expect(response.statusCode == 200)
            let request = try #require(server.requests.first)
            #expect(request.uri == "/pinned")
            #expect(request.headers["host"] == ["hooks.invalid:\(server.port)"])
            #expect(client.cachedClientCount == 1)
            // The same host and address reuse the client; another host gets its own.
            _ = try await client.post(url: try url(server, "/pinned", host: "hooks.invalid"), pinned: Self.loopback, headers: [], body: [])
            #expect(client.cachedClientCount == 1)
            _ = try await client.post(url: try url(server, "/pinned", host: "other.invalid"), pinned: Self.loopback, headers: [], body: [])
            #expect(client.cachedClientCount == 2)
            #expect(server.requests.last?.headers["host"] == ["other.invalid:\(server.port)"])
            // Every character a valid URL may carry reaches the server as written.
            let odd = "/pinned;b=c/%7Bx%7D?q=1&r=a:b@c!$'()*+,~-._"
            _ = try await client.post(url: try url(server, odd, host: "my_host.invalid"), pinned: Self.loopback, headers: [], body: [])
            #expect(server.requests.last?.uri == odd)
            #expect(server.requests.last?.headers["host"] == ["my_host.invalid:\(server.port)"])
        }
    }

    @Test func idleClientsAreEvictedBeyondTheCacheSize() async throws {
        try await withServer(maximumCachedClients: 2) { server, client in
            for host in ["a.invalid", "b.invalid", "c.invalid", "a.invalid"] {
                let response = try await client.post(url: try url(server, "/ok", host: host), pinned: Self.loopback, headers: [], body: [])
                #expect(response.statusCode == 200)
                #expect(client.cachedClientCount <= 2)
            }
        }
    }

    @Test func atLeastEightConcurrentConnectionsPerHost() async throws {
        try await withServer { server, client in
            // The server answers only once 8 requests wait at once: 8 parallel connections are needed.
            let target = try url(server, "/barrier", host: "hooks.invalid")
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await client.post(url: target, pinned: Self.loopback, headers: [], body: []).statusCode }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses == [Int](repeating: 200, count: 8))
        }
    }

    @Test func ipv6Loopback() async throws {
        // Only where the sandbox has ::1.
        guard let server = try? await TestHTTPServer.start(host: "::1", route: Self.route) else { return }
        let client = WebhookClient(timeout: .seconds(5))
        do {
            let url = try WebhookURL(validating: "http://[::1]:\(server.port)/ok")
            let response = try await client.post(url: url, pinned: IPAddress("::1")!, headers: [], body: [])
            #expect(response.statusCode == 200)
            #expect(server.requests.first?.headers["host"] == ["[::1]:\(server.port)"])
            let named = try await client.post(url: try WebhookURL(validating: "http://v6.invalid:\(server.port)/ok"),
                                              pinned: IPAddress("::1")!, headers: [], body: [])
            #expect(named.statusCode == 200)
        } catch {
            Issue.record(error)
        }
        try await client.shutdown()
        await server.close()
    }

    @Test func releasingAClientWithoutShutdownDoesNotTrap() async throws {
        try await withServer { server, _ in
            do {
                let forgotten = WebhookClient(timeout: .seconds(5))
                let response = try await forgotten.post(url: try url(server, "/ok"), pinned: Self.loopback, headers: [], body: [])
                #expect(response.statusCode == 200)
            } // released here with one live HTTPClient inside
        }
    }

    @Test func shutDownClientRefusesPosts() async throws {
        let client = WebhookClient()
        try await client.shutdown()
        let error = try await #require(throws: WebhookTransportError.self) {
            try await client.post(url: try WebhookURL(validating: "http://127.0.0.1:9/"), pinned: Self.loopback, headers: [], body: [])
        }
        #expect(error.kind == .shutDown)
    }
}
