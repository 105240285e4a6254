import EventLog
import MarqueeCore

/// An endpoint's symmetric signing secret (Standard Webhooks 1.0.0, "Signature scheme"):
/// random bytes, at least 24 (192 bits), presented to people as `whsec_` + standard base64.
public struct WebhookSecret: Sendable, Equatable {
    /// The HMAC key.
    public let bytes: [UInt8]

    /// The accepted key sizes. The spec asks for at least 24 bytes; 64 (the HMAC-SHA256 block
    /// size) is the most that adds strength.
    public static let byteCounts = 24...64

    /// Parses `whsec_<base64>` (padded or not) of 24–64 bytes; nil for anything else.
    public init?(_ text: String) {
        guard text.hasPrefix("whsec_"), let bytes = Base64.decode(text.dropFirst(6)),
              Self.byteCounts.contains(bytes.count)
        else { return nil }
        self.bytes = bytes
    }

    /// A secret of exactly these bytes (24–64 of them), or nil.
    public init?(bytes: [UInt8]) {
        guard Self.byteCounts.contains(bytes.count) else { return nil }
        self.bytes = bytes
    }

    /// 24 fresh bytes from the system CSPRNG.
    public static func generate() -> WebhookSecret {
        var rng = SystemRandomNumberGenerator()
        return WebhookSecret(unchecked: (0..<24).map { _ in UInt8.random(in: 0...255, using: &rng) })
    }

    private init(unchecked bytes: [UInt8]) { self.bytes = bytes }

    /// `whsec_` + padded standard base64 of the bytes.
    public var text: String { "whsec_" + Base64.encode(bytes) }
}

extension WebhookSecret: CustomStringConvertible {
    /// Never the secret itself, so a secret that reaches a log line leaks nothing.
    public var description: String { "whsec_…(\(bytes.count) bytes)" }
}

/// The `webhook-signature` header of Standard Webhooks 1.0.0 ("Signature scheme" and "Webhook
/// headers"): `v1,` + base64 of HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{body}`.
public enum WebhookSignature {
    /// `v1,<base64 HMAC-SHA256(secret.bytes, "\(id).\(timestamp).\(body)")>`.
    public static func sign(id: String, timestamp: Int64, body: [UInt8], secret: WebhookSecret) -> String {
        "v1," + Base64.encode(mac(id: id, timestamp: timestamp, body: body, key: secret.bytes))
    }

    /// Space-separated signatures, one per secret in order: during a rotation both the new and
    /// the old secret sign, and a receiver accepts the message if any one verifies.
    public static func header(id: String, timestamp: Int64, body: [UInt8], secrets: [WebhookSecret]) -> String {
        secrets.map { sign(id: id, timestamp: timestamp, body: body, secret: $0) }.joined(separator: " ")
    }

    /// True when `|now - timestamp| <= toleranceSeconds` (replay protection) and any `v1`
    /// signature in `header` equals the expected one (compared in constant time). Entries of
    /// other versions (`v1a`, …) and malformed entries are skipped.
    public static func verify(id: String, timestamp: Int64, body: [UInt8], header: String, secret: WebhookSecret,
                              now: Int64, toleranceSeconds: Int64 = 300) -> Bool {
        let (skew, overflow) = now.subtractingReportingOverflow(timestamp)
        guard !overflow, skew.magnitude <= toleranceSeconds.magnitude else { return false }
        let expected = mac(id: id, timestamp: timestamp, body: body, key: secret.bytes)
        var matched = false
        for entry in header.split(separator: " ", omittingEmptySubsequences: true) {
            guard entry.hasPrefix("v1,"), let candidate = Base64.decode(entry.dropFirst(3)) else { continue }
            // Every entry is compared, so the time taken does not reveal which one matched.
            if Digest.constantTimeEqual(candidate, expected) { matched = true }
        }
        return matched
    }

    /// The raw 32-byte HMAC of `{id}.{timestamp}.{body}`.
    public static func mac(id: String, timestamp: Int64, body: [UInt8], key: [UInt8]) -> [UInt8] {
        var message: [UInt8] = []
        message.reserveCapacity(id.utf8.count + 22 + body.count)
        message.append(contentsOf: id.utf8)
        message.append(46) // .
        message.append(contentsOf: String(timestamp).utf8)
        message.append(46)
        message.append(contentsOf: body)
        return Digest.hmacSHA256(key: key, message: message)
    }
}
