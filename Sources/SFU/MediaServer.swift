#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Domain
import Engine
import HTTPAPI
import Logging
import MediaCrypto
import MediaWire
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The SFU inside the `marquee` process: one UDP socket (`--media-udp`), every WHIP and WHEP
/// session on it. The packet path runs on one NIO event loop with the router's state confined
/// to it, except that a large fan-out borrows helper threads (`FanOutPool`) and waits for them
/// before the loop goes on; the log hears about streams and viewers through `ViewingSessions`,
/// off that path.
public final class MediaServer: MediaSignaling, Service, @unchecked Sendable {
    public let config: MediaConfig
    public let certificate: DTLSCertificate
    let context: DTLSContext
    let viewing: ViewingSessions
    let logger: Logger
    let loop: any EventLoop
    let router: MediaRouter
    private let actionStream: AsyncStream<[MediaAction]>
    private let actionSink: AsyncStream<[MediaAction]>.Continuation
    private var channel: (any Channel)?
    /// The UDP port actually bound (useful with port 0 in tests).
    public private(set) var boundPort: Int = 0
    private var candidates: [String] = []

    public init(config: MediaConfig, viewing: ViewingSessions, logger: Logger,
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        self.config = config
        self.certificate = try DTLSCertificate(commonName: "marquee")
        self.context = try DTLSContext(certificate: certificate)
        self.viewing = viewing
        self.logger = logger
        self.loop = group.next()
        self.router = MediaRouter(config: config)
        (actionStream, actionSink) = AsyncStream<[MediaAction]>.makeStream()
    }

    static func now() -> Int64 { Int64(NIODeadline.now().uptimeNanoseconds / 1_000_000) }
    /// The same clock in µs (transport-wide feedback counts 250 µs ticks).
    static func nowMicros() -> Int64 { Int64(NIODeadline.now().uptimeNanoseconds / 1_000) }

    /// The wall clock as an NTP timestamp, for sender reports.
    static func ntpNow() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return NTPTime.fromUnix(nanoseconds: Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec))
    }

    /// Binds the socket and starts the timers.
    public func start() async throws {
        let handler = MediaHandler(server: self)
        let descriptor = try SendBuffer.boundSocket(host: config.host, port: config.port)
        // NIO reads the socket; everything sent goes around NIO's pipeline, in sendmmsg calls on
        // the descriptor, from the loop's thread and (for large fan-outs) the pool's helpers
        let pool = FanOutPool(descriptor: descriptor, threads: config.fanOutThreads, parallelFrom: config.fanOutParallelFrom)
        try await loop.submit { self.router.fanOut = pool }.get()
        let channel = try await DatagramBootstrap(group: loop)
            .channelOption(ChannelOptions.socketOption(.so_rcvbuf), value: 4 << 20)
            .channelOption(ChannelOptions.socketOption(.so_sndbuf), value: 4 << 20)
            // Reads in batches (recvmmsg, up to 16 datagrams a call).
            .channelOption(ChannelOptions.datagramVectorReadMessageCount, value: 16)
            // The buffer is split between the 16 messages: 2 KiB each (a datagram never exceeds
            // the path MTU here; a longer one is cut and then fails to parse, like any bad input).
            .channelOption(ChannelOptions.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 16 * 2048))
            .channelInitializer { channel in channel.pipeline.addHandler(handler) }
            .withBoundSocket(descriptor).get()
        self.channel = channel
        boundPort = channel.localAddress?.port ?? config.port
        candidates = Self.hostAddresses(bound: config.host, publicIPs: config.publicIPs)
        loop.scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) { [weak self] task in
            guard let self, let channel = self.channel, channel.isActive else { task.cancel(); return }
            let now = Self.now()
            self.send(self.router.tick(now: now) + self.router.reports(now: now, ntpNow: Self.ntpNow()), on: channel)
            self.flushActions()
        }
        // transport-wide feedback to publishers, on its own shorter period (libwebrtc: 50 ms)
        loop.scheduleRepeatedTask(initialDelay: .milliseconds(50), delay: .milliseconds(config.transportFeedbackIntervalMillis)) { [weak self] task in
            guard let self, let channel = self.channel, channel.isActive else { task.cancel(); return }
            self.send(self.router.transportFeedback(nowMicros: Self.nowMicros()), on: channel)
        }
        logger.notice("media (WHIP/WHEP) listening", metadata: ["udp": "\(config.host):\(boundPort)", "candidates": "\(candidates)"])
    }

    public func run() async throws {
        if channel == nil { try await start() }
        await withGracefulShutdownHandler {
            for await batch in actionStream {
                for action in batch { await perform(action) }
            }
        } onGracefulShutdown: {
            self.actionSink.finish()
        }
        try? await channel?.close()
        try? await loop.submit { self.router.fanOut.stop() }.get()
    }

    func send(_ datagrams: [MediaRouter.Datagram], on channel: any Channel) { transmit(datagrams) }

    /// Sends on the media loop (through the loop's own send buffer); what the socket buffer
    /// could not take is counted as dropped.
    func transmit(_ datagrams: [MediaRouter.Datagram]) {
        let buffer = router.fanOut.buffers[0]
        guard !datagrams.isEmpty, buffer.descriptor != nil else { return }
        for datagram in datagrams { buffer.append(datagram.bytes, to: datagram.to) }
        buffer.flush()
        _ = router.collectFanOut()
    }

    func flushActions() {
        let actions = router.takeActions()
        if !actions.isEmpty { actionSink.yield(actions) }
    }

    /// Tells the log what happened (never on the packet path).
    func perform(_ action: MediaAction) async {
        do {
            switch action {
            case .publisherConnected(let sessionId, let channelId, let ownerId, let codecs, let layers):
                do {
                    let streamId = try await viewing.startStream(channelId: channelId, ownerId: ownerId, codecs: codecs, simulcastLayers: layers)
                    loop.execute { self.router.setLogId(streamId, of: sessionId) }
                } catch {
                    logger.warning("publisher refused by the log", metadata: ["error": "\(error)"])
                    await cut(sessionId)
                }
            case .publisherGone(_, let streamId, let reason):
                if let streamId { try await viewing.endStream(streamId, reason: reason) }
            case .viewerConnected(let sessionId, let channelId, let accountId):
                do {
                    let logId = try await viewing.join(channelId: channelId, viewerId: accountId)
                    loop.execute { self.router.setLogId(logId, of: sessionId) }
                } catch {
                    logger.info("viewer refused by the log", metadata: ["error": "\(error)"])
                    await cut(sessionId)
                }
            case .viewerDisconnected(let logId): try await viewing.disconnected(logId)
            case .viewerReconnected(let logId): try await viewing.reconnected(logId)
            case .viewerGone(_, let logId, let reason):
                if let logId { try await viewing.left(logId, reason: reason) }
            }
        } catch {
            logger.info("media event not recorded", metadata: ["action": "\(action)", "error": "\(error)"])
        }
    }

    /// Cuts a session without telling the log again (the log already decided).
    func cut(_ sessionId: String) async {
        loop.execute {
            guard let channel = self.channel else { return }
            self.send(self.router.close(sessionId, tellLog: false), on: channel)
        }
    }

    /// The SFU obeys the log: bans, empty wallets, ended streams and kicks cut the media.
    public func observe(seq: Int64, event: DomainEvent) {
        let cuts: @Sendable (MediaSession) -> Bool
        switch event {
        case .chatUserBanned(let e):
            cuts = { $0.role == .viewer && $0.channelId == e.channelId && $0.accountId == e.userId }
        case .viewerLeft(let e):
            cuts = { $0.role == .viewer && $0.logId == e.sessionId }
        case .billingStopped(let e) where e.reason == .insufficientFunds:
            cuts = { $0.role == .viewer && $0.logId == e.sessionId }
        case .streamEnded(let e):
            cuts = { $0.role == .publisher && $0.logId == e.streamId }
        case .accountSuspended(let e):
            cuts = { $0.accountId == e.accountId }
        default:
            return
        }
        loop.execute {
            guard let channel = self.channel else { return }
            for session in self.router.sessions(where: cuts) {
                self.send(self.router.close(session.id, tellLog: false), on: channel)
            }
        }
    }

    // MARK: MediaSignaling

    public func publish(channelId: String, ownerId: String, offer: String) async throws(MediaSignalingError) -> (sessionId: String, answer: String) {
        try await open(role: .publisher, channelId: channelId, accountId: ownerId, offer: offer)
    }

    public func watch(channelId: String, viewerId: String?, offer: String) async throws(MediaSignalingError) -> (sessionId: String, answer: String) {
        try await open(role: .viewer, channelId: channelId, accountId: viewerId, offer: offer)
    }

    public func end(sessionId: String, channelId: String, by actorId: String?) async -> Bool {
        let found: Bool = (try? await loop.submit { () -> Bool in
            guard let session = self.router.session(sessionId), session.channelId == channelId, let channel = self.channel else { return false }
            self.send(self.router.close(sessionId, streamReason: .endedByCreator, viewerReason: .closed), on: channel)
            self.flushActions()
            return true
        }.get()) ?? false
        return found
    }

    private func open(role: MediaSession.Role, channelId: String, accountId: String?, offer: String) async throws(MediaSignalingError)
        -> (sessionId: String, answer: String) {
        let ufrag = Self.random(8), password = Self.random(24)
        let negotiated = try Negotiation.answer(role: role, offer: offer, ufrag: ufrag, password: password,
                                               fingerprint: certificate.fingerprint, candidates: candidates, port: boundPort,
                                               publisherTracks: role == .viewer ? await publisherTracks(channelId) : [])
        let dtls: DTLSEndpoint
        do { dtls = try DTLSEndpoint(context: context, role: .server, expectedPeerFingerprint: negotiated.remoteFingerprint) } catch {
            throw .unavailable("DTLS is not available: \(error)")
        }
        let id = Self.random(22)
        let session = MediaSession(id: id, role: role, channelId: channelId, accountId: accountId,
                                   credentials: STUNResponder.Credentials(localUfrag: ufrag, localPassword: password),
                                   remoteUfrag: negotiated.remoteUfrag, dtls: dtls, tracks: negotiated.tracks,
                                   outboundSSRCs: negotiated.outboundSSRCs, now: Self.now(),
                                   transportFeedbackIntervalMillis: config.transportFeedbackIntervalMillis)
        let added: Result<Void, MediaRouterError>
        do {
            added = try await loop.submit { () -> Result<Void, MediaRouterError> in
                do { try self.router.add(session); return .success(()) } catch let error as MediaRouterError { return .failure(error) } catch { return .failure(.full) }
            }.get()
        } catch {
            throw .unavailable("the media server is stopping")
        }
        switch added {
        case .success: return (id, negotiated.answer)
        case .failure(.alreadyPublishing): throw .conflict("the channel already has a publisher; end that session first (DELETE its Location)")
        case .failure(.full): throw .unavailable("the media server holds its maximum number of sessions")
        }
    }

    private func publisherTracks(_ channelId: String) async -> [NegotiatedTrack] {
        (try? await loop.submit { () -> [NegotiatedTrack] in
            self.router.sessions(where: { $0.role == .publisher && $0.channelId == channelId }).first?.tracks ?? []
        }.get()) ?? []
    }

    public func statistics() async -> MediaStatistics {
        let (sessions, counters) = await snapshot()
        let (viewers, bitrates) = (try? await loop.submit { (self.router.viewersByLayer(), self.router.layerBitrates()) }.get()) ?? ([:], [:])
        return MediaStatistics(sessions: sessions, forwarded: counters.forwarded, dropped: counters.dropped, rtcpSent: counters.rtcpSent,
                               layerSwitches: counters.layerSwitches, viewersByLayer: viewers, keyframeRequests: counters.keyframeRequests,
                               layerBitrates: bitrates, transportFeedbackReceived: counters.transportFeedbackReceived,
                               srtpSessions: counters.srtpSessions, srtpGCMImplementation: SRTPSession.gcmImplementation)
    }

    /// Sessions held now and the router's counters (for /metrics and tests).
    public func snapshot() async -> (sessions: Int, counters: MediaCounters) {
        (try? await loop.submit { (self.router.sessionCount, self.router.counters) }.get()) ?? (0, MediaCounters())
    }

    static func random(_ count: Int) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var rng = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in alphabet[Int(rng.next(upperBound: UInt64(alphabet.count)))] })
    }

    /// Host candidates: the public IPs when given, else the bound address, else (bound to all
    /// interfaces) every IPv4 address of the machine's interfaces.
    static func hostAddresses(bound: String, publicIPs: [String]) -> [String] {
        if !publicIPs.isEmpty { return publicIPs }
        if bound != "0.0.0.0" && bound != "::" { return [bound] }
        let devices = (try? System.enumerateDevices()) ?? []
        var addresses: [String] = []
        for device in devices {
            if case .v4? = device.address, let ip = device.address?.ipAddress, !addresses.contains(ip) { addresses.append(ip) }
        }
        return addresses.isEmpty ? ["127.0.0.1"] : addresses
    }
}

/// Datagrams in, datagrams out: the only code that runs per packet besides the router.
final class MediaHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>
    let server: MediaServer

    init(server: MediaServer) { self.server = server }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let bytes = Array(envelope.data.readableBytesView)
        let micros = MediaServer.nowMicros()
        // sent at once; a fan-out's copies have left already, from the pool's threads
        server.transmit(server.router.receive(bytes, from: envelope.remoteAddress, now: micros / 1000, arrivalMicros: micros))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        server.flushActions()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP port-unreachable and friends: nothing to do for a connectionless socket.
    }
}
