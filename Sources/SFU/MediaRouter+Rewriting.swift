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

    /// Writes the header of one viewer's copy at the start of `out`, returning its length: the
    /// viewer's SSRC, payload type, sequence number and timestamp, no CSRCs, and of the
    /// publisher's header extensions none (their ids are per negotiation); with `transport`, the
    /// viewer's own transport-wide sequence number in a one-byte header extension (RFC 8285 §4.2;
    /// draft-holmer-rmcat-transport-wide-cc-extensions-01 §2).
    static func writeHeader(into out: UnsafeMutableRawBufferPointer, firstByte: UInt8, secondByte: UInt8, _ rewrite: MediaSession.Outbound,
                            sequence: UInt16, timestamp: UInt32, transport: (extensionId: UInt8, number: UInt16)?) -> Int {
        out[0] = 0x80 | (firstByte & 0x20) | (transport == nil ? 0 : 0x10)
        out[1] = (secondByte & 0x80) | rewrite.payloadType
        out.storeBytes(of: sequence.bigEndian, toByteOffset: 2, as: UInt16.self)
        out.storeBytes(of: timestamp.bigEndian, toByteOffset: 4, as: UInt32.self)
        out.storeBytes(of: rewrite.ssrc.bigEndian, toByteOffset: 8, as: UInt32.self)
        guard let transport else { return 12 }
        // 0xBEDE, one word: the element (id, length − 1 = 1), the 16-bit number, one byte of padding
        out[12] = 0xBE; out[13] = 0xDE; out[14] = 0; out[15] = 1
        out[16] = transport.extensionId << 4 | 1
        out.storeBytes(of: transport.number.bigEndian, toByteOffset: 17, as: UInt16.self)
        out[19] = 0
        return 20
    }

    /// One viewer's copy of `plain` written into `slot` and encrypted there with the viewer's
    /// keys; returns its length, or nil when it could not be encrypted (counted by the caller).
    /// `payload` writes the payload (unchanged, or with its VP8 descriptor renumbered) and
    /// returns its length; the padding follows as it came. With transport-cc, the copy takes the
    /// viewer's next transport-wide number, remembered with its size and `micros` (the send time).
    static func seal(into slot: UnsafeMutableRawBufferPointer, _ plain: [UInt8], _ packet: RTPPacket, _ rewrite: MediaSession.Outbound,
                     sequence: UInt16, _ srtpOut: SRTPSession, _ transport: inout TransportSendHistory?, micros: Int64,
                     payload: (UnsafeRawBufferPointer, UnsafeMutableRawBufferPointer) -> Int) -> Int? {
        // room for the longest header (20 bytes, ≥ 8 more than the source's), a VP8 PictureID
        // growing by a byte, and the SRTP tag
        guard plain.count + 8 + 1 + srtpOut.profile.rtpOverhead <= slot.count else { return nil }
        var length = writeHeader(into: slot, firstByte: plain[0], secondByte: plain[1], rewrite, sequence: sequence,
                                 timestamp: packet.timestamp &+ rewrite.timestampOffset,
                                 transport: transport.map { ($0.extensionId, $0.nextSequence) })
        plain.withUnsafeBytes { raw in
            length += payload(UnsafeRawBufferPointer(rebasing: raw[packet.payloadRange]), UnsafeMutableRawBufferPointer(rebasing: slot[length...]))
            let padding = UnsafeRawBufferPointer(rebasing: raw[packet.payloadRange.upperBound...])
            UnsafeMutableRawBufferPointer(rebasing: slot[length...]).copyMemory(from: padding)
            length += padding.count
        }
        guard let sealed = try? srtpOut.protect(rtp: slot.baseAddress!, length: length, capacity: slot.count) else { return nil }
        transport?.sent(bytes: sealed, atMicros: micros)
        return sealed
    }

    /// The payload copied unchanged (Opus, H.264, …): `seal`'s `payload` for them.
    static func copyPayload(_ payload: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) -> Int {
        out.copyMemory(from: payload)
        return payload.count
    }

    /// A retransmission as a datagram of its own: `seal` into a fresh array.
    private func sealed(_ plain: [UInt8], _ packet: RTPPacket, _ rewrite: MediaSession.Outbound, sequence: UInt16, to address: SocketAddress,
                        _ srtpOut: SRTPSession, _ transport: inout TransportSendHistory?, micros: Int64,
                        payload: (UnsafeRawBufferPointer, UnsafeMutableRawBufferPointer) -> Int) -> Datagram? {
        var copy = [UInt8](repeating: 0, count: SendBuffer.slotSize)
        let length = copy.withUnsafeMutableBytes {
            Self.seal(into: $0, plain, packet, rewrite, sequence: sequence, srtpOut, &transport, micros: micros, payload: payload)
        }
        guard let length else { counters.drop("srtp_protect"); return nil }
        copy.removeLast(copy.count - length)
        return (copy, address)
    }

    /// A viewer's NACK: the lost packets come from the publisher's cache, rewritten as they were
    /// first sent (same sequence number; a new transport-wide number, as every packet sent has),
    /// never asked of the publisher again. A packet sent
    /// before the last layer switch is found in the previous layer's cache and numbered as it was.
    func answerNACK(_ nack: RTCPGenericNACK, from viewer: MediaSession, micros: Int64) -> [Datagram] {
        guard let kind = viewer.outbound.kind(ofSSRC: nack.mediaSSRC),
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
                datagram = sealed(plain, packet, from, sequence: lost, to: address, srtpOut, &viewer.transportHistory, micros: micros) {
                    viewer.layers.vp8.write(payload: $0, into: $1).length
                }
            } else if isVP8 {
                datagram = sealed(plain, packet, from, sequence: lost, to: address, srtpOut, &viewer.transportHistory, micros: micros) {
                    viewer.layers.previousVP8.write(payload: $0, into: $1).length
                }
            } else {
                datagram = sealed(plain, packet, from, sequence: lost, to: address, srtpOut, &viewer.transportHistory, micros: micros,
                                  payload: Self.copyPayload)
            }
            if let datagram {
                out.append(datagram)
                counters.retransmitted += 1
            }
        }
        return out
    }
}
