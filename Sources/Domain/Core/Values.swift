/// An account's role (EVENTS.md `account.registered`).
public enum Role: String, Codable, Sendable, CaseIterable {
    case viewer, creator, moderator, admin
}

/// Who may watch a channel (EVENTS.md `channel.updated`).
public enum ChannelAccess: String, Codable, Sendable, CaseIterable {
    case `public`, subscribers, paid
}

/// Input rules shared by deciders. Each returns nil when valid, or the reason it is not.
public enum Validation {
    /// Handles: 3–30 characters, lowercase letters, digits and `_`, starting with a letter.
    /// The HTTP layer lowercases what users type, so `Alice` and `alice` are the same handle.
    public static func handleProblem(_ handle: String) -> String? {
        let bytes = Array(handle.utf8)
        guard (3...30).contains(bytes.count) else { return "must be 3 to 30 characters" }
        guard let first = bytes.first, (97...122).contains(first) else { return "must start with a lowercase letter" }
        for b in bytes where !((97...122).contains(b) || (48...57).contains(b) || b == 95) {
            return "may contain only lowercase letters, digits and '_'"
        }
        return nil
    }

    /// Channel slugs: 3–40 characters, lowercase letters, digits and `-`, not starting or ending with `-`.
    public static func slugProblem(_ slug: String) -> String? {
        let bytes = Array(slug.utf8)
        guard (3...40).contains(bytes.count) else { return "must be 3 to 40 characters" }
        for b in bytes where !((97...122).contains(b) || (48...57).contains(b) || b == 45) {
            return "may contain only lowercase letters, digits and '-'"
        }
        if bytes.first == 45 || bytes.last == 45 { return "must not start or end with '-'" }
        return nil
    }

    /// Free text shown to others (titles, messages, reasons): bounded, no control characters.
    /// Lengths count Unicode code points, as JSON Schema's `maxLength` does (EventSchemas/).
    public static func textProblem(_ text: String, min: Int, max: Int) -> String? {
        let count = text.unicodeScalars.count
        if count < min { return min == 1 ? "must not be empty" : "must be at least \(min) characters" }
        if count > max { return "must be at most \(max) characters" }
        for scalar in text.unicodeScalars where scalar.value < 0x20 || (0x7f...0x9f).contains(scalar.value) {
            return "must not contain control characters"
        }
        return nil
    }

    /// Gift names in the catalog: `^[a-z][a-z0-9_-]{0,31}$` (as EventSchemas/gift.sent says).
    public static func giftNameProblem(_ name: String) -> String? {
        let bytes = Array(name.utf8)
        guard (1...32).contains(bytes.count), let first = bytes.first, (97...122).contains(first) else {
            return "must be 1 to 32 characters starting with a lowercase letter"
        }
        for b in bytes where !((97...122).contains(b) || (48...57).contains(b) || b == 95 || b == 45) {
            return "may contain only lowercase letters, digits, '_' and '-'"
        }
        return nil
    }
}

/// Stream names of aggregates (EVENTS.md gives each event's aggregate in brackets).
public enum Streams {
    public static func account(_ id: String) -> String { "account-" + id }
    public static func channel(_ id: String) -> String { "channel-" + id }
    public static func wallet(_ accountId: String) -> String { "wallet-" + accountId }
    public static func stream(_ id: String) -> String { "stream-" + id }
    public static func subscription(_ id: String) -> String { "subscription-" + id }
    public static func earnings(_ creatorId: String) -> String { "earnings-" + creatorId }
    public static func chat(_ channelId: String) -> String { "chat-" + channelId }
    public static func poll(_ id: String) -> String { "poll-" + id }
    /// An app's registrations, grants and webhook endpoints (an account's own endpoints use its id).
    public static func app(_ id: String) -> String { "app-" + id }
    /// The platform's ad inventory is one stream.
    public static let ads = "ads"
}
