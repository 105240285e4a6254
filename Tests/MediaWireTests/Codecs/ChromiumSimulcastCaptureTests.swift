import Testing
@testable import MediaWire

/// The VP8 payload descriptor and the per-viewer rewriter on what Chromium really sends with
/// simulcast: 15-bit PictureID, TL0PICIDX and TID/Y on every packet (no KEYIDX), three temporal
/// layers (TID 0, 2, 1, 2, …), header extensions before the payload.
@Suite("VP8 from a real Chromium simulcast publisher")
struct ChromiumSimulcastCaptureTests {
    typealias C = ChromiumSimulcastCaptures

    static func payload(_ bytes: [UInt8]) throws -> [UInt8] { Array(try RTPPacket(parsing: bytes).payload) }
    static func descriptor(_ bytes: [UInt8]) throws -> VP8PayloadDescriptor { try VP8PayloadDescriptor(parsing: payload(bytes)) }
    /// The first packets of frames (S=1, partition 0), in order.
    static func frames(_ layer: [[UInt8]]) throws -> [VP8PayloadDescriptor] {
        try layer.map(descriptor).filter { $0.startOfPartition && $0.partitionIndex == 0 }
    }

    @Test func everyPacketParsesAndItsDescriptorWritesBackToTheSameBytes() throws {
        for bytes in C.lowLayer + C.midLayer {
            let packet = try RTPPacket(parsing: bytes)
            #expect(packet.payloadType == 96 && packet.extensionProfile == 0xBEDE, "Chromium's one-byte header extensions")
            let payload = Array(packet.payload)
            let descriptor = try VP8PayloadDescriptor(parsing: payload)
            #expect(descriptor.pictureIDIs15Bit && descriptor.pictureID != nil)
            #expect(descriptor.tl0PictureIndex != nil && descriptor.temporalLayerID != nil && descriptor.keyIndex == nil)
            var written: [UInt8] = []
            descriptor.write(to: &written)
            #expect(written == Array(payload.prefix(descriptor.size)))
        }
    }

    @Test func eachLayerStartsOnAKeyframeAndNumbersItsPicturesAndTemporalLayers() throws {
        for layer in [C.lowLayer, C.midLayer] {
            #expect(VP8PayloadDescriptor.isKeyframeStart(payload: try Self.payload(layer[0])))
            #expect(try layer.dropFirst().allSatisfy { !VP8PayloadDescriptor.isKeyframeStart(payload: try Self.payload($0)) })
            let frames = try Self.frames(layer)
            #expect(frames.count >= 8)
            #expect(frames.first?.temporalLayerID == 0, "a keyframe is on the base layer")
            for (a, b) in zip(frames, frames.dropFirst()) {
                #expect(b.pictureID == (a.pictureID! + 1) & 0x7FFF, "one PictureID per picture")
                // TL0PICIDX counts base-layer pictures: it steps exactly when a TID 0 picture starts
                let step = (Int(b.tl0PictureIndex!) - Int(a.tl0PictureIndex!) + 256) % 256
                #expect(step == (b.temporalLayerID == 0 ? 1 : 0), "\(a) → \(b)")
            }
            #expect(frames.map { $0.temporalLayerID! }.prefix(4) == [0, 2, 1, 2], "libwebrtc's three-layer pattern")
        }
    }

    @Test func aSwitchFromTheLowLayerToTheMidLayersKeyframeKeepsTheViewersNumbersContinuous() throws {
        var rewriter = VP8DescriptorRewriter()
        func run(_ bytes: [UInt8]) throws -> VP8PayloadDescriptor {
            var out: [UInt8] = []
            let payload = try Self.payload(bytes)
            #expect(payload.withUnsafeBytes { rewriter.append(payload: $0, to: &out) })
            #expect(out.count == payload.count && Array(out.dropFirst(6)) == Array(payload.dropFirst(6)),
                    "15-bit stays 15-bit; only the numbers change")
            return try VP8PayloadDescriptor(parsing: out)
        }
        let low = try C.lowLayer.map(run)
        // the low layer alone goes through as it came
        #expect(low.map(\.pictureID) == (try C.lowLayer.map { try Self.descriptor($0).pictureID }))
        #expect(low.map(\.tl0PictureIndex) == (try C.lowLayer.map { try Self.descriptor($0).tl0PictureIndex }))
        let lastPicture = Int(low.last!.pictureID!), lastTL0 = Int(low.last!.tl0PictureIndex!)

        rewriter.newSource()
        let mid = try C.midLayer.map(run)
        let source = try C.midLayer.map(Self.descriptor)
        #expect(Int(mid[0].pictureID!) == (lastPicture + 1) & 0x7FFF, "the switch keyframe is the viewer's next picture")
        #expect(Int(mid[0].tl0PictureIndex!) == (lastTL0 + 1) & 0xFF, "and its next base-layer picture")
        for (index, (out, original)) in zip(mid, source).enumerated() where index > 0 {
            // after the switch, the mid layer's own steps, shifted onto the viewer's count
            let pictureStep = (Int(original.pictureID!) - Int(source[0].pictureID!) + 0x8000) & 0x7FFF
            let tl0Step = (Int(original.tl0PictureIndex!) - Int(source[0].tl0PictureIndex!) + 256) & 0xFF
            #expect(Int(out.pictureID!) == (Int(mid[0].pictureID!) + pictureStep) & 0x7FFF)
            #expect(Int(out.tl0PictureIndex!) == (Int(mid[0].tl0PictureIndex!) + tl0Step) & 0xFF)
            #expect(out.temporalLayerID == original.temporalLayerID && out.layerSync == original.layerSync)
        }
    }
}
