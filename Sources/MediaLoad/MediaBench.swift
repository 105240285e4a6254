import Foundation
import Glibc
import MarqueeCore
import MediaCrypto

/// `marquee bench media`: one publisher sending ~1.2 Mbit/s of VP8 to N lightweight viewers
/// (ICE + DTLS + SRTP, no decode) on loopback, through Marquee and through Janus in the same
/// run, with the same harness. Per N: the server's CPU per forwarded packet (all its threads,
/// from /proc), loss, and latency from the publisher's send to the viewer socket's kernel
/// arrival stamp (the forwarding delay plus two loopback hops).
public enum MediaBench {
    public enum Target: Sendable, Equatable {
        /// `marquee serve`; with `threads`, `MARQUEE_MEDIA_THREADS` (its fan-out threads) set so.
        case marquee(threads: Int?)
        case janus(eventLoops: Int?)
    }

    public struct Options: Sendable {
        public var targets: [Target]
        public var viewerCounts: [Int]
        public var seconds: Double
        public var warmupSeconds: Double = 2
        public var dir: String
        public var marqueeBinary: String
        /// 0: the kernel picks.
        public var httpPort: UInt16 = 0
        public var mediaPort: UInt16 = 0
        public var janusPort: UInt16 = 0

        public init(targets: [Target], viewerCounts: [Int], seconds: Double, dir: String, marqueeBinary: String) {
            self.targets = targets
            self.viewerCounts = viewerCounts
            self.seconds = seconds
            self.dir = dir
            self.marqueeBinary = marqueeBinary
        }
    }

    public struct Row: Sendable {
        public var server: String
        public var viewers: Int
        public var seconds: Double
        public var expected: Int
        public var received: Int
        public var serverCPUNanos: Int64
        /// The same split into user and kernel time (/proc/PID/stat, 10 ms ticks).
        public var serverUserNanos: Int64
        public var serverSystemNanos: Int64
        public var harnessCPUNanos: Int64
        public var latencyP50: Double
        public var latencyP99: Double
        public var latencyMax: Double
        public var keyFrameRequests: Int
        public var serverRSSKiB: Int
        /// The most the load generator's publishing thread woke late (its packets are then
        /// not evenly paced: a sign the box, not the server, was busy).
        public var publisherLateMaxMillis: Double

        public var microsPerPacket: Double { received == 0 ? .nan : Double(serverCPUNanos) / 1_000 / Double(received) }
        public var lossPercent: Double { expected == 0 ? .nan : 100 * Double(expected - received) / Double(expected) }
        public var packetsPerSecond: Double { Double(received) / seconds }
    }

    public static func run(_ options: Options, progress: (String) -> Void) throws(LoadError) -> [Row] {
        try? FileManager.default.createDirectory(atPath: options.dir, withIntermediateDirectories: true)
        var rows: [Row] = []
        for target in options.targets {
            let server: any ForwardingServer
            switch target {
            case .marquee(let threads):
                server = try MarqueeForwarding(binary: options.marqueeBinary, dir: options.dir,
                                               httpPort: options.httpPort, mediaPort: options.mediaPort, threads: threads)
            case .janus(let loops):
                server = try JanusForwarding(dir: options.dir, port: options.janusPort, eventLoops: loops)
            }
            defer { server.stop() }
            rows += try measure(server, options, progress: progress)
        }
        return rows
    }

    static func measure(_ server: any ForwardingServer, _ options: Options, progress: (String) -> Void) throws(LoadError) -> [Row] {
        let context: DTLSContext
        do { context = try DTLSContext(certificate: DTLSCertificate(commonName: "marquee-load")) } catch { throw LoadError("DTLS: \(error)") }
        let fingerprint = context.certificate.fingerprint
        let source = VP8Source(ssrc: UInt32.random(in: 1...UInt32.max))
        let loop = try LoadLoop(source: source)
        loop.start()
        defer { loop.stop() }

        let publisher = LoadPeer(index: 0, kind: .publisher, socket: try LoadSocket(bindTo: server.harnessIP), dtlsContext: context)
        try server.publish(publisher, ssrc: source.ssrc, fingerprint: fingerprint)
        loop.add(publisher)
        try wait(seconds: 15, "the publisher to connect to \(server.label)", loop) { $0.publisherConnected }
        loop.startPublishing(publisher)
        progress("\(server.label): publisher connected")

        var rows: [Row] = []
        var added = 0
        for count in options.viewerCounts.sorted() where count > added {
            while added < count {
                added += 1
                let viewer = LoadPeer(index: added, kind: .viewer, socket: try LoadSocket(bindTo: server.harnessIP), dtlsContext: context)
                try server.watch(viewer, fingerprint: fingerprint)
                loop.add(viewer)
            }
            let target = added
            try wait(seconds: 30 + Double(count) / 10, "\(count) viewers to connect and receive media from \(server.label)", loop) {
                $0.connected.count == target && $0.withMedia.count == target
            }
            usleep(UInt32(options.warmupSeconds * 1_000_000))
            rows.append(try window(server, viewers: count, seconds: options.seconds, loop))
            progress(format([rows.last!]))
        }
        return rows
    }

    private static func window(_ server: any ForwardingServer, viewers: Int, seconds: Double, _ loop: LoadLoop) throws(LoadError) -> Row {
        let (from, keyFrames0) = loop.read { shared -> (UInt32, Int) in
            shared.window = (shared.sentPackets, nil)
            shared.publisherLateMaxNanos = 0
            shared.windowReceived = 0
            shared.latencies.removeAll(keepingCapacity: true)
            return (shared.sentPackets, shared.keyFrameRequests)
        }
        let split0 = ProcessCPU.userSystemNanos(pid: server.pid)
        let cpu0 = ProcessCPU.nanos(pid: server.pid), harness0 = LoadClock.processCPUNanos(), start = LoadClock.monotonicNanos()
        usleep(UInt32(seconds * 1_000_000))
        let to = loop.read { shared -> UInt32 in
            shared.window?.to = shared.sentPackets
            return shared.sentPackets
        }
        let split1 = ProcessCPU.userSystemNanos(pid: server.pid)
        let cpu1 = ProcessCPU.nanos(pid: server.pid), harness1 = LoadClock.processCPUNanos(), end = LoadClock.monotonicNanos()
        usleep(500_000)  // packets still in flight
        let (received, latencies, keyFrames1, failures, late) = loop.read { shared in
            defer { shared.window = nil }
            return (shared.windowReceived, shared.latencies, shared.keyFrameRequests, shared.failures.count, shared.publisherLateMaxNanos)
        }
        guard failures == 0 else { throw LoadError("\(failures) peers failed during the window") }
        let sorted = latencies.sorted()
        func percentile(_ p: Double) -> Double {
            sorted.isEmpty ? .nan : Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1_000_000
        }
        return Row(server: server.label, viewers: viewers, seconds: Double(end - start) / 1e9,
                   expected: viewers * Int(to &- from), received: received,
                   serverCPUNanos: cpu1 - cpu0, serverUserNanos: split1.user - split0.user, serverSystemNanos: split1.system - split0.system,
                   harnessCPUNanos: harness1 - harness0,
                   latencyP50: percentile(0.5), latencyP99: percentile(0.99), latencyMax: sorted.last.map { Double($0) / 1_000_000 } ?? .nan,
                   keyFrameRequests: keyFrames1 - keyFrames0, serverRSSKiB: ProcessCPU.rssKiB(pid: server.pid),
                   publisherLateMaxMillis: Double(late) / 1e6)
    }

    private static func wait(seconds: Double, _ what: String, _ loop: LoadLoop, until: (inout LoadLoop.Shared) -> Bool) throws(LoadError) {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let (done, failures) = loop.read { (until(&$0), $0.failures) }
            if let failure = failures.first { throw LoadError("peer \(failure.key) failed: \(failure.value)") }
            if done { return }
            usleep(20_000)
        }
        let state = loop.read { shared in
            let waiting = Dictionary(grouping: shared.stages, by: \.value).mapValues(\.count).sorted { $0.key < $1.key }
                .map { "\($0.value) in \($0.key)" }.joined(separator: ", ")
            return "publisher connected: \(shared.publisherConnected), viewers connected: \(shared.connected.count), with media: \(shared.withMedia.count)"
                + (waiting.isEmpty ? "" : "; not connected: " + waiting)
        }
        throw LoadError("timed out waiting for \(what) (\(state))")
    }

    /// A Markdown table of rows.
    public static func format(_ rows: [Row]) -> String {
        var lines = ["| server | viewers | forwarded pkt/s | server CPU | **µs per forwarded packet** | of which user / kernel | loss | latency p50 | **p99** | max | harness CPU | publisher late (max) | server RSS |",
                     "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for row in rows {
            func perPacket(_ nanos: Int64) -> Double { row.received == 0 ? .nan : Double(nanos) / 1_000 / Double(row.received) }
            let cpu = Double(row.serverCPUNanos) / 1e9 / row.seconds * 100
            let harness = Double(row.harnessCPUNanos) / 1e9 / row.seconds * 100
            lines.append("| \(row.server) | \(row.viewers) | \(Int(row.packetsPerSecond.rounded())) | \(fixed(cpu, 1)) % | **\(fixed(row.microsPerPacket, 2))** | \(fixed(perPacket(row.serverUserNanos), 1)) / \(fixed(perPacket(row.serverSystemNanos), 1)) | \(fixed(row.lossPercent, 3)) % | \(fixed(row.latencyP50, 2)) ms | **\(fixed(row.latencyP99, 2)) ms** | \(fixed(row.latencyMax, 1)) ms | \(fixed(harness, 1)) % | \(fixed(row.publisherLateMaxMillis, 1)) ms | \(row.serverRSSKiB / 1024) MiB |")
        }
        return lines.joined(separator: "\n")
    }

    public static func fixed(_ value: Double, _ digits: Int) -> String {
        value.isNaN ? "—" : String(format: "%.\(digits)f", value)
    }
}

/// CPU time of a server process (every thread, through ``ThreadStats``) and its memory.
enum ProcessCPU {
    /// Exact CPU time of all of `pid`'s threads (schedstat), nanoseconds.
    static func nanos(pid: Int32) -> Int64 {
        ThreadStats.read(pid: String(pid)).reduce(0) { $0 + $1.cpuNanos }
    }

    /// The same split into user and kernel time (10 ms ticks).
    static func userSystemNanos(pid: Int32) -> (user: Int64, system: Int64) {
        let threads = ThreadStats.read(pid: String(pid))
        let tick = 1e9 / ThreadStats.ticksPerSecond
        return (Int64(Double(threads.reduce(0) { $0 + $1.userTicks }) * tick), Int64(Double(threads.reduce(0) { $0 + $1.systemTicks }) * tick))
    }

    static func rssKiB(pid: Int32) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
}
