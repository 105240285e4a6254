// Feedback messages (RFC 4585 §6.1): a common header with the sender's and the media
// source's SSRC, then feedback control information (FCI) by type.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |V=2|P|   FMT   |       PT      |          length               |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                  SSRC of packet sender                        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                  SSRC of media source                         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// :            Feedback Control Information (FCI)                 :

/// Generic NACK (RFC 4585 §6.2.1, RTPFB FMT 1). Each FCI entry names a lost packet (PID)
/// and a bitmask of the 16 following ones (BLP).
///
/// ```
/// |            PID                |             BLP               |
/// ```
public struct RTCPGenericNACK: Sendable, Hashable {
    public static let format: UInt8 = 1

    public struct Entry: Sendable, Hashable {
        public var packetID: UInt16
        /// Bit i set: packetID + i + 1 is lost too.
        public var bitmask: UInt16

        public init(packetID: UInt16, bitmask: UInt16) {
            self.packetID = packetID
            self.bitmask = bitmask
        }
    }

    public var senderSSRC: UInt32
    public var mediaSSRC: UInt32
    public var entries: [Entry]

    public init(senderSSRC: UInt32, mediaSSRC: UInt32, entries: [Entry]) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        self.entries = entries
    }

    /// Packs lost sequence numbers (in the order they should be asked for, wrap-around
    /// allowed) into as few PID/BLP entries as a single forward pass allows.
    public init(senderSSRC: UInt32, mediaSSRC: UInt32, lostSequenceNumbers: some Sequence<UInt16>) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        entries = []
        for seq in lostSequenceNumbers {
            if var last = entries.last {
                let distance = seq &- last.packetID
                if distance == 0 { continue }
                if distance <= 16 {
                    last.bitmask |= 1 << (distance - 1)
                    entries[entries.count - 1] = last
                    continue
                }
            }
            entries.append(Entry(packetID: seq, bitmask: 0))
        }
    }

    /// Every sequence number the packet asks for, in wire order.
    public var lostSequenceNumbers: [UInt16] {
        var out: [UInt16] = []
        out.reserveCapacity(entries.count * 2)
        for e in entries {
            out.append(e.packetID)
            for bit in 0..<16 where e.bitmask & (1 << bit) != 0 { out.append(e.packetID &+ UInt16(bit) &+ 1) }
        }
        return out
    }

    public init(body: UnsafeRawBufferPointer) throws(RTCPError) {
        let pt = RTCPPacketType.transportFeedback
        try RTCPWriter.require(body, 8, pt, "NACK SSRCs")
        try RTCPWriter.requireAligned(body.count, pt, "NACK")
        senderSSRC = MediaWireBytes.uint32(body, 0)
        mediaSSRC = MediaWireBytes.uint32(body, 4)
        entries = stride(from: 8, to: body.count, by: 4).map {
            Entry(packetID: MediaWireBytes.uint16(body, $0), bitmask: MediaWireBytes.uint16(body, $0 + 2))
        }
    }

    public func write(to out: inout [UInt8]) throws(RTCPError) {
        let start = try RTCPWriter.begin(&out, count: Self.format, packetType: RTCPPacketType.transportFeedback)
        out.appendBigEndian(senderSSRC)
        out.appendBigEndian(mediaSSRC)
        for e in entries {
            out.appendBigEndian(e.packetID)
            out.appendBigEndian(e.bitmask)
        }
        try RTCPWriter.finish(&out, start: start)
    }
}

/// Picture Loss Indication (RFC 4585 §6.3.1, PSFB FMT 1): "send a keyframe". No FCI.
public struct RTCPPictureLossIndication: Sendable, Hashable {
    public static let format: UInt8 = 1
    public var senderSSRC: UInt32
    public var mediaSSRC: UInt32

    public init(senderSSRC: UInt32, mediaSSRC: UInt32) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
    }

    public init(body: UnsafeRawBufferPointer) throws(RTCPError) {
        guard body.count == 8 else {
            throw .malformed(packetType: RTCPPacketType.payloadFeedback, reason: "PLI body \(body.count) bytes, expected 8")
        }
        senderSSRC = MediaWireBytes.uint32(body, 0)
        mediaSSRC = MediaWireBytes.uint32(body, 4)
    }

    public func write(to out: inout [UInt8]) throws(RTCPError) {
        let start = try RTCPWriter.begin(&out, count: Self.format, packetType: RTCPPacketType.payloadFeedback)
        out.appendBigEndian(senderSSRC)
        out.appendBigEndian(mediaSSRC)
        try RTCPWriter.finish(&out, start: start)
    }
}

/// Full Intra Request (RFC 5104 §4.3.1, PSFB FMT 4). The media SSRC field is unused (0);
/// each FCI entry names a source and a command sequence number.
///
/// ```
/// |                              SSRC                             |
/// | Seq nr.       |    Reserved                                   |
/// ```
public struct RTCPFullIntraRequest: Sendable, Hashable {
    public static let format: UInt8 = 4

    public struct Entry: Sendable, Hashable {
        public var ssrc: UInt32
        /// Incremented by the sender for each new request (repeat the same number on retries).
        public var sequenceNumber: UInt8

        public init(ssrc: UInt32, sequenceNumber: UInt8) {
            self.ssrc = ssrc
            self.sequenceNumber = sequenceNumber
        }
    }

    public var senderSSRC: UInt32
    public var mediaSSRC: UInt32
    public var entries: [Entry]

    public init(senderSSRC: UInt32, mediaSSRC: UInt32 = 0, entries: [Entry]) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        self.entries = entries
    }

    public init(body: UnsafeRawBufferPointer) throws(RTCPError) {
        let pt = RTCPPacketType.payloadFeedback
        try RTCPWriter.require(body, 8, pt, "FIR SSRCs")
        guard (body.count - 8) % 8 == 0 else { throw .malformed(packetType: pt, reason: "FIR FCI not a multiple of 8 bytes") }
        senderSSRC = MediaWireBytes.uint32(body, 0)
        mediaSSRC = MediaWireBytes.uint32(body, 4)
        entries = stride(from: 8, to: body.count, by: 8).map {
            Entry(ssrc: MediaWireBytes.uint32(body, $0), sequenceNumber: body[$0 + 4])
        }
    }

    public func write(to out: inout [UInt8]) throws(RTCPError) {
        let start = try RTCPWriter.begin(&out, count: Self.format, packetType: RTCPPacketType.payloadFeedback)
        out.appendBigEndian(senderSSRC)
        out.appendBigEndian(mediaSSRC)
        for e in entries {
            out.appendBigEndian(e.ssrc)
            out.append(e.sequenceNumber)
            out.append(contentsOf: [0, 0, 0])
        }
        try RTCPWriter.finish(&out, start: start)
    }
}

/// Receiver Estimated Maximum Bitrate (draft-alvestrand-rmcat-remb-03, PSFB FMT 15 with
/// the "REMB" identifier). Media SSRC is 0; the bitrate is mantissa × 2^exponent bit/s.
///
/// ```
/// |  Unique identifier 'R' 'E' 'M' 'B'                            |
/// |  Num SSRC     | BR Exp    |  BR Mantissa                      |
/// |   SSRC feedback                                               |
/// ```
public struct RTCPReceiverEstimatedMaximumBitrate: Sendable, Hashable {
    public static let format: UInt8 = 15
    static let identifier: UInt32 = 0x5245_4D42  // "REMB"

    public var senderSSRC: UInt32
    public var mediaSSRC: UInt32
    /// 6 bits.
    public var exponent: UInt8
    /// 18 bits.
    public var mantissa: UInt32
    public var ssrcs: [UInt32]

    /// Encodes `bitrate` (bit/s) with the smallest exponent that fits the 18-bit mantissa
    /// (rounding down, as libwebrtc does).
    public init(senderSSRC: UInt32, bitrate: UInt64, ssrcs: [UInt32]) {
        self.senderSSRC = senderSSRC
        mediaSSRC = 0
        var exponent: UInt8 = 0
        var mantissa = bitrate
        while mantissa > 0x3FFFF {
            mantissa >>= 1
            exponent += 1
        }
        self.exponent = exponent
        self.mantissa = UInt32(mantissa)
        self.ssrcs = ssrcs
    }

    /// The bitrate in bit/s (saturates at `UInt64.max` for absurd exponents).
    public var bitrate: UInt64 {
        let m = UInt64(mantissa & 0x3FFFF)
        guard m != 0 else { return 0 }
        let e = UInt64(exponent & 0x3F)
        return e > UInt64(m.leadingZeroBitCount) ? .max : m << e
    }

    static func matches(_ body: UnsafeRawBufferPointer) -> Bool {
        body.count >= 12 && MediaWireBytes.uint32(body, 8) == identifier
    }

    public init(body: UnsafeRawBufferPointer) throws(RTCPError) {
        let pt = RTCPPacketType.payloadFeedback
        try RTCPWriter.require(body, 16, pt, "REMB")
        guard Self.matches(body) else { throw .malformed(packetType: pt, reason: "no REMB identifier") }
        senderSSRC = MediaWireBytes.uint32(body, 0)
        mediaSSRC = MediaWireBytes.uint32(body, 4)
        let count = Int(body[12])
        exponent = body[13] >> 2
        mantissa = MediaWireBytes.uint24(body, 13) & 0x3FFFF
        guard body.count == 16 + 4 * count else {
            throw .malformed(packetType: pt, reason: "REMB with \(count) SSRCs in \(body.count) bytes")
        }
        ssrcs = (0..<count).map { MediaWireBytes.uint32(body, 16 + 4 * $0) }
    }

    public func write(to out: inout [UInt8]) throws(RTCPError) {
        guard ssrcs.count <= 255, exponent < 64, mantissa <= 0x3FFFF else {
            throw .unencodable(reason: "REMB with \(ssrcs.count) SSRCs, exponent \(exponent), mantissa \(mantissa)")
        }
        let start = try RTCPWriter.begin(&out, count: Self.format, packetType: RTCPPacketType.payloadFeedback)
        out.appendBigEndian(senderSSRC)
        out.appendBigEndian(mediaSSRC)
        out.appendBigEndian(Self.identifier)
        out.append(UInt8(ssrcs.count))
        out.appendBigEndian24(UInt32(exponent) << 18 | mantissa)
        for s in ssrcs { out.appendBigEndian(s) }
        try RTCPWriter.finish(&out, start: start)
    }
}
