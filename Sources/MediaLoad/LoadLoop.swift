import CMediaIO
import Foundation
import Glibc
import MediaWire
import MarqueeCore
import Synchronization

/// The load generator's media threads: one epoll loop over every peer's socket and the peers'
/// ICE/DTLS timers, and a publishing thread that paces the publisher's packets evenly (as a
/// browser's pacer does), so a busy receiving loop never turns them into bursts. Viewers'
/// received packets are counted, and their latency (kernel arrival stamp minus the send time
/// stamped into the packet) kept, while a measuring window is open.
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
        /// Set on a PLI or FIR by the loop, taken by the publishing thread.
        var keyFrameWanted = false
        /// How late the publishing thread woke for a packet, at most, since the window opened.
        var publisherLateMaxNanos: Int64 = 0
        var sendFailures = 0
    }

    private let shared = Mutex(Shared())
    private let epoll: Int32
    private let wake: Int32
    private var publishing: Thread?
    private var peers: [Int: LoadPeer] = [:]
    private let source: VP8Source
    private var lastKeyFrameAt: Int64 = 0
    private var lastTick: Int64 = 0
    private var thread: pthread_t?

    private static let wakeTag: UInt64 = .max

    init(source: VP8Source) throws(LoadError) {
        self.source = source
        epoll = mq_epoll_create()
        wake = mq_eventfd()
        guard epoll >= 0, wake >= 0 else { throw LoadError("epoll/eventfd: errno \(errno)") }
        Self.watch(epoll, wake, tag: Self.wakeTag)
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
        while publishing.map({ !$0.isFinished }) ?? false { usleep(1_000) }
        close(epoll); close(wake)
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

    /// Starts the publishing thread once the publisher is connected (its SRTP keys were set
    /// on the loop thread before `publisherConnected`, which the lock hands over). Packets go
    /// out at the source's rate, each stamped just before its send.
    func startPublishing(_ publisher: LoadPeer) {
        guard shared.withLock({ $0.publisherConnected }), let srtp = publisher.srtpOut else { return }
        let interval = Int64(1_000_000_000 / source.packetsPerSecond)
        let template = self.source
        let thread = Thread { [self] in
            ThreadName.set("marquee-load-tx")
            var source = template
            var next = LoadClock.monotonicNanos()
            while !shared.withLock({ $0.stop }) {
                if shared.withLock({ let wanted = $0.keyFrameWanted; $0.keyFrameWanted = false; return wanted }) { source.keyFrameRequested = true }
                var packet = source.next(sendNanos: LoadClock.realtimeNanos())
                guard (try? srtp.protect(rtp: &packet)) != nil else { continue }
                let ok = publisher.socket.send(packet, to: publisher.remoteSocketAddress)
                let counter = source.counter
                shared.withLock {
                    $0.sentPackets = counter
                    if !ok { $0.sendFailures += 1 }
                }
                next += interval
                // a thread woken late sends on from now, as a camera drops frames, rather than
                // bursting what it owes (a burst would be queued in the server and measured as its
                // latency); how late it was is reported beside the figures
                let late = LoadClock.monotonicNanos() - next
                if late > 0 {
                    shared.withLock { $0.publisherLateMaxNanos = max($0.publisherLateMaxNanos, late) }
                    if late > 2 * interval { next = LoadClock.monotonicNanos() }
                }
                var until = timespec(tv_sec: Int(next / 1_000_000_000), tv_nsec: Int(next % 1_000_000_000))
                clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nil)
            }
        }
        publishing = thread
        thread.start()
    }

    private func publisherRTCP(_ packet: [UInt8], now: Int64) {
        guard let packets = try? RTCPPacket.parseCompound(packet) else { return }
        for rtcp in packets {
            switch rtcp {
            case .pictureLossIndication, .fullIntraRequest:
                // one key frame per 300 ms at most, as encoders rate-limit them
                if now - lastKeyFrameAt > 300_000_000 {
                    lastKeyFrameAt = now
                    shared.withLock { $0.keyFrameRequests += 1; $0.keyFrameWanted = true }
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
