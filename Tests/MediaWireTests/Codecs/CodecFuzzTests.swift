import Testing
import TestSupport
@testable import MediaWire

@Suite("Fuzz: VP8 and H.264 payloads")
struct CodecFuzzTests {
    @Test func vp8ParseWriteParse() async throws {
        try await onOwnThread {
            var rng = SplitMix64(seed: Fuzz.seed ^ 0x5650_38)
            let seeds: [[UInt8]] = [
                Array(CapturedPackets.vp8Keyframe[24..<64]), Array(CapturedPackets.vp8DeltaFrame[24...]),
                [0xB0, 0xF0, 100, 7, 0b1011_0001, 0x10], [0x90, 0xE0, 0x81, 0x02, 0x03, 0x40, 0x00], [0x10, 0x00],
            ] + [ChromiumSimulcastCaptures.lowLayer[0], ChromiumSimulcastCaptures.midLayer[1]].compactMap { try? Array(RTPPacket(parsing: $0).payload) }
            for _ in 0..<Fuzz.iterations {
                var bytes = Fuzz.input(&rng, seeds: seeds, firstBytes: 0...255, maxRandomLength: 12)
                _ = VP8PayloadDescriptor.isKeyframeStart(payload: bytes)
                guard let d = try? VP8PayloadDescriptor(parsing: bytes) else { continue }
                var out: [UInt8] = []
                d.write(to: &out)
                let again = try VP8PayloadDescriptor(parsing: out)
                #expect(again == d, "round trip differs for \(bytes)")
                if again != d { return }
                // Rewrites succeed exactly when the field exists and keep the rest intact.
                let tail = Array(bytes[d.size...])
                _ = try? bytes.withUnsafeMutableBytes { try VP8PayloadDescriptor.rewrite(in: $0, pictureID: 0x7FFF, tl0PictureIndex: 9) }
                #expect(Array(bytes[d.size...]) == tail)
            }
        }
    }

    @Test func h264ParseAndKeyframeAgree() async throws {
        try await onOwnThread {
            var rng = SplitMix64(seed: Fuzz.seed ^ 0x4832_3634)
            let seeds: [[UInt8]] = [
                Array(CapturedPackets.h264StapAParameterSets[24..<90]), Array(CapturedPackets.h264FuAStartIDR[24..<60]),
                Array(CapturedPackets.h264StapANonIDR[24...]), [0x65, 0x88, 0x84], (try? H264RTPPayload.stapA(units: [[0x67, 1], [0x68, 2]])) ?? [],
            ]
            for _ in 0..<Fuzz.iterations {
                let bytes = Fuzz.input(&rng, seeds: seeds, firstBytes: 0...0x7F, maxRandomLength: 40)
                let isKey = H264RTPPayload.isKeyframe(payload: bytes)
                guard let parsed = try? H264RTPPayload(parsing: bytes) else { continue }
                let starting = bytes.withUnsafeBytes { parsed.startingNALTypes(in: $0) }
                #expect(isKey == starting.contains { H264NALUnitType.startsDecoding($0) }, "disagree on \(bytes)")
                if case .stapA(_, let units) = parsed {
                    let rebuilt = try H264RTPPayload.stapA(units: units.map { Array(bytes[$0]) })
                    #expect(try H264RTPPayload(parsing: rebuilt) == .stapA(header: rebuilt[0], units: units))
                }
            }
        }
    }
}
