import MediaCrypto
import MediaWire
import NIOCore
import Testing
@testable import SFU

/// A layer per viewer through the router, with real SRTP/SRTCP: the viewer's receiver reports
/// move it down, the switch waits for the target layer's keyframe (asked for with a PLI on that
/// layer's SSRC), and what the viewer gets stays one stream: contiguous sequence numbers,
/// timestamps that keep their pace, continuous VP8 PictureIDs.
@Suite("SFU router: simulcast layer per viewer")
struct SimulcastForwardingTests {
    static let profile = SRTPProfile.aes128CmHmacSha1_80
    static let f: UInt32 = 0xF0F0, q: UInt32 = 0x1010

    /// VP8 over RTP with the rid in a one-byte header extension (id 1), as Chromium sends
    /// simulcast; the payload starts with a descriptor with a 15-bit PictureID.
    static func vp8(_ sequence: UInt16, timestamp: UInt32, ssrc: UInt32, rid: Character, pictureID: UInt16, keyframe: Bool) -> [UInt8] {
        var bytes: [UInt8] = [0x90, 96, UInt8(sequence >> 8), UInt8(sequence & 0xff)]
        for value in [timestamp, ssrc] { bytes += [UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)] }
        bytes += [0xBE, 0xDE, 0, 1, 0x10, rid.asciiValue!, 0, 0]  // id 1, one byte: the rid
        bytes += [0x90, 0x80, 0x80 | UInt8(pictureID >> 8), UInt8(pictureID & 0xff), keyframe ? 0x00 : 0x01, 0xAB]
        return bytes
    }

    @Test func aViewerWithLossMovesDownOnTheLowLayersKeyframeAndItsStreamStaysContinuous() throws {
        let (router, publisher, viewer, pubAddress, viewAddress) = try MediaForwardingTests.videoPair(publisherTracks: [
            NegotiatedTrack(kind: .video, mid: "0", payloadType: 96, codec: MediaForwardingTests.vp8, rids: ["f", "q"], ridExtensionId: 1)])
        let ends = try MediaForwardingTests.keySRTP(publisher, viewer)
        let (publisherSends, publisherReceives, viewerReceives, viewerSends) =
            (ends.publisherSends, ends.publisherReceives, ends.viewerReceives, ends.viewerSends)

        var toViewer: [RTPPacket] = []
        var encryptedToViewer: [[UInt8]] = []
        var keyframeRequests: [UInt32] = []
        func deliver(_ datagrams: [MediaRouter.Datagram]) throws {
            for datagram in datagrams {
                var bytes = datagram.bytes
                if datagram.to == viewAddress {
                    encryptedToViewer.append(bytes)
                    try viewerReceives.unprotect(rtp: &bytes)
                    toViewer.append(try RTPPacket(parsing: bytes))
                } else {
                    try publisherReceives.unprotect(rtcp: &bytes)
                    for case .pictureLossIndication(let pli) in try RTCPPacket.parseCompound(bytes) { keyframeRequests.append(pli.mediaSSRC) }
                }
            }
        }
        // f: sequence 100…, timestamps from 10 000, PictureIDs from 300; q: 7000…, 5 000 000…, 20 000…
        var fNext = (sequence: UInt16(100), timestamp: UInt32(10_000), picture: UInt16(300))
        var qNext = (sequence: UInt16(7000), timestamp: UInt32(5_000_000), picture: UInt16(20_000))
        func frame(_ layer: UInt32, at now: Int64, keyframe: Bool = false) throws {
            let isF = layer == Self.f
            let n = isF ? fNext : qNext
            var packet = Self.vp8(n.sequence, timestamp: n.timestamp, ssrc: layer, rid: isF ? "f" : "q", pictureID: n.picture, keyframe: keyframe)
            try publisherSends.protect(rtp: &packet)
            try deliver(router.receive(packet, from: pubAddress, now: now))
            if isF { fNext = (n.sequence &+ 1, n.timestamp &+ 3000, n.picture &+ 1) } else { qNext = (n.sequence &+ 1, n.timestamp &+ 3000, n.picture &+ 1) }
        }
        func report(_ fractionLost: UInt8, at now: Int64) throws {
            let block = RTCPReportBlock(ssrc: 0xABC, fractionLost: fractionLost, cumulativeLost: 0, extendedHighestSequenceNumber: 0,
                                        jitter: 0, lastSenderReport: 0, delaySinceLastSenderReport: 0)
            var rtcp = try RTCPPacket.serializeCompound([.receiverReport(RTCPReceiverReport(ssrc: 0x77, reports: [block]))])
            try viewerSends.protect(rtcp: &rtcp)
            try deliver(router.receive(rtcp, from: viewAddress, now: now))
        }

        // the viewer starts on f, the best layer (with a keyframe asked of f); q is not forwarded
        try frame(Self.f, at: 0, keyframe: true)
        try frame(Self.q, at: 5, keyframe: true)
        #expect(toViewer.count == 1 && keyframeRequests == [Self.f])
        func frames(from: Int64, to: Int64) throws {
            for t in stride(from: from, to: to, by: 33) {
                try frame(Self.f, at: t)
                try frame(Self.q, at: t + 5)
                try deliver(router.tick(now: t + 6))
            }
        }
        try frames(from: 33, to: 1000)
        try report(0, at: 1000)
        try frames(from: 1033, to: 2000)
        #expect(viewer.layers.pending == nil && toViewer.allSatisfy { $0.ssrc == 0xABC })
        #expect(keyframeRequests == [Self.f], "nothing else asked for while the viewer is fine")
        let onF = toViewer.count
        // its next report says 70 % lost: down to q at once, a keyframe asked of q
        try report(179, at: 2000)
        #expect(viewer.layers.pending == Self.q && keyframeRequests.last == Self.q)
        // f keeps flowing to the viewer until q's keyframe; q's inter frames are not forwarded
        try frame(Self.f, at: 2010)
        try frame(Self.q, at: 2015)
        #expect(toViewer.count == onF + 1)
        let lastOnF = toViewer.last!
        try frame(Self.q, at: 2043, keyframe: true)
        try frame(Self.f, at: 2050)
        try frame(Self.q, at: 2076)
        #expect(toViewer.count == onF + 3 && viewer.outbound[.video]?.sourceSSRC == Self.q)
        let firstOnQ = toViewer[onF + 1], secondOnQ = toViewer[onF + 2]
        // one stream for the viewer: sequence numbers contiguous, the timestamp 33 ms (2970 ticks) on,
        // q's own 3000-tick steps after it, and the PictureID one on from f's last
        #expect(zip(toViewer, toViewer.dropFirst()).allSatisfy { $1.sequenceNumber == $0.sequenceNumber &+ 1 })
        #expect(firstOnQ.timestamp == lastOnF.timestamp &+ 33 * 90 && secondOnQ.timestamp == firstOnQ.timestamp &+ 3000)
        func pictureID(_ packet: RTPPacket) -> UInt16? { try? VP8PayloadDescriptor(parsing: packet.payload).pictureID }
        #expect(pictureID(firstOnQ) == pictureID(lastOnF)! &+ 1 && pictureID(secondOnQ) == pictureID(lastOnF)! &+ 2)
        #expect(firstOnQ.payload.dropFirst(4) == [0x00, 0xAB] && secondOnQ.payload.dropFirst(4) == [0x01, 0xAB], "the VP8 data as sent")
        #expect(router.counters.layerSwitches == ["down": 1])
        #expect(router.viewersByLayer() == ["q": 1])

        // a NACK for a packet sent from q is answered as it was first sent (its PictureID too): the
        // same plaintext under the same SRTP index is the same datagram
        var nack = try RTCPPacket.serializeCompound([.genericNACK(RTCPGenericNACK(senderSSRC: 0x77, mediaSSRC: 0xABC,
                                                                                   lostSequenceNumbers: [firstOnQ.sequenceNumber]))])
        try viewerSends.protect(rtcp: &nack)
        let answer = router.receive(nack, from: viewAddress, now: 2100)
        #expect(answer.map(\.to) == [viewAddress] && answer.first?.bytes == encryptedToViewer[onF + 1])
        // and one for the last packet sent from f, before the switch, comes from f's cache as it was
        // sent (never a q packet that happens to map to that number)
        var older = try RTCPPacket.serializeCompound([.genericNACK(RTCPGenericNACK(senderSSRC: 0x77, mediaSSRC: 0xABC,
                                                                                    lostSequenceNumbers: [lastOnF.sequenceNumber]))])
        try viewerSends.protect(rtcp: &older)
        let olderAnswer = router.receive(older, from: viewAddress, now: 2110)
        #expect(olderAnswer.map(\.to) == [viewAddress] && olderAnswer.first?.bytes == encryptedToViewer[onF])
        // a number never sent is not answered
        var never = try RTCPPacket.serializeCompound([.genericNACK(RTCPGenericNACK(senderSSRC: 0x77, mediaSSRC: 0xABC,
                                                                                    lostSequenceNumbers: [secondOnQ.sequenceNumber &+ 1]))])
        try viewerSends.protect(rtcp: &never)
        #expect(router.receive(never, from: viewAddress, now: 2120).isEmpty)
    }
}
