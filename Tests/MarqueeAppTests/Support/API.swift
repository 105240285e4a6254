import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// One HTTP answer, with the body as text.
struct Reply: Sendable, CustomStringConvertible {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var body: String

    var code: Int { status.code }

    func json() throws -> ResponseJSON { try ResponseJSON.parse(body) }

    var description: String { "\(status.code) \(headers[.contentType] ?? "-") \(body.prefix(600))" }
}

/// A small client for Marquee's HTTP API over any transport: the `.live` test client of an
/// in-process server, or a `TestClient` connected to a `marquee serve` child process.
struct API: Sendable {
    typealias Transport = @Sendable (_ path: String, _ method: HTTPRequest.Method, _ headers: HTTPFields, _ body: ByteBuffer?) async throws -> Reply
    let transport: Transport
    /// The server's port, when known (for opening more connections).
    let port: Int?

    init(_ client: any TestClientProtocol) {
        port = client.port
        transport = { path, method, headers, body in
            let response = try await client.executeRequest(uri: path, method: method, headers: headers, body: body)
            return Reply(status: response.status, headers: response.headers, body: String(buffer: response.body))
        }
    }

    init(_ client: TestClient, port: Int? = nil) {
        self.port = port
        transport = { path, method, headers, body in
            let response = try await client.execute(TestClient.Request(path, method: method, authority: "127.0.0.1", headers: headers, body: body))
            return Reply(status: response.status, headers: response.headers, body: response.body.map { String(buffer: $0) } ?? "")
        }
    }

    /// Sends `body` verbatim (so tests can send malformed JSON) as application/json.
    func request(_ method: HTTPRequest.Method, _ path: String, body: String? = nil, token: String? = nil,
                 headers extra: HTTPFields = [:]) async throws -> Reply {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        if body != nil && headers[.contentType] == nil { headers[.contentType] = "application/json" }
        return try await transport(path, method, headers, body.map { ByteBuffer(string: $0) })
    }

    /// Runs `body` with an API client on a new connection to the same server.
    func withConnection<Value: Sendable>(_ body: @escaping @Sendable (API) async throws -> Value) async throws -> Value {
        guard let port else { throw TestFailure("this API client does not know its server's port") }
        return try await TestClient.withClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(20))) { client in
            try await body(API(client, port: port))
        }
    }

    func get(_ path: String, token: String? = nil) async throws -> Reply { try await request(.get, path, token: token) }
    func post(_ path: String, _ body: String?, token: String? = nil, headers: HTTPFields = [:]) async throws -> Reply {
        try await request(.post, path, body: body, token: token, headers: headers)
    }
    func patch(_ path: String, _ body: String, token: String? = nil) async throws -> Reply {
        try await request(.patch, path, body: body, token: token)
    }
    func delete(_ path: String, token: String? = nil) async throws -> Reply { try await request(.delete, path, token: token) }

    // MARK: steps most tests need (each checks its own success)

    @discardableResult
    func register(_ handle: String, password: String = "password-123", role: String? = nil, token: String? = nil,
                  sourceLocation: SourceLocation = #_sourceLocation) async throws -> ResponseJSON {
        var body = #"{"handle":\#(jsonString(handle)),"password":\#(jsonString(password))"#
        if let role { body += #","role":\#(jsonString(role))"# }
        body += "}"
        let reply = try await post("/api/v1/accounts", body, token: token)
        try #require(reply.code == 201, "register \(handle): \(reply)", sourceLocation: sourceLocation)
        return try reply.json()
    }

    func login(_ handle: String, password: String = "password-123", sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let reply = try await post("/api/v1/sessions", #"{"handle":\#(jsonString(handle)),"password":\#(jsonString(password))}"#)
        try #require(reply.code == 201, "login \(handle): \(reply)", sourceLocation: sourceLocation)
        return try #require(try reply.json()["token"]?.string, sourceLocation: sourceLocation)
    }

    /// Registers and logs in; returns (account id, token).
    func account(_ handle: String, role: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws -> (id: String, token: String) {
        let registered = try await register(handle, role: role, sourceLocation: sourceLocation)
        let id = try #require(registered["id"]?.string, sourceLocation: sourceLocation)
        return (id, try await login(handle, sourceLocation: sourceLocation))
    }

    /// The usual cast: creator `carol` with channel `carol-live`, viewer `victor` holding 100 tokens.
    func carolAndVictor(admin: String, sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> (carol: (id: String, token: String), victor: (id: String, token: String)) {
        let carol = try await account("carol", role: "creator", sourceLocation: sourceLocation)
        let victor = try await account("victor", sourceLocation: sourceLocation)
        _ = try await createChannel("carol-live", token: carol.token, sourceLocation: sourceLocation)
        try await grant("victor", 100, admin: admin, sourceLocation: sourceLocation)
        return (carol, victor)
    }

    func grant(_ handle: String, _ tokens: Int64, admin: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let reply = try await post("/api/v1/admin/grants", #"{"handle":\#(jsonString(handle)),"tokens":\#(tokens)}"#, token: admin)
        try #require(reply.code == 201, "grant \(tokens) to \(handle): \(reply)", sourceLocation: sourceLocation)
    }

    func createChannel(_ slug: String, title: String = "A channel", token: String,
                       sourceLocation: SourceLocation = #_sourceLocation) async throws -> ResponseJSON {
        let reply = try await post("/api/v1/channels", #"{"slug":\#(jsonString(slug)),"title":\#(jsonString(title))}"#, token: token)
        try #require(reply.code == 201, "create channel \(slug): \(reply)", sourceLocation: sourceLocation)
        return try reply.json()
    }

    func wallet(_ token: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Wallet {
        let reply = try await get("/api/v1/wallet", token: token)
        try #require(reply.code == 200, "wallet: \(reply)", sourceLocation: sourceLocation)
        let json = try reply.json()
        return Wallet(try #require(json["balance"]?.int, "wallet: \(reply)", sourceLocation: sourceLocation),
                      try #require(json["earnings"]?.int, "wallet: \(reply)", sourceLocation: sourceLocation))
    }

    /// The log's head seq, from `GET /api/v1/events` (admin).
    func head(admin: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Int64 {
        let reply = try await get("/api/v1/events?limit=1", token: admin)
        try #require(reply.code == 200, "events head: \(reply)", sourceLocation: sourceLocation)
        return try #require(try reply.json()["head"]?.int, sourceLocation: sourceLocation)
    }

    /// Every event of the log through `GET /api/v1/events`, paging by `next`.
    func allEvents(admin: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [ResponseJSON] {
        var after: Int64 = 0
        var events: [ResponseJSON] = []
        while true {
            let reply = try await get("/api/v1/events?after=\(after)&limit=1000", token: admin)
            try #require(reply.code == 200, "events after \(after): \(reply)", sourceLocation: sourceLocation)
            let page = try reply.json()
            let batch = try #require(page["events"]?.array, sourceLocation: sourceLocation)
            events += batch
            guard !batch.isEmpty, let next = page["next"]?.int, next > after else { return events }
            after = next
        }
    }
}

/// `GET /api/v1/wallet`'s answer.
struct Wallet: Equatable, Sendable, CustomStringConvertible {
    var balance: Int64
    var earnings: Int64
    init(_ balance: Int64, _ earnings: Int64) { self.balance = balance; self.earnings = earnings }
    var description: String { "balance \(balance), earnings \(earnings)" }
}

/// Checks an RFC 9457 problem answer: status, media type and the four members.
func expectProblem(_ reply: Reply, _ status: Int, _ slug: String? = nil, _ comment: String = "",
                   sourceLocation: SourceLocation = #_sourceLocation) {
    guard reply.code == status else {
        // One issue, not one per member, when the status is already wrong.
        Issue.record("\(comment): expected a \(status) problem, got \(reply)", sourceLocation: sourceLocation)
        return
    }
    #expect(reply.headers[.contentType] == "application/problem+json", "\(comment) content-type: \(reply)", sourceLocation: sourceLocation)
    guard let json = try? reply.json() else {
        Issue.record("\(comment) problem body is not JSON: \(reply)", sourceLocation: sourceLocation)
        return
    }
    let type = json["type"]?.string ?? ""
    #expect(type.hasPrefix("urn:marquee:problem:"), "\(comment) type: \(reply)", sourceLocation: sourceLocation)
    if let slug { #expect(type == "urn:marquee:problem:" + slug, "\(comment) type: \(reply)", sourceLocation: sourceLocation) }
    let title = json["title"]?.string ?? ""
    #expect(!title.isEmpty, "\(comment) title: \(reply)", sourceLocation: sourceLocation)
    #expect(json["status"]?.int == Int64(status), "\(comment) status member: \(reply)", sourceLocation: sourceLocation)
    let detail = json["detail"]?.string ?? ""
    #expect(!detail.isEmpty, "\(comment) detail: \(reply)", sourceLocation: sourceLocation)
}
