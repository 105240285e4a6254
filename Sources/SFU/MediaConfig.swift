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

    public init(host: String = "0.0.0.0", port: Int = 8189, publicIPs: [String] = [], consentDisconnectMillis: Int64 = 10_000,
                consentTimeoutMillis: Int64 = 30_000, setupTimeoutMillis: Int64 = 15_000, maxSessions: Int = 4096) {
        self.host = host; self.port = port; self.publicIPs = publicIPs
        self.consentDisconnectMillis = consentDisconnectMillis; self.consentTimeoutMillis = consentTimeoutMillis
        self.setupTimeoutMillis = setupTimeoutMillis; self.maxSessions = maxSessions
    }
}
