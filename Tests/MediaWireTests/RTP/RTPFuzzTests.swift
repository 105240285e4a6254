import Testing
import TestSupport
@testable import MediaWire

@Suite("Fuzz: RTP and RTCP")
struct RTPFuzzTests {
    static let rtpSeeds: [[UInt8]] = [
        CapturedPackets.opus, Array(CapturedPackets.vp8DeltaFrame), CapturedPackets.h264StapANonIDR,
        Array(CapturedPackets.vp8Keyframe.prefix(60)),
        // two-byte extension form, CSRCs and padding
        (try? RTPPacket(payloadType: 96, sequenceNumber: 1, timestamp: 2, ssrc: 3, csrcs: [10],
                        extensions: [.init(id: 20, value: [1, 2, 3]), .init(id: 1, value: [])],
                        payload: [1, 2, 3], paddingLength: 3).bytes) ?? [],
    ]

    /// Rebuilds a packet from its parsed fields with the builder.
    static func rebuild(_ p: RTPPacket) throws -> RTPPacket {
        let elements = p.extensionElements
        let useElements = p.layout.isOneByteForm || p.layout.isTwoByteForm
        let raw: (profile: UInt16, data: [UInt8])? = p.extensionProfile.flatMap {
            useElements ? nil : ($0, Array(p.bytes[p.layout.extensionRange]))
        }
        return try RTPPacket(marker: p.marker, payloadType: p.payloadType, sequenceNumber: p.sequenceNumber,
                             timestamp: p.timestamp, ssrc: p.ssrc, csrcs: p.csrcs,
                             extensions: useElements ? elements.map { .init(id: $0.id, value: Array(p.bytes[$0.range])) } : [],
                             rawExtension: raw, payload: p.payload, paddingLength: p.paddingLength)
    }

    @Test func rtpParseRebuildParse() async throws {
        try await onOwnThread {
            var rng = SplitMix64(seed: Fuzz.seed ^ 0x5254_5000)
            var parsed = 0
            for _ in 0..<Fuzz.iterations {
                let bytes = Fuzz.input(&rng, seeds: Self.rtpSeeds, firstBytes: 0x80...0xBF)
                guard var p = try? RTPPacket(parsing: bytes) else { continue }
                parsed += 1
                let q = try Self.rebuild(p)
                let same = q.marker == p.marker && q.payloadType == p.payloadType && q.sequenceNumber == p.sequenceNumber
                    && q.timestamp == p.timestamp && q.ssrc == p.ssrc && q.csrcs == p.csrcs && q.payload == p.payload
                    && q.paddingLength == p.paddingLength
                    && q.extensionElements.map { q.bytes[$0.range] } == p.extensionElements.map { p.bytes[$0.range] }
                    && q.extensionElements.map(\.id) == p.extensionElements.map(\.id)
                #expect(same, "rebuild differs for \(bytes)")
                if !same { return }
                // Rewrites keep the packet parseable and the payload intact.
                let payload = p.payload
                p.sequenceNumber &+= 1
                p.ssrc = ~p.ssrc
                p.payloadType = 127 - p.payloadType
                #expect(p.payload == payload)
                _ = try RTPPacket(parsing: p.bytes)
            }
            #expect(parsed > Fuzz.iterations / 20, "too few inputs parsed (\(parsed))")
        }
    }

    @Test func rtcpParseSerializeParse() async throws {
        try await onOwnThread {
            var rng = SplitMix64(seed: Fuzz.seed ^ 0x5254_4350)
            let built = try RTCPPacket.serializeCompound([
                .senderReport(RTCPSenderReport(ssrc: 1, ntpTimestamp: 2, rtpTimestamp: 3, packetCount: 4, octetCount: 5,
                                               reports: [RTCPReportBlock(ssrc: 6, cumulativeLost: -1)])),
                .sourceDescription(RTCPSourceDescription(chunks: [.init(source: 1, items: [.cname("x")])])),
                .genericNACK(RTCPGenericNACK(senderSSRC: 1, mediaSSRC: 2, lostSequenceNumbers: [1, 3, 40])),
                .fullIntraRequest(RTCPFullIntraRequest(senderSSRC: 1, entries: [.init(ssrc: 2, sequenceNumber: 3)])),
                .goodbye(RTCPGoodbye(sources: [1], reason: "r")),
                .transportWideFeedback(RTCPTransportWideFeedback(senderSSRC: 1, mediaSSRC: 2, baseSequenceNumber: 3, referenceTime: 4,
                                                                 feedbackPacketCount: 5,
                                                                 packets: [.smallDelta(1), .notReceived, .largeDelta(-2), .smallDelta(9)])),
            ])
            let seeds = [RTCPVectors.browserCompound, RTCPVectors.transportWideFeedback, RTCPVectors.remb,
                         CapturedPackets.aiortcSenderReportCompound, CapturedPackets.aiortcReceiverReport, built]
            var parsed = 0
            for _ in 0..<Fuzz.iterations {
                let bytes = Fuzz.input(&rng, seeds: seeds, firstBytes: 0x80...0xBF)
                guard let packets = try? RTCPPacket.parseCompound(bytes) else { continue }
                parsed += 1
                let again = try RTCPPacket.parseCompound(try RTCPPacket.serializeCompound(packets))
                #expect(again == packets, "round trip differs for \(bytes)")
                if again != packets { return }
                for case .genericNACK(let nack) in packets {
                    let rebuilt = RTCPGenericNACK(senderSSRC: nack.senderSSRC, mediaSSRC: nack.mediaSSRC,
                                                  lostSequenceNumbers: nack.lostSequenceNumbers)
                    #expect(Set(rebuilt.lostSequenceNumbers) == Set(nack.lostSequenceNumbers))
                }
                for case .transportWideFeedback(let fb) in packets { _ = fb.arrivalTimesMicroseconds }
                for case .receiverEstimatedMaximumBitrate(let r) in packets { _ = r.bitrate }
            }
            #expect(parsed > Fuzz.iterations / 20, "too few inputs parsed (\(parsed))")
        }
    }
}
