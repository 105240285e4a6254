import EventLog

/// The `Stripe-Signature` header and its verification (Stripe's webhook signing scheme):
/// `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.payload">[,v1=…][,v0=…]`. Several `v1` appear
/// while a secret is being rolled; any one matching is enough. Pure value type: parsing and
/// checking need no I/O and no clock (the time is passed in).
public struct StripeSignature: Sendable, Equatable {
    public var timestamp: Int64
    /// Every `v1` signature, as bytes (32 each).
    public var v1: [[UInt8]]

    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case malformed(String)
        case noSignature
        case stale(ageSeconds: Int64)
        case mismatch

        public var description: String {
            switch self {
            case .malformed(let why): return "the Stripe-Signature header is malformed: \(why)"
            case .noSignature: return "the Stripe-Signature header carries no v1 signature"
            case .stale(let age): return "the Stripe-Signature timestamp is \(age) s away from now (tolerance \(StripeSignature.toleranceSeconds) s): a replayed or delayed event"
            case .mismatch: return "no v1 signature matches the payload with the configured webhook secret"
            }
        }
    }

    public static let toleranceSeconds: Int64 = 300

    /// Parses the header. Unknown schemes (`v0`, future ones) are ignored, as Stripe advises.
    public init(header: String) throws(Failure) {
        guard header.utf8.count <= 4096 else { throw .malformed("longer than 4096 bytes") }
        var timestamp: Int64?
        var v1: [[UInt8]] = []
        for item in header.split(separator: ",", omittingEmptySubsequences: false) {
            let part = item.trimmingSpaces
            guard let equals = part.firstIndex(of: "=") else { throw .malformed("'\(part.prefix(40))' is not key=value") }
            let key = part[..<equals], value = part[part.index(after: equals)...]
            switch key {
            case "t":
                guard timestamp == nil else { throw .malformed("more than one t") }
                guard let t = Int64(value), t >= 0 else { throw .malformed("t must be a whole number of seconds") }
                timestamp = t
            case "v1":
                guard let bytes = Self.hexBytes(value), bytes.count == 32 else { throw .malformed("a v1 must be 64 hex digits") }
                v1.append(bytes)
            default:
                continue
            }
        }
        guard let timestamp else { throw .malformed("no t=") }
        guard !v1.isEmpty else { throw .noSignature }
        self.timestamp = timestamp
        self.v1 = v1
    }

    /// The signature Stripe computes for `payload` at `timestamp` under `secret`.
    public static func expected(secret: String, timestamp: Int64, payload: [UInt8]) -> [UInt8] {
        var signed = Array("\(timestamp).".utf8)
        signed.append(contentsOf: payload)
        return Digest.hmacSHA256(key: Array(secret.utf8), message: signed)
    }

    /// Checks the signature and the timestamp against `nowSeconds`.
    public func verify(payload: [UInt8], secret: String, nowSeconds: Int64) throws(Failure) {
        let age = nowSeconds - timestamp
        guard abs(age) <= Self.toleranceSeconds else { throw .stale(ageSeconds: age) }
        let expected = Self.expected(secret: secret, timestamp: timestamp, payload: payload)
        guard v1.contains(where: { Digest.constantTimeEqual($0, expected) }) else { throw .mismatch }
    }

    static func hexBytes(_ text: Substring) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        case 65...70: return c - 55
        default: return nil
        }
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }
}
