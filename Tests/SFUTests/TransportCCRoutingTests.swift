import MediaCrypto
import MediaWire
import NIOCore
import Testing
@testable import SFU

/// Transport-wide CC through the router with real SRTP: feedback to a publisher that numbers
/// its packets, and a viewer's own numbering and feedback.
@Suite("SFU router: transport-wide congestion control")
struct TransportCCRoutingTests {
    typealias F = MediaForwardingTests

    /// An RTP packet with a one-byte header extension (RFC 8285 §4.2) carrying transport-wide
    /// sequence number `transport` under id `id`.
    static func rtp(_ sequence: UInt16, transport: UInt16, id: UInt8, ssrc: UInt32 = 0x5555_0001, payload: [UInt8]) -> [UInt8] {
        [0x90, 96, UInt8(sequence >> 8), UInt8(sequence & 0xff), 0, 1, 0, 0,
         UInt8(ssrc >> 24), UInt8((ssrc >> 16) & 0xff), UInt8((ssrc >> 8) & 0xff), UInt8(ssrc & 0xff),
         0xBE, 0xDE, 0x00, 0x01, id << 4 | 1, UInt8(transport >> 8), UInt8(transport & 0xff), 0x00] + payload
    }

    @Test func aPublisherThatNumbersItsPacketsGetsTransportWideFeedback() throws {
        let (router, publisher, viewer, pubAddress, _) = try F.videoPair(
            publisherTracks: [NegotiatedTrack(kind: .video, mid: "0", payloadType: 96, codec: F.vp8, transportCCExtensionId: 3)])
        let ends = try F.keySRTP(publisher, viewer)
        // transport-wide 65530…65539 across the wrap, 65537 lost, arriving 2 ms apart from 1 s
        var arrivals: [Int64?] = []
        for n in 0..<10 {
            let transport = UInt16(truncatingIfNeeded: 65530 + n)
            guard n != 7 else { arrivals.append(nil); continue }
            var packet = Self.rtp(UInt16(100 + n), transport: transport, id: 3, payload: Array("frame \(n)".utf8))
            try ends.publisherSends.protect(rtp: &packet)
            let micros = 1_000_000 + Int64(n) * 2000 + 37
            _ = router.receive(packet, from: pubAddress, now: micros / 1000, arrivalMicros: micros)
            arrivals.append(micros)
        }
        let out = router.transportFeedback(nowMicros: 1_050_000)
        try #require(out.count == 1)
        #expect(out[0].to == pubAddress)
        var plain = out[0].bytes
        try ends.publisherReceives.unprotect(rtcp: &plain)
        let packets = try RTCPPacket.parseCompound(plain)
        try #require(packets.count == 2)
        #expect(packets[0] == .receiverReport(RTCPReceiverReport(ssrc: MediaRouter.serverSSRC, reports: [])))
        guard case .transportWideFeedback(let feedback) = packets[1] else { Issue.record("\(packets[1])"); return }
        #expect(feedback.senderSSRC == MediaRouter.serverSSRC && feedback.mediaSSRC == 0x5555_0001)
        #expect(feedback.baseSequenceNumber == 65530 && feedback.feedbackPacketCount == 0)
        // every arrival to the nearest 250 µs tick, the lost one not received
        #expect(feedback.arrivalTimesMicroseconds == arrivals.map { $0.map { ($0 + 125) / 250 * 250 } })
        #expect(router.counters.rtcpSent["transport_feedback"] == 1)
        // nothing new: nothing sent; the next packet is reported from where the last feedback ended
        #expect(router.transportFeedback(nowMicros: 1_200_000).isEmpty)
        var next = Self.rtp(110, transport: 4, id: 3, payload: [1, 2, 3])
        try ends.publisherSends.protect(rtp: &next)
        _ = router.receive(next, from: pubAddress, now: 1_300, arrivalMicros: 1_300_000)
        var second = try #require(router.transportFeedback(nowMicros: 1_300_000).first).bytes
        try ends.publisherReceives.unprotect(rtcp: &second)
        guard case .transportWideFeedback(let later)? = try RTCPPacket.parseCompound(second).last else { Issue.record("no feedback"); return }
        #expect(later.baseSequenceNumber == 4 && later.feedbackPacketCount == 1 && later.arrivalTimesMicroseconds == [1_300_000])
        // the usual receiver reports and REMB go on as before
        let reports = router.reports(now: 2000, ntpNow: 0).filter { $0.to == pubAddress }
        #expect(reports.count == 1 && router.counters.rtcpSent["remb"] == 1 && router.counters.rtcpSent["receiver_report"] == 1)
    }

    @Test func aPublisherWithoutTransportCCGetsNoTransportFeedback() throws {
        let (router, publisher, viewer, pubAddress, _) = try F.videoPair()
        let ends = try F.keySRTP(publisher, viewer)
        var packet = Self.rtp(1, transport: 1, id: 3, payload: [1])
        try ends.publisherSends.protect(rtp: &packet)
        _ = router.receive(packet, from: pubAddress, now: 1)
        #expect(router.transportFeedback(nowMicros: 1_000_000).isEmpty && publisher.transportFeedback == nil)
    }

    @Test func aViewerThatNegotiatedItGetsConsecutiveTransportNumbersAndItsFeedbackMakesAnEstimate() throws {
        let (router, publisher, viewer, pubAddress, viewAddress) = try F.videoPair(
            viewerTracks: [NegotiatedTrack(kind: .video, mid: "0", payloadType: 100, codec: F.vp8, transportCCExtensionId: 5)])
        let ends = try F.keySRTP(publisher, viewer)
        var received: [RTPPacket] = []
        var sendTimes: [Int64] = []
        var sizes: [Int] = []
        // 40 packets of ~1 kB, one every 25 ms (about 330 kbit/s)
        for n in 0..<40 {
            var packet = F.rtp(UInt16(n), payload: [0x90, 0x80, UInt8(n), 0x00] + Array(repeating: UInt8(n), count: 1000))
            try ends.publisherSends.protect(rtp: &packet)
            let micros = Int64(n) * 25_000
            for datagram in router.receive(packet, from: pubAddress, now: micros / 1000, arrivalMicros: micros) where datagram.to == viewAddress {
                var plain = datagram.bytes
                try ends.viewerReceives.unprotect(rtp: &plain)
                received.append(try RTPPacket(parsing: plain))
                sendTimes.append(micros)
                sizes.append(datagram.bytes.count)
            }
        }
        try #require(received.count == 40)
        let numbers = try received.map { packet -> UInt16 in
            let value = try #require(packet.extensionValue(id: 5))
            #expect(value.count == 2 && packet.extensionProfile == 0xBEDE)
            return UInt16(value[value.startIndex]) << 8 | UInt16(value[value.startIndex + 1])
        }
        #expect(zip(numbers, numbers.dropFirst()).allSatisfy { $1 == $0 &+ 1 }, "one counter, no gaps: \(numbers)")
        #expect(received.enumerated().allSatisfy { $1.payload.suffix(1000) == ArraySlice(repeating: UInt8($0), count: 1000) },
                "the payload unchanged behind the extension")
        // the viewer's feedback: everything arrived 30 ms after it was sent: acknowledged, and no
        // congestion, so no estimate to cap the viewer's layer
        let feedback = RTCPTransportWideFeedback(senderSSRC: 0x77, mediaSSRC: 0xABC, baseSequenceNumber: numbers[0], feedbackPacketCount: 0,
                                                 arrivalTimesMicroseconds: sendTimes.map { $0 + 30_000 })
        var rtcp = try RTCPPacket.serializeCompound([.transportWideFeedback(feedback)])
        try ends.viewerSends.protect(rtcp: &rtcp)
        _ = router.receive(rtcp, from: viewAddress, now: 1000, arrivalMicros: 1_000_000)
        // the packets' bytes as sent (the first one's arrived before the window opens) over 975 ms
        let expectedAcked = UInt64(sizes.dropFirst().reduce(0, +)) * 8_000_000 / 975_000
        #expect(viewer.bandwidth.ackedBitrate == expectedAcked && viewer.bandwidth.estimate == nil)
        #expect(router.counters.transportFeedbackReceived == 1)

        // a retransmission is a new packet on the transport: it takes the next number
        var nack = try RTCPPacket.serializeCompound([.genericNACK(RTCPGenericNACK(senderSSRC: 0x77, mediaSSRC: 0xABC,
                                                                                   lostSequenceNumbers: [received[3].sequenceNumber]))])
        try ends.viewerSends.protect(rtcp: &nack)
        let answer = router.receive(nack, from: viewAddress, now: 1100)
        try #require(answer.count == 1)
        var plain = answer[0].bytes
        // (a fresh receiving end: to the first one, the same RTP sequence number again is a replay)
        let (key, salt) = F.key(2)
        try SRTPSession(profile: F.profile, key: key, salt: salt, direction: .inbound).unprotect(rtp: &plain)
        let resent = try RTPPacket(parsing: plain)
        #expect(resent.sequenceNumber == received[3].sequenceNumber)
        #expect(resent.extensionValue(id: 5).map(Array.init) == [UInt8((numbers.last! &+ 1) >> 8), UInt8((numbers.last! &+ 1) & 0xff)])
    }

    /// VP8 with the rid in a one-byte header extension (id 1) and `size` bytes of frame data.
    static func vp8(_ sequence: UInt16, timestamp: UInt32, ssrc: UInt32, rid: Character, keyframe: Bool, size: Int) -> [UInt8] {
        var bytes: [UInt8] = [0x90, 96, UInt8(sequence >> 8), UInt8(sequence & 0xff)]
        for value in [timestamp, ssrc] { bytes += [UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)] }
        bytes += [0xBE, 0xDE, 0, 1, 0x10, rid.asciiValue!, 0, 0]
        bytes += [0x90, 0x80, 0x80 | UInt8(sequence >> 8 & 0x7f), UInt8(sequence & 0xff), keyframe ? 0x00 : 0x01]
        return bytes + Array(repeating: 0xAB, count: size)
    }

    @Test func aViewerWhoseFeedbackShowsAGrowingDelayMovesDownALayer() throws {
        let (f, q): (UInt32, UInt32) = (0xF0F0, 0x1010)
        let (router, publisher, viewer, pubAddress, viewAddress) = try F.videoPair(
            publisherTracks: [NegotiatedTrack(kind: .video, mid: "0", payloadType: 96, codec: F.vp8, rids: ["f", "q"], ridExtensionId: 1)],
            viewerTracks: [NegotiatedTrack(kind: .video, mid: "0", payloadType: 100, codec: F.vp8, transportCCExtensionId: 5)])
        let ends = try F.keySRTP(publisher, viewer)
        var sent: [(number: UInt16, micros: Int64)] = []
        var keyframeRequests: [UInt32] = []
        func deliver(_ datagrams: [MediaRouter.Datagram], at micros: Int64) throws {
            for datagram in datagrams {
                var bytes = datagram.bytes
                if datagram.to == viewAddress {
                    try ends.viewerReceives.unprotect(rtp: &bytes)
                    let value = try #require(try RTPPacket(parsing: bytes).extensionValue(id: 5))
                    sent.append((UInt16(value[value.startIndex]) << 8 | UInt16(value[value.startIndex + 1]), micros))
                } else {
                    try ends.publisherReceives.unprotect(rtcp: &bytes)
                    for case .pictureLossIndication(let pli) in try RTCPPacket.parseCompound(bytes) { keyframeRequests.append(pli.mediaSSRC) }
                }
            }
        }
        // f: 1000-byte frames (≈ 250 kbit/s at 30 fps), q: 100-byte ones, keyframes at the start
        var sequence: UInt16 = 0
        func frames(from: Int64, to: Int64) throws {
            for now in stride(from: from, to: to, by: 33) {
                for (ssrc, rid, size) in [(f, Character("f"), 1000), (q, Character("q"), 100)] {
                    var packet = Self.vp8(sequence, timestamp: UInt32(now * 90), ssrc: ssrc, rid: rid, keyframe: now == 0, size: size)
                    try ends.publisherSends.protect(rtp: &packet)
                    try deliver(router.receive(packet, from: pubAddress, now: now, arrivalMicros: now * 1000), at: now * 1000)
                }
                sequence &+= 1
                try deliver(router.tick(now: now + 1), at: now * 1000)
            }
        }
        /// The viewer's feedback on everything sent since its last one, each packet arriving
        /// `delay(i)` after it was sent (i counts the packets sent so far).
        var reported = 0
        func feedback(at now: Int64, delay: (Int) -> Int64) throws {
            let batch = sent[reported...]
            let packet = RTCPTransportWideFeedback(senderSSRC: 0x77, mediaSSRC: 0xABC, baseSequenceNumber: batch.first!.number,
                                                   feedbackPacketCount: UInt8(truncatingIfNeeded: reported),
                                                   arrivalTimesMicroseconds: batch.indices.map { batch[$0].micros + delay($0) })
            #expect(zip(batch, batch.dropFirst()).allSatisfy { $1.number == $0.number &+ 1 })
            reported = sent.count
            var rtcp = try RTCPPacket.serializeCompound([.transportWideFeedback(packet)])
            try ends.viewerSends.protect(rtcp: &rtcp)
            try deliver(router.receive(rtcp, from: viewAddress, now: now, arrivalMicros: now * 1000), at: now * 1000)
        }

        // the viewer starts on f; two seconds of steady feedback (20 ms on the way): it stays there
        try frames(from: 0, to: 1000)
        try feedback(at: 1000) { _ in 20_000 }
        try frames(from: 1000, to: 2000)
        try feedback(at: 2000) { _ in 20_000 }
        #expect(viewer.outbound[.video]?.sourceSSRC == f && viewer.layers.pending == nil && viewer.bandwidth.estimate == nil)
        #expect(keyframeRequests == [f])
        // then a queue builds: each packet 3 ms later on the way than the one before
        try frames(from: 2000, to: 3000)
        let start = reported
        try feedback(at: 3000) { 20_000 + Int64($0 - start) * 3000 }
        #expect(viewer.bandwidth.overusing)
        let estimate = try #require(viewer.bandwidth.estimate)
        #expect(estimate == UInt64((0.85 * Double(viewer.bandwidth.ackedBitrate)).rounded()))
        // under f's bitrate: down to q at once, its keyframe asked for
        #expect(viewer.layers.pending == q && keyframeRequests.last == q, "estimate \(estimate), layers \(router.layerList(of: publisher, now: 3000))")
    }

    @Test func audioAndVideoToAViewerShareOneTransportWideCounter() throws {
        let opus = WebRTCCodecDescription(name: "opus", clockRate: 48000, channels: 2)
        let (router, publisher, viewer, pubAddress, viewAddress) = try F.videoPair(
            publisherTracks: [NegotiatedTrack(kind: .video, mid: "0", payloadType: 96, codec: F.vp8),
                              NegotiatedTrack(kind: .audio, mid: "1", payloadType: 111, codec: opus)],
            viewerTracks: [NegotiatedTrack(kind: .video, mid: "0", payloadType: 100, codec: F.vp8, transportCCExtensionId: 5),
                           NegotiatedTrack(kind: .audio, mid: "1", payloadType: 109, codec: opus, transportCCExtensionId: 5)],
            viewerSSRCs: [.video: 0xABC, .audio: 0xA0D])
        let ends = try F.keySRTP(publisher, viewer)
        var got: [(ssrc: UInt32, number: UInt16)] = []
        for n in 0..<20 {
            let audio = n % 3 == 1
            var packet = audio
                ? [0x80, 111, 0, UInt8(n), 0, 0, 0, UInt8(n), 0x0A, 0x0D, 0x0A, 0x0D, 0xF8, 0xFF, 0xFE]
                : F.rtp(UInt16(n), payload: [0x90, 0x80, UInt8(n), 0x00, 1, 2, 3])
            try ends.publisherSends.protect(rtp: &packet)
            for datagram in router.receive(packet, from: pubAddress, now: Int64(n)) where datagram.to == viewAddress {
                var plain = datagram.bytes
                try ends.viewerReceives.unprotect(rtp: &plain)
                let packet = try RTPPacket(parsing: plain)
                let value = try #require(packet.extensionValue(id: 5))
                got.append((packet.ssrc, UInt16(value[value.startIndex]) << 8 | UInt16(value[value.startIndex + 1])))
            }
        }
        #expect(got.count == 20 && Set(got.map(\.ssrc)) == [0xABC, 0xA0D])
        #expect(zip(got, got.dropFirst()).allSatisfy { $1.number == $0.number &+ 1 }, "one counter in sending order: \(got)")
    }
}
