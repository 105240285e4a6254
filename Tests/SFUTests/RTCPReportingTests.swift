import MediaCrypto
import MediaWire
import NIOCore
import Testing
@testable import SFU

/// Reception statistics (RFC 3550 A.1, A.3, A.8), the RTP ↔ wall-clock mapping of sender
/// reports, the bandwidth estimate, and the reports the router sends through real SRTCP.
@Suite("SFU RTCP: sender reports, receiver reports, REMB")
struct RTCPReportingTests {
    @Test func lossAndWrapAroundAreCounted() {
        var stats = ReceiveStatistics(clockRate: 90000)
        for sequence: UInt16 in [65533, 65534, 65535, 0, 2] {  // 1 is lost, across the wrap
            stats.record(sequence: sequence, timestamp: 0, arrivalMillis: 0, bytes: 100)
        }
        #expect(stats.extendedHighestSequence == 0x1_0002)
        #expect(stats.expected == 6 && stats.received == 5 && stats.cumulativeLost == 1)
        #expect(stats.bytesSinceReport == 500)
        let first = stats.reportBlock(ssrc: 9, nowMillis: 0)
        #expect(first.ssrc == 9 && first.fractionLost == 42 && first.cumulativeLost == 1)  // 1/6 × 256
        #expect(first.extendedHighestSequenceNumber == 0x1_0002 && first.lastSenderReport == 0 && first.delaySinceLastSenderReport == 0)
        // the lost packet comes late (a retransmission): the next interval has no new loss
        stats.record(sequence: 1, timestamp: 0, arrivalMillis: 0, bytes: 100)
        stats.record(sequence: 3, timestamp: 0, arrivalMillis: 0, bytes: 100)
        let second = stats.reportBlock(ssrc: 9, nowMillis: 0)
        #expect(second.fractionLost == 0 && second.cumulativeLost == 0 && second.extendedHighestSequenceNumber == 0x1_0003)
        // a duplicate and an old packet do not move the highest sequence
        stats.record(sequence: 3, timestamp: 0, arrivalMillis: 0, bytes: 100)
        stats.record(sequence: 65000, timestamp: 0, arrivalMillis: 0, bytes: 100)
        #expect(stats.extendedHighestSequence == 0x1_0003)
    }

    @Test func aSourceThatRestartsItsSequenceIsFollowed() {
        var stats = ReceiveStatistics(clockRate: 48000)
        stats.record(sequence: 100, timestamp: 0, arrivalMillis: 0, bytes: 10)
        stats.record(sequence: 101, timestamp: 0, arrivalMillis: 0, bytes: 10)
        stats.record(sequence: 30000, timestamp: 0, arrivalMillis: 0, bytes: 10)  // a jump: not believed yet
        #expect(stats.extendedHighestSequence == 101)
        stats.record(sequence: 30001, timestamp: 0, arrivalMillis: 0, bytes: 10)  // … it continues: a restart
        #expect(stats.extendedHighestSequence == 30001 && stats.cumulativeLost == 0)
    }

    @Test func jitterFollowsRFC3550() {
        var stats = ReceiveStatistics(clockRate: 90000)
        // one frame every 33 ms, 3000 ticks apart, arriving on time: no jitter, whatever the burst
        for frame in 0..<10 {
            for packet in 0..<3 {
                stats.record(sequence: UInt16(frame * 3 + packet), timestamp: UInt32(frame * 3000), arrivalMillis: Int64(frame * 33 + packet),
                             bytes: 1000)
            }
        }
        #expect(stats.jitter < 30, "packets of one frame do not count as jitter: \(stats.jitter)")
        let before = stats.jitter
        // the next frame is 10 ms late: J += (|D| − J)/16, D = (340 − 297) ms × 90 − 3000 ticks = 870
        stats.record(sequence: 30, timestamp: 30000, arrivalMillis: 330 + 10, bytes: 1000)
        #expect(abs(stats.jitter - (before + (870 - before) / 16)) < 0.001)
    }

    @Test func lastSenderReportAndItsDelay() {
        var stats = ReceiveStatistics(clockRate: 90000)
        stats.record(sequence: 1, timestamp: 0, arrivalMillis: 0, bytes: 100)
        stats.senderReport(RTCPSenderReport(ssrc: 1, ntpTimestamp: 0x0000_1234_5678_0000, rtpTimestamp: 0, packetCount: 1, octetCount: 1),
                           arrivalMillis: 1000)
        let block = stats.reportBlock(ssrc: 1, nowMillis: 1500)
        #expect(block.lastSenderReport == 0x1234_5678)
        #expect(block.delaySinceLastSenderReport == 32768)  // 0.5 s in 1/65536 s
    }

    @Test func senderReportTimestampsMapThePublishersClock() {
        var stream = MediaSession.Outbound(ssrc: 0xABC, payloadType: 100, clockRate: 90000)
        stream.timestampOffset = 100
        stream.sent.sent(timestamp: 500, payloadBytes: 10, nowMillis: 5000)
        let ntp0 = NTPTime.fromUnix(nanoseconds: 1_795_000_000_000_000_000)
        let report = ReceiveStatistics.SenderReport(ntp: ntp0, rtpTimestamp: 1000, arrivalMillis: 5000)
        // one second after the publisher's report: one second of ticks later, plus the viewer's offset
        #expect(MediaRouter.rtpTimestamp(at: 6000, of: stream, sourceReport: report, newestReport: nil) == 1000 + 90000 + 100)
        // the publisher's clock is read from its newest report of any stream (here the audio's, which
        // came 20 ms "late"): video maps through that same clock
        let audioNTP = NTPTime.fromUnix(nanoseconds: 1_795_000_000_500_000_000)
        #expect(MediaRouter.rtpTimestamp(at: 6000, of: stream, sourceReport: report, newestReport: (audioNTP, 5520))
                == 1000 + 90000 * 98 / 100 + 100)
        // timestamps wrap
        let late = ReceiveStatistics.SenderReport(ntp: ntp0, rtpTimestamp: UInt32.max - 10, arrivalMillis: 5000)
        #expect(MediaRouter.rtpTimestamp(at: 5001, of: stream, sourceReport: late, newestReport: nil) == 79 + 100)
        // no report from the publisher: the newest packet sent, extrapolated at the clock rate
        #expect(MediaRouter.rtpTimestamp(at: 5500, of: stream, sourceReport: nil, newestReport: nil) == 500 + 45000)
    }

    @Test func bandwidthEstimateHasHeadroomAFloorAndACeiling() {
        let floor: UInt64 = 2_500_000, ceiling: UInt64 = 10_000_000
        #expect(MediaRouter.estimatedBitrate(receivedBytes: 125_000, overMillis: 1000, floor: floor, ceiling: ceiling) == floor)  // 1 Mbit/s
        #expect(MediaRouter.estimatedBitrate(receivedBytes: 500_000, overMillis: 1000, floor: floor, ceiling: ceiling) == 6_000_000)
        #expect(MediaRouter.estimatedBitrate(receivedBytes: 500_000, overMillis: 2000, floor: floor, ceiling: ceiling) == 3_000_000)
        #expect(MediaRouter.estimatedBitrate(receivedBytes: 2_000_000, overMillis: 1000, floor: floor, ceiling: ceiling) == ceiling)
        #expect(MediaRouter.estimatedBitrate(receivedBytes: 0, overMillis: 0, floor: floor, ceiling: ceiling) == floor)
    }

    // MARK: through the router, with real SRTP/SRTCP

    static let profile = SRTPProfile.aes128CmHmacSha1_80
    static func key(_ n: UInt8) -> ([UInt8], [UInt8]) { ([UInt8](repeating: n, count: 16), [UInt8](repeating: n &+ 1, count: 14)) }

    static func rtp(_ sequence: UInt16, timestamp: UInt32, ssrc: UInt32, payloadType: UInt8, payload: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [0x80, payloadType, UInt8(sequence >> 8), UInt8(sequence & 0xff)]
        for value in [timestamp, ssrc] { bytes += [UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)] }
        return bytes + payload
    }

    /// With the REMB, browsers turn their upper simulcast layers on early, and drop them again
    /// under CPU pressure: a forwarded layer that goes silent is replaced (on the timer), with a
    /// keyframe request, and the viewer switches on that keyframe.
    @Test func aForwardedLayerThatGoesSilentIsReplaced() throws {
        let (router, publisher, viewer, pubAddress, viewAddress) = try MediaForwardingTests.videoPair()
        let (k1, s1) = Self.key(1), (k2, s2) = Self.key(2)
        publisher.srtpIn = try SRTPSession(profile: Self.profile, key: k1, salt: s1, direction: .inbound)
        publisher.srtpOut = try SRTPSession(profile: Self.profile, key: k1, salt: s1, direction: .outbound)
        viewer.srtpOut = try SRTPSession(profile: Self.profile, key: k2, salt: s2, direction: .outbound)
        viewer.srtpIn = try SRTPSession(profile: Self.profile, key: k2, salt: s2, direction: .inbound)
        let publisherSends = try SRTPSession(profile: Self.profile, key: k1, salt: s1, direction: .outbound)
        // VP8 payloads: a keyframe start (S=1, partition 0, P=0) and an inter frame (P=1)
        func send(_ sequence: UInt16, ssrc: UInt32, at now: Int64, keyframe: Bool = false) throws -> [MediaRouter.Datagram] {
            var packet = Self.rtp(sequence, timestamp: 0, ssrc: ssrc, payloadType: 96, payload: [0x10, keyframe ? 0x00 : 0x01, 3])
            try publisherSends.protect(rtp: &packet)
            return router.receive(packet, from: pubAddress, now: now)
        }
        #expect(Set(try send(1, ssrc: 0xA, at: 0).map(\.to)) == [viewAddress, pubAddress], "the first layer starts, with a keyframe request")
        #expect(try send(2, ssrc: 0xA, at: 100).map(\.to) == [viewAddress])
        #expect(try send(1, ssrc: 0xB, at: 500).isEmpty, "another layer is not forwarded while the first one flows")
        #expect(router.tick(now: 1000).isEmpty)
        let replaced = router.tick(now: 1200)  // 0xA silent for 1.1 s
        #expect(replaced.map(\.to) == [pubAddress], "a keyframe asked of the other layer: \(replaced)")
        #expect(viewer.layers.pending == 0xB)
        #expect(try send(2, ssrc: 0xB, at: 1250).isEmpty, "not a keyframe: nothing the viewer could decode")
        #expect(try send(3, ssrc: 0xB, at: 1300, keyframe: true).map(\.to) == [viewAddress])
        #expect(viewer.outbound[.video]?.sourceSSRC == 0xB && viewer.layers.pending == nil)
        #expect(try send(3, ssrc: 0xA, at: 1400).isEmpty)
        #expect(router.counters.layerSwitches == ["down": 1])
    }

    @Test func theRouterSendsSenderReportsToViewersAndReceiverReportsWithREMBToPublishers() throws {
        let vp8 = MediaForwardingTests.vp8, opus = WebRTCCodecDescription(name: "opus", clockRate: 48000, channels: 2)
        let (router, publisher, viewer, pubAddress, viewAddress) = try MediaForwardingTests.videoPair(
            config: MediaConfig(reportIntervalMillis: 1000),
            publisherTracks: [NegotiatedTrack(kind: .video, mid: "0", payloadType: 96, codec: vp8),
                              NegotiatedTrack(kind: .audio, mid: "1", payloadType: 111, codec: opus)],
            viewerTracks: [NegotiatedTrack(kind: .video, mid: "0", payloadType: 100, codec: vp8),
                           NegotiatedTrack(kind: .audio, mid: "1", payloadType: 109, codec: opus)],
            viewerSSRCs: [.video: 0xABC, .audio: 0xDEF])
        let ends = try MediaForwardingTests.keySRTP(publisher, viewer)
        let (publisherSends, publisherReceives, viewerReceives) = (ends.publisherSends, ends.publisherReceives, ends.viewerReceives)

        // nothing sent yet: nothing to report
        #expect(router.reports(now: 900, ntpNow: 1).isEmpty)

        // the publisher sends video 1000…1009 (1005 lost on the way) and audio 7…9
        var payloadBytes = 0
        for sequence in UInt16(1000)...1009 where sequence != 1005 {
            let payload = Array("frame \(sequence)".utf8)
            payloadBytes += payload.count
            var packet = Self.rtp(sequence, timestamp: 90_000 + UInt32(sequence - 1000) / 2 * 3000, ssrc: 0x5555_0001, payloadType: 96,
                                  payload: payload)
            try publisherSends.protect(rtp: &packet)
            #expect(router.receive(packet, from: pubAddress, now: 1000 + Int64(sequence - 1000) * 16).filter { $0.to == viewAddress }.count == 1)
        }
        for sequence in UInt16(7)...9 {
            var packet = Self.rtp(sequence, timestamp: 48_000 + UInt32(sequence) * 960, ssrc: 0x5555_0002, payloadType: 111, payload: [1, 2, 3])
            try publisherSends.protect(rtp: &packet)
            #expect(router.receive(packet, from: pubAddress, now: 1100).count == 1)
        }
        // the publisher's sender report for its video: NTP T0 ↔ RTP 90 000, arriving at 1200 ms
        let t0 = NTPTime.fromUnix(nanoseconds: 1_795_000_000_000_000_000)
        var sr = try RTCPPacket.serializeCompound([.senderReport(RTCPSenderReport(ssrc: 0x5555_0001, ntpTimestamp: t0, rtpTimestamp: 90_000,
                                                                                  packetCount: 10, octetCount: 999))])
        try publisherSends.protect(rtcp: &sr)
        #expect(router.receive(sr, from: pubAddress, now: 1200).isEmpty)

        let ourNTP = NTPTime.fromUnix(nanoseconds: 1_795_000_100_000_000_000)
        let datagrams = router.reports(now: 1700, ntpNow: ourNTP)
        try #require(datagrams.count == 2, "\(router.counters)")
        let toViewer = try #require(datagrams.first { $0.to == viewAddress }), toPublisher = try #require(datagrams.first { $0.to == pubAddress })

        var viewerRTCP = toViewer.bytes
        try viewerReceives.unprotect(rtcp: &viewerRTCP)
        let reports = try RTCPPacket.parseCompound(viewerRTCP)
        #expect(reports == [
            .senderReport(RTCPSenderReport(ssrc: 0xABC, ntpTimestamp: ourNTP, rtpTimestamp: 90_000 + 45_000, packetCount: 9,
                                           octetCount: UInt32(payloadBytes))),
            // no report from the publisher for audio: its newest packet (sent at 1100 ms) extrapolated by 600 ms
            .senderReport(RTCPSenderReport(ssrc: 0xDEF, ntpTimestamp: ourNTP, rtpTimestamp: 48_000 + 9 * 960 + 28_800, packetCount: 3,
                                           octetCount: 9)),
        ])

        var publisherRTCP = toPublisher.bytes
        try publisherReceives.unprotect(rtcp: &publisherRTCP)
        let feedback = try RTCPPacket.parseCompound(publisherRTCP)
        try #require(feedback.count == 2, "\(feedback)")
        guard case .receiverReport(let rr) = feedback[0], case .receiverEstimatedMaximumBitrate(let remb) = feedback[1] else {
            Issue.record("expected RR + REMB: \(feedback)"); return
        }
        #expect(rr.ssrc == MediaRouter.serverSSRC && rr.reports.map(\.ssrc) == [0x5555_0001, 0x5555_0002])
        let video = rr.reports[0], audio = rr.reports[1]
        #expect(video.extendedHighestSequenceNumber == 1009 && video.cumulativeLost == 1 && video.fractionLost == 25)  // 1/10 × 256
        #expect(video.lastSenderReport == NTPTime.middle32(t0) && video.delaySinceLastSenderReport == 32768)  // 500 ms later
        #expect(audio.extendedHighestSequenceNumber == 9 && audio.cumulativeLost == 0 && audio.lastSenderReport == 0)
        #expect(remb.bitrate == 2_500_000 && remb.ssrcs == [0x5555_0001, 0x5555_0002], "a quiet publisher is told the floor")
        #expect(router.counters.rtcpSent == ["sender_report": 2, "receiver_report": 1, "remb": 1])

        // not due again until a second has passed
        #expect(router.reports(now: 2600, ntpNow: ourNTP).isEmpty)
        #expect(router.reports(now: 2700, ntpNow: ourNTP).count == 2)
    }
}
