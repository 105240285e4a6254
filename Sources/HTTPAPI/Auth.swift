import Domain
import Foundation
import Engine
import EventLog
import Hummingbird
import HummingbirdBcrypt
import MarqueeCore
import NIOPosix
import Projections

/// The account behind a request.
public struct Principal: Sendable, Equatable {
    public var id: String
    public var handle: String
    public var role: Role
    public var suspended: Bool
    /// What the token may do: nil for a login session (everything the account may do).
    public var scopes: Set<Scope>?
    /// The app the token was issued to (OAuth), nil for sessions and personal access tokens.
    public var appId: String?

    public init(id: String, handle: String, role: Role, suspended: Bool, scopes: Set<Scope>? = nil, appId: String? = nil) {
        self.id = id; self.handle = handle; self.role = role; self.suspended = suspended; self.scopes = scopes; self.appId = appId
    }

    public func has(_ scope: Scope) -> Bool { scopes?.contains(scope) ?? true }

    /// What this principal may see of the log (webhooks, realtime feed).
    public var grant: Grant {
        Grant(accountId: id, isAdmin: role == .admin, scopes: scopes ?? Set(Scope.allCases))
    }
}

/// Bearer-token sessions and bcrypt passwords.
struct Auth: Sendable {
    let deps: APIDependencies

    /// The principal of a request carrying `Authorization: Bearer <token>`, nil without the header.
    func optional(_ request: Request) async throws -> Principal? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw Problem.unauthorized("the Authorization header must be 'Bearer <token>'")
        }
        return try await principal(token: String(parts[1]).trimmingSpaces)
    }

    /// The principal of a bearer token (from the header, or a WebSocket's or feed's
    /// `access_token`): a login session (`mqs_…`), a personal access token (`mq_pat_…`) or an
    /// OAuth access token (`mq_at_…`).
    func principal(token: String) async throws -> Principal {
        let tokenHash = Digest.sha256Hex(token)
        let now = deps.clock.now().rfc3339
        var scopes: Set<Scope>?
        var appId: String?
        let accountId: String
        if token.hasPrefix(Self.personalTokenPrefix) || token.hasPrefix(Self.accessTokenPrefix) {
            guard let record = try deps.events.withConnection({ try SecretStore.token(hash: tokenHash, now: now, $0) }) else {
                var problem = Problem.unauthorized("the access token is unknown, expired or revoked")
                problem.headers[.wwwAuthenticate] = "Bearer error=\"invalid_token\", error_description=\"the access token is unknown, expired or revoked\""
                throw problem
            }
            accountId = record.accountId
            scopes = Set(record.scopes.compactMap(Scope.init(rawValue:)))
            appId = record.appId
        } else {
            guard let session = try deps.events.withConnection({ try SecretStore.session(tokenHash: tokenHash, now: now, $0) }) else {
                throw Problem.unauthorized("the session token is unknown or expired; log in again with POST /api/v1/sessions")
            }
            accountId = session
        }
        try await deps.consistentRead()
        guard let account = try deps.readModels.withConnection({ try ReadModels.account(id: accountId, $0) }) else {
            throw Problem.unauthorized("the token's account no longer exists")
        }
        return Principal(id: account.id, handle: account.handle, role: account.role, suspended: account.suspended, scopes: scopes, appId: appId)
    }

    /// The request's principal, which must hold `scope` (403 `insufficient-scope` naming it).
    func required(_ request: Request, _ scope: Scope) async throws -> Principal {
        guard let principal = try await optional(request) else { throw Problem.unauthorized() }
        guard principal.has(scope) else { throw Problem.insufficientScope(scope) }
        return principal
    }

    /// Only a login session: what a token must never do for itself (mint tokens, register apps).
    func session(_ request: Request) async throws -> Principal {
        guard let principal = try await optional(request) else { throw Problem.unauthorized() }
        guard principal.scopes == nil else {
            throw Problem.forbidden("this needs a login session (POST /api/v1/sessions), not an access token")
        }
        return principal
    }

    func admin(_ request: Request) async throws -> Principal {
        let principal = try await required(request, .admin)
        guard principal.role == .admin else { throw Problem.forbidden("this needs an admin account") }
        return principal
    }

    static let personalTokenPrefix = "mq_pat_"
    static let accessTokenPrefix = "mq_at_"
    static let refreshTokenPrefix = "mq_rt_"

    // MARK: passwords (bcrypt runs on NIO's blocking pool, never on the request's executor)

    static func passwordProblem(_ password: String) -> String? {
        let bytes = password.utf8.count
        if password.count < 8 { return "must be at least 8 characters" }
        if bytes > 72 { return "must be at most 72 bytes (bcrypt's limit)" }
        return nil
    }

    static func hashPassword(_ password: String, cost: UInt8) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    static func verifyPassword(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// A bearer token or stream key: 32 bytes from the system CSPRNG, base64url, with a prefix.
    static func randomSecret(prefix: String) -> String {
        var rng = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        for _ in 0..<4 {
            let word: UInt64 = rng.next()
            for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        return prefix + Base64.urlEncodedNoPadding(bytes)
    }

}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}

/// Password hashing for callers outside the routes (the admin bootstrap).
public enum HTTPAPIPasswords {
    /// Why a password is not acceptable (too short, or longer than bcrypt's 72 bytes), or nil.
    public static func problem(_ password: String) -> String? { Auth.passwordProblem(password) }

    public static func hash(_ password: String, cost: UInt8) async throws -> String {
        try await Auth.hashPassword(password, cost: cost)
    }
}
