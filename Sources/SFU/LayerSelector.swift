/// Which simulcast layer one viewer should get, from that viewer's own feedback: the fraction
/// lost in its receiver reports (RFC 3550 §6.4.2) and its bandwidth estimate: its REMB when it
/// sends one, or, for a viewer that negotiated transport-cc, the SFU's estimate from its
/// transport-wide feedback (``TransportBandwidthEstimator``).
///
/// Down fast, up slowly:
/// - loss of `lossDown` or more in two reports in a row (or `heavyLoss` once), or a REMB under
///   the forwarded layer's bitrate, moves the viewer down at once, to the best layer that fits
///   what got through (the rate it was sent × (1 − loss)), or the REMB; loss moves it at least
///   one layer down (a layer whose average fits can still be lost in its keyframes and bursts);
/// - after `upHoldMillis` of reports under `lossClear`, it tries the next better layer (one step).
///   A step up that brings loss before it has held for the usual hold was a failed probe: the
///   wait before the next one doubles, up to `maxUpHoldMillis`; a step that holds resets it.
/// - a layer the publisher stopped sending (silent) is never chosen; a viewer on one moves to
///   the nearest active layer below it (else above).
///
/// Pure: time comes in as milliseconds with each call; nothing here touches a socket. The
/// router calls it on the viewer's RTCP and on its timer, never per media packet.
struct LayerSelector: Sendable {
    struct Config: Sendable, Equatable {
        /// Fraction lost (of 256) at which a report counts as lossy: 10 %.
        var lossDown: UInt8 = 26
        /// … at which one report is enough to go down: 25 %.
        var heavyLoss: UInt8 = 64
        /// Under this a report is clean (counts toward going up): 2 %.
        var lossClear: UInt8 = 5
        /// Lossy reports in a row that move the viewer down.
        var lossyReportsToGoDown = 2
        /// Clean time before trying the next better layer, and its ceiling after failed tries.
        var upHoldMillis: Int64 = 3000
        var maxUpHoldMillis: Int64 = 16000
        /// A REMB older than this no longer caps the choice.
        var estimateLifetimeMillis: Int64 = 5000
    }

    /// One layer as the router sees it now, best first in the list given to ``choose``.
    struct Layer: Sendable, Equatable {
        var ssrc: UInt32
        /// Measured receive bitrate from the publisher, bit/s (0 when not measured yet).
        var bitrate: UInt64
        /// It had packets lately (the publisher did not turn it off).
        var active: Bool
    }

    enum Direction: String, Sendable { case up, down }

    enum Decision: Sendable, Equatable {
        case keep
        /// The viewer's first layer.
        case start(ssrc: UInt32)
        case switchTo(ssrc: UInt32, Direction)
    }

    let config: Config
    /// The layer the viewer is meant to get (the router may still be waiting for its keyframe).
    private(set) var choice: UInt32?
    private(set) var upHoldMillis: Int64
    private var lossyReports = 0
    /// When the present run of clean reports began (nil after a lossy or middling one).
    private var cleanSince: Int64?
    /// When the viewer last moved up (to tell a failed probe).
    private var lastUpAt: Int64?
    /// What got through, in bit/s, when loss asked to go down (consumed by ``choose``).
    private var downTo: UInt64?
    private var estimate: (bitrate: UInt64, at: Int64)?
    /// Video bytes sent to the viewer, at its previous report: the rate between two reports.
    private var lastReport: (sentBytes: UInt64, at: Int64)?
    /// What the viewer was sent between its last two reports, bit/s.
    private(set) var sentBitrate: UInt64 = 0

    init(config: Config = Config()) {
        self.config = config
        self.upHoldMillis = config.upHoldMillis
    }

    /// A receiver report block about the viewer's video: `fractionLost` over its interval, and
    /// `sentBytes`, the video bytes sent to the viewer so far (its interval's rate comes from it).
    mutating func receiverReport(fractionLost: UInt8, sentBytes: UInt64, now: Int64) {
        if let last = lastReport, now > last.at, sentBytes >= last.sentBytes {
            sentBitrate = (sentBytes - last.sentBytes) * 8000 / UInt64(now - last.at)
        }
        lastReport = (sentBytes, now)
        if fractionLost >= config.lossDown {
            lossyReports += 1
            cleanSince = nil
            if lossyReports >= config.lossyReportsToGoDown || fractionLost >= config.heavyLoss {
                let through = sentBitrate * UInt64(256 - Int(fractionLost)) / 256
                downTo = min(downTo ?? .max, through)
            }
        } else {
            lossyReports = 0
            if fractionLost < config.lossClear {
                if cleanSince == nil { cleanSince = now }
            } else {
                cleanSince = nil
            }
        }
    }

    /// The viewer's bandwidth estimate (its REMB, or ``TransportBandwidthEstimator``'s), bit/s.
    mutating func estimate(bitrate: UInt64, now: Int64) {
        estimate = (bitrate, now)
    }

    /// What to forward now, given the publisher's layers (best first).
    mutating func choose(layers: [Layer], now: Int64) -> Decision {
        let active = layers.filter(\.active)
        guard !active.isEmpty else { return .keep }
        let remb = estimate.flatMap { now - $0.at <= config.estimateLifetimeMillis ? $0.bitrate : nil }
        guard let choice, let current = layers.firstIndex(where: { $0.ssrc == choice }) else {
            // a new viewer: the best layer its REMB allows (without one, the best)
            return move(to: best(active, fitting: remb), from: nil, layers: layers, now: now)
        }
        if !layers[current].active {
            // the publisher stopped sending it: the nearest active layer below, else above
            let below = layers[(current + 1)...].first(where: \.active) ?? active.last!
            downTo = nil
            return move(to: below, from: current, layers: layers, now: now)
        }
        // a step up that held (clean for the usual hold) was no failed probe: the wait is back to normal
        if let up = lastUpAt, let clean = cleanSince, clean <= up, now - up >= config.upHoldMillis {
            upHoldMillis = config.upHoldMillis
            lastUpAt = nil
        }
        // down: loss (what got through), or a REMB under what the viewer gets
        let lossy = downTo != nil
        var ceiling = downTo
        if let remb, layers[current].bitrate > remb { ceiling = min(ceiling ?? .max, remb) }
        downTo = nil
        if let ceiling {
            var target = best(active, fitting: ceiling)
            if lossy, let index = layers.firstIndex(of: target), index <= current, let below = layers[(current + 1)...].first(where: \.active) {
                // the layer's average fits, yet the viewer loses it (its keyframes, its bursts): one step down
                target = below
            }
            if let index = layers.firstIndex(of: target), index > current {
                if lastUpAt != nil { upHoldMillis = min(upHoldMillis * 2, config.maxUpHoldMillis) }  // a failed probe
                return move(to: target, from: current, layers: layers, now: now)
            }
            return .keep
        }
        // up: one step after a clean hold, unless a REMB says it would not fit
        guard let clean = cleanSince, now - clean >= upHoldMillis,
              let better = layers[..<current].last(where: \.active) else { return .keep }
        if let remb, better.bitrate > remb { return .keep }
        return move(to: better, from: current, layers: layers, now: now)
    }

    /// The best active layer whose bitrate fits `ceiling` (nil: any), else the lowest.
    private func best(_ active: [Layer], fitting ceiling: UInt64?) -> Layer {
        guard let ceiling else { return active[0] }
        return active.first { $0.bitrate > 0 && $0.bitrate <= ceiling } ?? active.last!
    }

    private mutating func move(to target: Layer, from current: Int?, layers: [Layer], now: Int64) -> Decision {
        guard target.ssrc != choice else { return .keep }
        choice = target.ssrc
        lossyReports = 0
        cleanSince = now
        guard let current, let index = layers.firstIndex(of: target) else {
            lastUpAt = nil
            return .start(ssrc: target.ssrc)
        }
        let direction: Direction = index < current ? .up : .down
        lastUpAt = direction == .up ? now : nil
        return .switchTo(ssrc: target.ssrc, direction)
    }
}
