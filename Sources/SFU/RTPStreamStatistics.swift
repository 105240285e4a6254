import MediaWire

/// What the SFU knows about one stream it receives from a publisher (one SSRC: audio, or one
/// simulcast layer): sequence tracking, loss, interarrival jitter and the publisher's last sender
/// report, for the receiver reports it sends back (RFC 3550 §6.4.1, appendix A.1, A.3 and A.8)
/// and for mapping the publisher's RTP clock to wall-clock time in the SFU's own sender reports.
/// A value updated in place on the packet path: no allocation, no lock.
struct ReceiveStatistics {
    /// The publisher's last sender report of this stream and when (the router's clock, ms) it came.
    struct SenderReport: Equatable {
        var ntp: UInt64
        var rtpTimestamp: UInt32
        var arrivalMillis: Int64
    }

    /// Ticks per second of the stream's RTP timestamps (90 000 for video, 48 000 for Opus).
    let clockRate: Int64
    private(set) var baseSequence: UInt32 = 0
    private(set) var maxSequence: UInt16 = 0
    /// Sequence-number wrap-arounds seen, × 65536 (RFC 3550 A.1 `cycles`).
    private(set) var cycles: UInt32 = 0
    private(set) var received: UInt32 = 0
    private var started = false
    /// A large jump is believed only when the next packet follows it (RFC 3550 A.1 `bad_seq`).
    private var badSequence: UInt32 = 0x1_0000 + 1
    private var expectedPrior: UInt32 = 0
    private var receivedPrior: UInt32 = 0
    private var lastTransit: Int64?
    private var lastTimestamp: UInt32 = 0
    /// Interarrival jitter in RTP ticks (RFC 3550 A.8), kept unrounded.
    private(set) var jitter: Double = 0
    /// Bytes received (whole packets) since the last receiver report: the bitrate estimate's input.
    var bytesSinceReport: Int = 0
    private(set) var lastSenderReport: SenderReport?

    static let maxDropout: UInt16 = 3000
    static let maxMisorder: UInt16 = 100

    init(clockRate: Int) { self.clockRate = Int64(max(clockRate, 1)) }

    var extendedHighestSequence: UInt32 { cycles &+ UInt32(maxSequence) }
    var expected: UInt32 { started ? extendedHighestSequence &- baseSequence &+ 1 : 0 }
    /// Cumulative loss (negative when duplicates arrived), as RFC 3550 A.3 counts it.
    var cumulativeLost: Int64 { Int64(expected) - Int64(received) }

    /// One packet arrived at `arrivalMillis` (the router's clock).
    mutating func record(sequence: UInt16, timestamp: UInt32, arrivalMillis: Int64, bytes: Int) {
        bytesSinceReport &+= bytes
        guard started else {
            started = true
            baseSequence = UInt32(sequence); maxSequence = sequence; received = 1
            updateJitter(timestamp: timestamp, arrivalMillis: arrivalMillis)
            return
        }
        let delta = sequence &- maxSequence
        if delta == 0 {
            received &+= 1  // a duplicate: counted, as RFC 3550 A.3 does
        } else if delta < Self.maxDropout {
            if sequence < maxSequence { cycles &+= 0x1_0000 }
            maxSequence = sequence
            received &+= 1
            updateJitter(timestamp: timestamp, arrivalMillis: arrivalMillis)
        } else if delta <= UInt16.max - Self.maxMisorder {
            // a very large jump: believed only if the next packet follows it (the source restarted)
            if UInt32(sequence) == badSequence {
                started = false
                cycles = 0; expectedPrior = 0; receivedPrior = 0; lastTransit = nil
                record(sequence: sequence, timestamp: timestamp, arrivalMillis: arrivalMillis, bytes: 0)
            } else {
                badSequence = UInt32(sequence &+ 1)
            }
        } else {
            received &+= 1  // late or reordered (or a retransmission): counted, no jitter
        }
    }

    /// RFC 3550 A.8, on in-order packets that start a new frame (packets of one frame share a
    /// timestamp but leave the sender together, so they would only add the frame's burst length).
    private mutating func updateJitter(timestamp: UInt32, arrivalMillis: Int64) {
        let arrival = arrivalMillis &* clockRate / 1000
        let transit = arrival &- Int64(timestamp)
        if let last = lastTransit {
            guard timestamp != lastTimestamp else { return }
            // timestamps wrap at 2^32: take the difference modulo 2^32, signed
            let d = Int64(Int32(truncatingIfNeeded: transit &- last)).magnitude
            jitter += (Double(d) - jitter) / 16
        }
        lastTransit = transit
        lastTimestamp = timestamp
    }

    mutating func senderReport(_ report: RTCPSenderReport, arrivalMillis: Int64) {
        lastSenderReport = SenderReport(ntp: report.ntpTimestamp, rtpTimestamp: report.rtpTimestamp, arrivalMillis: arrivalMillis)
    }

    /// The report block for this stream at `nowMillis`; starts the next reporting interval.
    mutating func reportBlock(ssrc: UInt32, nowMillis: Int64) -> RTCPReportBlock {
        let expected = self.expected
        let expectedInterval = expected &- expectedPrior
        let receivedInterval = received &- receivedPrior
        expectedPrior = expected
        receivedPrior = received
        let lostInterval = Int64(expectedInterval) - Int64(receivedInterval)
        let fraction: UInt8 = expectedInterval == 0 || lostInterval <= 0 ? 0 : UInt8(clamping: (lostInterval << 8) / Int64(expectedInterval))
        var lsr: UInt32 = 0, dlsr: UInt32 = 0
        if let sr = lastSenderReport {
            lsr = NTPTime.middle32(sr.ntp)
            dlsr = UInt32(clamping: max(nowMillis - sr.arrivalMillis, 0) * 65536 / 1000)
        }
        return RTCPReportBlock(ssrc: ssrc, fractionLost: fraction,
                               cumulativeLost: Int32(clamping: min(max(cumulativeLost, -0x80_0000), 0x7F_FFFF)),
                               extendedHighestSequenceNumber: extendedHighestSequence, jitter: UInt32(jitter.rounded(.down)),
                               lastSenderReport: lsr, delaySinceLastSenderReport: dlsr)
    }
}

/// What the SFU has sent on one viewer's outgoing stream since it began, for its sender reports
/// (RFC 3550 §6.4.1: packet and payload-octet counts, and the RTP ↔ wall-clock mapping).
struct SendStatistics {
    /// First transmissions only: NACK answers repeat a packet already counted.
    var packets: UInt32 = 0
    /// Payload octets (no header, no padding), as RFC 3550 counts them.
    var octets: UInt32 = 0
    /// The outgoing (rewritten) timestamp of the newest packet sent, and when it went.
    var lastTimestamp: UInt32 = 0
    var lastSentMillis: Int64 = 0

    mutating func sent(timestamp: UInt32, payloadBytes: Int, nowMillis: Int64) {
        packets &+= 1
        octets &+= UInt32(truncatingIfNeeded: payloadBytes)
        lastTimestamp = timestamp
        lastSentMillis = nowMillis
    }
}
