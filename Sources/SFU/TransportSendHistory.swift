import MediaWire

/// The sending end of transport-wide congestion control for one viewer's transport: one
/// transport-wide sequence number per RTP packet sent to the viewer (audio and video share
/// the counter), and when and how big each was, in a bounded ring, so the viewer's
/// transport-wide feedback can be turned into what arrived, when, and what was lost.
///
/// Updated in place on the packet path; no allocation after init.
struct TransportSendHistory: Sendable {
    /// One packet sent, as feedback finds it.
    struct Sent: Sendable, Equatable {
        var sequence: UInt16
        var sendMicros: Int64
        var bytes: Int
        /// What feedback said of it so far (a packet is counted once received, once lost).
        var reported: Report = .unreported
    }

    enum Report: Sendable, Equatable { case unreported, lost, received }

    /// The header extension id the viewer negotiated for transport-wide sequence numbers.
    let extensionId: UInt8
    /// The number the next packet gets.
    private(set) var nextSequence: UInt16
    private var ring: [Sent?]

    /// `capacity` (a power of two) packets are remembered: at 10 Mbit/s of 1200-byte packets,
    /// 4096 is about 4 s, far longer than feedback takes.
    init(extensionId: UInt8, firstSequence: UInt16 = 0, capacity: Int = 4096) {
        precondition(capacity > 0 && capacity & (capacity - 1) == 0 && capacity <= 0x8000, "capacity must be a power of two ≤ 2^15")
        self.extensionId = extensionId
        self.nextSequence = firstSequence
        self.ring = Array(repeating: nil, count: capacity)
    }

    /// Records the packet just numbered `nextSequence` (as sent: `bytes` on the wire) and
    /// moves to the next number.
    mutating func sent(bytes: Int, atMicros: Int64) {
        ring[Int(nextSequence) & (ring.count - 1)] = Sent(sequence: nextSequence, sendMicros: atMicros, bytes: bytes)
        nextSequence &+= 1
    }

    /// The packet numbered `sequence`, if it is still remembered.
    func packet(_ sequence: UInt16) -> Sent? {
        guard let sent = ring[Int(sequence) & (ring.count - 1)], sent.sequence == sequence,
              nextSequence &- sequence &- 1 < UInt16(ring.count) else { return nil }
        return sent
    }

    /// The packets a transport-wide feedback reports on, each once: a packet reported lost
    /// and later received (feedback sent again after a reordering) counts as received then;
    /// one already counted, or forgotten, is left out.
    mutating func results(of feedback: RTCPTransportWideFeedback) -> [TransportBandwidthEstimator.PacketResult] {
        var out: [TransportBandwidthEstimator.PacketResult] = []
        out.reserveCapacity(feedback.packets.count)
        let arrivals = feedback.arrivalTimesMicroseconds
        for (offset, arrival) in arrivals.enumerated() {
            let sequence = feedback.baseSequenceNumber &+ UInt16(truncatingIfNeeded: offset)
            guard var sent = packet(sequence) else { continue }
            switch (sent.reported, arrival) {
            case (.received, _), (.lost, nil): continue
            case (_, .some): sent.reported = .received
            case (.unreported, nil): sent.reported = .lost
            }
            ring[Int(sequence) & (ring.count - 1)] = sent
            out.append(.init(sendMicros: sent.sendMicros, bytes: sent.bytes, arrivalMicros: arrival))
        }
        return out
    }
}
