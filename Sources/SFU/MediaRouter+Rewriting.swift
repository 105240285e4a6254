import MediaCrypto
import MediaWire
import NIOCore

/// One viewer's copy of a publisher's packet, and retransmissions of it: rewritten headers,
/// VP8 descriptors renumbered, encrypted with the viewer's keys.
extension MediaRouter {
    /// Whether a video packet starts a keyframe (a switch point). Codecs without a detector
    /// (none are negotiated today) switch on any packet.
    static func isKeyframe(_ packet: RTPPacket, _ format: NegotiatedTrack.PayloadFormat) -> Bool {
        switch format {
        case .vp8: packet.withUnsafePayload { VP8PayloadDescriptor.isKeyframeStart(payload: $0) }
        case .h264: packet.withUnsafePayload { H264RTPPayload.isKeyframe(payload: $0) }
        case .other: true
        }
    }

    /// The header of one viewer's copy: its SSRC, payload type, sequence number and timestamp,
    /// no CSRCs, and of the publisher's header extensions none (their ids are per negotiation);
    /// with `transport`, the viewer's own transport-wide sequence number in a one-byte header
    /// extension (RFC 8285 §4.2; draft-holmer-rmcat-transport-wide-cc-extensions-01 §2).
    func header(_ plain: [UInt8], _ packet: RTPPacket, _ rewrite: MediaSession.Outbound, sequence: UInt16, extra: Int,
                transport: (extensionId: UInt8, number: UInt16)?) -> [UInt8] {
        var copy: [UInt8] = []
        copy.reserveCapacity(12 + 8 + plain.count - packet.payloadRange.lowerBound + extra + 16)
        copy.append(0x80 | (plain[0] & 0x20) | (transport == nil ? 0 : 0x10))
        copy.append((plain[1] & 0x80) | rewrite.payloadType)
        copy.append(UInt8(sequence >> 8)); copy.append(UInt8(sequence & 0xff))
        let timestamp = packet.timestamp &+ rewrite.timestampOffset
        copy.append(UInt8(timestamp >> 24)); copy.append(UInt8((timestamp >> 16) & 0xff))
        copy.append(UInt8((timestamp >> 8) & 0xff)); copy.append(UInt8(timestamp & 0xff))
        let ssrc = rewrite.ssrc
        copy.append(UInt8(ssrc >> 24)); copy.append(UInt8((ssrc >> 16) & 0xff)); copy.append(UInt8((ssrc >> 8) & 0xff)); copy.append(UInt8(ssrc & 0xff))
        if let transport {
            // 0xBEDE, one word: the element (id, length − 1 = 1), the 16-bit number, one byte of padding
            let number = transport.number
            copy.append(0xBE); copy.append(0xDE); copy.append(0); copy.append(1)
            copy.append(transport.extensionId << 4 | 1); copy.append(UInt8(number >> 8)); copy.append(UInt8(number & 0xff)); copy.append(0)
        }
        return copy
    }

    /// One viewer's copy: the rewritten header, then the payload (and padding); encrypted with
    /// the viewer's keys. With transport-cc, the copy takes the viewer's next transport-wide
    /// number, remembered with its size and `micros` (the send time).
    func rewritten(_ plain: [UInt8], _ packet: RTPPacket, _ rewrite: MediaSession.Outbound, sequence: UInt16,
                   to address: SocketAddress, _ srtpOut: SRTPSession, _ transport: inout TransportSendHistory?, micros: Int64) -> Datagram? {
        var copy = header(plain, packet, rewrite, sequence: sequence, extra: 0, transport: transport.map { ($0.extensionId, $0.nextSequence) })
        copy.append(contentsOf: plain[packet.payloadRange.lowerBound...])
        do { try srtpOut.protect(rtp: &copy) } catch { counters.drop("srtp_protect"); return nil }
        transport?.sent(bytes: copy.count, atMicros: micros)
        return (copy, address)
    }

    /// A VP8 copy: as ``rewritten``, with the payload descriptor renumbered for the viewer
    /// (PictureID, TL0PICIDX, KEYIDX continuous across layer switches).
    func rewrittenVP8(_ plain: [UInt8], _ packet: RTPPacket, _ rewrite: MediaSession.Outbound, sequence: UInt16,
                      to address: SocketAddress, _ srtpOut: SRTPSession, _ vp8: inout VP8DescriptorRewriter,
                      _ transport: inout TransportSendHistory?, micros: Int64) -> Datagram? {
        var copy = header(plain, packet, rewrite, sequence: sequence, extra: 1, transport: transport.map { ($0.extensionId, $0.nextSequence) })
        plain.withUnsafeBytes { raw in
            _ = vp8.append(payload: UnsafeRawBufferPointer(rebasing: raw[packet.payloadRange]), to: &copy)
            copy.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[packet.payloadRange.upperBound...]))  // padding
        }
        do { try srtpOut.protect(rtp: &copy) } catch { counters.drop("srtp_protect"); return nil }
        transport?.sent(bytes: copy.count, atMicros: micros)
        return (copy, address)
    }

    /// A viewer's NACK: the lost packets come from the publisher's cache, rewritten as they were
    /// first sent (same sequence number; a new transport-wide number, as every packet sent has),
    /// never asked of the publisher again. A packet sent
    /// before the last layer switch is found in the previous layer's cache and numbered as it was.
    func answerNACK(_ nack: RTCPGenericNACK, from viewer: MediaSession, micros: Int64) -> [Datagram] {
        guard let kind = viewer.outbound.first(where: { $0.value.ssrc == nack.mediaSSRC })?.key,
              let rewrite = viewer.outbound[kind], let offset = rewrite.sequenceOffset, let source = rewrite.sourceSSRC,
              let address = viewer.address, let srtpOut = viewer.srtpOut,
              let publisherId = publisherOfChannel[viewer.channelId], let publisher = sessions[publisherId],
              let track = publisher.track(kind) else { return [] }
        let isVP8 = kind == .video && track.payloadFormat == .vp8
        var out: [Datagram] = []
        for lost in nack.lostSequenceNumbers.prefix(64) {
            var from = rewrite
            var present = true
            if !rewrite.isFromPresentSource(lost) {
                guard let previous = rewrite.previous, previous.contains(lost) else { counters.drop("nack_miss"); continue }
                from.sourceSSRC = previous.ssrc; from.sequenceOffset = previous.sequenceOffset; from.timestampOffset = previous.timestampOffset
                present = false
            }
            let ssrc = from.sourceSSRC ?? source
            let cache = kind == .video ? publisher.videoLayers[ssrc]?.cache : publisher.cache[kind]
            guard let plain = cache?.packet(lost &- (from.sequenceOffset ?? offset)), let packet = try? RTPPacket(parsing: plain),
                  packet.ssrc == ssrc else { counters.drop("nack_miss"); continue }
            let datagram: Datagram?
            if isVP8 && present {
                datagram = rewrittenVP8(plain, packet, from, sequence: lost, to: address, srtpOut, &viewer.layers.vp8,
                                        &viewer.transportHistory, micros: micros)
            } else if isVP8 {
                datagram = rewrittenVP8(plain, packet, from, sequence: lost, to: address, srtpOut, &viewer.layers.previousVP8,
                                        &viewer.transportHistory, micros: micros)
            } else {
                datagram = rewritten(plain, packet, from, sequence: lost, to: address, srtpOut, &viewer.transportHistory, micros: micros)
            }
            if let datagram {
                out.append(datagram)
                counters.retransmitted += 1
            }
        }
        return out
    }
}
