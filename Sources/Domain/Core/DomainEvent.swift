import MarqueeJSON

/// Every event the domain emits. The `type` strings are the public contract (EVENTS.md);
/// each has a JSON Schema at `EventSchemas/<type>/v<schema>.schema.json`.
public enum DomainEvent: Sendable, Equatable {
    case accountRegistered(AccountRegistered)
    case accountRoleChanged(AccountRoleChanged)
    case accountSuspended(AccountSuspended)
    case accountReinstated(AccountReinstated)
    case channelCreated(ChannelCreated)
    case channelUpdated(ChannelUpdated)
    case channelStreamKeyRotated(ChannelStreamKeyRotated)
    case tokensGranted(TokensGranted)
    case giftSent(GiftSent)

    /// Every type this build can emit, with its current schema version.
    public static let catalog: [(type: String, schema: Int)] = [
        ("account.registered", 1), ("account.role_changed", 1), ("account.suspended", 1), ("account.reinstated", 1),
        ("channel.created", 1), ("channel.updated", 1), ("channel.stream_key_rotated", 1),
        ("tokens.granted", 1), ("gift.sent", 1),
    ]

    public var type: String {
        switch self {
        case .accountRegistered: return "account.registered"
        case .accountRoleChanged: return "account.role_changed"
        case .accountSuspended: return "account.suspended"
        case .accountReinstated: return "account.reinstated"
        case .channelCreated: return "channel.created"
        case .channelUpdated: return "channel.updated"
        case .channelStreamKeyRotated: return "channel.stream_key_rotated"
        case .tokensGranted: return "tokens.granted"
        case .giftSent: return "gift.sent"
        }
    }

    public var schema: Int { 1 }

    /// The aggregate stream the event belongs to.
    public var stream: String {
        switch self {
        case .accountRegistered(let e): return Streams.account(e.accountId)
        case .accountRoleChanged(let e): return Streams.account(e.accountId)
        case .accountSuspended(let e): return Streams.account(e.accountId)
        case .accountReinstated(let e): return Streams.account(e.accountId)
        case .channelCreated(let e): return Streams.channel(e.channelId)
        case .channelUpdated(let e): return Streams.channel(e.channelId)
        case .channelStreamKeyRotated(let e): return Streams.channel(e.channelId)
        case .tokensGranted(let e): return Streams.wallet(e.accountId)
        case .giftSent(let e): return Streams.wallet(e.fromAccountId)
        }
    }

    /// The payload as JSON bytes (declaration order, explicit nulls): what the log stores.
    public func encodedData() throws -> [UInt8] {
        switch self {
        case .accountRegistered(let e): return try JSONEncoding.encode(e)
        case .accountRoleChanged(let e): return try JSONEncoding.encode(e)
        case .accountSuspended(let e): return try JSONEncoding.encode(e)
        case .accountReinstated(let e): return try JSONEncoding.encode(e)
        case .channelCreated(let e): return try JSONEncoding.encode(e)
        case .channelUpdated(let e): return try JSONEncoding.encode(e)
        case .channelStreamKeyRotated(let e): return try JSONEncoding.encode(e)
        case .tokensGranted(let e): return try JSONEncoding.encode(e)
        case .giftSent(let e): return try JSONEncoding.encode(e)
        }
    }

    /// Decodes a stored event. Returns nil for a type this build does not know (a newer
    /// writer's event): consumers skip what they do not understand.
    public static func decode(type: String, schema: Int, data: [UInt8]) throws -> DomainEvent? {
        try data.withUnsafeBytes { try decode(type: type, schema: schema, bytes: $0) }
    }

    /// The same, straight from a buffer (replay decodes from SQLite's row without copying it).
    public static func decode(type: String, schema: Int, bytes: UnsafeRawBufferPointer) throws -> DomainEvent? {
        func d<T: Decodable>(_ t: T.Type) throws -> T { try JSONDecoding.decode(t, from: bytes) }
        switch type {
        case "account.registered": return .accountRegistered(try d(AccountRegistered.self))
        case "account.role_changed": return .accountRoleChanged(try d(AccountRoleChanged.self))
        case "account.suspended": return .accountSuspended(try d(AccountSuspended.self))
        case "account.reinstated": return .accountReinstated(try d(AccountReinstated.self))
        case "channel.created": return .channelCreated(try d(ChannelCreated.self))
        case "channel.updated": return .channelUpdated(try d(ChannelUpdated.self))
        case "channel.stream_key_rotated": return .channelStreamKeyRotated(try d(ChannelStreamKeyRotated.self))
        case "tokens.granted": return .tokensGranted(try d(TokensGranted.self))
        case "gift.sent":
            // The hot path of replay: the writer's own form straight from the bytes, else parse
            // once and read the members directly (which also reports what is wrong).
            if let gift = GiftSent(canonicalJSON: bytes) { return .giftSent(gift) }
            let value = try JSONValue(parsing: bytes)
            guard case .object(let object) = value else {
                throw EventPayloadError(type: type, reason: "the payload must be a JSON object")
            }
            return .giftSent(try GiftSent(json: object))
        default: return nil
        }
    }
}
