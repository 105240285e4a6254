import Testing
@testable import MediaWire

@Suite("VP8 descriptor (RFC 7741) and H.264 packetization (RFC 6184)")
struct CodecTests {
    @Test func vp8CapturedKeyframe() throws {
        let p = try RTPPacket(parsing: CapturedPackets.vp8Keyframe)
        let d = try VP8PayloadDescriptor(parsing: p.payload)
        // 0x90: X=1 S=1 PID=0; 0x80: I; 0x99 0xcf: M=1, 15-bit picture ID 0x19cf.
        #expect(d.startOfPartition && d.partitionIndex == 0 && !d.nonReference)
        #expect(d.pictureID == 0x19cf && d.pictureIDIs15Bit)
        #expect(d.tl0PictureIndex == nil && d.temporalLayerID == nil && d.keyIndex == nil)
        #expect(d.size == 4)
        // VP8 frame tag 0xd0: P bit 0 → key frame; start code 9d 01 2a follows.
        #expect(Array(p.payload.dropFirst(d.size + 3).prefix(3)) == [0x9d, 0x01, 0x2a])
        #expect(VP8PayloadDescriptor.isKeyframeStart(payload: p.payload))

        let next = try RTPPacket(parsing: CapturedPackets.vp8DeltaFrame)
        #expect(try VP8PayloadDescriptor(parsing: next.payload).pictureID == 0x19d0)
        #expect(!VP8PayloadDescriptor.isKeyframeStart(payload: next.payload))
    }

    @Test func vp8RewriteInPlace() throws {
        var p = try RTPPacket(parsing: CapturedPackets.vp8Keyframe)
        try p.withUnsafeMutablePayload { payload in
            try VP8PayloadDescriptor.rewrite(in: payload, pictureID: 0x8123)  // wraps to 15 bits
        }
        let d = try VP8PayloadDescriptor(parsing: p.payload)
        #expect(d.pictureID == 0x0123)
        #expect(p.payload.dropFirst(4) == CapturedPackets.vp8Keyframe[28...])
        #expect(throws: CodecPayloadError.fieldAbsent("TL0PICIDX")) {
            try p.withUnsafeMutablePayload { try VP8PayloadDescriptor.rewrite(in: $0, tl0PictureIndex: 1) }
        }
    }

    @Test func vp8AllFields() throws {
        let d = VP8PayloadDescriptor(nonReference: true, startOfPartition: true, partitionIndex: 0, pictureID: 100,
                                     pictureIDIs15Bit: false, tl0PictureIndex: 7, temporalLayerID: 2, layerSync: true, keyIndex: 17)
        var bytes: [UInt8] = []
        d.write(to: &bytes)
        #expect(bytes == [0xB0, 0xF0, 100, 7, 0b1011_0001])
        #expect(d.size == 5)
        let parsed = try VP8PayloadDescriptor(parsing: bytes)
        #expect(parsed == d)
        #expect(parsed.size == 5 && parsed.pictureIDOffset == 2 && parsed.tl0PictureIndexOffset == 3)
        var mutable = bytes + [0x10]
        try mutable.withUnsafeMutableBytes { try VP8PayloadDescriptor.rewrite(in: $0, pictureID: 300, tl0PictureIndex: 9) }
        #expect(mutable == [0xB0, 0xF0, 44, 9, 0b1011_0001, 0x10])
        // Truncated descriptors.
        #expect(throws: CodecPayloadError.packetTooShort(needed: 1, got: 0)) { try VP8PayloadDescriptor(parsing: [UInt8]()) }
        #expect(throws: CodecPayloadError.packetTooShort(needed: 2, got: 1)) { try VP8PayloadDescriptor(parsing: [UInt8(0x80)]) }
        #expect(throws: CodecPayloadError.packetTooShort(needed: 4, got: 3)) { try VP8PayloadDescriptor(parsing: [UInt8(0x80), 0x80, 0x80]) }
        // S=1 but partition 1 is not a key frame start; descriptor only (no payload header) is not either.
        #expect(!VP8PayloadDescriptor.isKeyframeStart(payload: [0x11, 0x00]))
        #expect(!VP8PayloadDescriptor.isKeyframeStart(payload: [0x10]))
        #expect(VP8PayloadDescriptor.isKeyframeStart(payload: [0x10, 0x00]))
    }

    @Test func h264Captured() throws {
        let stap = try RTPPacket(parsing: CapturedPackets.h264StapAParameterSets)
        let parsed = try stap.withUnsafePayload { try H264RTPPayload(parsing: Array($0)) }
        guard case .stapA(_, let units) = parsed else { Issue.record("not STAP-A: \(parsed)"); return }
        #expect(units.map(\.count) == [23, 4, 620])
        #expect(stap.withUnsafePayload { parsed.startingNALTypes(in: $0) } == [7, 8, 6])
        #expect(H264RTPPayload.isKeyframe(payload: stap.payload))

        let fu = try RTPPacket(parsing: CapturedPackets.h264FuAStartIDR)
        let fuParsed = try H264RTPPayload(parsing: Array(fu.payload))
        #expect(fuParsed.packetType == 28 && fuParsed.fragmentStart && !fuParsed.fragmentEnd)
        #expect(H264RTPPayload.isKeyframe(payload: fu.payload))
        // The same FU-A with S cleared (a middle fragment) is not a key frame start.
        var middle = Array(fu.payload)
        middle[1] &= 0x7F
        #expect(!H264RTPPayload.isKeyframe(payload: middle))

        let delta = try RTPPacket(parsing: CapturedPackets.h264StapANonIDR)
        #expect(!H264RTPPayload.isKeyframe(payload: delta.payload))
        #expect(delta.withUnsafePayload { (try? H264RTPPayload(parsing: Array($0)))?.startingNALTypes(in: $0) } == [1, 1])
    }

    @Test func h264Synthetic() throws {
        #expect(H264RTPPayload.isKeyframe(payload: [0x65, 0x88]))  // IDR
        #expect(H264RTPPayload.isKeyframe(payload: [0x67, 0x42]))  // SPS
        #expect(H264RTPPayload.isKeyframe(payload: [0x68, 0xce]))  // PPS
        #expect(!H264RTPPayload.isKeyframe(payload: [0x41, 0x9a]))  // non-IDR
        #expect(!H264RTPPayload.isKeyframe(payload: [UInt8]()))
        let stap = try H264RTPPayload.stapA(units: [[0x09, 0xf0], [0x65, 1, 2, 3]])
        #expect(stap == [0x78, 0, 2, 0x09, 0xf0, 0, 4, 0x65, 1, 2, 3])
        #expect(H264RTPPayload.isKeyframe(payload: stap))
        #expect(throws: CodecPayloadError.packetTooShort(needed: 11, got: 9)) { try H264RTPPayload(parsing: Array(stap.prefix(9))) }
        #expect(throws: CodecPayloadError.malformed(reason: "STAP-A unit of size 0")) { try H264RTPPayload(parsing: [0x78, 0, 0]) }
        #expect(throws: CodecPayloadError.malformed(reason: "FU-A with both start and end bits")) { try H264RTPPayload(parsing: [0x7c, 0xC5]) }
        #expect(throws: CodecPayloadError.malformed(reason: "forbidden_zero_bit set")) { try H264RTPPayload(parsing: [0xE5]) }
        #expect(try H264RTPPayload(parsing: [0x7c, 0x85, 0]).startingNALTypes(in: UnsafeRawBufferPointer(start: nil, count: 0)) == [5])
    }
}
