import MediaCrypto
import MediaWire
import NIOCore

/// What one side negotiated for one kind of media (from the SDP answer).
public struct NegotiatedTrack: Sendable, Equatable {
    public enum Kind: String, Sendable { case audio, video }
    public var kind: Kind
    public var mid: String
    public var payloadType: UInt8
    /// How the router reads a video payload (keyframes, descriptor rewriting).
    public enum PayloadFormat: Sendable { case vp8, h264, other }
    /// The codec as negotiated (name such as opus, VP8, H264; clock rate; fmtp).
    public var codec: WebRTCCodecDescription {
        didSet { payloadFormat = Self.payloadFormat(codec.name) }
    }
    /// From `codec`, worked out once (the packet path does not compare names).
    public private(set) var payloadFormat: PayloadFormat
    /// Simulcast layers by rid, best first (publisher only).
    public var rids: [String]
    /// The header extension id of `urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id`, if negotiated.
    public var ridExtensionId: UInt8?
    /// The header extension id of the transport-wide sequence number
    /// (draft-holmer-rmcat-transport-wide-cc-extensions-01), if negotiated.
    public var transportCCExtensionId: UInt8?
    public init(kind: Kind, mid: String, payloadType: UInt8, codec: WebRTCCodecDescription, rids: [String] = [], ridExtensionId: UInt8? = nil,
                transportCCExtensionId: UInt8? = nil) {
        self.kind = kind; self.mid = mid; self.payloadType = payloadType; self.codec = codec
        self.rids = rids; self.ridExtensionId = ridExtensionId; self.transportCCExtensionId = transportCCExtensionId
        self.payloadFormat = Self.payloadFormat(codec.name)
    }

    static func payloadFormat(_ name: String) -> PayloadFormat {
        switch name.uppercased() {
        case "VP8": .vp8
        case "H264": .h264
        default: .other
        }
    }
}

/// One WHIP or WHEP peer. Lives on the media event loop only (no locks on the packet path).
final class MediaSession: @unchecked Sendable {
    enum Role { case publisher, viewer }

    struct Outbound {
        var ssrc: UInt32
        var payloadType: UInt8
        /// Ticks per second of the stream's RTP timestamps.
        var clockRate: UInt32
        /// outgoing sequence = incoming + offset (set by the first packet forwarded).
        var sequenceOffset: UInt16?
        /// outgoing timestamp = incoming + offset (0 until a source switch needs another).
        var timestampOffset: UInt32 = 0
        var sourceSSRC: UInt32?
        var lastSent: UInt16 = 0
        /// The first outgoing sequence number from the present source: NACKs for earlier ones
        /// are about the previous source.
        var sourceStart: UInt16 = 0
        /// The source before the last switch and the outgoing sequence numbers it had, so a
        /// viewer's NACK for a packet sent just before a switch is still answered.
        var previous: PreviousSource?
        /// Counts and the newest timestamp, for this stream's sender reports.
        var sent = SendStatistics()

        /// Whether outgoing `sequence` came from the present source.
        func isFromPresentSource(_ sequence: UInt16) -> Bool {
            sequence &- sourceStart < 0x8000 && lastSent &- sequence < 0x8000
        }
    }

    /// A viewer's outgoing audio and video streams: two stored values, not a dictionary, as the
    /// fan-out reads and writes one for every copy.
    struct OutboundStreams {
        var audio: Outbound?
        var video: Outbound?

        subscript(kind: NegotiatedTrack.Kind) -> Outbound? {
            get { kind == .audio ? audio : video }
            set { if kind == .audio { audio = newValue } else { video = newValue } }
        }

        /// The kind whose outgoing SSRC is `ssrc` (what a viewer's feedback names).
        func kind(ofSSRC ssrc: UInt32) -> NegotiatedTrack.Kind? {
            audio?.ssrc == ssrc ? .audio : video?.ssrc == ssrc ? .video : nil
        }
    }

    struct PreviousSource {
        var ssrc: UInt32
        var sequenceOffset: UInt16
        var timestampOffset: UInt32
        var first: UInt16
        var last: UInt16

        func contains(_ sequence: UInt16) -> Bool { sequence &- first <= last &- first }
    }

    let id: String
    let role: Role
    let channelId: String
    let accountId: String?
    let credentials: STUNResponder.Credentials
    let remoteUfrag: String
    let dtls: DTLSEndpoint
    let tracks: [NegotiatedTrack]
    let createdAt: Int64

    var address: SocketAddress?
    /// `address` as the kernel takes it (set with it), for the fan-out's sends.
    var packedAddress = PackedSocketAddress()
    var transportAddress: STUNTransportAddress?
    var lastConsentAt: Int64
    var srtpIn: SRTPSession?
    var srtpOut: SRTPSession?
    var mediaReady: Bool { srtpOut != nil }
    var disconnected = false
    var closed = false
    /// The log's id for this session: the stream id (publisher) or the viewing session id (viewer).
    var logId: String?
    /// Viewer: per kind, how packets are rewritten for it.
    var outbound = OutboundStreams()
    /// Viewer: whether its video has started (a layer chosen and its first packet sent).
    var videoStarted = false
    /// Viewer: the simulcast layer chosen for it and the switch it waits for.
    var layers = ViewerLayers()
    /// Publisher: its video streams by SSRC (every simulcast layer), with their packet caches.
    var videoLayers: [UInt32: PublisherLayer] = [:]
    /// Publisher: recent audio packets, for answering viewers' NACKs.
    var cache: [NegotiatedTrack.Kind: PacketCache] = [:]
    /// Publisher: reception per incoming SSRC (every simulcast layer, forwarded or not), for
    /// receiver reports and the bandwidth estimate.
    var received: [UInt32: ReceiveStatistics] = [:]
    /// Publisher: the newest sender report of any of its streams (its NTP time and when it came),
    /// so every stream's RTP clock maps to the same estimate of the publisher's wall clock.
    var newestSenderReport: (ntp: UInt64, arrivalMillis: Int64)?
    /// When this session's next RTCP reports are due (router clock, ms) and when the last went.
    var nextReportAt: Int64 = 0
    var lastReportAt: Int64?
    /// The transport-wide sequence number's extension id, when the peer negotiated
    /// transport-cc (one id for the whole bundle, RFC 8843 §9.2).
    let transportCCExtensionId: UInt8?
    /// Publisher with transport-cc: the arrivals its transport-wide feedback reports.
    var transportFeedback: TransportFeedbackRecorder?
    /// Viewer with transport-cc: what was sent to it, by transport-wide sequence number …
    var transportHistory: TransportSendHistory?
    /// … and the bandwidth estimate its feedback gives.
    var bandwidth = TransportBandwidthEstimator()

    init(id: String, role: Role, channelId: String, accountId: String?, credentials: STUNResponder.Credentials, remoteUfrag: String,
         dtls: DTLSEndpoint, tracks: [NegotiatedTrack], outboundSSRCs: [NegotiatedTrack.Kind: UInt32], now: Int64,
         transportFeedbackIntervalMillis: Int64 = 50) {
        self.id = id; self.role = role; self.channelId = channelId; self.accountId = accountId
        self.credentials = credentials; self.remoteUfrag = remoteUfrag; self.dtls = dtls; self.tracks = tracks
        self.createdAt = now; self.lastConsentAt = now
        transportCCExtensionId = tracks.lazy.compactMap(\.transportCCExtensionId).first
        if let id = transportCCExtensionId {
            switch role {
            case .publisher:
                transportFeedback = TransportFeedbackRecorder(senderSSRC: MediaRouter.serverSSRC,
                                                              config: .init(intervalMicros: transportFeedbackIntervalMillis * 1000))
            case .viewer where (1...14).contains(id):  // stamped in a one-byte header (RFC 8285 §4.2)
                transportHistory = TransportSendHistory(extensionId: id, firstSequence: UInt16.random(in: 0...UInt16.max))
            case .viewer: break
            }
        }
        for track in tracks where role == .viewer {
            outbound[track.kind] = Outbound(ssrc: outboundSSRCs[track.kind] ?? UInt32.random(in: 1...UInt32.max), payloadType: track.payloadType,
                                            clockRate: track.codec.clockRate)
        }
    }

    /// Viewer: connected and wanting video, with no layer chosen yet (its first is chosen on the
    /// publisher's next video packet).
    var awaitsFirstLayer: Bool {
        !videoStarted && layers.pending == nil && mediaReady && !disconnected && address != nil && outbound[.video] != nil
    }

    func track(payloadType: UInt8) -> NegotiatedTrack? { tracks.first { $0.payloadType == payloadType } }
    func track(_ kind: NegotiatedTrack.Kind) -> NegotiatedTrack? { tracks.first { $0.kind == kind } }
}
