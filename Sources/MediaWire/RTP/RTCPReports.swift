/// A reception report block (RFC 3550 §6.4.1), 24 bytes.
///
/// ```
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |                 SSRC_1 (SSRC of first source)                 |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | fraction lost |       cumulative number of packets lost       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           extended highest sequence number received           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                      interarrival jitter                      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         last SR (LSR)                         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                   delay since last SR (DLSR)                  |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// ```
public struct RTCPReportBlock: Sendable, Hashable {
    public var ssrc: UInt32
    /// Fraction lost since the last report, in 1/256.
    public var fractionLost: UInt8
    /// Signed 24-bit cumulative loss (duplicates can make it negative).
    public var cumulativeLost: Int32
    public var extendedHighestSequenceNumber: UInt32
    public var jitter: UInt32
    public var lastSenderReport: UInt32
    /// In 1/65536 s.
    public var delaySinceLastSenderReport: UInt32

    public init(ssrc: UInt32, fractionLost: UInt8 = 0, cumulativeLost: Int32 = 0, extendedHighestSequenceNumber: UInt32 = 0,
                jitter: UInt32 = 0, lastSenderReport: UInt32 = 0, delaySinceLastSenderReport: UInt32 = 0) {
        self.ssrc = ssrc
        self.fractionLost = fractionLost
        self.cumulativeLost = cumulativeLost
        self.extendedHighestSequenceNumber = extendedHighestSequenceNumber
        self.jitter = jitter
        self.lastSenderReport = lastSenderReport
        self.delaySinceLastSenderReport = delaySinceLastSenderReport
    }

    static let size = 24

    init(_ b: UnsafeRawBufferPointer, at o: Int) {
        ssrc = MediaWireBytes.uint32(b, o)
        fractionLost = b[o + 4]
        let raw = MediaWireBytes.uint24(b, o + 5)
        cumulativeLost = Int32(bitPattern: raw << 8) >> 8  // sign-extend 24 bits
        extendedHighestSequenceNumber = MediaWireBytes.uint32(b, o + 8)
        jitter = MediaWireBytes.uint32(b, o + 12)
        lastSenderReport = MediaWireBytes.uint32(b, o + 16)
        delaySinceLastSenderReport = MediaWireBytes.uint32(b, o + 20)
    }

    func write(to out: inout [UInt8]) {
        out.appendBigEndian(ssrc)
        out.append(fractionLost)
        let clamped = min(max(cumulativeLost, -0x80_0000), 0x7F_FFFF)
        out.appendBigEndian24(UInt32(bitPattern: clamped) & 0xFF_FFFF)
        out.appendBigEndian(extendedHighestSequenceNumber)
        out.appendBigEndian(jitter)
        out.appendBigEndian(lastSenderReport)
        out.appendBigEndian(delaySinceLastSenderReport)
    }

    static func parseList(_ body: UnsafeRawBufferPointer, at offset: Int, count: Int, packetType: UInt8) throws(RTCPError) -> [RTCPReportBlock] {
        try RTCPWriter.require(body, offset + count * size, packetType, "\(count) report blocks")
        return (0..<count).map { RTCPReportBlock(body, at: offset + $0 * size) }
    }
}

/// Sender report (RFC 3550 §6.4.1, PT 200).
///
/// ```
/// |V=2|P|    RC   |   PT=SR=200   |             length            |
/// |                         SSRC of sender                        |
/// |              NTP timestamp, most significant word             |
/// |             NTP timestamp, least significant word             |
/// |                         RTP timestamp                         |
/// |                     sender's packet count                     |
/// |                      sender's octet count                     |
/// |                 report blocks (RC × 24 bytes)                 |
/// |                  profile-specific extensions                  |
/// ```
public struct RTCPSenderReport: Sendable, Hashable {
    public var ssrc: UInt32
    /// 64-bit NTP time (seconds since 1900 in the high word, fraction in the low word).
    public var ntpTimestamp: UInt64
    public var rtpTimestamp: UInt32
    public var packetCount: UInt32
    public var octetCount: UInt32
    public var reports: [RTCPReportBlock]
    /// Anything after the report blocks, kept verbatim (a multiple of 4 bytes).
    public var profileExtension: [UInt8]

    public init(ssrc: UInt32, ntpTimestamp: UInt64, rtpTimestamp: UInt32, packetCount: UInt32, octetCount: UInt32,
                reports: [RTCPReportBlock] = [], profileExtension: [UInt8] = []) {
        self.ssrc = ssrc
        self.ntpTimestamp = ntpTimestamp
        self.rtpTimestamp = rtpTimestamp
        self.packetCount = packetCount
        self.octetCount = octetCount
        self.reports = reports
        self.profileExtension = profileExtension
    }

    public init(reportCount: UInt8, body: UnsafeRawBufferPointer) throws(RTCPError) {
        try RTCPWriter.require(body, 24, RTCPPacketType.senderReport, "sender info")
        ssrc = MediaWireBytes.uint32(body, 0)
        ntpTimestamp = MediaWireBytes.uint64(body, 4)
        rtpTimestamp = MediaWireBytes.uint32(body, 12)
        packetCount = MediaWireBytes.uint32(body, 16)
        octetCount = MediaWireBytes.uint32(body, 20)
        reports = try RTCPReportBlock.parseList(body, at: 24, count: Int(reportCount), packetType: RTCPPacketType.senderReport)
        profileExtension = Array(body[(24 + reports.count * RTCPReportBlock.size)...])
        try RTCPWriter.requireAligned(profileExtension.count, RTCPPacketType.senderReport, "profile extension")
    }

    public func write(to out: inout [UInt8]) throws(RTCPError) {
        let start = try RTCPWriter.begin(&out, count: UInt8(clamping: reports.count), packetType: RTCPPacketType.senderReport)
        out.appendBigEndian(ssrc)
        out.appendBigEndian(ntpTimestamp)
        out.appendBigEndian(rtpTimestamp)
        out.appendBigEndian(packetCount)
        out.appendBigEndian(octetCount)
        for r in reports { r.write(to: &out) }
        out.append(contentsOf: profileExtension)
        out.padToFourBytes()
        try RTCPWriter.finish(&out, start: start)
    }
}

/// Receiver report (RFC 3550 §6.4.2, PT 201): the reporter's SSRC and report blocks.
public struct RTCPReceiverReport: Sendable, Hashable {
    public var ssrc: UInt32
    public var reports: [RTCPReportBlock]
    public var profileExtension: [UInt8]

    public init(ssrc: UInt32, reports: [RTCPReportBlock] = [], profileExtension: [UInt8] = []) {
        self.ssrc = ssrc
        self.reports = reports
        self.profileExtension = profileExtension
    }

    public init(reportCount: UInt8, body: UnsafeRawBufferPointer) throws(RTCPError) {
        try RTCPWriter.require(body, 4, RTCPPacketType.receiverReport, "reporter SSRC")
        ssrc = MediaWireBytes.uint32(body, 0)
        reports = try RTCPReportBlock.parseList(body, at: 4, count: Int(reportCount), packetType: RTCPPacketType.receiverReport)
        profileExtension = Array(body[(4 + reports.count * RTCPReportBlock.size)...])
        try RTCPWriter.requireAligned(profileExtension.count, RTCPPacketType.receiverReport, "profile extension")
    }

    public func write(to out: inout [UInt8]) throws(RTCPError) {
        let start = try RTCPWriter.begin(&out, count: UInt8(clamping: reports.count), packetType: RTCPPacketType.receiverReport)
        out.appendBigEndian(ssrc)
        for r in reports { r.write(to: &out) }
        out.append(contentsOf: profileExtension)
        out.padToFourBytes()
        try RTCPWriter.finish(&out, start: start)
    }
}
