import MediaWire
import Testing
import TestSupport
@testable import SFU

/// The publisher side of transport-wide CC: arrivals in, RTCP transport-wide feedback out,
/// checked byte by byte against hand-computed packets.
@Suite("SFU transport-wide feedback: recorder")
struct TransportFeedbackRecorderTests {
    static let sender: UInt32 = 0x4D51_5545

    static func bytes(_ feedback: RTCPTransportWideFeedback) throws -> [UInt8] {
        var out: [UInt8] = []
        try feedback.write(to: &out)
        return out
    }

    static func recorder(_ config: TransportFeedbackRecorder.Config = .init()) -> TransportFeedbackRecorder {
        TransportFeedbackRecorder(senderSSRC: sender, config: config)
    }

    @Test func oneLossIsReportedAsNotReceivedWithDeltasFromTheReferenceTime() throws {
        var recorder = Self.recorder()
        _ = recorder.record(sequence: 100, arrivalMicros: 1_000_000, ssrc: 42)
        _ = recorder.record(sequence: 101, arrivalMicros: 1_000_500, ssrc: 42)
        // 102 never comes
        _ = recorder.record(sequence: 103, arrivalMicros: 1_003_000, ssrc: 42)
        let feedback = recorder.feedback(nowMicros: 1_010_000)
        try #require(feedback.count == 1)
        #expect(try Self.bytes(feedback[0]) == [
            0x8F, 0xCD, 0x00, 0x06,  // V=2, FMT=15, PT=205 (RTPFB), length 6 words
            0x4D, 0x51, 0x55, 0x45,  // sender SSRC: ours
            0x00, 0x00, 0x00, 0x2A,  // media SSRC: the newest packet's
            0x00, 0x64, 0x00, 0x04,  // base sequence 100, 4 statuses
            0x00, 0x00, 0x0F, 0x00,  // reference time 15 × 64 ms = 960 ms, feedback packet count 0
            0xB4, 0x00,              // 1-bit status vector: received, received, not received, received (rest 0)
            0xA0,                    // 100: 1000 ms − 960 ms = 160 ticks of 250 µs
            0x02,                    // 101: +0.5 ms (4002.5 ticks rounds to 4002: +2)
            0x0A,                    // 103: 4012 − 4002 = 10 ticks
            0x00, 0x00, 0x00,        // zero padding to 32 bits
        ])
        // nothing more is pending, and the next feedback counts on
        #expect(recorder.feedback(nowMicros: 2_000_000).isEmpty)
        _ = recorder.record(sequence: 104, arrivalMicros: 2_000_000, ssrc: 42)
        let next = recorder.feedback(nowMicros: 2_100_000)
        #expect(next.map(\.baseSequenceNumber) == [104] && next.map(\.feedbackPacketCount) == [1])
    }

    @Test func feedbackWaitsForTheIntervalUnlessMuchIsPending() throws {
        var recorder = Self.recorder(.init(intervalMicros: 50_000, maxReceivedPerFeedback: 10))
        _ = recorder.record(sequence: 1, arrivalMicros: 0, ssrc: 1)
        #expect(recorder.feedback(nowMicros: 0).count == 1)
        _ = recorder.record(sequence: 2, arrivalMicros: 10_000, ssrc: 1)
        #expect(recorder.feedback(nowMicros: 49_999).isEmpty)
        #expect(recorder.feedback(nowMicros: 50_000).count == 1)
        var early: [Bool] = []
        for n in UInt16(3)...12 { early.append(recorder.record(sequence: n, arrivalMicros: 60_000 + Int64(n), ssrc: 1)) }
        #expect(early == Array(repeating: false, count: 9) + [true], "the 10th pending packet asks for feedback at once")
        #expect(recorder.flush(nowMicros: 60_100).map(\.packets.count) == [10])
    }

    @Test func sequenceNumbersWrapAround() throws {
        var recorder = Self.recorder()
        for (i, sequence) in [UInt16(65534), 65535, 0, 1].enumerated() {
            _ = recorder.record(sequence: sequence, arrivalMicros: 64_000 + Int64(i) * 1000, ssrc: 7)
        }
        let feedback = recorder.feedback(nowMicros: 100_000)
        try #require(feedback.count == 1)
        #expect(try Self.bytes(feedback[0]) == [
            0x8F, 0xCD, 0x00, 0x06,
            0x4D, 0x51, 0x55, 0x45,
            0x00, 0x00, 0x00, 0x07,
            0xFF, 0xFE, 0x00, 0x04,  // base 65534, 4 statuses across the wrap
            0x00, 0x00, 0x01, 0x00,  // reference time 1 (64 ms), count 0
            0xBC, 0x00,              // 1-bit vector: four received
            0x00, 0x04, 0x04, 0x04,  // 0 ticks from the reference, then 1 ms apart
            0x00, 0x00,              // padding
        ])
        _ = recorder.record(sequence: 2, arrivalMicros: 200_000, ssrc: 7)
        #expect(recorder.feedback(nowMicros: 300_000).map(\.baseSequenceNumber) == [2])
    }

    @Test func aLatePacketIsReportedAgainAndADuplicateIsNot() throws {
        var recorder = Self.recorder()
        _ = recorder.record(sequence: 1, arrivalMicros: 1_000, ssrc: 1)
        _ = recorder.record(sequence: 2, arrivalMicros: 2_000, ssrc: 1)
        _ = recorder.record(sequence: 4, arrivalMicros: 3_000, ssrc: 1)
        let first = recorder.feedback(nowMicros: 5_000)
        #expect(first.map(\.packets) == [[.smallDelta(4), .smallDelta(4), .notReceived, .smallDelta(4)]])
        _ = recorder.record(sequence: 4, arrivalMicros: 9_000, ssrc: 1)   // a duplicate: ignored
        _ = recorder.record(sequence: 3, arrivalMicros: 10_000, ssrc: 1)  // late: 3 arrived after all
        let second = recorder.feedback(nowMicros: 60_000)
        try #require(second.count == 1)
        // from 3 on again: 3 at 10 ms (40 ticks from reference 0), 4 still at 3 ms (−28: a large delta)
        #expect(second[0].baseSequenceNumber == 3 && second[0].packets == [.smallDelta(40), .largeDelta(-28)])
        #expect(second[0].arrivalTimesMicroseconds == [10_000, 3_000])
        #expect(try Self.bytes(second[0]) == [
            0x8F, 0xCD, 0x00, 0x06,
            0x4D, 0x51, 0x55, 0x45,
            0x00, 0x00, 0x00, 0x01,
            0x00, 0x03, 0x00, 0x02,  // base 3, 2 statuses
            0x00, 0x00, 0x00, 0x01,  // reference time 0, feedback packet count 1
            0xD8, 0x00,              // 2-bit status vector: small delta, large delta (rest 0)
            0x28,                    // 3: 40 ticks
            0xFF, 0xE4,              // 4: −28 ticks, signed 16 bits
            0x00, 0x00, 0x00,        // padding
        ])
        // nothing to re-report afterwards
        _ = recorder.record(sequence: 4, arrivalMicros: 70_000, ssrc: 1)
        #expect(recorder.feedback(nowMicros: 120_000).isEmpty)
    }

    @Test func aDeltaTooLargeForSixteenBitsStartsANewFeedback() throws {
        var recorder = Self.recorder()
        _ = recorder.record(sequence: 10, arrivalMicros: 1_000_000, ssrc: 1)
        _ = recorder.record(sequence: 12, arrivalMicros: 11_000_000, ssrc: 1)  // 10 s later, 11 lost
        let feedback = recorder.feedback(nowMicros: 11_000_000)
        #expect(feedback.map(\.baseSequenceNumber) == [10, 11])
        #expect(feedback.map(\.packets.count) == [1, 2])
        #expect(feedback.map(\.referenceTime) == [15, 171])  // 11 s / 64 ms = 171.875
        #expect(feedback.map(\.feedbackPacketCount) == [0, 1])
        #expect(feedback[1].arrivalTimesMicroseconds == [nil, 11_000_000])
    }

    @Test("a jump of 2048 or more (ahead, or past 2^15 and so behind) is a new start", arguments: [UInt16(5011), 40011])
    func aLargeGapStartsANewReference(far: UInt16) throws {
        var recorder = Self.recorder()
        _ = recorder.record(sequence: 10, arrivalMicros: 1_000, ssrc: 1)
        _ = recorder.record(sequence: 11, arrivalMicros: 2_000, ssrc: 1)
        _ = recorder.record(sequence: far, arrivalMicros: 70_000, ssrc: 1)
        _ = recorder.record(sequence: far &+ 1, arrivalMicros: 71_000, ssrc: 1)
        let feedback = recorder.feedback(nowMicros: 100_000)
        #expect(feedback.map(\.baseSequenceNumber) == [10, far])
        #expect(feedback.map(\.packets.count) == [2, 2], "no run of thousands of lost packets")
        #expect(feedback.map(\.referenceTime) == [0, 1])
    }

    @Test func manyPacketsAreSplitOverSeveralFeedbacks() throws {
        var recorder = Self.recorder()
        for n in 0..<450 { _ = recorder.record(sequence: UInt16(n), arrivalMicros: Int64(n) * 100, ssrc: 1) }
        let feedback = recorder.flush(nowMicros: 50_000)
        #expect(feedback.map(\.packets.count) == [200, 200, 50])
        #expect(feedback.map(\.baseSequenceNumber) == [0, 200, 400])
        for packet in feedback { #expect(try Self.bytes(packet).count < 600) }
    }

    /// Random arrivals (loss, reordering, duplicates, jitter, wraps), feedback at random times:
    /// every feedback round-trips through its bytes; every packet received is reported
    /// received, at its arrival time ± half a tick, and nothing else is.
    @Test func randomArrivalsAreReportedFaithfully() throws {
        var rng = SplitMix64(seed: 0x7477_6363)
        for round in 0..<40 {
            var recorder = Self.recorder(.init(maxReceivedPerFeedback: 1 + Int(rng.next() % 200)))
            var arrivals: [UInt16: Int64] = [:]
            var reported: [UInt16: Int64?] = [:]
            var clock: Int64 = Int64(rng.next() % 1_000_000_000)
            var next = UInt16(truncatingIfNeeded: rng.next())
            var held: [UInt16] = []
            var recent: [UInt16] = []
            func report(_ feedback: [RTCPTransportWideFeedback]) throws {
                for packet in feedback {
                    var bytes: [UInt8] = []
                    try packet.write(to: &bytes)
                    let parsed = try RTCPPacket.parseCompound(bytes)
                    #expect(parsed == [.transportWideFeedback(packet)], "round \(round)")
                    for (offset, time) in packet.arrivalTimesMicroseconds.enumerated() {
                        let sequence = packet.baseSequenceNumber &+ UInt16(offset)
                        if let time {
                            reported[sequence] = time
                        } else if reported[sequence] == nil {
                            reported[sequence] = .some(nil)
                        }
                    }
                }
            }
            for _ in 0..<3000 {
                clock += Int64(rng.next() % 3000)
                let roll = rng.next() % 100
                if roll < 5 {
                    next &+= 1  // lost
                } else if roll < 12 {
                    held.append(next); next &+= 1  // delayed: comes a little later
                } else if roll < 14, let old = recent.randomElement(using: &rng) {
                    _ = recorder.record(sequence: old, arrivalMicros: clock, ssrc: 1)  // a duplicate of a recent one
                } else {
                    arrivals[next] = clock
                    recent.append(next)
                    if recent.count > 100 { recent.removeFirst() }
                    if recorder.record(sequence: next, arrivalMicros: clock, ssrc: 1) { try report(recorder.flush(nowMicros: clock)) }
                    next &+= 1
                }
                if !held.isEmpty && rng.next() % 4 == 0 {
                    let late = held.removeFirst()
                    arrivals[late] = clock
                    if recorder.record(sequence: late, arrivalMicros: clock, ssrc: 1) { try report(recorder.flush(nowMicros: clock)) }
                }
                if rng.next() % 20 == 0 { try report(recorder.feedback(nowMicros: clock)) }
            }
            try report(recorder.flush(nowMicros: clock))
            for (sequence, arrival) in arrivals {
                guard case .some(.some(let time)) = reported[sequence] else {
                    Issue.record("round \(round): \(sequence) arrived at \(arrival) but was not reported received"); continue
                }
                let unit = RTCPTransportWideFeedback.referenceTimeUnitMicroseconds << 24
                let difference = ((time - arrival) % unit + unit) % unit  // the reference time wraps after 2^24 × 64 ms
                #expect(difference <= 125 || unit - difference <= 125, "round \(round): \(sequence) at \(arrival), reported \(time)")
            }
            for (sequence, time) in reported where time != nil {
                #expect(arrivals[sequence] != nil, "round \(round): \(sequence) reported received, never sent")
            }
        }
    }
}
