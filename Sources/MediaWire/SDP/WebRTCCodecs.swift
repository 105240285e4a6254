// Codecs Marquee forwards and how an offered payload type is matched against them.
// Matching follows RFC 7587 (Opus), RFC 7741 (VP8) and RFC 6184 §8.1 (H.264: the profile and the
// packetization mode must agree; the level may differ when level-asymmetry-allowed=1).

/// An H.264 profile as `profile-level-id` encodes it (RFC 6184 §8.1), grouped the way browsers
/// negotiate them (libwebrtc's h264_profile_level_id).
public enum WebRTCH264Profile: String, Hashable, Sendable, CaseIterable {
    /// 42e0xx / 42c0xx / 4de0xx (set1 flag): what browsers and OBS send by default.
    case constrainedBaseline
    /// 4200xx.
    case baseline
    /// 4d00xx.
    case main
    /// 640cxx (set4+set5 flags).
    case constrainedHigh
    /// 6400xx.
    case high

    /// The profile of a `profile-level-id` (6 hex digits), `nil` for one Marquee does not know
    /// (for example High 10 or 4:4:4). RFC 6184 §8.1: absent means 42000a (baseline).
    public init?(profileLevelID: String?) {
        let text = profileLevelID ?? "42000a"
        guard text.utf8.count == 6, let value = UInt32(text, radix: 16) else { return nil }
        let profileIDC = UInt8(value >> 16)
        let iop = UInt8((value >> 8) & 0xFF)
        switch profileIDC {
        case 0x42: self = iop & 0x40 != 0 ? .constrainedBaseline : .baseline
        case 0x4D: self = iop & 0x80 != 0 ? .constrainedBaseline : .main
        case 0x58:
            if iop & 0xC0 == 0xC0 { self = .constrainedBaseline } else if iop & 0x80 != 0 { self = .baseline } else { return nil }
        case 0x64: self = iop & 0x0C == 0x0C ? .constrainedHigh : .high
        default: return nil
        }
    }
}

/// A codec Marquee can receive from a publisher. The order of a `WebRTCCodecPreferences` list is
/// the server's preference; the first one the offer also has wins.
public enum WebRTCCodecCapability: Hashable, Sendable, CustomStringConvertible {
    /// Opus, 48 kHz, two channels in SDP (RFC 7587 §7).
    case opus
    /// VP8, 90 kHz (RFC 7741).
    case vp8
    /// H.264 with `packetization-mode=1` (FU-A/STAP-A, what browsers and OBS send) and this profile.
    case h264(WebRTCH264Profile)

    public var kind: SDPMediaKind {
        switch self {
        case .opus: .audio
        case .vp8, .h264: .video
        }
    }

    public var description: String {
        switch self {
        case .opus: "opus/48000/2"
        case .vp8: "VP8/90000"
        case .h264(let profile): "H264/90000 (\(profile.rawValue), packetization-mode=1)"
        }
    }

    /// Whether an offered payload type (its rtpmap and fmtp) is this codec.
    public func matches(_ map: SDPRtpMap, fmtp: SDPFmtp?) -> Bool {
        let name = map.encodingName.lowercased()
        switch self {
        case .opus:
            return name == "opus" && map.clockRate == 48000 && map.encodingParameters == 2
        case .vp8:
            return name == "vp8" && map.clockRate == 90000
        case .h264(let profile):
            guard name == "h264", map.clockRate == 90000, fmtp?.parameter("packetization-mode") == "1" else { return false }
            return WebRTCH264Profile(profileLevelID: fmtp?.parameter("profile-level-id")) == profile
        }
    }
}

/// The server's codec preference per media kind.
public struct WebRTCCodecPreferences: Hashable, Sendable {
    public var audio: [WebRTCCodecCapability]
    public var video: [WebRTCCodecCapability]

    public init(audio: [WebRTCCodecCapability], video: [WebRTCCodecCapability]) {
        self.audio = audio
        self.video = video
    }

    /// Opus; VP8 first (simulcast layer switching rewrites VP8 picture IDs, and the later libvpx
    /// transcoder takes VP8), then H.264 by profile, constrained baseline first.
    public static let standard = WebRTCCodecPreferences(
        audio: [.opus],
        video: [.vp8, .h264(.constrainedBaseline), .h264(.baseline), .h264(.main), .h264(.constrainedHigh), .h264(.high)]
    )

    public func preferences(for kind: SDPMediaKind) -> [WebRTCCodecCapability] {
        switch kind {
        case .audio: audio
        case .video: video
        default: []
        }
    }
}

/// A negotiated codec: what the publisher sends (from a WHIP answer) and what a WHEP answer
/// offers a viewer. `fmtp` is kept as written, for example
/// `level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f`.
public struct WebRTCCodecDescription: Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public var clockRate: UInt32
    public var channels: UInt32?
    public var fmtp: String

    public init(name: String, clockRate: UInt32, channels: UInt32? = nil, fmtp: String = "") {
        self.name = name
        self.clockRate = clockRate
        self.channels = channels
        self.fmtp = fmtp
    }

    init(map: SDPRtpMap, fmtp: SDPFmtp?) {
        self.init(name: map.encodingName, clockRate: map.clockRate, channels: map.encodingParameters, fmtp: fmtp?.parameters ?? "")
    }

    private func parameter(_ name: String) -> String? {
        SDPFmtp(payloadType: 0, parameters: fmtp).parameter(name)
    }

    /// For H.264, the profile of `profile-level-id`.
    public var h264Profile: WebRTCH264Profile? {
        name.lowercased() == "h264" ? WebRTCH264Profile(profileLevelID: parameter("profile-level-id")) : nil
    }

    /// Whether a payload type offered by a viewer can carry this codec unchanged: same name and
    /// clock rate and channel count; for H.264 the same profile and packetization mode
    /// (RFC 6184 §8.2.2); for VP9 the same profile-id. Levels are not compared.
    public func isCompatible(with map: SDPRtpMap, fmtp offered: SDPFmtp?) -> Bool {
        guard map.encodingName.lowercased() == name.lowercased(), map.clockRate == clockRate,
              (map.encodingParameters ?? 1) == (channels ?? 1) else { return false }
        switch name.lowercased() {
        case "h264":
            let mode = offered?.parameter("packetization-mode") ?? "0"
            guard mode == (parameter("packetization-mode") ?? "0") else { return false }
            guard let profile = h264Profile else { return false }
            return WebRTCH264Profile(profileLevelID: offered?.parameter("profile-level-id")) == profile
        case "vp9":
            return (offered?.parameter("profile-id") ?? "0") == (parameter("profile-id") ?? "0")
        default:
            return true
        }
    }

    public var description: String {
        var text = "\(name)/\(clockRate)"
        if let channels { text += "/\(channels)" }
        if !fmtp.isEmpty { text += " \(fmtp)" }
        return text
    }
}

/// RTP header extension URIs Marquee negotiates (MEDIA.md "Header extensions worth keeping").
public enum WebRTCHeaderExtensionURI {
    /// RFC 9143 §15: the mid of a bundled packet.
    public static let mid = "urn:ietf:params:rtp-hdrext:sdes:mid"
    /// RFC 8852: the rid of a simulcast layer.
    public static let rtpStreamID = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
    /// RFC 8852: the rid of the layer an RTX stream repairs.
    public static let repairedRtpStreamID = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"
    public static let absSendTime = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
    public static let transportWideCC = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
    /// RFC 6464: audio level of a packet.
    public static let audioLevel = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"

    /// What a publisher's (WHIP) section keeps. Transport-wide CC too: the SFU numbers nothing
    /// itself but records each packet's transport-wide sequence number and arrival and sends
    /// transport-wide feedback (RTPFB 15) every ~50 ms. A browser that negotiated it takes its
    /// loss and delay information from that feedback alone (without feedback it had lowered
    /// its estimate until its upper simulcast layers stopped: measured with Chromium, 1.3 Mbit/s
    /// to 40 kbit/s in 15 s); REMB and receiver reports still go, REMB capping its estimate.
    static func forPublisher(_ kind: SDPMediaKind) -> [String] {
        kind == .audio ? [mid, absSendTime, transportWideCC, audioLevel]
            : [mid, rtpStreamID, repairedRtpStreamID, absSendTime, transportWideCC]
    }

    /// What a viewer's (WHEP) section keeps: no simulcast toward viewers, so no rid extensions.
    /// Transport-wide CC when offered: the SFU stamps each packet to the viewer with the
    /// viewer's own transport-wide sequence number (audio and video share it) and turns its
    /// feedback into the bandwidth estimate behind the viewer's simulcast layer choice.
    static func forViewer(_ kind: SDPMediaKind) -> [String] {
        kind == .audio ? [mid, absSendTime, transportWideCC, audioLevel] : [mid, absSendTime, transportWideCC]
    }
}

/// RTCP feedback Marquee honours (RFC 4585 nack/pli, RFC 5104 fir, REMB, and transport-cc,
/// kept only when the transport-wide sequence number extension is: see
/// ``WebRTCHeaderExtensionURI``).
enum WebRTCFeedbackSupport {
    static let supported: Set<String> = ["nack", "nack pli", "ccm fir", "goog-remb", "transport-cc"]
}
