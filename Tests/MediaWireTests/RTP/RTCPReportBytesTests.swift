import Testing
@testable import MediaWire

/// The reports the SFU writes, byte by byte against the RFC layouts, and the NTP arithmetic
/// they need.
@Suite("RTCP reports written by the SFU (RFC 3550 §6.4, REMB) and NTP time")
struct RTCPReportBytesTests {
    @Test func senderReportLayout() throws {
        let sr = RTCPSenderReport(ssrc: 0x0102_0304, ntpTimestamp: 0xE1A2_B3C4_8000_0000, rtpTimestamp: 0x1122_3344,
                                  packetCount: 5, octetCount: 1000)
        let bytes = try RTCPPacket.serializeCompound([.senderReport(sr)])
        #expect(bytes == [
            0x80, 0xc8, 0x00, 0x06,  // V=2 P=0 RC=0, PT 200, length 6 (28 bytes)
            0x01, 0x02, 0x03, 0x04,  // SSRC of sender
            0xe1, 0xa2, 0xb3, 0xc4,  // NTP timestamp, most significant word (seconds)
            0x80, 0x00, 0x00, 0x00,  // NTP timestamp, least significant word (half a second)
            0x11, 0x22, 0x33, 0x44,  // RTP timestamp
            0x00, 0x00, 0x00, 0x05,  // sender's packet count
            0x00, 0x00, 0x03, 0xe8,  // sender's octet count
        ])
        #expect(try RTCPPacket.parseCompound(bytes) == [.senderReport(sr)])
    }

    @Test func receiverReportLayout() throws {
        let rr = RTCPReceiverReport(ssrc: 0x4D51_5545, reports: [
            RTCPReportBlock(ssrc: 0x5555_0001, fractionLost: 42, cumulativeLost: -3, extendedHighestSequenceNumber: 0x0001_0002,
                            jitter: 56, lastSenderReport: 0x1234_5678, delaySinceLastSenderReport: 32768),
        ])
        let bytes = try RTCPPacket.serializeCompound([.receiverReport(rr)])
        #expect(bytes == [
            0x81, 0xc9, 0x00, 0x07,  // V=2 RC=1, PT 201, length 7 (32 bytes)
            0x4d, 0x51, 0x55, 0x45,  // reporter SSRC ("MQUE")
            0x55, 0x55, 0x00, 0x01,  // SSRC_1
            0x2a, 0xff, 0xff, 0xfd,  // fraction lost 42/256, cumulative lost −3 (24-bit two's complement)
            0x00, 0x01, 0x00, 0x02,  // extended highest sequence: 1 cycle, sequence 2
            0x00, 0x00, 0x00, 0x38,  // interarrival jitter 56
            0x12, 0x34, 0x56, 0x78,  // LSR
            0x00, 0x00, 0x80, 0x00,  // DLSR: half a second in 1/65536 s
        ])
        #expect(try RTCPPacket.parseCompound(bytes) == [.receiverReport(rr)])
    }

    @Test func rembLayout() throws {
        // 2 500 000 bit/s = 156 250 × 2^4: the mantissa fits 18 bits from exponent 4 on
        let remb = RTCPReceiverEstimatedMaximumBitrate(senderSSRC: 0x4D51_5545, bitrate: 2_500_000, ssrcs: [0x5555_0001, 7])
        #expect(remb.exponent == 4 && remb.mantissa == 156_250 && remb.bitrate == 2_500_000)
        let bytes = try RTCPPacket.serializeCompound([.receiverEstimatedMaximumBitrate(remb)])
        #expect(bytes == [
            0x8f, 0xce, 0x00, 0x06,  // V=2 FMT=15, PT 206 (PSFB), length 6 (28 bytes)
            0x4d, 0x51, 0x55, 0x45,  // SSRC of packet sender
            0x00, 0x00, 0x00, 0x00,  // SSRC of media source: unused, 0
            0x52, 0x45, 0x4d, 0x42,  // "REMB"
            0x02, 0x12, 0x62, 0x5a,  // 2 SSRCs; exponent 4 (000100), mantissa 0x2625a
            0x55, 0x55, 0x00, 0x01,  // SSRC feedback
            0x00, 0x00, 0x00, 0x07,
        ])
        #expect(try RTCPPacket.parseCompound(bytes) == [.receiverEstimatedMaximumBitrate(remb)])
    }

    @Test func ntpTime() {
        #expect(NTPTime.fromUnix(nanoseconds: 0) == UInt64(2_208_988_800) << 32)
        #expect(NTPTime.fromUnix(nanoseconds: 1_500_000_000) == (UInt64(2_208_988_801) << 32 | 0x8000_0000))
        let now = NTPTime.fromUnix(nanoseconds: 1_795_000_000_123_456_000)
        #expect(NTPTime.microseconds(now) == (1_795_000_000 + 2_208_988_800) * 1_000_000 + 123_456)
        #expect(NTPTime.middle32(0x0000_1234_5678_0000) == 0x1234_5678)
        // a quarter second later is 16384/65536 s later in the middle 32 bits
        let later = NTPTime.fromUnix(nanoseconds: 1_795_000_000_373_456_000)
        #expect((16383...16384).contains(NTPTime.middle32(later) &- NTPTime.middle32(now)))
    }
}
