import Domain
import MarqueeJSON
import MarqueeCore

/// Who asked, and how: stored as each event's `meta` (ARCHITECTURE.md, the write path).
public struct RequestMeta: Codable, Sendable, Equatable {
    /// The acting account id, or nil for anonymous requests (self-registration).
    public var actor: String?
    /// The client's `Idempotency-Key` header, when sent.
    public var idempotencyKey: String?
    /// SHA-256 (hex) of what the request asked for (method, path, body), to detect a key reused
    /// for a different request.
    public var requestHash: String?
    /// Ties together everything one request caused.
    public var correlationId: String?
    public var clientIp: String?

    public init(actor: String? = nil, idempotencyKey: String? = nil, requestHash: String? = nil,
                correlationId: String? = nil, clientIp: String? = nil) {
        self.actor = actor; self.idempotencyKey = idempotencyKey; self.requestHash = requestHash
        self.correlationId = correlationId; self.clientIp = clientIp
    }
}

/// Secrets that commit atomically with an event but never enter the log (the log is exported
/// and sent to webhook subscribers).
public enum SecretWrite: Sendable, Equatable {
    /// A bcrypt hash of the account's password.
    case password(accountId: String, hash: String)
    /// A channel's stream key (shown to its owner; the log only records that it was rotated).
    case streamKey(channelId: String, key: String)
    /// SHA-256 (hex) of a confidential app's client secret.
    case clientSecret(appId: String, hash: String)
    /// A webhook endpoint's signing secret (`whsec_…`), kept in clear: the dispatcher signs with it.
    case webhookSecret(endpointId: String, secret: String)
    /// A new signing secret; the current one stays valid until `previousExpiresAt` (RFC 3339).
    case rotatedWebhookSecret(endpointId: String, secret: String, previousExpiresAt: String)
    /// A personal access token (its hash).
    case token(TokenRecord)
    /// Forgets a personal access token.
    case deleteToken(tokenId: String)
}

/// A bearer token the server issued, by the SHA-256 of its value.
public struct TokenRecord: Sendable, Equatable {
    public enum Kind: String, Sendable { case pat, access, refresh, refreshUsed = "refresh_used" }
    public var tokenHash: String
    public var kind: Kind
    /// The personal access token's id (`pat_…`).
    public var tokenId: String?
    public var appId: String?
    public var accountId: String
    public var scopes: [String]
    /// The OAuth grant chain it belongs to (one per authorization code).
    public var family: String?
    public var expiresAt: String?
    public var createdAt: String
    public init(tokenHash: String, kind: Kind, tokenId: String? = nil, appId: String? = nil, accountId: String, scopes: [String],
                family: String? = nil, expiresAt: String?, createdAt: String) {
        self.tokenHash = tokenHash; self.kind = kind; self.tokenId = tokenId; self.appId = appId; self.accountId = accountId
        self.scopes = scopes; self.family = family; self.expiresAt = expiresAt; self.createdAt = createdAt
    }
}

/// A login session: only the SHA-256 of the bearer token is stored.
public struct SessionRecord: Sendable, Equatable {
    public var tokenHash: String
    public var accountId: String
    public var expiresAt: String
    public init(tokenHash: String, accountId: String, expiresAt: String) {
        self.tokenHash = tokenHash; self.accountId = accountId; self.expiresAt = expiresAt
    }
}

/// Everything the writer can be asked to do.
public enum EngineCommand: Sendable {
    /// A domain command, with the secrets to store alongside its events.
    case domain(Command, secrets: [SecretWrite] = [])
    case createSession(SessionRecord)
    case deleteSession(tokenHash: String)
    /// OAuth 2.0 codes and tokens, decided against the writer's `OAuthBook`.
    case oauth(OAuthRequest)
}

public struct CommandEnvelope: Sendable {
    public var command: EngineCommand
    public var meta: RequestMeta
    public init(_ command: EngineCommand, meta: RequestMeta) { self.command = command; self.meta = meta }
}

public enum EngineOutcome: Sendable, Equatable {
    /// The command was decided now; these events were appended (possibly none: a no-op).
    case appended([DomainEvent])
    /// The same Idempotency-Key and request were decided before: these are the first answer's seqs.
    case replayed(seqs: [Int64])
    case done
    /// The scheduler's tick: what came due, and when the next thing will.
    case ticked([DomainEvent], nextDue: Timestamp?)
    /// What an OAuth request came to.
    case oauth(OAuthResult)
}

public enum EngineError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The Idempotency-Key was used before for a different request (IETF draft: 422).
    case idempotencyKeyReused(String)

    public var description: String {
        switch self {
        case .idempotencyKeyReused(let key):
            return "the Idempotency-Key '\(key)' was already used for a different request; use a new key for a new request"
        }
    }
}

extension RequestMeta {
    /// The `meta` bytes the log stores for this request: byte for byte what
    /// `JSONEncoding.encode(self, nulls: .omit)` writes (declaration order, nil fields left out),
    /// without Codable. Every command the writer decides encodes its meta once on the writer's
    /// critical path, where the Codable bridge was ~3 % of the writer thread at 256 callers
    /// (BENCHMARKS.md (a)); the bytes are hashed into the chain, so they must never differ
    /// (tested on randomized values): a string that JSON escapes takes the Codable path.
    public func encodedJSON() throws -> [UInt8] {
        var w = PlainJSONWriter(capacity: 80 + (actor?.utf8.count ?? 0) + (idempotencyKey?.utf8.count ?? 0)
                                    + (requestHash?.utf8.count ?? 0) + (correlationId?.utf8.count ?? 0) + (clientIp?.utf8.count ?? 0))
        var separator = false
        func member(_ key: StaticString, _ value: String?) {
            guard let value else { return }
            if separator { w.literal(",") }
            separator = true
            w.literal(key)
            w.string(value)
        }
        w.literal("{")
        member(#""actor":"#, actor)
        member(#""idempotencyKey":"#, idempotencyKey)
        member(#""requestHash":"#, requestHash)
        member(#""correlationId":"#, correlationId)
        member(#""clientIp":"#, clientIp)
        w.literal("}")
        return w.isPlain ? w.bytes : try JSONEncoding.encode(self, nulls: .omit)
    }
}
