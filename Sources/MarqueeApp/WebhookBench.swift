import Domain
import Engine
import EventLog
import Foundation
import Logging
import MarqueeCore
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import WebhookDispatch
import Webhooks
#if canImport(Glibc)
import Glibc
#endif

/// `marquee bench webhooks` (BENCHMARKS.md): endpoints on a local receiver, gifts appended at a
/// steady rate; deliveries/s and append-to-receipt latency; the writer's burst throughput with
/// no dispatcher and while the dispatcher drains a backlog.
public enum WebhookBench {
    /// An HTTP/1.1 receiver on 127.0.0.1 that answers 204 at once and notes when each seq arrived.
    final class Tally: Sendable {
        let receipts = Mutex<(count: Int, first: [Int64: Double])>((0, [:]))

        func received(_ body: ByteBuffer) {
            let at = Bench.now()
            let seq = Receiver.seq(in: body)
            receipts.withLock { r in
                r.count += 1
                if let seq, r.first[seq] == nil { r.first[seq] = at }
            }
        }
    }

    final class Receiver: Sendable {
        let tally = Tally()
        let channel: any Channel

        init(group: any EventLoopGroup) async throws {
            let tally = self.tally
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 512)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        try channel.pipeline.syncOperations.addHandler(Handler(tally: tally))
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
        }

        var port: Int { channel.localAddress?.port ?? 0 }

        /// The top-level `"seq":N` of a delivery body.
        static func seq(in body: ByteBuffer) -> Int64? {
            let bytes = Array(body.readableBytesView)
            let key = Array(#""seq":"#.utf8)
            guard bytes.count > key.count else { return nil }
            for i in 0...(bytes.count - key.count) where bytes[i] == key[0] && Array(bytes[i..<(i + key.count)]) == key {
                var value: Int64 = 0
                var j = i + key.count
                while j < bytes.count, bytes[j] >= 48, bytes[j] <= 57 { value = value * 10 + Int64(bytes[j] - 48); j += 1 }
                return value
            }
            return nil
        }

        final class Handler: ChannelInboundHandler, @unchecked Sendable {
            typealias InboundIn = HTTPServerRequestPart
            typealias OutboundOut = HTTPServerResponsePart
            let tally: Tally
            var body = ByteBuffer()
            init(tally: Tally) { self.tally = tally }

            func channelRead(context: ChannelHandlerContext, data: NIOAny) {
                switch unwrapInboundIn(data) {
                case .head: body.clear()
                case .body(var chunk): body.writeBuffer(&chunk)
                case .end:
                    tally.received(body)
                    var head = HTTPResponseHead(version: .http1_1, status: .noContent)
                    head.headers.add(name: "content-length", value: "0")
                    context.write(wrapOutboundOut(.head(head)), promise: nil)
                    context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                }
            }
        }
    }

    final class CommitTimes: Sendable { let times = Mutex<[Int64: Double]>([:]) }

    public struct Report: Sendable, CustomStringConvertible {
        public var lines: [String]
        public var description: String { lines.joined(separator: "\n") }
    }

    /// `rate` gifts/s to the endpoints' channel for `seconds`: (deliveries, elapsed, latencies in ms from commit to first receipt).
    static func steady(_ fixture: Bench.Fixture, _ receiver: Receiver, endpoints: Int, rate: Int, seconds: Double, label: String,
                       expectDeliveries: Bool = true) async throws
        -> (delivered: Int, elapsed: Double, latencies: [Double]) {
        let commits = CommitTimes()
        let countBefore = receiver.tally.receipts.withLock { $0.count }
        let total = Int(Double(rate) * seconds)
        let start = Bench.now()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<total {
                let due = start + Double(i) / Double(rate)
                let wait = due - Bench.now()
                if wait > 0 { try await Task.sleep(for: .microseconds(Int(wait * 1_000_000))) }
                let viewer = fixture.viewers[i % fixture.viewers.count]
                group.addTask {
                    let gift = SendGift(giftId: "gft_\(label)_\(i)", channelId: fixture.channelId, senderId: viewer, gift: "rose", quantity: 1, message: nil)
                    let appended = try await fixture.writer.submit(CommandEnvelope(.domain(.sendGift(gift)), meta: RequestMeta(actor: viewer)))
                    let at = Bench.now()
                    if let seq = appended.events.first?.seq { commits.times.withLock { $0[seq] = at } }
                }
            }
            try await group.waitForAll()
        }
        let expected = expectDeliveries ? total * endpoints : 0
        let deadline = Bench.now() + 60
        while receiver.tally.receipts.withLock({ $0.count }) - countBefore < expected && Bench.now() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let elapsed = Bench.now() - start
        let delivered = receiver.tally.receipts.withLock { $0.count } - countBefore
        let committed = commits.times.withLock { $0 }
        let firsts = receiver.tally.receipts.withLock { $0.first }
        let latencies = committed.compactMap { seq, at in firsts[seq].map { ($0 - at) * 1000 } }.sorted()
        return (delivered, elapsed, latencies)
    }

    /// CPU time (user + system) of the whole process so far, in seconds.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    /// CPU seconds so far per thread name (`/proc/self/task/*/comm` and `stat`), NIO's
    /// `NIO-ELT-G-#N` grouped by group. Threads that ended are not counted.
    static func threadCPU() -> [String: Double] {
        var result: [String: Double] = [:]
        for thread in ThreadStats.read() {
            var name = thread.name
            if let hash = name.range(of: "-#") { name = String(name[..<hash.lowerBound]) }
            result[name, default: 0] += Double(thread.cpuTicks) / ThreadStats.ticksPerSecond
        }
        return result
    }

    /// "name 12 %, …": each thread group's share of one core between two `threadCPU()` readings.
    static func describeThreads(_ before: [String: Double], _ after: [String: Double], seconds: Double) -> String {
        after.map { ($0.key, $0.value - (before[$0.key] ?? 0)) }
            .filter { $0.1 >= 0.01 }
            .sorted { $0.1 > $1.1 }
            .map { String(format: "%@ %.0f %%", $0.0, 100 * $0.1 / seconds) }
            .joined(separator: ", ")
    }

    static func describe(_ r: (delivered: Int, elapsed: Double, latencies: [Double]), expected: Int) -> String {
        String(format: "%d of %d deliveries in %.2f s = %.0f deliveries/s; append-to-receipt p50 %.1f ms, p99 %.1f ms, max %.1f ms",
               r.delivered, expected, r.elapsed, Double(r.delivered) / r.elapsed, Bench.percentile(r.latencies, 0.5), Bench.percentile(r.latencies, 0.99),
               r.latencies.last ?? .nan)
    }

    public static func run(dir: String, endpoints: Int, rate: Int, seconds: Int, burst: Int, callers: Int, rounds: Int = 3,
                           niceness: Int32 = DispatcherConfig().niceness, storeDir: String? = nil) async throws -> Report {
        var lines: [String] = []
        let storeDir = storeDir ?? dir
        for name in ["webhooks.sqlite", "webhooks.sqlite-wal", "webhooks.sqlite-shm"] { unlink(storeDir + "/" + name) }
        let fixture = try await Bench.makeFixture(dir: dir, viewers: 256)
        // The writer's own work in every phase: gifts on a second channel no endpoint may see.
        for command in [Domain.Command.registerAccount(RegisterAccount(accountId: "acc_quiet", handle: "quiet", role: .creator, actorId: nil)),
                        .createChannel(CreateChannel(channelId: "chn_quiet", ownerId: "acc_quiet", slug: "quiet", title: "Quiet"))] {
            _ = try await fixture.writer.submit(CommandEnvelope(.domain(command), meta: RequestMeta(actor: "bench")))
        }
        let quiet = Bench.Fixture(writer: fixture.writer, channelId: "chn_quiet", viewers: fixture.viewers)
        _ = try await Bench.gifts(quiet, callers: callers, total: burst, label: "warmup")

        let receiver = try await Receiver(group: MultiThreadedEventLoopGroup.singleton)
        for i in 0..<endpoints {
            let id = "whe_bench\(i)"
            _ = try await fixture.writer.submit(CommandEnvelope(.domain(.createWebhookEndpoint(CreateWebhookEndpoint(
                endpointId: id, owner: EndpointOwner(actorId: "acc_creator", appId: nil), url: "http://127.0.0.1:\(receiver.port)/e\(i)",
                eventTypes: ["gift.sent"], scopes: ["gifts:read"])), secrets: [.webhookSecret(endpointId: id, secret: WebhookSecret.generate().text)]),
                meta: RequestMeta(actor: "acc_creator")))
        }
        var logger = Logger(label: "bench-webhooks")
        logger.logLevel = .error
        let dispatcher = try WebhookDispatcher(
            storePath: storeDir + "/webhooks.sqlite", logPath: dir + "/events.sqlite", head: fixture.writer.watcher,
            config: DispatcherConfig(allow: [IPNetwork(cidr: "127.0.0.1/32")!], niceness: niceness), clock: SystemWallClock(),
            disable: { _, _ in }, logger: logger)
        let running = Task { try await dispatcher.run() }
        try await Task.sleep(for: .milliseconds(500))

        let cpuBefore = cpuSeconds()
        let threadsBefore = threadCPU()
        let b = try await steady(fixture, receiver, endpoints: endpoints, rate: rate, seconds: Double(seconds), label: "steady")
        let cpu = cpuSeconds() - cpuBefore
        let threadsB = threadCPU()
        lines.append("B. steady \(rate) gifts/s for \(seconds) s to \(endpoints) endpoints: " + describe(b, expected: rate * seconds * endpoints))
        lines.append(String(format: "   process CPU meanwhile: %.2f s in %.2f s (%.0f %% of one core), %.0f µs per delivery (writer, dispatcher, client and receiver together)",
                            cpu, b.elapsed, 100 * cpu / b.elapsed, 1e6 * cpu / Double(max(1, b.delivered))))
        lines.append("   by thread (share of one core): " + describeThreads(threadsBefore, threadsB, seconds: b.elapsed)
                     + "  [marquee-hooks: the dispatcher; NIO-ELT: HTTP client I/O and the receiver; marquee-writer: the log writer]")

        // A/C, interleaved rounds so that both see the same machine: the writer's burst on the
        // quiet channel while the same steady appends run, (A) to the quiet channel too, so no
        // delivery at all, or (C) to the endpoints' channel, so \(rate * endpoints) deliveries/s.
        // The writer does the same work in both; only the deliveries differ.
        var ratios: [Double] = []
        for round in 1...rounds {
            var figures: [Bench.Figure] = []
            for delivering in [false, true] {
                let target = delivering ? fixture : quiet
                async let load = steady(target, receiver, endpoints: endpoints, rate: rate, seconds: Double(seconds),
                                        label: "r\(round)\(delivering ? "c" : "a")", expectDeliveries: delivering)
                try await Task.sleep(for: .seconds(1))
                let threadsBefore = threadCPU()
                let burstStart = Bench.now()
                let figure = try await Bench.gifts(quiet, callers: callers, total: burst, label: "r\(round)\(delivering ? "busy" : "alone")")
                let threadsAfter = threadCPU()
                let burstSeconds = Bench.now() - burstStart
                let background = try await load
                figures.append(figure)
                let name = delivering ? "C\(round). writer while delivering \(rate * endpoints)/s" : "A\(round). writer alone (same appends, no delivery)"
                lines.append("\(name): \(figure)")
                lines.append("    by thread during the burst: " + describeThreads(threadsBefore, threadsAfter, seconds: burstSeconds))
                if delivering { lines.append("    deliveries meanwhile: " + describe(background, expected: rate * seconds * endpoints)) }
            }
            ratios.append(figures[1].perSecond / figures[0].perSecond)
            lines.append(String(format: "    round %d: writer while delivering = %.1f %% of alone", round, 100 * ratios.last!))
        }
        lines.append(String(format: "   writer throughput while delivering, median of %d rounds: %.1f %% of alone (rounds: %@)", rounds,
                            100 * Bench.median(ratios), ratios.map { String(format: "%.1f %%", 100 * $0) }.joined(separator: ", ")))

        // D: the most the dispatcher delivers: a backlog appended at once, drained.
        let backlogStart = Bench.now()
        let before = receiver.tally.receipts.withLock { $0.count }
        let appended = try await Bench.gifts(fixture, callers: callers, total: 4000, label: "backlog")
        let target = appended.count * endpoints
        let deadline = Bench.now() + 120
        while receiver.tally.receipts.withLock({ $0.count }) - before < target && Bench.now() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let drained = receiver.tally.receipts.withLock { $0.count } - before
        let drainSeconds = Bench.now() - backlogStart
        lines.append(String(format: "D. %d gifts appended at once → %d of %d deliveries in %.2f s = %.0f deliveries/s (the dispatcher's maximum here)",
                            appended.count, drained, target, drainSeconds, Double(drained) / drainSeconds))
        running.cancel()
        _ = try? await running.value
        fixture.writer.shutdown()
        try? await receiver.channel.close()
        return Report(lines: lines)
    }
}
