import NIOCore

/// How the SFU listens and when it gives up on a peer.
public struct MediaConfig: Sendable {
    /// `--media-udp HOST:PORT` (default 0.0.0.0:8189): the one UDP socket for every session.
    public var host: String
    public var port: Int
    /// `--public-ip`: the address advertised in candidates instead of the bound one(s).
    public var publicIPs: [String]
    /// No valid consent check (STUN) for this long: the session is `disconnected` (RFC 7675).
    public var consentDisconnectMillis: Int64
    /// … and for this long: the session is over.
    public var consentTimeoutMillis: Int64
    /// A session that has not completed ICE and DTLS by then is dropped (half-open sessions).
    public var setupTimeoutMillis: Int64
    /// The most sessions the server holds at once (each WHIP/WHEP POST makes one).
    public var maxSessions: Int
    /// How often each session gets RTCP reports: sender reports to viewers, receiver reports
    /// and REMB to publishers (RFC 3550 §6.2 suggests a few seconds; browsers send about 1/s).
    public var reportIntervalMillis: Int64
    /// The REMB sent to a publisher is its received bitrate × 1.5, at least this (so browsers
    /// keep their upper simulcast layers on from the start) …
    public var publisherBitrateFloor: UInt64
    /// … and at most this.
    public var publisherBitrateCeiling: UInt64
    /// How often publishers that negotiated transport-cc get transport-wide feedback (sooner
    /// when many packets wait); libwebrtc's receivers send it every 50–250 ms.
    public var transportFeedbackIntervalMillis: Int64
    /// Threads that make a large fan-out's copies (encrypt and send), the media loop's included:
    /// by default one per core, at most 4. 1 keeps everything on the loop.
    public var fanOutThreads: Int
    /// Fan-outs to at least this many viewers use those threads; smaller ones stay on the loop.
    public var fanOutParallelFrom: Int

    public init(host: String = "0.0.0.0", port: Int = 8189, publicIPs: [String] = [], consentDisconnectMillis: Int64 = 10_000,
                consentTimeoutMillis: Int64 = 30_000, setupTimeoutMillis: Int64 = 15_000, maxSessions: Int = 4096,
                reportIntervalMillis: Int64 = 1000, publisherBitrateFloor: UInt64 = 2_500_000, publisherBitrateCeiling: UInt64 = 10_000_000,
                transportFeedbackIntervalMillis: Int64 = 50, fanOutThreads: Int = MediaConfig.defaultFanOutThreads,
                fanOutParallelFrom: Int = 64) {
        self.host = host; self.port = port; self.publicIPs = publicIPs
        self.consentDisconnectMillis = consentDisconnectMillis; self.consentTimeoutMillis = consentTimeoutMillis
        self.setupTimeoutMillis = setupTimeoutMillis; self.maxSessions = maxSessions
        self.reportIntervalMillis = reportIntervalMillis
        self.publisherBitrateFloor = publisherBitrateFloor; self.publisherBitrateCeiling = publisherBitrateCeiling
        self.transportFeedbackIntervalMillis = transportFeedbackIntervalMillis
        self.fanOutThreads = max(1, fanOutThreads); self.fanOutParallelFrom = max(1, fanOutParallelFrom)
    }

    public static var defaultFanOutThreads: Int { min(4, max(1, System.coreCount)) }
}
