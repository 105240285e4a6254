import CMediaIO
import Glibc
import MediaWire
import MarqueeCore
import Synchronization

/// The load generator's media thread: one epoll loop over every peer's socket, a timerfd that
/// paces the publisher's packets evenly (as a browser's pacer does), and the peers' ICE/DTLS
/// timers. Viewers' received packets are counted and their latency (kernel arrival stamp minus
/// the send time stamped into the packet) kept while a measuring window is open.
public final class LoadLoop: @unchecked Sendable {
    /// What the measuring thread reads and writes, behind a lock.
    struct Shared {
        var pending: [LoadPeer] = []
        var stop = false
        var connected: Set<Int> = []
        var withMedia: Set<Int> = []
        var failures: [Int: String] = [:]
        /// Peers not connected yet, by stage ("ice", "dtls").
        var stages: [Int: String] = [:]
        var publisherConnected = false
        var sentPackets: UInt32 = 0
        var window: (from: UInt32, to: UInt32?)?
        var windowReceived = 0
        var latencies: [Int32] = []
        var keyFrameRequests = 0
        var sendFailures = 0
    }

    private let shared = Mutex(Shared())
    private let epoll: Int32
    private let wake: Int32
    private let timer: Int32
    private var peers: [Int: LoadPeer] = [:]
    private var publisher: LoadPeer?
    private var source: VP8Source
    private var lastKeyFrameAt: Int64 = 0
    private var lastTick: Int64 = 0
    private var thread: pthread_t?

    private static let wakeTag: UInt64 = .max
    private static let timerTag: UInt64 = .max - 1

    init(source: VP8Source) throws(LoadError) {
        self.source = source
        epoll = mq_epoll_create()
        wake = mq_eventfd()
        timer = mq_timerfd(Int64(1_000_000_000 / source.packetsPerSecond))
        guard epoll >= 0, wake >= 0, timer >= 0 else { throw LoadError("epoll/eventfd/timerfd: errno \(errno)") }
        Self.watch(epoll, wake, tag: Self.wakeTag)
        Self.watch(epoll, timer, tag: Self.timerTag)
    }

    private static func watch(_ epoll: Int32, _ fd: Int32, tag: UInt64) {
        _ = mq_epoll_add(epoll, fd, tag)
    }

    func start() {
        let box = Unmanaged.passRetained(self)
        var thread = pthread_t()
        pthread_create(&thread, nil, { raw in
            let loop = Unmanaged<LoadLoop>.fromOpaque(raw!).takeRetainedValue()
            loop.run()
            return nil
        }, box.toOpaque())
        self.thread = thread
    }

    /// Stops the thread and closes every socket.
    func stop() {
        shared.withLock { $0.stop = true }
        var one: UInt64 = 1
        _ = write(wake, &one, 8)
        if let thread { pthread_join(thread, nil) }
        thread = nil
        for peer in peers.values { peer.socket.close() }
        close(epoll); close(wake); close(timer)
    }

    /// Hands a configured peer to the loop thread.
    func add(_ peer: LoadPeer) {
        shared.withLock { $0.pending.append(peer) }
        var one: UInt64 = 1
        _ = write(wake, &one, 8)
    }

    func read<T>(_ body: (inout Shared) -> T) -> T { shared.withLock { body(&$0) } }

    // MARK: - The thread

    private func run() {
        ThreadName.set("marquee-load")
        var tags = [UInt64](repeating: 0, count: 64)
        let batch = ReceiveBatch()
        while true {
            let count = mq_epoll_wait(epoll, &tags, Int32(tags.count), 20)
            if shared.withLock({ $0.stop }) { return }
            let now = LoadClock.monotonicNanos()
            for i in 0..<max(0, Int(count)) {
                let tag = tags[i]
                if tag == Self.wakeTag {
                    var value: UInt64 = 0
                    _ = Glibc.read(wake, &value, 8)
                    adopt(now: now)
                } else if tag == Self.timerTag {
                    var expirations: UInt64 = 0
                    _ = Glibc.read(timer, &expirations, 8)
                    // a late loop sends what it owes, but never a burst of more than 4
                    for _ in 0..<min(expirations, 4) { sendMedia() }
                } else if let peer = peers[Int(tag)] {
                    drain(peer, batch, now: now)
                }
            }
            if now - lastTick >= 10_000_000 {
                lastTick = now
                for peer in peers.values {
                    peer.tick(now: now)
                    if !peer.connected { noteState(peer) }
                }
            }
        }
    }

    private func adopt(now: Int64) {
        let adopted = shared.withLock { shared in
            defer { shared.pending.removeAll() }
            return shared.pending
        }
        for peer in adopted {
            peers[peer.index] = peer
            if peer.kind == .publisher { publisher = peer }
            Self.watch(epoll, peer.socket.fd, tag: UInt64(peer.index))
            peer.tick(now: now)
        }
    }

    private func noteState(_ peer: LoadPeer) {
        if peer.reportedConnected && peer.failure == nil { return }
        if let failure = peer.failure {
            shared.withLock { $0.failures[peer.index] = failure }
        } else if peer.connected {
            peer.reportedConnected = true
            shared.withLock {
                $0.stages[peer.index] = nil
                if peer.kind == .publisher { $0.publisherConnected = true } else { $0.connected.insert(peer.index) }
            }
        } else {
            shared.withLock { $0.stages[peer.index] = peer.iceDone ? "dtls" : "ice" }
        }
    }

    private func sendMedia() {
        guard let publisher, let srtp = publisher.srtpOut else { return }
        var packet = source.next(sendNanos: LoadClock.realtimeNanos())
        do { try srtp.protect(rtp: &packet) } catch { return }
        let failuresBefore = publisher.sendFailures
        publisher.send(packet)
        let counter = source.counter
        shared.withLock {
            $0.sentPackets = counter
            if publisher.sendFailures != failuresBefore { $0.sendFailures += 1 }
        }
    }

    private func publisherRTCP(_ packet: [UInt8], now: Int64) {
        guard let packets = try? RTCPPacket.parseCompound(packet) else { return }
        for rtcp in packets {
            switch rtcp {
            case .pictureLossIndication, .fullIntraRequest:
                // one key frame per 300 ms at most, as encoders rate-limit them
                if now - lastKeyFrameAt > 300_000_000 {
                    lastKeyFrameAt = now
                    source.keyFrameRequested = true
                    shared.withLock { $0.keyFrameRequests += 1 }
                }
            default: continue
            }
        }
    }

    /// Reads everything waiting on a peer's socket; a viewer's packets are tallied locally and
    /// published under the lock once per drain.
    private func drain(_ peer: LoadPeer, _ batch: ReceiveBatch, now: Int64) {
        var stamps: [(counter: UInt32, latency: Int64)] = []
        while batch.drain(peer.socket.fd, { bytes, arrival, source in
            peer.receive(bytes, from: source, now: now) { packet, isRTCP in
                if peer.kind == .viewer {
                    if !isRTCP, let stamp = VP8Source.stamp(packet) { stamps.append((stamp.counter, arrival - stamp.sendNanos)) }
                } else if isRTCP {
                    publisherRTCP(Array(packet), now: now)
                }
            }
        }) == ReceiveBatch.slots {}
        if !stamps.isEmpty {
            let first = !peer.hadMedia
            peer.hadMedia = true
            shared.withLock { shared in
                if first { shared.withMedia.insert(peer.index) }
                guard let window = shared.window else { return }
                for stamp in stamps where stamp.counter >= window.from && window.to.map({ stamp.counter < $0 }) ?? true {
                    shared.windowReceived += 1
                    shared.latencies.append(Int32(clamping: stamp.latency))
                }
            }
        }
        noteState(peer)
    }
}
