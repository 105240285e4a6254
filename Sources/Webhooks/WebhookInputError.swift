/// Why a webhook endpoint's settings (URL, event types, allowlist, retry schedule) were refused.
///
/// Each `description` is a complete sentence meant for people: it becomes the `detail` of an
/// RFC 9457 problem+json response, or the message of a configuration error at start-up.
public enum WebhookInputError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A filter pattern that is not `*`, not `<category>.*` for a known category, and not a known type.
    case unknownEventType(String)
    /// A filter with no pattern at all.
    case noEventTypes
    /// The URL cannot be parsed, or breaks a rule (userinfo, fragment, length, host syntax); the
    /// associated text says what is wrong.
    case invalidURL(String)
    /// A scheme other than `http` or `https`.
    case unsupportedScheme(String)
    /// The host resolves to an address in a refused range (loopback, private, link-local, …).
    case refusedAddress(host: String, address: String, reason: String)
    /// The host resolved to no address at all (or the lookup failed).
    case unresolvable(host: String)
    /// An entry of an allowlist (`MARQUEE_WEBHOOK_ALLOW`) that is not an address or CIDR network.
    case invalidNetwork(String)
    /// A retry schedule (`MARQUEE_WEBHOOK_RETRY_SCHEDULE`) that is not a list of non-negative seconds.
    case invalidRetrySchedule(String)

    public var description: String {
        switch self {
        case .unknownEventType(let pattern):
            return "'\(pattern)' is not a known event type: use '*', '<category>.*' for a known category, or an exact event type."
        case .noEventTypes:
            return "Choose at least one event type ('*' for all)."
        case .invalidURL(let reason):
            return "The URL is not valid: \(reason)."
        case .unsupportedScheme(let scheme):
            return "The URL scheme '\(scheme)' is not supported: use http or https."
        case .refusedAddress(let host, let address, let reason):
            if host == address {
                return "Webhooks cannot be sent there: \(reason)."
            }
            return "Webhooks cannot be sent to '\(host)': it resolves to \(address), and \(reason)."
        case .unresolvable(let host):
            return "The host '\(host)' does not resolve to any address."
        case .invalidNetwork(let entry):
            return "'\(entry)' is not an IP address or a CIDR network such as 10.0.0.0/8 or fc00::/7."
        case .invalidRetrySchedule(let reason):
            return "The retry schedule is not valid: \(reason). Give comma-separated delays in seconds, such as '0,5,300'."
        }
    }
}
