import MediaWire
import Testing
import TestSupport
@testable import SFU

/// The viewer side of transport-wide CC: what was sent, what the viewer's feedback says of it,
/// and the bandwidth estimate that follows (given what was sent and how it arrived, when the
/// feedback comes, then the estimate).
@Suite("SFU transport-wide CC: send history and bandwidth estimate")
struct TransportBandwidthEstimatorTests {
    typealias Result = TransportBandwidthEstimator.PacketResult

    /// Given a flow of `bytes`-byte packets every `spacing` µs for `duration` µs, arriving
    /// after `delay(send time)` (nil: lost), when feedback comes every 100 ms, then the
    /// estimator's state after the last one.
    static func run(_ estimator: inout TransportBandwidthEstimator, from start: Int64 = 0, duration: Int64, bytes: Int = 1250,
                    spacing: Int64 = 10_000, delay: (Int64, Int) -> Int64?) -> [UInt64?] {
        var estimates: [UInt64?] = []
        var batch: [Result] = []
        var index = 0
        var send = start
        while send < start + duration {
            batch.append(Result(sendMicros: send, bytes: bytes, arrivalMicros: delay(send, index).map { send + $0 }))
            index += 1
            send += spacing
            if (send - start) % 100_000 == 0 {
                estimates.append(estimator.update(batch, nowMicros: send + 20_000))
                batch.removeAll()
            }
        }
        return estimates
    }

    @Test func noEstimateWhileThePathShowsNoCongestion() {
        var estimator = TransportBandwidthEstimator()
        // given 1 Mbit/s (1250 bytes every 10 ms), 20 ms one-way, nothing lost
        let estimates = Self.run(&estimator, duration: 2_000_000) { _, _ in 20_000 }
        // then the acknowledged rate is measured, but there is nothing to cap: what is sent is
        // the publisher's layers, not what the path could take
        #expect(estimates.allSatisfy { $0 == nil })
        #expect(estimator.ackedBitrate == 1_000_000 && estimator.lossFraction == 0 && !estimator.overusing)
    }

    @Test func aGrowingDelayCutsTheEstimateTo85PercentOfWhatWasAcknowledgedThenItRises() {
        var estimator = TransportBandwidthEstimator()
        _ = Self.run(&estimator, duration: 1_000_000) { _, _ in 20_000 }
        // when a queue builds: every packet 2 ms later than the one before (20 % of the time)
        let estimates = Self.run(&estimator, from: 1_000_000, duration: 500_000) { send, _ in 20_000 + (send - 1_000_000) / 5 }
        #expect(estimator.overusing)
        // then 0.85 × the acknowledged rate (which itself falls as the queue stretches arrivals)
        #expect(estimates.last! == UInt64((0.85 * Double(estimator.ackedBitrate)).rounded()))
        let cut = estimator.estimate!
        #expect(cut < 1_000_000)
        // when the queue stays as it is (no more growth) for 2 s: the estimate rises, 8 % a second at most
        let after = Self.run(&estimator, from: 1_500_000, duration: 2_000_000) { _, _ in 120_000 }
        #expect(!estimator.overusing)
        let final = after.last!!
        #expect(final > cut && Double(final) <= Double(max(cut, estimator.ackedBitrate)) * 1.08 * 1.08 + 1, "\(after)")
    }

    @Test func jitterWithoutATrendIsNoOveruse() {
        var estimator = TransportBandwidthEstimator()
        var rng = SplitMix64(seed: 5)
        // a first cut, so there is an estimate to watch
        _ = Self.run(&estimator, duration: 1_000_000) { _, i in i % 5 == 0 ? nil : 20_000 }
        let cut = estimator.estimate!
        // then 2 s of delay varying by up to 6 ms at random, nothing lost
        _ = Self.run(&estimator, from: 1_000_000, duration: 2_000_000) { _, _ in 20_000 + Int64(rng.next() % 6000) }
        #expect(!estimator.overusing)
        #expect(estimator.estimate! > cut)
    }

    @Test func heavyLossLowersTheEstimateAndLightLossHoldsIt() {
        var estimator = TransportBandwidthEstimator()
        // when one packet in 5 is lost (20 %): acknowledged × (1 − 0.2 / 2)
        _ = Self.run(&estimator, duration: 1_000_000) { _, i in i % 5 == 0 ? nil : 20_000 }
        #expect(abs(estimator.lossFraction - 0.2) < 0.001)
        #expect(estimator.ackedBitrate == 79 * 10_000 * 1_000_000 / 980_000)  // 80 arrived from 30 ms to 1010 ms; the first opens the window
        #expect(estimator.estimate == UInt64((Double(estimator.ackedBitrate) * 0.9).rounded()))
        // when one in 20 is lost (5 %): once the window is down to 10 % or less, the estimate holds
        let lossy = Self.run(&estimator, from: 1_000_000, duration: 1_000_000) { _, i in i % 20 == 0 ? nil : 20_000 }
        #expect(Set(lossy.suffix(4)).count == 1, "\(lossy)")
        #expect(abs(estimator.lossFraction - 0.05) < 0.001)
    }

    @Test func sendHistoryNumbersPacketsAndReportsEachOnce() throws {
        var history = TransportSendHistory(extensionId: 5, firstSequence: 65534, capacity: 8)
        for n in 0..<4 { history.sent(bytes: 100 + n, atMicros: Int64(n) * 1000) }
        #expect(history.nextSequence == 2)
        #expect(history.packet(65535) == .init(sequence: 65535, sendMicros: 1000, bytes: 101))
        // feedback: 65534 received, 65535 lost, 0 received, 1 received
        let feedback = RTCPTransportWideFeedback(senderSSRC: 1, mediaSSRC: 2, baseSequenceNumber: 65534, feedbackPacketCount: 0,
                                                 arrivalTimesMicroseconds: [64_000, nil, 66_000, 67_000])
        #expect(history.results(of: feedback) == [
            Result(sendMicros: 0, bytes: 100, arrivalMicros: 64_000), Result(sendMicros: 1000, bytes: 101, arrivalMicros: nil),
            Result(sendMicros: 2000, bytes: 102, arrivalMicros: 66_000), Result(sendMicros: 3000, bytes: 103, arrivalMicros: 67_000),
        ])
        // the same feedback again (a re-report) adds nothing; the lost one arriving after all counts once
        #expect(history.results(of: feedback).isEmpty)
        let late = RTCPTransportWideFeedback(senderSSRC: 1, mediaSSRC: 2, baseSequenceNumber: 65535, feedbackPacketCount: 1,
                                             arrivalTimesMicroseconds: [70_000, 66_000])
        #expect(history.results(of: late) == [Result(sendMicros: 1000, bytes: 101, arrivalMicros: 70_000)])
        // eight later packets push the first ones out of the ring
        for n in 4..<12 { history.sent(bytes: 1, atMicros: Int64(n) * 1000) }
        #expect(history.packet(1) == nil && history.packet(2) != nil)
    }
}
