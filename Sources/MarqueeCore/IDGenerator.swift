import Synchronization

/// Makes new ids for commands (`acc_…`, `chn_…`, `gft_…`). Injected, so tests are repeatable.
public protocol IDGenerator: Sendable {
    func next(_ prefix: String) -> String
}

/// Time-ordered random ids: prefix, `_`, then 26 Crockford base32 characters of a ULID
/// (48-bit millisecond time, 80 random bits from the system CSPRNG).
public struct RandomIDGenerator: IDGenerator {
    let clock: any WallClock
    public init(clock: any WallClock) { self.clock = clock }

    static let alphabet: [UInt8] = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    public func next(_ prefix: String) -> String {
        var rng = SystemRandomNumberGenerator()
        let time = UInt64(max(0, clock.now().milliseconds)) & 0xFFFF_FFFF_FFFF
        let high: UInt64 = rng.next() & 0xFFFF // 16 random bits
        let low: UInt64 = rng.next()            // 64 random bits
        // 128 bits: time(48) | high(16) | low(64), rendered 5 bits at a time (first char 3 bits).
        let upper = (time << 16) | high
        var chars = [UInt8](repeating: 0, count: 26)
        var lo = low, up = upper
        for i in stride(from: 25, through: 0, by: -1) {
            chars[i] = Self.alphabet[Int(lo & 31)]
            lo = (lo >> 5) | ((up & 31) << 59)
            up >>= 5
        }
        return prefix + "_" + String(decoding: chars, as: UTF8.self)
    }
}

/// Sequential ids (`acc_1`, `acc_2`, …) for tests and simulations.
public final class SequentialIDGenerator: IDGenerator {
    private let counter = Mutex<Int>(0)
    public init() {}
    public func next(_ prefix: String) -> String {
        let n = counter.withLock { $0 += 1; return $0 }
        return "\(prefix)_\(n)"
    }
}
