import Domain
import Foundation
import Logging
import SFU
import WebhookDispatch
import Webhooks

/// Everything `marquee serve` is configured with; from flags first, then `MARQUEE_*`
/// environment variables, then defaults.
public struct ServerConfig: Sendable {
    public var dataDir: String
    public var httpHost: String
    public var httpPort: Int
    public var adminPassword: String?
    public var domain: DomainConfig
    public var bcryptCost: UInt8
    public var sessionTTLHours: Int64
    public var logLevel: Logger.Level
    public var stripeWebhookSecret: String?
    /// `--media-udp` / `MARQUEE_MEDIA_UDP` (default 0.0.0.0:8189); "off" runs without the SFU.
    public var mediaHost: String? = "0.0.0.0"
    public var mediaPort: Int = 8189
    /// `--public-ip` / `MARQUEE_PUBLIC_IP` (comma-separated): advertised in ICE candidates.
    public var publicIPs: [String] = []
    /// A media session that has not completed ICE and DTLS by then is dropped.
    public var mediaSetupTimeoutMillis: Int64 = 15_000
    /// Consent freshness (RFC 7675): a media session with no valid check for this long is
    /// `disconnected` (billing pauses), and after `mediaConsentTimeoutMillis` it is over.
    public var mediaConsentDisconnectMillis: Int64 = 10_000
    public var mediaConsentTimeoutMillis: Int64 = 30_000
    /// `MARQUEE_MEDIA_THREADS` (1–64): threads that encrypt and send a large fan-out, the media
    /// loop's included (default one per core, at most 4).
    public var mediaThreads: Int = MediaConfig.defaultFanOutThreads
    /// The webhook dispatcher: `MARQUEE_WEBHOOK_ALLOW`, `MARQUEE_WEBHOOK_RETRY_SCHEDULE`,
    /// `MARQUEE_WEBHOOK_TIMEOUT_SECONDS`, `MARQUEE_WEBHOOK_DISABLE_AFTER_SECONDS`.
    public var webhooks = DispatcherConfig()
    /// `MARQUEE_OAUTH_ACCESS_TOKEN_SECONDS`: how long an OAuth access token lives (default 3600).
    public var oauthAccessTTLSeconds: Int64 = 3600
    /// How often the realtime feed sends a keep-alive and checks its token again.
    public var realtimeHeartbeatMillis: Int64 = 15_000

    public init(dataDir: String = "./data", httpHost: String = "0.0.0.0", httpPort: Int = 8080, adminPassword: String? = nil,
                domain: DomainConfig = DomainConfig(), bcryptCost: UInt8 = 12, sessionTTLHours: Int64 = 720,
                logLevel: Logger.Level = .info) {
        self.dataDir = dataDir
        self.httpHost = httpHost
        self.httpPort = httpPort
        self.adminPassword = adminPassword
        self.domain = domain
        self.bcryptCost = bcryptCost
        self.sessionTTLHours = sessionTTLHours
        self.logLevel = logLevel
    }

    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads the configuration: explicit values win over the environment.
    public static func resolve(dataDir: String?, http: String?, mediaUDP: String? = nil, publicIP: String? = nil,
                               environment: [String: String]) throws -> ServerConfig {
        var config = ServerConfig()
        let media = mediaUDP ?? environment["MARQUEE_MEDIA_UDP"] ?? "0.0.0.0:8189"
        if media == "off" {
            config.mediaHost = nil
        } else {
            let (host, port) = try parseHostPort(media)
            config.mediaHost = host
            config.mediaPort = port
        }
        if let ips = publicIP ?? environment["MARQUEE_PUBLIC_IP"] {
            config.publicIPs = ips.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        if let threads = environment["MARQUEE_MEDIA_THREADS"] {
            guard let value = Int(threads), (1...64).contains(value) else { throw Invalid(description: "MARQUEE_MEDIA_THREADS must be 1 to 64") }
            config.mediaThreads = value
        }
        config.dataDir = dataDir ?? environment["MARQUEE_DATA_DIR"] ?? "./data"
        let (host, port) = try parseHostPort(http ?? environment["MARQUEE_HTTP"] ?? "0.0.0.0:8080")
        config.httpHost = host
        config.httpPort = port
        config.adminPassword = environment["MARQUEE_ADMIN_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        if let fee = environment["MARQUEE_PLATFORM_FEE_PERCENT"] {
            config.domain.feeBasisPoints = try parsePercent(fee)
        }
        if let catalog = environment["MARQUEE_GIFT_CATALOG"] {
            config.domain.giftCatalog = try parseCatalog(catalog)
        }
        if let cost = environment["MARQUEE_BCRYPT_COST"] {
            guard let value = UInt8(cost), (4...31).contains(value) else { throw Invalid(description: "MARQUEE_BCRYPT_COST must be 4 to 31") }
            config.bcryptCost = value
        }
        if let ttl = environment["MARQUEE_SESSION_TTL_HOURS"] {
            guard let value = Int64(ttl), value > 0, value <= 24 * 365 else { throw Invalid(description: "MARQUEE_SESSION_TTL_HOURS must be 1 to 8760") }
            config.sessionTTLHours = value
        }
        config.stripeWebhookSecret = environment["MARQUEE_STRIPE_WEBHOOK_SECRET"].flatMap { $0.isEmpty ? nil : $0 }
        func seconds(_ name: String, _ range: ClosedRange<Int64>) throws -> Int64? {
            guard let text = environment[name] else { return nil }
            guard let value = Int64(text), range.contains(value) else {
                throw Invalid(description: "\(name) must be a whole number of seconds from \(range.lowerBound) to \(range.upperBound)")
            }
            return value * 1000
        }
        if let period = try seconds("MARQUEE_BILLING_PERIOD_SECONDS", 1...3600) { config.domain.billingPeriodMillis = period }
        if let grace = try seconds("MARQUEE_RECONNECT_GRACE_SECONDS", 1...3600) { config.domain.reconnectGraceMillis = grace }
        if let period = try seconds("MARQUEE_SUBSCRIPTION_PERIOD_SECONDS", 1...366 * 86_400) { config.domain.subscriptionPeriodMillis = period }
        if let retry = try seconds("MARQUEE_RENEWAL_RETRY_SECONDS", 1...30 * 86_400) { config.domain.renewalRetryMillis = retry }
        if let interval = try seconds("MARQUEE_AD_BREAK_INTERVAL_SECONDS", 0...86_400) { config.domain.adBreakIntervalMillis = interval }
        if let limit = environment["MARQUEE_CHAT_RATE_LIMIT"] {
            let parts = limit.split(separator: "/").map { Int64($0) }
            guard parts.count == 2, let count = parts[0], let window = parts[1], (1...10).contains(count), (1...3600).contains(window) else {
                throw Invalid(description: "MARQUEE_CHAT_RATE_LIMIT must be MESSAGES/SECONDS with 1 to 10 messages per 1 to 3600 seconds, e.g. 5/10")
            }
            config.domain.chatMessagesPerWindow = Int(count)
            config.domain.chatWindowMillis = window * 1000
        }
        if let packages = environment["MARQUEE_TOKEN_PACKAGES"] { config.domain.tokenPackages = try parsePackages(packages) }
        if let minimum = environment["MARQUEE_PAYOUT_MINIMUM_TOKENS"] {
            guard let value = Int64(minimum), (1...1_000_000_000).contains(value) else {
                throw Invalid(description: "MARQUEE_PAYOUT_MINIMUM_TOKENS must be a whole number from 1 to 1000000000")
            }
            config.domain.payout.minimumTokens = value
        }
        if let rate = environment["MARQUEE_PAYOUT_RATE"] { try parsePayoutRate(rate, into: &config.domain.payout) }
        if let allow = environment["MARQUEE_WEBHOOK_ALLOW"] { config.webhooks.allow = try allowList(allow) }
        if let schedule = environment["MARQUEE_WEBHOOK_RETRY_SCHEDULE"] { config.webhooks.retry = try retrySchedule(schedule) }
        if let timeout = try seconds("MARQUEE_WEBHOOK_TIMEOUT_SECONDS", 1...120) { config.webhooks.timeout = .milliseconds(timeout) }
        if let after = try seconds("MARQUEE_WEBHOOK_DISABLE_AFTER_SECONDS", 1...365 * 86_400) { config.webhooks.disableAfterMillis = after }
        if let nice = environment["MARQUEE_WEBHOOK_NICENESS"] {
            guard let value = Int32(nice), (0...19).contains(value) else {
                throw Invalid(description: "MARQUEE_WEBHOOK_NICENESS must be a whole number from 0 (the server's own priority) to 19")
            }
            config.webhooks.niceness = value
        }
        if let ttl = try seconds("MARQUEE_OAUTH_ACCESS_TOKEN_SECONDS", 60...86_400) { config.oauthAccessTTLSeconds = ttl / 1000 }
        if let level = environment["MARQUEE_LOG_LEVEL"] {
            guard let value = Logger.Level(rawValue: level.lowercased()) else { throw Invalid(description: "MARQUEE_LOG_LEVEL must be trace, debug, info, notice, warning, error or critical") }
            config.logLevel = value
        }
        return config
    }

    static func allowList(_ text: String) throws(Invalid) -> [IPNetwork] {
        do { return try AddressPolicy.parseAllowList(text) } catch {
            throw Invalid(description: "MARQUEE_WEBHOOK_ALLOW: \(error.description) (give CIDRs like 127.0.0.1/32, 10.0.0.0/8)")
        }
    }

    static func retrySchedule(_ text: String) throws(Invalid) -> RetryPolicy {
        do { return try RetryPolicy(parsing: text) } catch {
            throw Invalid(description: "MARQUEE_WEBHOOK_RETRY_SCHEDULE: \(error.description) (seconds between attempts, e.g. 0,5,300,1800)")
        }
    }

    /// `HOST:PORT` (IPv6 as `[::1]:8080`).
    public static func parseHostPort(_ text: String) throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":") else { throw Invalid(description: "'\(text)' is not HOST:PORT") }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port), !host.isEmpty else {
            throw Invalid(description: "'\(text)' is not HOST:PORT with a port from 0 to 65535")
        }
        return (host, port)
    }

    /// `20` or `12.5` percent → basis points.
    public static func parsePercent(_ text: String) throws -> Int64 {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = Int64(parts[0]), whole >= 0 else {
            throw Invalid(description: "MARQUEE_PLATFORM_FEE_PERCENT must be a number from 0 to 100 with at most 2 decimals")
        }
        var fraction: Int64 = 0
        if parts.count == 2 {
            guard (1...2).contains(parts[1].count), let f = Int64(parts[1]), f >= 0 else {
                throw Invalid(description: "MARQUEE_PLATFORM_FEE_PERCENT must have at most 2 decimals")
            }
            fraction = parts[1].count == 1 ? f * 10 : f
        }
        let bps = whole * 100 + fraction
        guard bps <= 10_000 else { throw Invalid(description: "MARQUEE_PLATFORM_FEE_PERCENT must be at most 100") }
        return bps
    }

    /// `name:tokens,name:tokens`.
    public static func parseCatalog(_ text: String) throws -> [GiftType] {
        var gifts: [GiftType] = []
        for entry in text.split(separator: ",") {
            let parts = entry.split(separator: ":")
            guard parts.count == 2, let tokens = Int64(parts[1]), tokens > 0, tokens <= 1_000_000,
                  Validation.giftNameProblem(String(parts[0])) == nil, !gifts.contains(where: { $0.name == String(parts[0]) }) else {
                throw Invalid(description: "MARQUEE_GIFT_CATALOG must be 'name:tokens,…' with unique names (lowercase letters, digits, '_', '-'; up to 32) and 1 to 1000000 tokens each (bad entry '\(entry)')")
            }
            gifts.append(GiftType(name: String(parts[0]), tokens: tokens))
        }
        guard !gifts.isEmpty else { throw Invalid(description: "MARQUEE_GIFT_CATALOG must list at least one gift") }
        return gifts
    }

    /// `id:tokens:CURRENCY:minor,…`, e.g. `tokens-100:100:USD:199`.
    public static func parsePackages(_ text: String) throws -> [TokenPackage] {
        var packages: [TokenPackage] = []
        for entry in text.split(separator: ",") {
            let parts = entry.split(separator: ":").map(String.init)
            guard parts.count == 4, Validation.giftNameProblem(parts[0]) == nil, !packages.contains(where: { $0.id == parts[0] }),
                  let tokens = Int64(parts[1]), (1...1_000_000_000).contains(tokens), isCurrency(parts[2]),
                  let minor = Int64(parts[3]), (1...100_000_000_000).contains(minor) else {
                throw Invalid(description: "MARQUEE_TOKEN_PACKAGES must be 'id:tokens:CURRENCY:minor,…' with unique ids (lowercase letters, digits, '_', '-'), 1 to 1000000000 tokens, a 3-letter currency and a positive price in minor units (bad entry '\(entry)')")
            }
            packages.append(TokenPackage(id: parts[0], tokens: tokens, price: Money(currency: parts[2], minor: minor)))
        }
        guard !packages.isEmpty else { throw Invalid(description: "MARQUEE_TOKEN_PACKAGES must list at least one package") }
        return packages
    }

    /// `CURRENCY:minor/tokens`, e.g. `USD:1/1` (a cent a token) or `EUR:9/10`.
    public static func parsePayoutRate(_ text: String, into policy: inout PayoutPolicy) throws {
        let parts = text.split(separator: ":").map(String.init)
        let fraction = parts.count == 2 ? parts[1].split(separator: "/").map(String.init) : []
        guard parts.count == 2, isCurrency(parts[0]), fraction.count == 2, let minor = Int64(fraction[0]), let per = Int64(fraction[1]),
              (0...1_000_000).contains(minor), (1...1_000_000).contains(per) else {
            throw Invalid(description: "MARQUEE_PAYOUT_RATE must be 'CURRENCY:minorUnits/tokens', e.g. USD:1/1 for one cent per token")
        }
        policy.currency = parts[0]
        policy.minorUnits = minor
        policy.perTokens = per
    }

    static func isCurrency(_ text: String) -> Bool { text.utf8.count == 3 && text.utf8.allSatisfy { (65...90).contains($0) } }
}
