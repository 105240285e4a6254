/// RTCP packet types (RFC 3550 §12.1, RFC 4585 §6.1, RFC 3611).
public enum RTCPPacketType {
    public static let senderReport: UInt8 = 200
    public static let receiverReport: UInt8 = 201
    public static let sourceDescription: UInt8 = 202
    public static let goodbye: UInt8 = 203
    public static let application: UInt8 = 204
    /// Transport-layer feedback: FMT 1 generic NACK, FMT 15 transport-wide CC.
    public static let transportFeedback: UInt8 = 205
    /// Payload-specific feedback: FMT 1 PLI, FMT 4 FIR, FMT 15 application layer (REMB).
    public static let payloadFeedback: UInt8 = 206
    public static let extendedReport: UInt8 = 207
}

/// The common first word of every RTCP packet.
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P| RC/FMT  |      PT       |             length            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
public struct RTCPHeader: Sendable, Hashable {
    public var padding: Bool
    /// Report/source count, or the feedback message type (FMT), 5 bits.
    public var count: UInt8
    public var packetType: UInt8
    /// Whole packet size in bytes, header included ((length field + 1) × 4).
    public var packetLength: Int
    /// Padding bytes at the end (count byte included), 0 when P=0.
    public var paddingLength: Int
}

/// Walks an RTCP compound packet (RFC 3550 §6.1) without copying: each step yields the
/// header and the body (after the 4-byte header, padding removed).
public struct RTCPCompoundIterator {
    private let bytes: UnsafeRawBufferPointer
    private var offset = 0

    public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// The next packet, nil at the end. Throws on a bad header, a length running past the
    /// datagram, or padding anywhere but on the last packet.
    public mutating func next() throws(RTCPError) -> (header: RTCPHeader, body: UnsafeRawBufferPointer)? {
        guard offset < bytes.count else { return nil }
        let remaining = bytes.count - offset
        guard remaining >= 4 else { throw .packetTooShort(needed: 4, got: remaining) }
        let first = bytes[offset]
        guard first >> 6 == 2 else { throw .badVersion(first >> 6) }
        let length = 4 * (Int(MediaWireBytes.uint16(bytes, offset + 2)) + 1)
        guard length <= remaining else { throw .lengthOverrun(declaredBytes: length, available: remaining) }
        var header = RTCPHeader(padding: first & 0x20 != 0, count: first & 0x1F, packetType: bytes[offset + 1],
                                packetLength: length, paddingLength: 0)
        var bodyEnd = offset + length
        if header.padding {
            let pad = Int(bytes[bodyEnd - 1])
            guard offset + length == bytes.count, pad >= 1, pad <= length - 4 else { throw .badPadding(count: pad) }
            bodyEnd -= pad
            header.paddingLength = pad
        }
        let body = UnsafeRawBufferPointer(rebasing: bytes[offset + 4..<bodyEnd])
        offset += length
        return (header, body)
    }
}

/// One typed RTCP packet. Types this module does not model are kept verbatim in `.other`.
public enum RTCPPacket: Sendable, Hashable {
    case senderReport(RTCPSenderReport)
    case receiverReport(RTCPReceiverReport)
    case sourceDescription(RTCPSourceDescription)
    case goodbye(RTCPGoodbye)
    case genericNACK(RTCPGenericNACK)
    case transportWideFeedback(RTCPTransportWideFeedback)
    case pictureLossIndication(RTCPPictureLossIndication)
    case fullIntraRequest(RTCPFullIntraRequest)
    case receiverEstimatedMaximumBitrate(RTCPReceiverEstimatedMaximumBitrate)
    case other(RTCPRawPacket)

    /// Parses one packet from its header and body (as yielded by ``RTCPCompoundIterator``).
    public init(header: RTCPHeader, body: UnsafeRawBufferPointer) throws(RTCPError) {
        switch (header.packetType, header.count) {
        case (RTCPPacketType.senderReport, let rc):
            self = .senderReport(try RTCPSenderReport(reportCount: rc, body: body))
        case (RTCPPacketType.receiverReport, let rc):
            self = .receiverReport(try RTCPReceiverReport(reportCount: rc, body: body))
        case (RTCPPacketType.sourceDescription, let sc):
            self = .sourceDescription(try RTCPSourceDescription(chunkCount: sc, body: body))
        case (RTCPPacketType.goodbye, let sc):
            self = .goodbye(try RTCPGoodbye(sourceCount: sc, body: body))
        case (RTCPPacketType.transportFeedback, RTCPGenericNACK.format):
            self = .genericNACK(try RTCPGenericNACK(body: body))
        case (RTCPPacketType.transportFeedback, RTCPTransportWideFeedback.format):
            self = .transportWideFeedback(try RTCPTransportWideFeedback(body: body))
        case (RTCPPacketType.payloadFeedback, RTCPPictureLossIndication.format):
            self = .pictureLossIndication(try RTCPPictureLossIndication(body: body))
        case (RTCPPacketType.payloadFeedback, RTCPFullIntraRequest.format):
            self = .fullIntraRequest(try RTCPFullIntraRequest(body: body))
        case (RTCPPacketType.payloadFeedback, RTCPReceiverEstimatedMaximumBitrate.format)
            where RTCPReceiverEstimatedMaximumBitrate.matches(body):
            self = .receiverEstimatedMaximumBitrate(try RTCPReceiverEstimatedMaximumBitrate(body: body))
        default:
            self = .other(RTCPRawPacket(count: header.count, packetType: header.packetType, body: Array(body),
                                        paddingLength: header.paddingLength))
        }
    }

    /// Parses a whole compound packet into typed packets.
    public static func parseCompound(_ bytes: UnsafeRawBufferPointer) throws(RTCPError) -> [RTCPPacket] {
        var iterator = RTCPCompoundIterator(bytes)
        var packets: [RTCPPacket] = []
        while let (header, body) = try iterator.next() {
            packets.append(try RTCPPacket(header: header, body: body))
        }
        return packets
    }

    public static func parseCompound(_ bytes: [UInt8]) throws(RTCPError) -> [RTCPPacket] {
        let result: Result<[RTCPPacket], RTCPError> = bytes.withUnsafeBytes { raw in
            Result { () throws(RTCPError) in try parseCompound(raw) }
        }
        return try result.get()
    }

    /// Appends this packet (header included, no padding flag).
    public func write(to out: inout [UInt8]) throws(RTCPError) {
        switch self {
        case .senderReport(let p): try p.write(to: &out)
        case .receiverReport(let p): try p.write(to: &out)
        case .sourceDescription(let p): try p.write(to: &out)
        case .goodbye(let p): try p.write(to: &out)
        case .genericNACK(let p): try p.write(to: &out)
        case .transportWideFeedback(let p): try p.write(to: &out)
        case .pictureLossIndication(let p): try p.write(to: &out)
        case .fullIntraRequest(let p): try p.write(to: &out)
        case .receiverEstimatedMaximumBitrate(let p): try p.write(to: &out)
        case .other(let p): try p.write(to: &out)
        }
    }

    /// Serializes packets back to back as one compound packet.
    public static func serializeCompound(_ packets: [RTCPPacket]) throws(RTCPError) -> [UInt8] {
        var out: [UInt8] = []
        for p in packets { try p.write(to: &out) }
        return out
    }
}

/// An RTCP packet kept as bytes (APP, XR, feedback formats not modelled here).
public struct RTCPRawPacket: Sendable, Hashable {
    public var count: UInt8
    public var packetType: UInt8
    /// The body after the 4-byte header, without padding.
    public var body: [UInt8]
    /// RTCP padding to write after the body (P bit set when > 0); body + padding must be a
    /// multiple of four. Kept from parsing so an unknown packet re-serializes as it came.
    public var paddingLength: Int

    public init(count: UInt8, packetType: UInt8, body: [UInt8], paddingLength: Int = 0) {
        self.count = count
        self.packetType = packetType
        self.body = body
        self.paddingLength = paddingLength
    }

    public func write(to out: inout [UInt8]) throws(RTCPError) {
        guard (0...255).contains(paddingLength), (body.count + paddingLength) % 4 == 0 else {
            throw .unencodable(reason: "body \(body.count) + padding \(paddingLength) not a multiple of 4")
        }
        let start = try RTCPWriter.begin(&out, count: count, packetType: packetType)
        out.append(contentsOf: body)
        if paddingLength > 0 {
            out[start] |= 0x20
            out.append(contentsOf: repeatElement(0, count: paddingLength - 1))
            out.append(UInt8(paddingLength))
        }
        try RTCPWriter.finish(&out, start: start)
    }
}

/// Header writing shared by the serializers.
enum RTCPWriter {
    static func begin(_ out: inout [UInt8], count: UInt8, packetType: UInt8) throws(RTCPError) -> Int {
        guard count <= 31 else { throw .unencodable(reason: "count \(count) over 31") }
        let start = out.count
        out.append(0x80 | count)
        out.append(packetType)
        out.appendBigEndian(UInt16(0))
        return start
    }

    static func finish(_ out: inout [UInt8], start: Int) throws(RTCPError) {
        let length = out.count - start
        guard length % 4 == 0, length / 4 - 1 <= 0xFFFF else {
            throw .unencodable(reason: "packet of \(length) bytes")
        }
        out.setBigEndian(UInt16(length / 4 - 1), at: start + 2)
    }

    static func requireAligned(_ count: Int, _ packetType: UInt8, _ what: String) throws(RTCPError) {
        guard count % 4 == 0 else {
            throw .malformed(packetType: packetType, reason: "\(what): \(count) bytes, not a multiple of 4")
        }
    }

    static func require(_ body: UnsafeRawBufferPointer, _ count: Int, _ packetType: UInt8, _ what: String) throws(RTCPError) {
        guard body.count >= count else {
            throw .malformed(packetType: packetType, reason: "\(what): needs \(count) bytes, has \(body.count)")
        }
    }
}
