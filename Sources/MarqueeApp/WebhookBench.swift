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

    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }

    public static func run(dir: String, endpoints: Int, rate: Int, seconds: Int, burst: Int, callers: Int) async throws -> Report {
        var lines: [String] = []
        for name in ["webhooks.sqlite", "webhooks.sqlite-wal", "webhooks.sqlite-shm"] { unlink(dir + "/" + name) }
        // Writer alone: the baseline burst, before any endpoint exists.
        let fixture = try await Bench.makeFixture(dir: dir, viewers: 256)
        let alone = try await Bench.gifts(fixture, callers: callers, total: burst, label: "alone")
        lines.append("writer alone: \(alone)")

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
            storePath: dir + "/webhooks.sqlite", logPath: dir + "/events.sqlite", head: fixture.writer.watcher,
            config: DispatcherConfig(allow: [IPNetwork(cidr: "127.0.0.1/32")!]), clock: SystemWallClock(),
            disable: { _, _ in }, logger: logger)
        let running = Task { try await dispatcher.run() }
        // Let the dispatcher catch up with the burst above (it was committed before the endpoints).
        try await Task.sleep(for: .milliseconds(500))

        // Steady rate: `rate` gifts/s, each to `endpoints` endpoints.
        let commits = CommitTimes()
        let countBefore = receiver.tally.receipts.withLock { $0.count }
        let total = rate * seconds
        let start = Bench.now()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<total {
                let due = start + Double(i) / Double(rate)
                let wait = due - Bench.now()
                if wait > 0 { try await Task.sleep(for: .microseconds(Int(wait * 1_000_000))) }
                let viewer = fixture.viewers[i % fixture.viewers.count]
                group.addTask {
                    let gift = SendGift(giftId: "gft_steady_\(i)", channelId: fixture.channelId, senderId: viewer, gift: "rose", quantity: 1, message: nil)
                    let appended = try await fixture.writer.submit(CommandEnvelope(.domain(.sendGift(gift)), meta: RequestMeta(actor: viewer)))
                    let at = Bench.now()
                    if let seq = appended.events.first?.seq { commits.times.withLock { $0[seq] = at } }
                }
            }
            try await group.waitForAll()
        }
        let expected = total * endpoints
        let deadline = Bench.now() + 60
        while receiver.tally.receipts.withLock({ $0.count }) - countBefore < expected && Bench.now() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let elapsed = Bench.now() - start
        let delivered = receiver.tally.receipts.withLock { $0.count } - countBefore
        let committed = commits.times.withLock { $0 }
        let firsts = receiver.tally.receipts.withLock { $0.first }
        let latencies = committed.compactMap { seq, at in firsts[seq].map { ($0 - at) * 1000 } }.sorted()
        lines.append("steady \(rate) gifts/s for \(seconds) s to \(endpoints) endpoints: \(delivered) of \(expected) deliveries in "
                     + String(format: "%.2f s = %.0f deliveries/s; append-to-receipt (first endpoint) p50 %.1f ms, p99 %.1f ms, max %.1f ms",
                              elapsed, Double(delivered) / elapsed, percentile(latencies, 0.5), percentile(latencies, 0.99), latencies.last ?? .nan))

        // The writer's burst while the dispatcher delivers what the burst appends (x endpoints).
        let drainBefore = receiver.tally.receipts.withLock { $0.count }
        let busyStart = Bench.now()
        let busy = try await Bench.gifts(fixture, callers: callers, total: burst, label: "busy")
        lines.append("writer while delivering: \(busy)")
        let burstDeliveries = busy.count * endpoints
        let drainDeadline = Bench.now() + 120
        while receiver.tally.receipts.withLock({ $0.count }) - drainBefore < burstDeliveries && Bench.now() < drainDeadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let drained = receiver.tally.receipts.withLock { $0.count } - drainBefore
        let drainSeconds = Bench.now() - busyStart
        lines.append(String(format: "backlog of %d deliveries drained in %.2f s = %.0f deliveries/s (max throughput)",
                            drained, drainSeconds, Double(drained) / drainSeconds))
        lines.append(String(format: "writer throughput while delivering: %.1f %% of alone", 100 * busy.perSecond / alone.perSecond))
        running.cancel()
        _ = try? await running.value
        fixture.writer.shutdown()
        try? await receiver.channel.close()
        return Report(lines: lines)
    }
}
