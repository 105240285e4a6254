import Testing
@testable import MediaWire

enum RTCPVectors {
    /// A browser's RTCP compound from a packet dump, as kept in Pion's rtcp tests
    /// (compound_packet_test.go, `realPacket`); the braced-UUID CNAME is Firefox's format.
    /// RR + SDES + BYE + PLI + RTPFB FMT 5 (RRR, RFC 6051, not modelled: kept raw).
    static let browserCompound: [UInt8] = [
        // RR, RC=1, length 7
        0x81, 0xc9, 0x00, 0x07,
        0x90, 0x2f, 0x9e, 0x2e,  // reporter SSRC
        0xbc, 0x5e, 0x9a, 0x40,  // report block: source SSRC
        0x00, 0x00, 0x00, 0x00,  // fraction lost 0, cumulative lost 0
        0x00, 0x00, 0x46, 0xe1,  // extended highest sequence 0x46e1
        0x00, 0x00, 0x01, 0x11,  // jitter 273
        0x09, 0xf3, 0x64, 0x32,  // LSR
        0x00, 0x02, 0x4a, 0x79,  // DLSR 150137
        // SDES, SC=1, length 12
        0x81, 0xca, 0x00, 0x0c,
        0x90, 0x2f, 0x9e, 0x2e,  // SSRC
        0x01, 0x26,              // CNAME, 38 bytes: "{9c00eb92-1afb-9d49-a47d-91f64eee69f5}"
        0x7b, 0x39, 0x63, 0x30, 0x30, 0x65, 0x62, 0x39, 0x32, 0x2d, 0x31, 0x61, 0x66, 0x62, 0x2d, 0x39,
        0x64, 0x34, 0x39, 0x2d, 0x61, 0x34, 0x37, 0x64, 0x2d, 0x39, 0x31, 0x66, 0x36, 0x34, 0x65, 0x65,
        0x65, 0x36, 0x39, 0x66, 0x35, 0x7d,
        0x00, 0x00, 0x00, 0x00,  // END + padding
        // BYE, SC=1
        0x81, 0xcb, 0x00, 0x01,
        0x90, 0x2f, 0x9e, 0x2e,
        // PLI (PSFB FMT 1)
        0x81, 0xce, 0x00, 0x02,
        0x90, 0x2f, 0x9e, 0x2e,  // sender
        0x90, 0x2f, 0x9e, 0x2e,  // media
        // RTPFB FMT 5
        0x85, 0xcd, 0x00, 0x02,
        0x90, 0x2f, 0x9e, 0x2e,
        0x90, 0x2f, 0x9e, 0x2e,
    ]

    /// A captured transport-wide CC feedback, with its Wireshark dissection, from the
    /// webrtc-analysis project's test data (olivermichel/webrtc-analysis, test/include/data.h).
    static let transportWideFeedback: [UInt8] = [
        0xaf, 0xcd, 0x00, 0x07,  // V=2 P=1 FMT=15, PT 205, length 7
        0x00, 0x00, 0x00, 0x01,  // sender SSRC 1
        0xdd, 0x58, 0x6e, 0xb6,  // media SSRC
        0x00, 0x01, 0x00, 0x09,  // base sequence 1, status count 9
        0x5e, 0x91, 0x10, 0x00,  // reference time 6197520, feedback count 0
        0x20, 0x09,              // run-length chunk: small delta × 9
        0x1c, 0x0c, 0x2c, 0x38, 0x00, 0x04, 0x00, 0x08, 0x18,  // deltas (×250 µs)
        0x01,                    // padding count 1
    ]

    /// REMB: 8 927 168 bit/s for SSRC 1215622422 (the example in Pion's rtcp REMB tests;
    /// exponent 6, mantissa 139487).
    static let remb: [UInt8] = [
        0x8f, 0xce, 0x00, 0x05,  // FMT 15, PSFB, length 5
        0x00, 0x00, 0x00, 0x01,  // sender SSRC
        0x00, 0x00, 0x00, 0x00,  // media SSRC 0
        0x52, 0x45, 0x4d, 0x42,  // "REMB"
        0x01, 0x1a, 0x20, 0xdf,  // 1 SSRC, exp 6, mantissa 0x220df
        0x48, 0x74, 0xed, 0x16,  // SSRC
    ]
}

@Suite("RTCP (RFC 3550, 4585, 5104, TWCC, REMB)")
struct RTCPTests {
    func roundTrip(_ packets: [RTCPPacket], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let bytes = try RTCPPacket.serializeCompound(packets)
        #expect(try RTCPPacket.parseCompound(bytes) == packets, sourceLocation: sourceLocation)
    }

    @Test func browserCompound() throws {
        let packets = try RTCPPacket.parseCompound(RTCPVectors.browserCompound)
        #expect(packets.count == 5)
        guard case .receiverReport(let rr) = packets[0] else { Issue.record("not RR"); return }
        #expect(rr.ssrc == 0x902f_9e2e)
        #expect(rr.reports == [RTCPReportBlock(ssrc: 0xbc5e_9a40, extendedHighestSequenceNumber: 0x46e1, jitter: 273,
                                               lastSenderReport: 0x09f3_6432, delaySinceLastSenderReport: 150_137)])
        guard case .sourceDescription(let sdes) = packets[1] else { Issue.record("not SDES"); return }
        #expect(sdes.chunks.first?.cname == "{9c00eb92-1afb-9d49-a47d-91f64eee69f5}")
        #expect(packets[2] == .goodbye(RTCPGoodbye(sources: [0x902f_9e2e])))
        #expect(packets[3] == .pictureLossIndication(RTCPPictureLossIndication(senderSSRC: 0x902f_9e2e, mediaSSRC: 0x902f_9e2e)))
        guard case .other(let raw) = packets[4] else { Issue.record("not raw"); return }
        #expect(raw.packetType == 205 && raw.count == 5 && raw.body.count == 8)
        // Byte-exact re-serialization.
        #expect(try RTCPPacket.serializeCompound(packets) == RTCPVectors.browserCompound)
    }

    @Test func iteratorYieldsBodiesWithoutCopying() throws {
        try RTCPVectors.browserCompound.withUnsafeBytes { raw in
            var it = RTCPCompoundIterator(raw)
            var types: [UInt8] = []
            while let (header, body) = try it.next() {
                types.append(header.packetType)
                #expect(body.count == header.packetLength - 4)
            }
            #expect(types == [201, 202, 203, 206, 205])
        }
    }

    @Test func aiortcPackets() throws {
        let compound = try RTCPPacket.parseCompound(CapturedPackets.aiortcSenderReportCompound)
        guard case .senderReport(let sr) = compound.first, case .sourceDescription(let sdes) = compound.last else {
            Issue.record("expected SR + SDES, got \(compound)")
            return
        }
        #expect(sr.ssrc == 0x07df_263d)
        #expect(sr.ntpTimestamp == 0xeead_0eaf_50d6_e47d)
        #expect(sr.rtpTimestamp == 0x2192_2792)
        #expect(sr.packetCount == 0x24 && sr.octetCount == 0x0fb6)
        #expect(sr.reports.isEmpty)
        #expect(sdes.chunks.first?.source == 0x07df_263d)
        #expect(sdes.chunks.first?.cname == "335b0446-73b1-4a0f-9e60-e7b6a639b633")  // aiortc: a UUID
        #expect(try RTCPPacket.serializeCompound(compound) == CapturedPackets.aiortcSenderReportCompound)

        let rr = try RTCPPacket.parseCompound(CapturedPackets.aiortcReceiverReport)
        guard case .receiverReport(let report) = rr.first else { Issue.record("not RR"); return }
        #expect(report.reports.first?.ssrc == 0x07df_263d)
        #expect(report.reports.first?.extendedHighestSequenceNumber == 0x4450)
        #expect(try RTCPPacket.serializeCompound(rr) == CapturedPackets.aiortcReceiverReport)
        #expect(try RTCPPacket.parseCompound(CapturedPackets.aiortcGoodbye) == [.goodbye(RTCPGoodbye(sources: [0x07df_263d]))])
    }

    @Test func transportWideFeedbackVector() throws {
        let packets = try RTCPPacket.parseCompound(RTCPVectors.transportWideFeedback)
        guard case .transportWideFeedback(let fb) = packets.first else { Issue.record("not TWCC: \(packets)"); return }
        #expect(fb.senderSSRC == 1 && fb.mediaSSRC == 0xdd58_6eb6)
        #expect(fb.baseSequenceNumber == 1)
        #expect(fb.referenceTime == 6_197_520)
        #expect(fb.feedbackPacketCount == 0)
        #expect(fb.packets == [0x1c, 0x0c, 0x2c, 0x38, 0x00, 0x04, 0x00, 0x08, 0x18].map { .smallDelta($0) })
        let base = 6_197_520 * Int64(64_000)
        #expect(fb.arrivalTimesMicroseconds.first == base + 7_000)
        // Our encoder writes the same chunk; the only difference is zero padding instead of the P bit.
        let rebuilt = try RTCPPacket.serializeCompound(packets)
        #expect(rebuilt.count == 32)
        #expect(rebuilt[0] == 0x8f)
        #expect(rebuilt[1..<31] == RTCPVectors.transportWideFeedback[1..<31])
        #expect(try RTCPPacket.parseCompound(rebuilt) == packets)
    }

    @Test func transportWideFeedbackChunksAndDeltas() throws {
        // Every chunk kind: a long run of losses, a 1-bit vector, a 2-bit vector with
        // large and negative deltas, and a run-length tail.
        var statuses: [RTCPTransportWideFeedback.PacketStatus] = Array(repeating: .notReceived, count: 20)
        statuses += [.smallDelta(1), .notReceived, .smallDelta(255), .smallDelta(0), .notReceived, .smallDelta(3),
                     .smallDelta(4), .notReceived, .smallDelta(5), .smallDelta(6), .smallDelta(7), .notReceived,
                     .smallDelta(8), .smallDelta(9)]
        statuses += [.largeDelta(-4), .smallDelta(1), .largeDelta(1000), .notReceived, .largeDelta(Int16.min)]
        statuses += Array(repeating: .smallDelta(10), count: 9000)
        let fb = RTCPTransportWideFeedback(senderSSRC: 1, mediaSSRC: 2, baseSequenceNumber: 65530, referenceTime: 0xFF_FFFF,
                                           feedbackPacketCount: 200, packets: statuses)
        try roundTrip([.transportWideFeedback(fb)])
        // Empty feedback is valid too.
        try roundTrip([.transportWideFeedback(RTCPTransportWideFeedback(
            senderSSRC: 1, mediaSSRC: 2, baseSequenceNumber: 0, referenceTime: 0, feedbackPacketCount: 0, packets: []))])
    }

    @Test func transportWideFeedbackFromArrivalTimes() throws {
        let arrivals: [Int64?] = [1_000_000, 1_000_250, nil, 1_070_000, 1_069_000, 1_069_100]
        let fb = RTCPTransportWideFeedback(senderSSRC: 9, mediaSSRC: 8, baseSequenceNumber: 100, feedbackPacketCount: 3,
                                           arrivalTimesMicroseconds: arrivals)
        #expect(fb.referenceTime == 15)  // 960 ms
        #expect(fb.packets[0] == .smallDelta(160))  // 40 ms after the reference
        #expect(fb.packets[1] == .smallDelta(1))
        #expect(fb.packets[2] == .notReceived)
        #expect(fb.packets[3] == .largeDelta(279))
        #expect(fb.packets[4] == .largeDelta(-4))
        #expect(fb.arrivalTimesMicroseconds == [1_000_000, 1_000_250, nil, 1_070_000, 1_069_000, 1_069_000])
        try roundTrip([.transportWideFeedback(fb)])
    }

    @Test func nackExpandsAndPacks() throws {
        let lost: [UInt16] = [65534, 65535, 0, 5, 17, 40]
        let nack = RTCPGenericNACK(senderSSRC: 1, mediaSSRC: 2, lostSequenceNumbers: lost)
        // 65535, 0 and 5 are 1, 2 and 7 after PID 65534 (bits 0, 1, 6); 17 is 19 after it.
        #expect(nack.entries == [.init(packetID: 65534, bitmask: 0b0100_0011), .init(packetID: 17, bitmask: 0),
                                 .init(packetID: 40, bitmask: 0)])
        #expect(nack.lostSequenceNumbers == lost)
        let bytes = try RTCPPacket.serializeCompound([.genericNACK(nack)])
        #expect(bytes.prefix(4) == [0x81, 0xcd, 0x00, 0x05])  // 4 + 8 + 3 × 4 bytes
        try roundTrip([.genericNACK(nack)])
    }

    @Test func feedbackRoundTrips() throws {
        let remb = try RTCPPacket.parseCompound(RTCPVectors.remb)
        guard case .receiverEstimatedMaximumBitrate(let r) = remb.first else { Issue.record("not REMB"); return }
        #expect(r.bitrate == 8_927_168)
        #expect(r.ssrcs == [1_215_622_422])
        #expect(RTCPReceiverEstimatedMaximumBitrate(senderSSRC: 1, bitrate: 8_927_168, ssrcs: [1_215_622_422]) == r)
        #expect(try RTCPPacket.serializeCompound(remb) == RTCPVectors.remb)
        #expect(RTCPReceiverEstimatedMaximumBitrate(senderSSRC: 1, bitrate: 0x3FFFF, ssrcs: []).exponent == 0)
        #expect(RTCPReceiverEstimatedMaximumBitrate(senderSSRC: 1, bitrate: UInt64.max, ssrcs: []).bitrate <= UInt64.max)

        try roundTrip([
            .senderReport(RTCPSenderReport(ssrc: 1, ntpTimestamp: 0x0102_0304_0506_0708, rtpTimestamp: 9, packetCount: 10,
                                           octetCount: 11, reports: [RTCPReportBlock(ssrc: 5, fractionLost: 7, cumulativeLost: -3)])),
            .receiverReport(RTCPReceiverReport(ssrc: 2, reports: [RTCPReportBlock(ssrc: 6, cumulativeLost: 0x7F_FFFF)],
                                               profileExtension: [1, 2, 3, 4])),
            .sourceDescription(RTCPSourceDescription(chunks: [
                .init(source: 1, items: [.cname("abc"), .init(type: 6, value: Array("marquee".utf8))]),
                .init(source: 2, items: []),
            ])),
            .goodbye(RTCPGoodbye(sources: [1, 2], reason: "bye now")),
            .pictureLossIndication(RTCPPictureLossIndication(senderSSRC: 1, mediaSSRC: 2)),
            .fullIntraRequest(RTCPFullIntraRequest(senderSSRC: 1, entries: [.init(ssrc: 3, sequenceNumber: 4), .init(ssrc: 5, sequenceNumber: 255)])),
            .receiverEstimatedMaximumBitrate(RTCPReceiverEstimatedMaximumBitrate(senderSSRC: 1, bitrate: 2_500_000, ssrcs: [3, 4])),
            .other(RTCPRawPacket(count: 3, packetType: 204, body: [0, 0, 0, 1, 0x6e, 0x61, 0x6d, 0x65], paddingLength: 0)),
        ])
        // FIR bytes (RFC 5104 §4.3.1).
        let fir = try RTCPPacket.serializeCompound([.fullIntraRequest(RTCPFullIntraRequest(senderSSRC: 1, entries: [.init(ssrc: 3, sequenceNumber: 4)]))])
        #expect(fir == [0x84, 0xce, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 3, 4, 0, 0, 0])
        // PLI bytes.
        let pli = try RTCPPacket.serializeCompound([.pictureLossIndication(RTCPPictureLossIndication(senderSSRC: 1, mediaSSRC: 2))])
        #expect(pli == [0x81, 0xce, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2])
    }

    @Test func rejectsMalformed() {
        func parse(_ b: [UInt8]) throws(RTCPError) { _ = try RTCPPacket.parseCompound(b) }
        #expect(throws: RTCPError.packetTooShort(needed: 4, got: 2)) { try parse([0x81, 0xc9]) }
        #expect(throws: RTCPError.badVersion(1)) { try parse([0x41, 0xc9, 0, 0]) }
        #expect(throws: RTCPError.lengthOverrun(declaredBytes: 404, available: 4)) { try parse([0x81, 0xc9, 0, 100]) }
        // Padding on a packet that is not the last.
        var padded = RTCPVectors.browserCompound
        padded[0] |= 0x20
        #expect(throws: RTCPError.self) { try parse(padded) }
        // RR claiming 2 blocks with room for 1.
        var rr = Array(RTCPVectors.browserCompound.prefix(32))
        rr[0] = 0x82
        #expect(throws: RTCPError.malformed(packetType: 201, reason: "2 report blocks: needs 52 bytes, has 28")) { try parse(rr) }
        // SDES item running past the chunk.
        var sdes = Array(RTCPVectors.browserCompound[32..<84])
        sdes[9] = 0x60
        #expect(throws: RTCPError.self) { try parse(sdes) }
        // PLI with FCI.
        #expect(throws: RTCPError.self) { try parse([0x81, 0xce, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0]) }
        // TWCC missing its deltas.
        let twcc = Array(RTCPVectors.transportWideFeedback.prefix(24))
        var shortTWCC = twcc
        shortTWCC[0] = 0x8f
        shortTWCC[3] = 5
        #expect(throws: RTCPError.self) { try parse(shortTWCC) }
        // REMB with a wrong SSRC count.
        var remb = RTCPVectors.remb
        remb[16] = 2
        #expect(throws: RTCPError.self) { try parse(remb) }
    }
}
