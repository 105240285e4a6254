/// What a datagram on the shared media socket is, by its first bytes.
public enum MediaPacketKind: Sendable, Hashable {
    case stun
    case dtls
    case rtp
    case rtcp
    case unknown
}

/// RFC 7983 §7 first-byte demultiplexing, with RTP and RTCP told apart by the second byte
/// (RFC 5761 §4: RTCP packet types 192–223 collide with RTP payload types 64–95 plus the
/// marker bit, which is why those payload types must not be used with rtcp-mux).
public enum MediaDemux {
    /// ```
    ///  [0..3]    → STUN        [20..63]  → DTLS
    ///  [128..191] → RTP/RTCP   (second byte 192–223 → RTCP)
    ///  anything else (ZRTP 16–19, TURN channels 64–79, …) → unknown
    /// ```
    @inline(__always)
    public static func classify(firstByte: UInt8, secondByte: UInt8) -> MediaPacketKind {
        switch firstByte {
        case 0...3: .stun
        case 20...63: .dtls
        case 128...191: (192...223).contains(secondByte) ? .rtcp : .rtp
        default: .unknown
        }
    }

    /// Classifies a whole datagram (empty or one-byte datagrams are unknown, except that
    /// no protocol here fits in fewer than 2 bytes anyway).
    public static func classify(_ datagram: UnsafeRawBufferPointer) -> MediaPacketKind {
        guard datagram.count >= 2 else { return .unknown }
        return classify(firstByte: datagram[0], secondByte: datagram[1])
    }
}
