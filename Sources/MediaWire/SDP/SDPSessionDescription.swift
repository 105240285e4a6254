// A session description (RFC 8866) as WebRTC uses it (JSEP, RFC 8829): a session part and one
// media section per `m=` line. Attributes WebRTC relies on are typed fields; everything else is
// kept in order in `otherAttributes` / `otherLines` so a description survives a round trip.
//
//   v=0                                   version
//   o=- 4611731400430051336 2 IN IP4 …    origin
//   s=-                                   session name
//   t=0 0                                 timing
//   a=group:BUNDLE 0 1                    session attributes
//   m=audio 9 UDP/TLS/RTP/SAVPF 111 …     media section 0
//   a=mid:0                               its attributes …
//   m=video 9 UDP/TLS/RTP/SAVPF 96 97 …   media section 1

/// A parsed SDP body. Parse with `init(parsing:)`, write with `serialized()`.
public struct SDPSessionDescription: Hashable, Sendable {
    public var origin: SDPOrigin
    public var sessionName: String
    public var timing: SDPTiming
    /// A session-level `c=` (WebRTC puts it in the media sections instead).
    public var connection: SDPConnection?
    /// `a=group:…` lines, e.g. BUNDLE (RFC 8843) and LS (lip sync, sent by OBS).
    public var groups: [SDPGroup]
    /// `a=ice-lite` (RFC 8839 §5.3): the writer only answers connectivity checks.
    public var iceLite: Bool
    /// `a=ice-options:…` tokens such as `trickle`, `ice2`.
    public var iceOptions: [String]?
    public var msidSemantic: SDPMsidSemantic?
    /// Session-level ICE and DTLS attributes (OBS/libdatachannel and Firefox put some here);
    /// a media section's own value wins over these.
    public var iceUfrag: String?
    public var icePwd: String?
    public var fingerprints: [SDPFingerprint]
    public var setup: SDPSetupRole?
    /// A session-level direction (Firefox can write `a=sendrecv` here); media inherit it.
    public var direction: SDPDirection?
    public var otherAttributes: [SDPAttribute]
    public var otherLines: [SDPLine]
    public var media: [SDPMediaSection]

    public init(origin: SDPOrigin, sessionName: String = "-", timing: SDPTiming = SDPTiming(),
                connection: SDPConnection? = nil, groups: [SDPGroup] = [], iceLite: Bool = false,
                iceOptions: [String]? = nil, msidSemantic: SDPMsidSemantic? = nil, iceUfrag: String? = nil,
                icePwd: String? = nil, fingerprints: [SDPFingerprint] = [], setup: SDPSetupRole? = nil,
                direction: SDPDirection? = nil, otherAttributes: [SDPAttribute] = [], otherLines: [SDPLine] = [],
                media: [SDPMediaSection] = []) {
        self.origin = origin
        self.sessionName = sessionName
        self.timing = timing
        self.connection = connection
        self.groups = groups
        self.iceLite = iceLite
        self.iceOptions = iceOptions
        self.msidSemantic = msidSemantic
        self.iceUfrag = iceUfrag
        self.icePwd = icePwd
        self.fingerprints = fingerprints
        self.setup = setup
        self.direction = direction
        self.otherAttributes = otherAttributes
        self.otherLines = otherLines
        self.media = media
    }

    /// The BUNDLE group (RFC 8843), if any.
    public var bundleGroup: SDPGroup? { groups.first { $0.semantics.uppercased() == "BUNDLE" } }
}

/// One `m=` section and its attributes.
public struct SDPMediaSection: Hashable, Sendable {
    public var kind: SDPMediaKind
    /// 0 marks a rejected section (RFC 3264 §6); WebRTC offers often say 9 (discard).
    public var port: UInt16
    /// The `/<number of ports>` suffix, rare outside multicast.
    public var portCount: UInt16?
    /// `UDP/TLS/RTP/SAVPF` for WebRTC media, `UDP/DTLS/SCTP` for data channels.
    public var proto: String
    /// The format list; payload type numbers for RTP protocols.
    public var formats: [String]
    public var connection: SDPConnection?
    public var mid: String?
    public var direction: SDPDirection?
    public var rtpMaps: [SDPRtpMap]
    public var fmtps: [SDPFmtp]
    public var rtcpFeedback: [SDPRtcpFeedback]
    public var extmaps: [SDPExtmap]
    /// `a=rtcp-mux` (RFC 5761): RTP and RTCP on one port. Marquee requires it.
    public var rtcpMux: Bool
    /// `a=rtcp-rsize` (RFC 5506): reduced-size RTCP is allowed.
    public var rtcpRsize: Bool
    public var ssrcs: [SDPSsrcAttribute]
    public var ssrcGroups: [SDPSsrcGroup]
    public var msids: [SDPMsid]
    public var rids: [SDPRid]
    public var simulcast: SDPSimulcast?
    public var iceUfrag: String?
    public var icePwd: String?
    public var iceOptions: [String]?
    public var fingerprints: [SDPFingerprint]
    public var setup: SDPSetupRole?
    public var candidates: [SDPCandidate]
    /// `a=end-of-candidates` (RFC 8840 §8.2).
    public var endOfCandidates: Bool
    public var otherAttributes: [SDPAttribute]
    public var otherLines: [SDPLine]

    public init(kind: SDPMediaKind, port: UInt16 = 9, portCount: UInt16? = nil, proto: String = "UDP/TLS/RTP/SAVPF",
                formats: [String], connection: SDPConnection? = nil, mid: String? = nil, direction: SDPDirection? = nil,
                rtpMaps: [SDPRtpMap] = [], fmtps: [SDPFmtp] = [], rtcpFeedback: [SDPRtcpFeedback] = [],
                extmaps: [SDPExtmap] = [], rtcpMux: Bool = false, rtcpRsize: Bool = false,
                ssrcs: [SDPSsrcAttribute] = [], ssrcGroups: [SDPSsrcGroup] = [], msids: [SDPMsid] = [],
                rids: [SDPRid] = [], simulcast: SDPSimulcast? = nil, iceUfrag: String? = nil, icePwd: String? = nil,
                iceOptions: [String]? = nil, fingerprints: [SDPFingerprint] = [], setup: SDPSetupRole? = nil,
                candidates: [SDPCandidate] = [], endOfCandidates: Bool = false,
                otherAttributes: [SDPAttribute] = [], otherLines: [SDPLine] = []) {
        self.kind = kind
        self.port = port
        self.portCount = portCount
        self.proto = proto
        self.formats = formats
        self.connection = connection
        self.mid = mid
        self.direction = direction
        self.rtpMaps = rtpMaps
        self.fmtps = fmtps
        self.rtcpFeedback = rtcpFeedback
        self.extmaps = extmaps
        self.rtcpMux = rtcpMux
        self.rtcpRsize = rtcpRsize
        self.ssrcs = ssrcs
        self.ssrcGroups = ssrcGroups
        self.msids = msids
        self.rids = rids
        self.simulcast = simulcast
        self.iceUfrag = iceUfrag
        self.icePwd = icePwd
        self.iceOptions = iceOptions
        self.fingerprints = fingerprints
        self.setup = setup
        self.candidates = candidates
        self.endOfCandidates = endOfCandidates
        self.otherAttributes = otherAttributes
        self.otherLines = otherLines
    }

    /// Whether the protocol carries RTP, so formats are payload types.
    public var isRTP: Bool { SDPMediaSection.isRTPProtocol(proto) }

    static func isRTPProtocol(_ proto: String) -> Bool { proto.uppercased().contains("RTP/") }

    /// The formats as payload types (empty for non-RTP sections).
    public var payloadTypes: [UInt8] { isRTP ? formats.compactMap { UInt8($0) } : [] }

    public func rtpMap(for payloadType: UInt8) -> SDPRtpMap? { rtpMaps.first { $0.payloadType == payloadType } }
    public func fmtp(for payloadType: UInt8) -> SDPFmtp? { fmtps.first { $0.payloadType == payloadType } }

    /// Feedback for `payloadType`, including `*` entries.
    public func rtcpFeedback(for payloadType: UInt8) -> [SDPRtcpFeedback] {
        rtcpFeedback.filter { $0.payloadType == nil || $0.payloadType == payloadType }
    }

    /// The distinct SSRCs of `a=ssrc` lines, in order of appearance.
    public var ssrcIDs: [UInt32] {
        var seen = Set<UInt32>()
        return ssrcs.compactMap { seen.insert($0.ssrc).inserted ? $0.ssrc : nil }
    }

    /// The `cname` of the first `a=ssrc` line that has one.
    public var cname: String? { ssrcs.first { $0.attribute == "cname" }?.value }
}
