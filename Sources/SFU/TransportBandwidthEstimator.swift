/// A viewer's bandwidth estimate from its transport-wide feedback: what it acknowledged, what
/// it lost, and whether the one-way delay grows (a queue filling somewhere on the path). It
/// takes the place of a REMB for viewers that negotiated transport-cc (a browser that did
/// sends no REMB) and feeds the viewer's ``LayerSelector`` the same way.
///
/// A simple send-side estimator, not GoogCC:
/// - acknowledged rate: bytes reported received over the last `windowMicros` of the viewer's
///   receive times; no estimate until the window spans `minimumWindowMicros`;
/// - loss: the fraction reported lost among the packets reported in the window;
/// - delay gradient: packets sent together (within `groupMicros`) form a group; the group's
///   one-way delay is its last arrival minus its send time (the two clocks differ: only the
///   trend counts); the least-squares slope of delay over arrival time across the window's
///   groups, when at least `minimumGroups` and rising by `minimumDelayRiseMicros` or more
///   over the window, is overuse;
/// - the estimate: none until the path first shows congestion (what the SFU sends is limited
///   by the publisher's layers, not by the path, so the acknowledged rate says nothing of the
///   capacity: an estimate from it would hold a new viewer at whatever it got first, audio
///   alone before the first keyframe); on overuse, `decrease` × the acknowledged rate; with
///   loss over `highLoss`, acknowledged × (1 − loss / 2); with loss under `lowLoss` and no
///   overuse, it rises by `increasePerSecond` (multiplicatively), never under the acknowledged
///   rate; in between, it holds.
///
/// The layer selector tries a better layer only when the estimate allows it, and one that
/// brings loss or delay growth cuts the estimate again: the estimate may run ahead of what is
/// sent (the layers are fixed rates; the SFU does not probe with padding).
///
/// Pure: send times, arrival times and the clock are microseconds given with each call.
struct TransportBandwidthEstimator: Sendable {
    struct Config: Sendable, Equatable {
        var windowMicros: Int64 = 1_000_000
        var minimumWindowMicros: Int64 = 500_000
        var groupMicros: Int64 = 5_000
        var minimumGroups = 6
        /// Delay growth per unit of time that counts as overuse: 5 % (50 ms more per second).
        var overuseSlope = 0.05
        var minimumDelayRiseMicros: Int64 = 10_000
        var decrease = 0.85
        var increasePerSecond = 0.08
        var highLoss = 0.10
        var lowLoss = 0.02
    }

    /// One packet a feedback reported on: when it was sent (our clock), its size, and when it
    /// arrived (the viewer's clock; nil: lost).
    struct PacketResult: Sendable, Equatable {
        var sendMicros: Int64
        var bytes: Int
        var arrivalMicros: Int64?
    }

    let config: Config
    /// The estimate, bit/s (nil until the path first showed congestion).
    private(set) var estimate: UInt64?
    /// What the last update measured, for tests and logs.
    private(set) var ackedBitrate: UInt64 = 0
    private(set) var lossFraction = 0.0
    private(set) var overusing = false

    /// Received packets in the window: (arrival, bytes), oldest first.
    private var acked: [(arrival: Int64, bytes: Int)] = []
    /// Reported packets in the window by the time of the feedback: (at, lost).
    private var reports: [(at: Int64, lost: Bool)] = []
    /// Send groups in the window: (first send, last arrival, delay).
    private var groups: [(send: Int64, arrival: Int64, delay: Int64)] = []
    private var lastUpdateAt: Int64?

    init(config: Config = Config()) { self.config = config }

    /// One feedback's packets (in sequence order), at `nowMicros` (our clock). Returns the
    /// estimate after it (nil while there is none).
    @discardableResult
    mutating func update(_ results: [PacketResult], nowMicros: Int64) -> UInt64? {
        for result in results {
            reports.append((nowMicros, result.arrivalMicros == nil))
            guard let arrival = result.arrivalMicros else { continue }
            acked.append((arrival, result.bytes))
            let delay = arrival - result.sendMicros
            if let last = groups.last, result.sendMicros - last.send < config.groupMicros, result.sendMicros >= last.send {
                if arrival >= last.arrival { groups[groups.count - 1] = (last.send, arrival, delay) }
            } else {
                groups.append((result.sendMicros, arrival, delay))
            }
        }
        guard let newest = acked.map(\.arrival).max() else { return estimate }
        let horizon = newest - config.windowMicros
        acked.removeAll { $0.arrival < horizon }
        groups.removeAll { $0.arrival < horizon }
        reports.removeAll { $0.at <= nowMicros - config.windowMicros }
        let elapsed = lastUpdateAt.map { max(nowMicros - $0, 0) } ?? 0
        lastUpdateAt = nowMicros

        guard let oldest = acked.map(\.arrival).min(), newest - oldest >= config.minimumWindowMicros else { return estimate }
        // the first packet's bytes arrived before the window's span began
        let bytes = acked.reduce(0) { $0 + $1.bytes } - (acked.first { $0.arrival == oldest }?.bytes ?? 0)
        let acknowledged = UInt64(max(bytes, 0)) * 8_000_000 / UInt64(newest - oldest)
        ackedBitrate = acknowledged
        lossFraction = reports.isEmpty ? 0 : Double(reports.count { $0.lost }) / Double(reports.count)
        overusing = Self.delayGrows(groups, config: config)

        let acked = Double(acknowledged)
        let next: Double
        if overusing {
            next = config.decrease * acked
        } else if lossFraction > config.highLoss {
            next = acked * (1 - lossFraction / 2)
        } else if let current = estimate.map({ Double($0) }) {  // (not `Double.init`: that picks init(bitPattern:))
            if lossFraction < config.lowLoss {
                next = max(current * (1 + config.increasePerSecond * Double(elapsed) / 1_000_000), acked)
            } else {
                next = current
            }
        } else {
            return nil  // no congestion seen yet: nothing to cap
        }
        estimate = UInt64(next.rounded())
        return estimate
    }

    /// Whether the groups' one-way delay trends up: slope over `overuseSlope` and a rise of
    /// at least `minimumDelayRiseMicros` across them.
    static func delayGrows(_ groups: [(send: Int64, arrival: Int64, delay: Int64)], config: Config) -> Bool {
        guard groups.count >= config.minimumGroups, let first = groups.first else { return false }
        let n = Double(groups.count)
        var sumX = 0.0, sumY = 0.0, sumXX = 0.0, sumXY = 0.0
        for group in groups {
            let x = Double(group.arrival - first.arrival), y = Double(group.delay - first.delay)
            sumX += x; sumY += y; sumXX += x * x; sumXY += x * y
        }
        let denominator = n * sumXX - sumX * sumX
        guard denominator > 0 else { return false }
        let slope = (n * sumXY - sumX * sumY) / denominator
        let span = Double(groups.map(\.arrival).max()! - groups.map(\.arrival).min()!)
        return slope > config.overuseSlope && slope * span >= Double(config.minimumDelayRiseMicros)
    }
}
