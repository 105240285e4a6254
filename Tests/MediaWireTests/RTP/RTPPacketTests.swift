import Testing
@testable import MediaWire

@Suite("RTP packet view (RFC 3550, RFC 8285)")
struct RTPPacketTests {
    @Test func parsesCapturedVP8Packet() throws {
        let p = try RTPPacket(parsing: CapturedPackets.vp8Keyframe)
        #expect(p.version == 2)
        #expect(!p.hasPadding)
        #expect(p.hasExtension)
        #expect(p.csrcCount == 0)
        #expect(p.marker)                       // 0xe1: marker + PT 97
        #expect(p.payloadType == 97)
        #expect(p.sequenceNumber == 0x4441)
        #expect(p.timestamp == 0x2190_8d6a)
        #expect(p.ssrc == 0x07df_263d)
        #expect(p.extensionProfile == 0xBEDE)   // one-byte form, 2 words
        #expect(p.extensionValue(id: 1) == [0x30][...])              // sdes:mid "0"
        #expect(p.extensionValue(id: 3) == [0xb8, 0xac, 0xb0][...])  // abs-send-time
        #expect(p.extensionValue(id: 2) == nil)
        #expect(p.extensionElements.map(\.id) == [1, 3])
        #expect(p.headerLength == 24)
        #expect(p.payloadRange == 24..<599)
        #expect(p.payload.prefix(4) == [0x90, 0x80, 0x99, 0xcf][...])
        #expect(p.paddingLength == 0)
    }

    @Test func parsesCapturedOpusAndH264() throws {
        let opus = try RTPPacket(parsing: CapturedPackets.opus)
        #expect(opus.payloadType == 96)
        #expect(opus.extensionValue(id: 1) == [0x30][...])
        #expect(opus.payload == [0xfc, 0xff, 0xfe][...])  // Opus TOC 0xfc: CELT FB 20 ms, then silence
        let h264 = try RTPPacket(parsing: CapturedPackets.h264FuAStartIDR)
        #expect(h264.payloadType == 99)
        #expect(!h264.marker)
        #expect(h264.payload.first.map { $0 & 0x1F } == 28)
    }

    /// The per-viewer rewrite touches only the header bytes it should.
    @Test func rewritesInPlace() throws {
        let original = CapturedPackets.vp8Keyframe
        var p = try RTPPacket(parsing: original)
        p.ssrc = 0xAABB_CCDD
        p.sequenceNumber = 7
        p.timestamp = 0x0102_0304
        p.payloadType = 100
        p.marker = false
        try p.setExtensionValue(id: 3, to: [1, 2, 3])
        #expect(throws: RTPError.extensionSizeMismatch(id: 3, existing: 3, new: 2)) { try p.setExtensionValue(id: 3, to: [1, 2]) }
        #expect(throws: RTPError.extensionNotFound(id: 9)) { try p.setExtensionValue(id: 9, to: [1]) }
        #expect(p.ssrc == 0xAABB_CCDD && p.sequenceNumber == 7 && p.timestamp == 0x0102_0304)
        #expect(p.payloadType == 100 && !p.marker)
        let bytes = p.takeBytes()
        #expect(bytes[1] == 100)
        #expect(Array(bytes[2..<12]) == [0, 7, 1, 2, 3, 4, 0xAA, 0xBB, 0xCC, 0xDD])
        #expect(Array(bytes[19..<22]) == [1, 2, 3])
        #expect(bytes[24...] == original[24...])  // payload untouched
        #expect(bytes[12..<19] == original[12..<19] && bytes[22..<24] == original[22..<24])
    }

    @Test func rewritesThroughLayoutOnBorrowedBuffer() throws {
        var bytes = CapturedPackets.opus
        let layout = try RTPHeaderLayout(parsing: bytes)
        try bytes.withUnsafeMutableBytes { raw in
            RTPHeaderLayout.setSequenceNumber(0xFFFF, in: raw)
            RTPHeaderLayout.setTimestamp(9, in: raw)
            RTPHeaderLayout.setSSRC(10, in: raw)
            RTPHeaderLayout.setPayloadType(111, in: raw)
            try [UInt8(0x31)].withUnsafeBytes { try layout.setExtensionValue(id: 1, to: $0, in: raw) }
        }
        let p = try RTPPacket(parsing: bytes)
        #expect(p.sequenceNumber == 0xFFFF && p.timestamp == 9 && p.ssrc == 10 && p.payloadType == 111 && p.marker)
        #expect(p.extensionValue(id: 1) == [0x31][...])
    }

    @Test func buildsOneByteTwoByteCSRCAndPadding() throws {
        let one = try RTPPacket(marker: true, payloadType: 111, sequenceNumber: 65535, timestamp: 1, ssrc: 2,
                                extensions: [.init(id: 1, value: [0x61]), .init(id: 14, value: [UInt8](repeating: 7, count: 16))],
                                payload: [9, 9, 9])
        #expect(one.extensionProfile == 0xBEDE)
        #expect(one.extensionValue(id: 14)?.count == 16)
        #expect(one.payload == [9, 9, 9][...])

        let two = try RTPPacket(payloadType: 96, sequenceNumber: 1, timestamp: 2, ssrc: 3, csrcs: [10, 11],
                                extensions: [.init(id: 200, value: []), .init(id: 3, value: [UInt8](repeating: 1, count: 40))],
                                payload: [1, 2], paddingLength: 4)
        #expect(two.extensionProfile == 0x1000)
        #expect(two.extensionValue(id: 200) == [][...])
        #expect(two.extensionValue(id: 3)?.count == 40)
        #expect(two.csrcs == [10, 11])
        #expect(two.paddingLength == 4)
        #expect(two.payload == [1, 2][...])
        #expect(two.hasPadding)

        let raw = try RTPPacket(payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0,
                                rawExtension: (profile: 0xABCD, data: [1, 2, 3, 4, 5]), payload: [])
        #expect(raw.extensionProfile == 0xABCD)
        #expect(raw.extensionElements.isEmpty)
        #expect(raw.payload.isEmpty)
    }

    @Test func oneBytePaddingAndStopID() throws {
        // 0xBEDE, 2 words: padding 0, id 2 len 1, id 15 stops processing.
        let bytes: [UInt8] = [0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2,
                              0xBE, 0xDE, 0x00, 0x02,
                              0x00, 0x21, 0xAA, 0xBB, 0xF0, 0x10, 0x00, 0x00, 0x42]
        let p = try RTPPacket(parsing: bytes)
        #expect(p.extensionValue(id: 2) == [0xAA, 0xBB][...])
        #expect(p.extensionElements.count == 1)
        #expect(p.payload == [0x42][...])
    }

    @Test func rejectsMalformed() {
        func parse(_ b: [UInt8]) throws(RTPError) { _ = try RTPPacket(parsing: b) }
        let base = CapturedPackets.opus
        #expect(throws: RTPError.packetTooShort(needed: 12, got: 11)) { try parse(Array(base.prefix(11))) }
        var v1 = base
        v1[0] = 0x50
        #expect(throws: RTPError.badVersion(1)) { try parse(v1) }
        var csrc = base
        csrc[0] = 0x9F  // 15 CSRCs = 72 bytes needed
        #expect(throws: RTPError.packetTooShort(needed: 72, got: 23)) { try parse(csrc) }
        var ext = base
        ext[15] = 0x09  // 9 words of extension
        #expect(throws: RTPError.extensionOverrun(declaredBytes: 36, available: 7)) { try parse(ext) }
        var element = base
        element[16] = 0x13  // id 1, 4 bytes, in a 4-byte block
        #expect(throws: RTPError.extensionElementOverrun(id: 1, length: 4, available: 3)) { try parse(element) }
        var zeroPad = base
        zeroPad[0] |= 0x20
        zeroPad[22] = 0
        #expect(throws: RTPError.badPadding(count: 0, available: 3)) { try parse(zeroPad) }
        var bigPad = base
        bigPad[0] |= 0x20
        bigPad[22] = 4
        #expect(throws: RTPError.badPadding(count: 4, available: 3)) { try parse(bigPad) }
    }

    @Test func demux() {
        #expect(MediaDemux.classify(firstByte: 0x00, secondByte: 0x01) == .stun)
        #expect(MediaDemux.classify(firstByte: 0x03, secondByte: 0x01) == .stun)
        #expect(MediaDemux.classify(firstByte: 22, secondByte: 0xFE) == .dtls)  // handshake
        #expect(MediaDemux.classify(firstByte: 23, secondByte: 0xFE) == .dtls)  // application data
        #expect(MediaDemux.classify(firstByte: 0x90, secondByte: 0xE1) == .rtp)  // VP8 with marker
        #expect(MediaDemux.classify(firstByte: 0x80, secondByte: 0x6F) == .rtp)
        #expect(MediaDemux.classify(firstByte: 0x80, secondByte: 200) == .rtcp)
        #expect(MediaDemux.classify(firstByte: 0x8F, secondByte: 205) == .rtcp)
        #expect(MediaDemux.classify(firstByte: 0x81, secondByte: 223) == .rtcp)
        #expect(MediaDemux.classify(firstByte: 0x80, secondByte: 224) == .rtp)
        #expect(MediaDemux.classify(firstByte: 0x80, secondByte: 191) == .rtp)
        for b: UInt8 in [4, 16, 19, 64, 79, 127, 192, 255] {
            #expect(MediaDemux.classify(firstByte: b, secondByte: 0) == .unknown)
        }
        #expect(CapturedPackets.aiortcSenderReportCompound.withUnsafeBytes { MediaDemux.classify($0) } == .rtcp)
        #expect(CapturedPackets.opus.withUnsafeBytes { MediaDemux.classify($0) } == .rtp)
        #expect(RFC5769.sampleRequest.withUnsafeBytes { MediaDemux.classify($0) } == .stun)
        #expect([UInt8]([0x80]).withUnsafeBytes { MediaDemux.classify($0) } == .unknown)
    }
}
