/// What the WHIP/WHEP routes need from the SFU (implemented by `SFU.MediaServer`).
public protocol MediaSignaling: Sendable {
    /// A publisher's offer for `channelId` (already authorised by its stream key): the answer.
    func publish(channelId: String, ownerId: String, offer: String) async throws(MediaSignalingError) -> (sessionId: String, answer: String)
    /// A viewer's offer (access already checked): the answer.
    func watch(channelId: String, viewerId: String?, offer: String) async throws(MediaSignalingError) -> (sessionId: String, answer: String)
    /// Ends a session of `channelId`; false when there is no such session.
    func end(sessionId: String, channelId: String, by actorId: String?) async -> Bool
    /// For /metrics: sessions held, packets forwarded, datagrams dropped by reason.
    func statistics() async -> MediaStatistics
}

public struct MediaStatistics: Sendable, Equatable {
    public var sessions: Int
    public var forwarded: Int
    public var dropped: [String: Int]
    /// RTCP the SFU originated, by kind: `sender_report`, `receiver_report`, `remb`, `transport_feedback`.
    public var rtcpSent: [String: Int]
    /// Simulcast layer switches done for viewers, by direction: `up`, `down`.
    public var layerSwitches: [String: Int]
    /// Viewers by the simulcast layer (rid) they receive now ("" for a stream without rids).
    public var viewersByLayer: [String: Int]
    /// Keyframe requests (PLI) sent to publishers.
    public var keyframeRequests: Int
    /// What publishers send on each simulcast layer (rid), bit/s, summed over publishers.
    public var layerBitrates: [String: UInt64]
    /// Transport-wide feedback packets received from viewers (those that negotiated transport-cc).
    public var transportFeedbackReceived: Int
    /// Sessions whose SRTP started, by protection profile (`SRTP_AEAD_AES_128_GCM`, `SRTP_AES128_CM_SHA1_80`)
    /// and the AES-GCM implementation running (`openssl`: ours inside libsrtp2; `nss`: Debian's).
    public var srtpSessions: [String: Int]
    public var srtpGCMImplementation: String
    public init(sessions: Int, forwarded: Int, dropped: [String: Int], rtcpSent: [String: Int] = [:], layerSwitches: [String: Int] = [:],
                viewersByLayer: [String: Int] = [:], keyframeRequests: Int = 0, layerBitrates: [String: UInt64] = [:],
                transportFeedbackReceived: Int = 0, srtpSessions: [String: Int] = [:], srtpGCMImplementation: String = "") {
        self.sessions = sessions; self.forwarded = forwarded; self.dropped = dropped; self.rtcpSent = rtcpSent
        self.layerSwitches = layerSwitches; self.viewersByLayer = viewersByLayer; self.keyframeRequests = keyframeRequests
        self.layerBitrates = layerBitrates; self.transportFeedbackReceived = transportFeedbackReceived
        self.srtpSessions = srtpSessions; self.srtpGCMImplementation = srtpGCMImplementation
    }

    /// One metric family with one label: its TYPE line, then a sample per label value, sorted.
    static func family<Value: BinaryInteger>(_ name: String, _ type: String, _ label: String, _ values: [String: Value]) -> String {
        var text = "# TYPE \(name) \(type)\n"
        for (key, value) in values.sorted(by: { $0.key < $1.key }) { text += "\(name){\(label)=\"\(key)\"} \(value)\n" }
        return text
    }

    /// Prometheus text exposition lines.
    public var prometheus: String {
        var text = "# TYPE marquee_media_sessions gauge\nmarquee_media_sessions \(sessions)\n"
        text += "# TYPE marquee_media_forwarded_packets_total counter\nmarquee_media_forwarded_packets_total \(forwarded)\n"
        text += Self.family("marquee_media_dropped_datagrams_total", "counter", "reason", dropped)
        text += Self.family("marquee_media_rtcp_sent_total", "counter", "type", rtcpSent)
        // Both directions always, so a rate over them never starts from a missing series.
        text += Self.family("marquee_media_layer_switches_total", "counter", "direction",
                            ["down": layerSwitches["down"] ?? 0, "up": layerSwitches["up"] ?? 0])
        text += Self.family("marquee_media_viewers_by_layer", "gauge", "rid", viewersByLayer)
        text += Self.family("marquee_media_layer_bitrate_bits_per_second", "gauge", "rid", layerBitrates)
        text += "# TYPE marquee_media_keyframe_requests_total counter\nmarquee_media_keyframe_requests_total \(keyframeRequests)\n"
        text += "# TYPE marquee_media_transport_feedback_received_total counter\n"
            + "marquee_media_transport_feedback_received_total \(transportFeedbackReceived)\n"
        text += Self.family("marquee_media_srtp_sessions_total", "counter", "profile", srtpSessions)
        if !srtpGCMImplementation.isEmpty {
            text += "# TYPE marquee_media_srtp_gcm_info gauge\nmarquee_media_srtp_gcm_info{implementation=\"\(srtpGCMImplementation)\"} 1\n"
        }
        return text
    }
}

public enum MediaSignalingError: Error, Equatable, Sendable {
    /// The SDP cannot be read (400).
    case malformedOffer(String)
    /// Nothing in the offer can be accepted (406 per WHIP/WHEP practice, with the detail).
    case nothingInCommon(String)
    /// The channel already has a publisher, or the server is full (409 / 503).
    case conflict(String)
    case unavailable(String)
}
