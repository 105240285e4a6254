import MediaWire

/// The receiving end of transport-wide congestion control
/// (draft-holmer-rmcat-transport-wide-cc-extensions-01) for one publisher's transport: every
/// RTP packet it sends carries one transport-wide sequence number (shared by all SSRCs of the
/// bundle); this records when each arrived and turns that into RTCP transport-wide feedback
/// (RTPFB FMT 15), which the publisher's congestion controller (Chromium's GoogCC) needs for
/// both its delay-based and its loss-based estimate.
///
/// Modelled on libwebrtc's `RemoteEstimatorProxy` in periodic mode:
/// - sequence numbers are unwrapped to 64 bits around the highest seen (±2^15);
/// - a feedback covers every sequence number from the first not yet reported to the newest
///   received one; the ones in between that did not arrive are reported as not received;
///   its base sequence number is that first one, its reference time the first arrival in it
///   rounded down to 64 ms, its deltas 250 µs ticks from the previous arrival;
/// - a late packet (reordered behind what was already reported) is recorded and the next
///   feedback starts again from it, so the sender learns it did arrive; duplicates are ignored;
/// - a feedback ends before a packet whose delta would not fit 16 bits (more than ~8 s apart),
///   or after `maxReceivedPerFeedback` packets (it stays well under one MTU); the rest goes in
///   the next one, so each gets a new reference time;
/// - a packet `capacity` (2048) or more sequence numbers away from the held ones, either way,
///   is a new start (a sender that restarted its counter; past ±2^15 the unwrap cannot even
///   tell ahead from behind): what was pending is put in feedback at once, the history is
///   dropped, and the new feedback has its own base and reference time;
/// - the feedback packet count goes up by one per feedback packet and wraps at 256.
///
/// Pure: arrival times and the clock come in as microseconds with each call; nothing here
/// touches a socket. The router records on the packet path (no allocation there) and asks for
/// feedback from its timer, or at once when `record` says many packets are waiting.
struct TransportFeedbackRecorder: Sendable {
    struct Config: Sendable, Equatable {
        /// Feedback goes at most this often from the timer (libwebrtc: 50–250 ms by bitrate,
        /// 50 ms at the rates video publishers send).
        var intervalMicros: Int64 = 50_000
        /// Sequence numbers remembered, received or not (a power of two): how late a reordered
        /// packet may come and still be reported.
        var capacity = 2048
        /// Received packets per feedback packet: with 2-byte deltas under 600 bytes.
        var maxReceivedPerFeedback = 200
    }

    let config: Config
    /// Our RTCP SSRC, the feedback's packet sender.
    let senderSSRC: UInt32
    /// The SSRC of the newest packet recorded (the feedback's media source: informational).
    private(set) var mediaSSRC: UInt32 = 0
    /// Arrival time per sequence number (`slot(of:)`), `notReceived` for a gap.
    private var arrivals: [Int64]
    /// The sequence numbers held: `begin..<end`; `end - 1` is the newest received.
    private var begin: Int64 = 0
    private var end: Int64 = 0
    /// The first sequence number not reported yet (nil before the first packet).
    private var reportFrom: Int64?
    /// Packets received since the last feedback was built.
    private(set) var pendingReceived = 0
    private var feedbackCount: UInt8 = 0
    private var lastFeedbackAt: Int64?
    /// Feedback built early (before a restart of the sequence), sent with the next.
    private var ready: [RTCPTransportWideFeedback] = []

    private static let notReceived = Int64.min

    init(senderSSRC: UInt32, config: Config = Config()) {
        precondition(config.capacity > 0 && config.capacity & (config.capacity - 1) == 0, "capacity must be a power of two")
        self.config = config
        self.senderSSRC = senderSSRC
        self.arrivals = Array(repeating: Self.notReceived, count: config.capacity)
    }

    /// Whether any packet waits to be reported.
    var hasPending: Bool { !ready.isEmpty || (reportFrom.map { $0 < end } ?? false) }

    private func slot(of sequence: Int64) -> Int { Int(truncatingIfNeeded: sequence) & (config.capacity - 1) }

    /// The 64-bit sequence number of `sequence`: the one nearest the newest received.
    func unwrap(_ sequence: UInt16) -> Int64 {
        guard reportFrom != nil else { return Int64(sequence) }
        let newest = end - 1
        return newest + Int64(Int16(bitPattern: sequence &- UInt16(truncatingIfNeeded: newest)))
    }

    /// One RTP packet arrived with transport-wide sequence number `sequence` at `arrivalMicros`
    /// (the receiver's clock). Returns true when enough packets wait that feedback should go
    /// now rather than on the timer.
    mutating func record(sequence: UInt16, arrivalMicros: Int64, ssrc: UInt32) -> Bool {
        let seq = unwrap(sequence)
        mediaSSRC = ssrc
        guard let from = reportFrom else {
            start(at: seq, arrivalMicros)
            return false
        }
        if seq - end >= Int64(config.capacity) || begin - seq > Int64(config.capacity) {
            // a new start of the counter: report what was pending, forget the rest
            if from < end { ready += build() }
            start(at: seq, arrivalMicros)
            return false
        }
        if seq >= end {
            for gap in end..<seq { arrivals[slot(of: gap)] = Self.notReceived }
            arrivals[slot(of: seq)] = arrivalMicros
            end = seq + 1
            if end - begin > Int64(config.capacity) {
                begin = end - Int64(config.capacity)
                if from < begin { reportFrom = begin }  // never happens while feedback keeps up
            }
        } else {
            // late (reordered) or a duplicate
            guard seq >= begin, arrivals[slot(of: seq)] == Self.notReceived else { return false }
            arrivals[slot(of: seq)] = arrivalMicros
            if seq < from { reportFrom = seq }
        }
        pendingReceived += 1
        return pendingReceived >= config.maxReceivedPerFeedback
    }

    private mutating func start(at seq: Int64, _ arrivalMicros: Int64) {
        for i in arrivals.indices { arrivals[i] = Self.notReceived }
        begin = seq
        end = seq + 1
        arrivals[slot(of: seq)] = arrivalMicros
        reportFrom = seq
        pendingReceived = 1
    }

    /// The feedback due at `nowMicros`: everything pending, once `intervalMicros` have passed
    /// since the last feedback; none otherwise.
    mutating func feedback(nowMicros: Int64) -> [RTCPTransportWideFeedback] {
        guard hasPending else { return [] }
        if let last = lastFeedbackAt, nowMicros - last < config.intervalMicros { return [] }
        return flush(nowMicros: nowMicros)
    }

    /// All pending feedback now, whatever the interval.
    mutating func flush(nowMicros: Int64) -> [RTCPTransportWideFeedback] {
        var out = ready
        ready.removeAll()
        out += build()
        lastFeedbackAt = nowMicros
        return out
    }

    /// Feedback packets for `reportFrom..<end`, advancing `reportFrom` to `end`.
    private mutating func build() -> [RTCPTransportWideFeedback] {
        var out: [RTCPTransportWideFeedback] = []
        while let from = reportFrom, from < end {
            // the first arrival gives the reference time (`end - 1` always arrived)
            var first = from
            while arrivals[slot(of: first)] == Self.notReceived { first += 1 }
            let reference = Self.floorDivide(arrivals[slot(of: first)], RTCPTransportWideFeedback.referenceTimeUnitMicroseconds)
            var previousTicks = reference * (RTCPTransportWideFeedback.referenceTimeUnitMicroseconds / RTCPTransportWideFeedback.deltaTickMicroseconds)
            var statuses: [RTCPTransportWideFeedback.PacketStatus] = []
            var included = 0      // statuses up to and with the last received one
            var received = 0
            var seq = from
            while seq < end {
                let arrival = arrivals[slot(of: seq)]
                if arrival == Self.notReceived {
                    statuses.append(.notReceived)
                } else {
                    let ticks = Self.ticks(arrival)
                    guard received < config.maxReceivedPerFeedback, let delta = Int16(exactly: ticks - previousTicks) else { break }
                    statuses.append(.received(deltaTicks: delta))
                    previousTicks = ticks
                    received += 1
                    included = statuses.count
                }
                seq += 1
            }
            statuses.removeSubrange(included...)  // lost ones after the last arrival go in the next feedback
            out.append(RTCPTransportWideFeedback(senderSSRC: senderSSRC, mediaSSRC: mediaSSRC, baseSequenceNumber: UInt16(truncatingIfNeeded: from),
                                                 referenceTime: UInt32(truncatingIfNeeded: reference), feedbackPacketCount: feedbackCount,
                                                 packets: statuses))
            feedbackCount &+= 1
            reportFrom = from + Int64(included)
        }
        pendingReceived = 0
        return out
    }

    /// A time in 250 µs ticks, rounded to the nearest (the deltas then never drift).
    static func ticks(_ micros: Int64) -> Int64 {
        let half = RTCPTransportWideFeedback.deltaTickMicroseconds / 2
        return floorDivide(micros + half, RTCPTransportWideFeedback.deltaTickMicroseconds)
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : (a - b + 1) / b
    }
}
