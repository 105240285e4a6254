/// Transport-wide congestion control feedback
/// (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1, RTPFB FMT 15).
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|  FMT=15 |    PT=205     |           length              |
/// |                     SSRC of packet sender                     |
/// |                      SSRC of media source                     |
/// |      base sequence number     |      packet status count      |
/// |                 reference time                | fb pkt. count |
/// |          packet chunk         |         packet chunk          |
/// .                                                               .
/// |         packet chunk          |  recv delta   |  recv delta   |
/// .                                                               .
/// |           recv delta          |  recv delta   | zero padding  |
/// ```
///
/// Chunks: run length `0|S(2)|length(13)`, or status vector `1|0|14 × 1-bit` /
/// `1|1|7 × 2-bit`. Symbols: 0 not received, 1 received with a small (1-byte, unsigned)
/// delta, 2 received with a large or negative (2-byte, signed) delta. Deltas count 250 µs.
public struct RTCPTransportWideFeedback: Sendable, Hashable {
    public static let format: UInt8 = 15
    /// One delta tick in microseconds.
    public static let deltaTickMicroseconds: Int64 = 250
    /// One reference-time unit in microseconds (64 ms).
    public static let referenceTimeUnitMicroseconds: Int64 = 64_000

    /// What happened to one transport-wide sequence number.
    public enum PacketStatus: Sendable, Hashable {
        case notReceived
        /// Received; arrival − previous arrival (or the reference time) in 250 µs ticks, 0–255.
        case smallDelta(UInt8)
        /// Received; a delta outside 0–255 ticks (or sent in the large form anyway).
        case largeDelta(Int16)

        /// Picks the small form when the delta fits.
        public static func received(deltaTicks: Int16) -> PacketStatus {
            (0...255).contains(deltaTicks) ? .smallDelta(UInt8(deltaTicks)) : .largeDelta(deltaTicks)
        }

        public var deltaTicks: Int16? {
            switch self {
            case .notReceived: nil
            case .smallDelta(let d): Int16(d)
            case .largeDelta(let d): d
            }
        }

        var symbol: UInt8 {
            switch self {
            case .notReceived: 0
            case .smallDelta: 1
            case .largeDelta: 2
            }
        }
    }

    public var senderSSRC: UInt32
    public var mediaSSRC: UInt32
    public var baseSequenceNumber: UInt16
    /// 24 bits, in 64 ms units.
    public var referenceTime: UInt32
    public var feedbackPacketCount: UInt8
    /// One status per sequence number from `baseSequenceNumber` on (at most 65535).
    public var packets: [PacketStatus]

    public init(senderSSRC: UInt32, mediaSSRC: UInt32, baseSequenceNumber: UInt16, referenceTime: UInt32,
                feedbackPacketCount: UInt8, packets: [PacketStatus]) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        self.baseSequenceNumber = baseSequenceNumber
        self.referenceTime = referenceTime & 0xFF_FFFF
        self.feedbackPacketCount = feedbackPacketCount
        self.packets = packets
    }

    /// Builds feedback from arrival times (µs on the receiver's clock; nil = not received)
    /// for consecutive sequence numbers from `baseSequenceNumber`. The reference time is the
    /// first arrival rounded down to 64 ms; deltas round to 250 µs ticks without drift;
    /// a gap too large even for a 16-bit delta is reported as not received.
    public init(senderSSRC: UInt32, mediaSSRC: UInt32, baseSequenceNumber: UInt16, feedbackPacketCount: UInt8,
                arrivalTimesMicroseconds: [Int64?]) {
        let first = arrivalTimesMicroseconds.lazy.compactMap { $0 }.first ?? 0
        let reference = first >= 0 ? first / Self.referenceTimeUnitMicroseconds
            : (first - Self.referenceTimeUnitMicroseconds + 1) / Self.referenceTimeUnitMicroseconds
        var previousTicks = reference * Self.referenceTimeUnitMicroseconds / Self.deltaTickMicroseconds
        var statuses: [PacketStatus] = []
        statuses.reserveCapacity(arrivalTimesMicroseconds.count)
        for arrival in arrivalTimesMicroseconds {
            guard let arrival else { statuses.append(.notReceived); continue }
            let ticks = (arrival + (arrival >= 0 ? Self.deltaTickMicroseconds / 2 : -Self.deltaTickMicroseconds / 2))
                / Self.deltaTickMicroseconds
            let delta = ticks - previousTicks
            guard let d = Int16(exactly: delta) else { statuses.append(.notReceived); continue }
            statuses.append(.received(deltaTicks: d))
            previousTicks = ticks
        }
        self.init(senderSSRC: senderSSRC, mediaSSRC: mediaSSRC, baseSequenceNumber: baseSequenceNumber,
                  referenceTime: UInt32(truncatingIfNeeded: reference), feedbackPacketCount: feedbackPacketCount,
                  packets: statuses)
    }

    /// Arrival times in µs (reference time plus the running sum of deltas), nil if lost.
    public var arrivalTimesMicroseconds: [Int64?] {
        // Reference time is a 24-bit value; treat it as signed per the draft.
        let signedReference = Int64(Int32(bitPattern: referenceTime << 8) >> 8)
        var t = signedReference * Self.referenceTimeUnitMicroseconds
        return packets.map { status in
            guard let d = status.deltaTicks else { return nil }
            t += Int64(d) * Self.deltaTickMicroseconds
            return t
        }
    }

    public init(body: UnsafeRawBufferPointer) throws(RTCPError) {
        let pt = RTCPPacketType.transportFeedback
        try RTCPWriter.require(body, 16, pt, "TWCC header")
        senderSSRC = MediaWireBytes.uint32(body, 0)
        mediaSSRC = MediaWireBytes.uint32(body, 4)
        baseSequenceNumber = MediaWireBytes.uint16(body, 8)
        let statusCount = Int(MediaWireBytes.uint16(body, 10))
        referenceTime = MediaWireBytes.uint24(body, 12)
        feedbackPacketCount = body[15]

        var symbols: [UInt8] = []
        symbols.reserveCapacity(statusCount + 14)
        var o = 16
        while symbols.count < statusCount {
            try RTCPWriter.require(body, o + 2, pt, "TWCC chunk")
            let chunk = MediaWireBytes.uint16(body, o)
            o += 2
            if chunk & 0x8000 == 0 {
                let symbol = UInt8(chunk >> 13 & 0x3)
                guard symbol != 3 else { throw .malformed(packetType: pt, reason: "run-length chunk with reserved status 3") }
                let run = min(Int(chunk & 0x1FFF), statusCount - symbols.count)
                symbols.append(contentsOf: repeatElement(symbol, count: run))
            } else if chunk & 0x4000 == 0 {
                for bit in stride(from: 13, through: 0, by: -1) { symbols.append(UInt8(chunk >> UInt16(bit) & 1)) }
            } else {
                for pair in stride(from: 6, through: 0, by: -1) {
                    let symbol = UInt8(chunk >> UInt16(2 * pair) & 0x3)
                    symbols.append(symbol)
                }
            }
        }
        symbols.removeSubrange(statusCount...)
        var packets: [PacketStatus] = []
        packets.reserveCapacity(statusCount)
        for symbol in symbols {
            switch symbol {
            case 0:
                packets.append(.notReceived)
            case 1:
                try RTCPWriter.require(body, o + 1, pt, "TWCC small delta")
                packets.append(.smallDelta(body[o]))
                o += 1
            case 2:
                try RTCPWriter.require(body, o + 2, pt, "TWCC large delta")
                packets.append(.largeDelta(Int16(bitPattern: MediaWireBytes.uint16(body, o))))
                o += 2
            default:
                throw .malformed(packetType: pt, reason: "status vector with reserved symbol 3")
            }
        }
        guard body.count - o < 4 else {
            throw .malformed(packetType: pt, reason: "\(body.count - o) bytes after the receive deltas")
        }
        self.packets = packets
    }

    public func write(to out: inout [UInt8]) throws(RTCPError) {
        guard packets.count <= 0xFFFF else { throw .unencodable(reason: "\(packets.count) statuses, at most 65535") }
        let start = try RTCPWriter.begin(&out, count: Self.format, packetType: RTCPPacketType.transportFeedback)
        out.appendBigEndian(senderSSRC)
        out.appendBigEndian(mediaSSRC)
        out.appendBigEndian(baseSequenceNumber)
        out.appendBigEndian(UInt16(packets.count))
        out.appendBigEndian24(referenceTime & 0xFF_FFFF)
        out.append(feedbackPacketCount)
        Self.writeChunks(packets, to: &out)
        for p in packets {
            switch p {
            case .notReceived: break
            case .smallDelta(let d): out.append(d)
            case .largeDelta(let d): out.appendBigEndian(UInt16(bitPattern: d))
            }
        }
        out.padToFourBytes()
        try RTCPWriter.finish(&out, start: start)
    }

    /// Greedy chunking: a run-length chunk for runs of 14 or more equal symbols (or a run
    /// reaching the end), else a 1-bit vector of 14 when no large delta is among them, else a
    /// 2-bit vector of 7.
    static func writeChunks(_ packets: [PacketStatus], to out: inout [UInt8]) {
        var i = 0
        let n = packets.count
        while i < n {
            let symbol = packets[i].symbol
            var run = 1
            while i + run < n, run < 0x1FFF, packets[i + run].symbol == symbol { run += 1 }
            if run >= 14 || i + run == n && run >= 7 {
                out.appendBigEndian(UInt16(symbol) << 13 | UInt16(run))
                i += run
                continue
            }
            let window = min(14, n - i)
            if packets[i..<i + window].allSatisfy({ $0.symbol < 2 }) {
                var chunk: UInt16 = 0x8000
                for k in 0..<window { chunk |= UInt16(packets[i + k].symbol) << UInt16(13 - k) }
                out.appendBigEndian(chunk)
                i += window
            } else {
                let take = min(7, n - i)
                var chunk: UInt16 = 0xC000
                for k in 0..<take { chunk |= UInt16(packets[i + k].symbol) << UInt16(12 - 2 * k) }
                out.appendBigEndian(chunk)
                i += take
            }
        }
    }
}
