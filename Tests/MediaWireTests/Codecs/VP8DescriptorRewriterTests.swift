import Testing
@testable import MediaWire

/// Per-viewer VP8 renumbering across simulcast layer switches (RFC 7741 §4.2), on the bytes of
/// real captured packets (aiortc's libvpx: 15-bit PictureID 0x19cf, 0x19d0) and on the same
/// packets as another layer would number them.
@Suite("VP8 descriptor rewriting across layer switches")
struct VP8DescriptorRewriterTests {
    /// The captured packets' payloads (after the RTP header).
    static let keyframe = Array(try! RTPPacket(parsing: CapturedPackets.vp8Keyframe).payload)
    static let delta = Array(try! RTPPacket(parsing: CapturedPackets.vp8DeltaFrame).payload)

    /// `payload` with its 4-byte descriptor (90 80 M|PID PID: S=1, I, 15-bit PictureID) replaced by `descriptor`.
    static func with(_ descriptor: [UInt8], _ payload: [UInt8]) -> [UInt8] { descriptor + payload.dropFirst(4) }

    static func run(_ rewriter: inout VP8DescriptorRewriter, _ payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0xEE]  // whatever the header was: the rewriter appends
        let ok = payload.withUnsafeBytes { rewriter.append(payload: $0, to: &out) }
        #expect(ok)
        #expect(out[0] == 0xEE)
        return Array(out.dropFirst())
    }

    @Test func oneSourceGoesThroughByteForByte() {
        #expect(Array(Self.keyframe.prefix(4)) == [0x90, 0x80, 0x99, 0xcf])  // X S | I | M PictureID 0x19cf
        #expect(Array(Self.delta.prefix(4)) == [0x90, 0x80, 0x99, 0xd0])     // the next picture, 0x19d0
        var rewriter = VP8DescriptorRewriter()
        #expect(Self.run(&rewriter, Self.keyframe) == Self.keyframe)
        #expect(Self.run(&rewriter, Self.delta) == Self.delta)
        #expect(Self.run(&rewriter, Self.delta) == Self.delta, "a second packet of the same picture")
        #expect(Self.run(&rewriter, Self.keyframe) == Self.keyframe, "a late packet keeps its number")
    }

    @Test func anotherLayerContinuesThePictureIDs() {
        var rewriter = VP8DescriptorRewriter()
        _ = Self.run(&rewriter, Self.keyframe)   // 0x19cf
        _ = Self.run(&rewriter, Self.delta)      // 0x19d0
        // the other layer numbers its pictures from 0x7ffe (and wraps to 0 two pictures on)
        rewriter.newSource()
        let switched = Self.run(&rewriter, Self.with([0x90, 0x80, 0xff, 0xfe], Self.keyframe))
        #expect(Array(switched.prefix(4)) == [0x90, 0x80, 0x99, 0xd1], "the picture after the last one sent")
        #expect(switched.dropFirst(4) == Self.keyframe.dropFirst(4), "the VP8 payload is untouched")
        #expect(Array(Self.run(&rewriter, Self.with([0x90, 0x80, 0xff, 0xff], Self.delta)).prefix(4)) == [0x90, 0x80, 0x99, 0xd2])
        #expect(Array(Self.run(&rewriter, Self.with([0x90, 0x80, 0x80, 0x00], Self.delta)).prefix(4)) == [0x90, 0x80, 0x99, 0xd3])
        // and back to the first layer, a few pictures later in its own count: still one step
        rewriter.newSource()
        #expect(Array(Self.run(&rewriter, Self.with([0x90, 0x80, 0x99, 0xe0], Self.keyframe)).prefix(4)) == [0x90, 0x80, 0x99, 0xd4])
    }

    @Test func aSevenBitPictureIDGoesOutInFifteenBits() {
        var rewriter = VP8DescriptorRewriter()
        _ = Self.run(&rewriter, Self.keyframe)   // 0x19cf
        rewriter.newSource()
        // a layer with 7-bit PictureIDs (M=0): 126, 127, 0 (its wrap), 1
        var sent: [UInt16] = []
        for id: UInt8 in [126, 127, 0, 1] {
            let out = Self.run(&rewriter, [0x90, 0x80, id] + Self.delta.dropFirst(4))
            #expect(out.count == Self.delta.count, "one byte more than the 7-bit form")
            #expect(out[2] & 0x80 != 0, "M=1: the 15-bit form")
            #expect(out.dropFirst(4) == Self.delta.dropFirst(4))
            sent.append(UInt16(out[2] & 0x7F) << 8 | UInt16(out[3]))
        }
        #expect(sent == [0x19d0, 0x19d1, 0x19d2, 0x19d3])
        let parsed = try? VP8PayloadDescriptor(parsing: Self.run(&rewriter, [0x90, 0x80, 2, 0x55]))
        #expect(parsed?.pictureID == 0x19d4 && parsed?.pictureIDIs15Bit == true && parsed?.size == 4)
    }

    @Test func tl0PicIdxAndKeyIdxContinueAndTheRestIsKept() {
        // X S | I L T K | M PictureID | TL0PICIDX | TID=1 Y=1 KEYIDX=3 (a temporal-layer stream, as Chromium sends)
        let layerA: [UInt8] = [0x90, 0xF0, 0x81, 0x00, 200, 0b0110_0011]
        var rewriter = VP8DescriptorRewriter()
        let first = Self.run(&rewriter, Self.with(layerA, Self.keyframe))
        #expect(first == Self.with(layerA, Self.keyframe))
        // layer B: PictureID 0x0050, TL0PICIDX 7, TID=0 Y=0 KEYIDX 30
        rewriter.newSource()
        let switched = Self.run(&rewriter, Self.with([0x90, 0xF0, 0x80, 0x50, 7, 0b0001_1110], Self.keyframe))
        #expect(Array(switched.prefix(6)) == [0x90, 0xF0, 0x81, 0x01, 201, 0b0000_0100], "each field one step on; TID and Y as they came")
        #expect(switched.dropFirst(6) == Self.keyframe.dropFirst(4))
        // B continues: KEYIDX 30 → 0 is two steps (5 bits, wrapping), TL0PICIDX 7 → 8, TID 2 and Y kept
        let next = Self.run(&rewriter, Self.with([0x90, 0xF0, 0x80, 0x51, 8, 0b1010_0000], Self.delta))
        #expect(Array(next.prefix(6)) == [0x90, 0xF0, 0x81, 0x02, 202, 0b1010_0110])
        // TL0PICIDX wraps at 256 on the viewer's side
        var wrap = VP8DescriptorRewriter()
        _ = Self.run(&wrap, Self.with([0x90, 0x40, 255], Self.keyframe))
        wrap.newSource()
        #expect(Array(Self.run(&wrap, Self.with([0x90, 0x40, 17], Self.keyframe)).prefix(3)) == [0x90, 0x40, 0])
    }

    @Test func badDescriptorsPassUnchanged() {
        var rewriter = VP8DescriptorRewriter()
        for bad: [UInt8] in [[], [0x80], [0x80, 0x80], [0x80, 0x80, 0x80], [0x80, 0x40], [0x80, 0x10]] {
            var out: [UInt8] = []
            let ok = bad.withUnsafeBytes { rewriter.append(payload: $0, to: &out) }
            #expect(!ok && out == bad)
        }
        // no X byte: nothing to renumber
        #expect(Self.run(&rewriter, [0x10, 0x00, 0x9d]) == [0x10, 0x00, 0x9d])
    }
}
