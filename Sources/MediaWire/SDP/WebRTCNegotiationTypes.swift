// Inputs and outputs of the WHIP/WHEP offer/answer functions (`WebRTCNegotiator`).

/// What the server puts in every answer: its ICE-lite credentials, its DTLS certificate's
/// fingerprint and its host candidates (RFC 8839, RFC 8842).
public struct WebRTCServerTransport: Hashable, Sendable {
    /// 4–256 ice-chars (RFC 8839 §5.4); the STUN USERNAME is `iceUfrag:clientUfrag`.
    public var iceUfrag: String
    /// 22–256 ice-chars; the key of MESSAGE-INTEGRITY on Binding requests.
    public var icePwd: String
    /// The SHA-256 fingerprint of the server's DTLS certificate.
    public var fingerprint: SDPFingerprint
    /// UDP host candidates, most preferred first.
    public var candidates: [WebRTCHostCandidate]

    public init(iceUfrag: String, icePwd: String, fingerprint: SDPFingerprint, candidates: [WebRTCHostCandidate]) {
        self.iceUfrag = iceUfrag
        self.icePwd = icePwd
        self.fingerprint = fingerprint
        self.candidates = candidates
    }
}

/// A UDP host candidate of the server (`typ host`).
public struct WebRTCHostCandidate: Hashable, Sendable {
    public var address: String
    public var port: UInt16

    public init(address: String, port: UInt16) {
        self.address = address
        self.port = port
    }
}

/// A track the server sends to a WHEP viewer: the publisher's codec and the server's own
/// SSRC, msid and cname for it.
public struct WebRTCOutgoingTrack: Hashable, Sendable {
    public var kind: SDPMediaKind
    /// Usually `WebRTCNegotiatedMedia.codec` of the publisher's matching section.
    public var codec: WebRTCCodecDescription
    public var ssrc: UInt32
    public var cname: String
    public var streamID: String
    public var trackID: String

    public init(kind: SDPMediaKind, codec: WebRTCCodecDescription, ssrc: UInt32, cname: String, streamID: String, trackID: String) {
        self.kind = kind
        self.codec = codec
        self.ssrc = ssrc
        self.cname = cname
        self.streamID = streamID
        self.trackID = trackID
    }
}

/// The client's side of the transport, from its offer.
public struct WebRTCRemoteTransport: Hashable, Sendable {
    public var iceUfrag: String
    public var icePwd: String
    /// Every fingerprint the client offered; the DTLS layer checks the client certificate
    /// against one whose hash it supports (browsers send sha-256).
    public var fingerprints: [SDPFingerprint]
    /// The client's `a=setup` (`actpass` or `active`; absent counts as `active`, RFC 4145 §4).
    public var setup: SDPSetupRole
    /// Always `.passive`: the server is the DTLS server and the client starts the handshake.
    public var serverSetup: SDPSetupRole
    public var iceOptions: [String]
    /// Candidates the client put in its offer (trickled ones arrive by PATCH).
    public var candidates: [SDPCandidate]
}

/// One accepted m-line: what the SFU needs to route and rewrite its packets.
public struct WebRTCNegotiatedMedia: Hashable, Sendable {
    public var mid: String
    public var mLineIndex: Int
    public var kind: SDPMediaKind
    /// The server's direction in the answer: `.recvonly` for WHIP, `.sendonly` for WHEP.
    public var direction: SDPDirection
    /// The client's payload type number for the codec (never renumbered).
    public var payloadType: UInt8
    public var codec: WebRTCCodecDescription
    /// Kept feedback, e.g. `["nack", "nack pli", "ccm fir", "goog-remb"]`.
    public var rtcpFeedback: [String]
    /// Kept header extensions: URI → the client's id.
    public var headerExtensions: [String: UInt16]
    public var rtcpReducedSize: Bool
    /// Simulcast rids the publisher will send, in its order (empty without simulcast).
    public var rids: [String]
    /// The client's SSRCs (`a=ssrc`), groups, msid and cname from its offer.
    public var remoteSSRCs: [UInt32]
    public var remoteSSRCGroups: [SDPSsrcGroup]
    public var remoteMsid: SDPMsid?
    public var remoteCName: String?
    /// For WHEP, the server track bound to this m-line.
    public var outgoingTrack: WebRTCOutgoingTrack?
    /// Things worth logging, e.g. why simulcast was not answered.
    public var notes: [String]

    /// The client's id for header extension `uri`.
    public func headerExtensionID(_ uri: String) -> UInt16? { headerExtensions[uri] }
}

/// An m-line answered with port 0, and why.
public struct WebRTCRejectedMedia: Hashable, Sendable {
    public var mLineIndex: Int
    public var mid: String?
    public var kind: SDPMediaKind
    public var reason: String

    public init(mLineIndex: Int, mid: String?, kind: SDPMediaKind, reason: String) {
        self.mLineIndex = mLineIndex
        self.mid = mid
        self.kind = kind
        self.reason = reason
    }
}

/// The result of answering an offer.
public struct WebRTCAnswer: Hashable, Sendable {
    /// The answer, ready to send as `application/sdp`.
    public var answer: SDPSessionDescription
    /// `answer.serialized()`.
    public var sdp: String
    public var media: [WebRTCNegotiatedMedia]
    public var rejected: [WebRTCRejectedMedia]
    public var remote: WebRTCRemoteTransport
}

/// Why an offer could not be answered. `detail` is meant for a problem+json body; a WHIP/WHEP
/// endpoint answers `.nothingInCommon` with 406 or 422 and the others with 400 or 422.
public enum WebRTCNegotiationError: Error, Hashable, Sendable, CustomStringConvertible {
    case malformedOffer(SDPParseError)
    case noMediaSections
    /// JSEP (RFC 8829 §5.8) and BUNDLE need an `a=mid` on every m-line.
    case missingMid(mLineIndex: Int)
    case duplicateMid(String)
    /// RFC 8829 §5.1.3: WebRTC requires RTP/RTCP multiplexing; Marquee has one port per session.
    case rtcpMuxRequired(mid: String)
    /// `a=setup:passive` or `holdconn`: the server is always the DTLS server (passive).
    case unsupportedSetupRole(SDPSetupRole)
    case missingICECredentials
    case invalidICECredentials(String)
    case missingFingerprint
    /// Accepted m-lines disagree on ICE credentials or fingerprints.
    case inconsistentTransport(String)
    /// Several m-lines accepted but not all in one BUNDLE group (one socket, RFC 8843).
    case bundleRequired(mids: [String])
    case invalidSimulcast(mid: String, reason: String)
    /// No m-line could be accepted; each entry says why.
    case nothingInCommon([WebRTCRejectedMedia])
    /// The server's own input (credentials, candidates, tracks) cannot be written as SDP.
    case invalidServerConfiguration(String)

    public var detail: String {
        switch self {
        case .malformedOffer(let error):
            "malformed SDP offer: \(error.detail)"
        case .noMediaSections:
            "the offer has no m= sections"
        case .missingMid(let index):
            "m-line \(index) has no a=mid"
        case .duplicateMid(let mid):
            "mid '\(mid)' is used by more than one m-line"
        case .rtcpMuxRequired(let mid):
            "m-line '\(mid)' lacks a=rtcp-mux, which is required (RFC 8829 §5.1.3)"
        case .unsupportedSetupRole(let role):
            "a=setup:\(role.rawValue) is not supported: offer actpass or active, the server is the DTLS server"
        case .missingICECredentials:
            "the offer has no a=ice-ufrag / a=ice-pwd"
        case .invalidICECredentials(let reason):
            "invalid ICE credentials: \(reason)"
        case .missingFingerprint:
            "the offer has no a=fingerprint"
        case .inconsistentTransport(let reason):
            "the bundled m-lines disagree: \(reason)"
        case .bundleRequired(let mids):
            "m-lines \(mids.joined(separator: ", ")) must all be in one a=group:BUNDLE"
        case .invalidSimulcast(let mid, let reason):
            "invalid simulcast in m-line '\(mid)': \(reason)"
        case .nothingInCommon(let rejected):
            "nothing in common: " + rejected.map { "m-line \($0.mLineIndex) (\($0.kind)\($0.mid.map { ", mid \($0)" } ?? "")): \($0.reason)" }
                .joined(separator: "; ")
        case .invalidServerConfiguration(let reason):
            "server configuration cannot be used in an answer: \(reason)"
        }
    }

    public var description: String { detail }
}
