/// What a token may do (OAuth 2.0 scopes, RFC 6749 §3.3). A login session holds every scope;
/// apps and personal access tokens hold the scopes they were granted. Every API route declares
/// the scope it needs (`/api/openapi.yaml`, `x-marquee-scope`).
public enum Scope: String, CaseIterable, Sendable, Codable, Comparable {
    case accountRead = "account:read"
    case streamRead = "stream:read"
    case streamWrite = "stream:write"
    case channelsWrite = "channels:write"
    case chatRead = "chat:read"
    case chatWrite = "chat:write"
    case moderationWrite = "moderation:write"
    case giftsRead = "gifts:read"
    case giftsWrite = "gifts:write"
    case subscriptionsRead = "subscriptions:read"
    case subscriptionsWrite = "subscriptions:write"
    case walletRead = "wallet:read"
    case walletWrite = "wallet:write"
    case payoutsRead = "payouts:read"
    case payoutsWrite = "payouts:write"
    case eventsRead = "events:read"
    case webhooksManage = "webhooks:manage"
    case admin = "admin"

    public static func < (lhs: Scope, rhs: Scope) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Every scope's name.
    public static let names: Set<String> = Set(allCases.map(\.rawValue))

    /// What the consent page tells the account it is granting.
    public var summary: String {
        switch self {
        case .accountRead: return "See your handle, role and personal access tokens"
        case .streamRead: return "See your channels, when you go live and who watches"
        case .streamWrite: return "Go live and end streams on your channels"
        case .channelsWrite: return "Create channels and change their settings, stream keys and subscription tiers"
        case .chatRead: return "Read chat and polls on your channels"
        case .chatWrite: return "Send chat messages and vote in polls as you"
        case .moderationWrite: return "Delete messages, ban users, change chat settings and run polls and ad breaks"
        case .giftsRead: return "See gifts you send and receive"
        case .giftsWrite: return "Send gifts with your tokens"
        case .subscriptionsRead: return "See your subscriptions and your channels' subscribers"
        case .subscriptionsWrite: return "Subscribe to channels and cancel subscriptions with your tokens"
        case .walletRead: return "See your token balance, purchases and paid minutes"
        case .walletWrite: return "Spend your tokens on paid shows and start token purchases"
        case .payoutsRead: return "See your earnings and payouts"
        case .payoutsWrite: return "Request payouts of your earnings"
        case .eventsRead: return "Follow your events live (realtime feed) and read your event history"
        case .webhooksManage: return "Manage webhook endpoints that receive your events"
        case .admin: return "Act as an administrator (only for admin accounts)"
        }
    }

    /// Parses scope names (already split); nil names the first unknown one.
    public static func parse(_ names: [String]) -> Result<[Scope], UnknownScope> {
        var out: [Scope] = []
        for name in names {
            guard let scope = Scope(rawValue: name) else { return .failure(UnknownScope(name: name)) }
            if !out.contains(scope) { out.append(scope) }
        }
        return .success(out)
    }

    public struct UnknownScope: Error, Equatable, Sendable { public var name: String }
}
