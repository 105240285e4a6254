import MediaWire

/// A synthetic VP8 stream as a camera encoder would packetize it (RFC 7741): `packetsPerFrame`
/// packets of `payloadBytes` per frame at `framesPerSecond`, a payload descriptor with a 15-bit
/// PictureID, a VP8 frame header in each frame's first packet (a key frame on request), and the
/// harness's stamp in the last 16 bytes: magic, a running packet counter and the send time.
/// Nothing in the media path reads past the descriptor, so the stamp arrives as it was sent.
struct VP8Source {
    static let magic: UInt32 = 0x4D51_4C44  // "MQLD"
    static let stampSize = 16

    let ssrc: UInt32
    let payloadType: UInt8
    let packetsPerFrame: Int
    let payloadBytes: Int
    let framesPerSecond: Int
    private var sequence = UInt16.random(in: 0...UInt16.max)
    private var timestamp = UInt32.random(in: 0...UInt32.max)
    private var pictureID = UInt16.random(in: 0...0x7FFF)
    private var packetInFrame = 0
    private var frameIsKey = false
    /// The next frame is a key frame (set on PLI/FIR, and for the first frame).
    var keyFrameRequested = true
    private(set) var counter: UInt32 = 0

    init(ssrc: UInt32, payloadType: UInt8 = 96, packetsPerFrame: Int = 5, payloadBytes: Int = 1_000, framesPerSecond: Int = 30) {
        self.ssrc = ssrc
        self.payloadType = payloadType
        self.packetsPerFrame = packetsPerFrame
        self.payloadBytes = payloadBytes
        self.framesPerSecond = framesPerSecond
    }

    var packetsPerSecond: Int { packetsPerFrame * framesPerSecond }
    var bitsPerSecond: Int { packetsPerSecond * payloadBytes * 8 }

    /// The next RTP packet (unprotected), stamped with `sendNanos`.
    mutating func next(sendNanos: Int64) -> [UInt8] {
        if packetInFrame == 0 {
            frameIsKey = keyFrameRequested
            keyFrameRequested = false
        }
        let last = packetInFrame == packetsPerFrame - 1
        var packet: [UInt8] = []
        packet.reserveCapacity(12 + payloadBytes + 16)
        packet.append(0x80)
        packet.append((last ? 0x80 : 0) | payloadType)
        packet.appendBigEndian(sequence)
        packet.appendBigEndian(timestamp)
        packet.appendBigEndian(ssrc)
        // descriptor: X, S on a frame's first packet, PartID 0; I with a 15-bit PictureID
        packet.append(packetInFrame == 0 ? 0x90 : 0x80)
        packet.append(0x80)
        packet.append(0x80 | UInt8(pictureID >> 8))
        packet.append(UInt8(pictureID & 0xFF))
        if packetInFrame == 0 {
            // frame tag (RFC 6386 §9.1): key frame bit 0 = key, version 0, show_frame 1,
            // a first-partition size; a key frame adds the start code and 640×360
            packet += frameIsKey ? [0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A, 0x80, 0x02, 0x68, 0x01] : [0x11, 0x02, 0x00]
        }
        let fill = 12 + payloadBytes - Self.stampSize - packet.count
        packet += repeatElement(UInt8(truncatingIfNeeded: counter), count: max(0, fill))
        packet.appendBigEndian(Self.magic)
        packet.appendBigEndian(counter)
        packet.appendBigEndian(UInt64(bitPattern: sendNanos))
        counter &+= 1
        sequence &+= 1
        packetInFrame += 1
        if last {
            packetInFrame = 0
            timestamp &+= UInt32(90_000 / framesPerSecond)
            pictureID = (pictureID + 1) & 0x7FFF
        }
        return packet
    }

    /// The stamp at the end of a received (decrypted) RTP packet: (counter, send time).
    static func stamp(_ packet: UnsafeRawBufferPointer) -> (counter: UInt32, sendNanos: Int64)? {
        guard packet.count >= 12 + stampSize else { return nil }
        let at = packet.count - stampSize
        guard MediaWireBytes.uint32(packet, at) == magic else { return nil }
        return (MediaWireBytes.uint32(packet, at + 4), Int64(bitPattern: MediaWireBytes.uint64(packet, at + 8)))
    }
}
