/// Why a command was rejected. Each case carries what a user needs to fix the request; the
/// HTTP layer maps the `kind` to a status code and the `description` to problem+json `detail`.
public enum DomainError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalid(field: String, reason: String)
    case handleTaken(String)
    case slugTaken(String)
    case unknownAccount(String)
    case unknownChannel(String)
    case unknownGift(String)
    case forbidden(String)
    case accountSuspended(String)
    case insufficientTokens(balance: Int64, needed: Int64)
    case conflict(String)
    case unknownPayout(String)
    case insufficientEarnings(earnings: Int64, needed: Int64)
    case rateLimited(String, retryAfterSeconds: Int64)
    case unknownMessage(String)
    case unknownPoll(String)
    case unknownApp(String)
    case unknownToken(String)
    case unknownEndpoint(String)

    /// A coarse class for mapping to transport status codes.
    public enum Kind: Sendable { case invalid, notFound, forbidden, conflict, unprocessable, tooMany }

    public var kind: Kind {
        switch self {
        case .invalid: return .invalid
        case .unknownAccount, .unknownChannel, .unknownGift, .unknownPayout, .unknownMessage, .unknownPoll, .unknownApp, .unknownToken,
             .unknownEndpoint: return .notFound
        case .forbidden, .accountSuspended: return .forbidden
        case .handleTaken, .slugTaken, .conflict: return .conflict
        case .insufficientTokens, .insufficientEarnings: return .unprocessable
        case .rateLimited: return .tooMany
        }
    }

    public var description: String {
        switch self {
        case .invalid(let field, let reason): return "\(field): \(reason)"
        case .handleTaken(let handle): return "the handle '\(handle)' is already taken"
        case .slugTaken(let slug): return "the channel slug '\(slug)' is already taken"
        case .unknownAccount(let account): return "no account '\(account)'"
        case .unknownChannel(let channel): return "no channel '\(channel)'"
        case .unknownGift(let gift): return "no gift named '\(gift)' in the catalog (GET /api/v1/gifts lists them)"
        case .forbidden(let reason): return reason
        case .accountSuspended(let account): return "the account '\(account)' is suspended"
        case .insufficientTokens(let balance, let needed): return "insufficient tokens: the wallet holds \(balance), this needs \(needed)"
        case .conflict(let reason): return reason
        case .unknownPayout(let payout): return "no payout '\(payout)'"
        case .unknownMessage(let message): return "no chat message '\(message)' in this channel"
        case .unknownPoll(let poll): return "no poll '\(poll)'"
        case .unknownApp(let app): return "no app '\(app)'"
        case .unknownToken(let token): return "no personal access token '\(token)' of this account"
        case .unknownEndpoint(let endpoint): return "no webhook endpoint '\(endpoint)' of this app or account"
        case .rateLimited(let reason, let seconds): return "\(reason); try again in \(seconds) s"
        case .insufficientEarnings(let earnings, let needed): return "insufficient earnings: \(earnings) tokens can be paid out, this needs \(needed)"
        }
    }
}
