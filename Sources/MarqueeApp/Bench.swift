
import Domain
import Engine
import EventLog
import MarqueeCore
import Projections
import SQLiteDB
#if canImport(Glibc)
import Glibc
#endif

/// Benchmarks behind `marquee bench` (BENCHMARKS.md). Each measures Marquee beside a raw
/// SQLite baseline in the same run, on the same disk.
public enum Bench {
    public struct Figure: Sendable, CustomStringConvertible {
        public var name: String
        public var count: Int
        public var seconds: Double
        public var perSecond: Double { Double(count) / seconds }
        public var description: String {
            "\(name): \(count) in \(String(format: "%.3f", seconds)) s = \(Int(perSecond.rounded())) /s"
        }
    }

    /// Rounds of the writer benchmark, each a writer figure beside the raw figure measured right
    /// after it. The ratio is taken per round, so both sides of each ratio share the machine's
    /// state of that minute (a shared VM's disk latency drifts between minutes).
    public struct Rounds: Sendable, Equatable {
        public struct Round: Sendable, Equatable {
            public var writer: Double
            public var raw: Double
            public init(writer: Double, raw: Double) { self.writer = writer; self.raw = raw }
            public var ratio: Double { raw > 0 ? writer / raw : 0 }
        }

        public var rounds: [Round] = []
        public init(_ rounds: [Round] = []) { self.rounds = rounds }

        public var medianRatio: Double { Bench.median(rounds.map(\.ratio)) }

        /// Rounds whose ratio reaches `target` (0.6 for 60 %).
        public func reaching(_ target: Double) -> Int { rounds.filter { $0.ratio >= target }.count }

        /// One line: every round's ratio, the median, and how many rounds reach `target` (if given).
        public func summary(label: String, target: Double?) -> String {
            func percent(_ value: Double) -> String { String(format: "%.1f %%", value * 100) }
            let writers = rounds.map(\.writer), raws = rounds.map(\.raw)
            return "\(label) over \(rounds.count) round(s): writer median \(Int(Bench.median(writers).rounded())) /s "
                + "(\(Int((writers.min() ?? 0).rounded()))–\(Int((writers.max() ?? 0).rounded()))), raw median \(Int(Bench.median(raws).rounded())) /s; "
                + "ratio per round \(rounds.map { percent($0.ratio) }.joined(separator: ", ")); "
                + "median \(percent(medianRatio))"
                + (target.map { "; \(reaching($0)) of \(rounds.count) reach \(percent($0))" } ?? "")
        }
    }

    /// The middle value (the mean of the two middle ones for an even count); 0 when empty.
    public static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// The nearest-rank percentile `p` (0…1) of values sorted ascending; NaN when empty.
    public static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        return sorted[max(0, min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1))]
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// A writer on a fresh log in `dir`, with an admin, a creator channel and `viewers` funded viewers.
    public struct Fixture: Sendable {
        public let writer: LogWriter<DomainHandler>
        public let channelId: String
        public let viewers: [String]
    }

    public static func makeFixture(dir: String, viewers count: Int) async throws -> Fixture {
        for suffix in ["", "-wal", "-shm"] { unlink(dir + "/events.sqlite" + suffix) }
        let clock = SystemWallClock()
        let store = try EventStore(path: dir + "/events.sqlite", writable: true)
        try SecretStore.migrate(store.connection)
        let writer = try LogWriter(store: store, handler: DomainHandler(config: DomainConfig(), clock: clock), clock: clock)
        writer.start()
        func send(_ command: Domain.Command) async throws {
            _ = try await writer.submit(CommandEnvelope(.domain(command), meta: RequestMeta(actor: "bench")))
        }
        try await send(.registerAccount(RegisterAccount(accountId: "acc_admin", handle: "admin", role: .admin, actorId: nil)))
        try await send(.registerAccount(RegisterAccount(accountId: "acc_creator", handle: "creator", role: .creator, actorId: nil)))
        try await send(.createChannel(CreateChannel(channelId: "chn_bench", ownerId: "acc_creator", slug: "bench", title: "Bench")))
        var viewers: [String] = []
        for i in 0..<count {
            let id = "acc_v\(i)"
            try await send(.registerAccount(RegisterAccount(accountId: id, handle: "viewer\(i)", role: .viewer, actorId: nil)))
            try await send(.grantTokens(GrantTokens(accountId: id, tokens: 1_000_000_000, reason: "bench", actorId: "acc_admin")))
            viewers.append(id)
        }
        return Fixture(writer: writer, channelId: "chn_bench", viewers: viewers)
    }

    /// `callers` concurrent tasks each send gifts until `total` gifts were decided and durably appended.
    public static func gifts(_ fixture: Fixture, callers: Int, total: Int, label: String) async throws -> Figure {
        let perCaller = max(1, total / callers)
        let batchesBefore = fixture.writer.committedBatches
        let start = now()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for c in 0..<callers {
                let viewer = fixture.viewers[c % fixture.viewers.count]
                group.addTask {
                    for i in 0..<perCaller {
                        let gift = SendGift(giftId: "gft_\(label)_\(c)_\(i)", channelId: fixture.channelId, senderId: viewer,
                                            gift: "rose", quantity: 1 + i % 3, message: nil)
                        _ = try await fixture.writer.submit(CommandEnvelope(.domain(.sendGift(gift)), meta: RequestMeta(actor: viewer)))
                    }
                }
            }
            try await group.waitForAll()
        }
        let seconds = now() - start
        let batches = fixture.writer.committedBatches - batchesBefore
        return Figure(name: "writer, \(callers) caller(s), gift commands (\(batches) commits, \((perCaller * callers) / max(1, batches)) per commit)",
                      count: perCaller * callers, seconds: seconds)
    }

    /// The baseline: the same `events` table, WAL + synchronous=FULL, rows of the same shape and
    /// size as a gift event (JSON data and meta, SHA-256 chain), inserted with the C API in
    /// 1,000-row transactions. The baseline proper uses SQLite's defaults; with `.writer` (our
    /// VFS and checkpoint interval, what the log writer uses) it shows the fair comparison too.
    public static func rawInserts(path: String, rows: Int, perTransaction: Int = 1000,
                                  options: EventStore.WriteOptions = .sqliteDefaults) throws -> Figure {
        for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
        let store = try EventStore(path: path, writable: true, options: options)
        let c = store.connection
        let insert = try c.prepared("""
            INSERT INTO events(seq, stream, version, type, schema, data, meta, recorded_at, prev_hash, hash)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
            """)
        var prev = HashChain.genesis
        let recordedAt = Timestamp(milliseconds: 1_790_000_000_000).rfc3339
        let start = now()
        var seq: Int64 = 0
        while seq < Int64(rows) {
            try c.execute("BEGIN IMMEDIATE")
            for _ in 0..<min(perTransaction, rows - Int(seq)) {
                seq += 1
                let stream = "wallet-acc_v\(seq % 256)"
                let data = Array(#"{"giftId":"gft_raw_\#(seq)","streamId":null,"channelId":"chn_bench","fromAccountId":"acc_v\#(seq % 256)","toAccountId":"acc_creator","gift":"rose","quantity":1,"tokens":10,"creatorTokens":8,"feeTokens":2,"message":null}"#.utf8)
                let meta = Array(#"{"actor":"acc_v\#(seq % 256)"}"#.utf8)
                let version = seq / 256 + 1
                let hash = HashChain.hash(prevHash: prev, seq: seq, stream: stream, version: version, type: "gift.sent", schema: 1,
                                          data: data, meta: meta, recordedAt: recordedAt)
                try insert.bind(1, seq); try insert.bind(2, stream); try insert.bind(3, version); try insert.bind(4, "gift.sent")
                try insert.bind(5, 1); try insert.bindText(6, bytes: data); try insert.bindText(7, bytes: meta)
                try insert.bind(8, recordedAt); try insert.bindBlob(9, prev); try insert.bindBlob(10, hash)
                try insert.run()
                prev = hash
            }
            try c.execute("COMMIT")
        }
        var through = ""
        if options.vfs == .coalescedWAL { through += ", with our WAL-coalescing VFS" }
        if options.autocheckpointPages != EventStore.WriteOptions.sqliteDefaults.autocheckpointPages {
            through += " and a checkpoint every \(options.autocheckpointPages) pages (the writer's settings)"
        }
        return Figure(name: "raw SQLite C API, \(perTransaction)-row transactions\(through)", count: rows, seconds: now() - start)
    }

    /// The disk's sync latency at this moment: `count` rounds of a 4 KiB `pwrite` in place and an
    /// `fdatasync` of a scratch file in `dir`, as each WAL commit does. Microseconds: median and
    /// 90th percentile. The writer pays one per group commit, the 1,000-row baseline one per
    /// 1,000 rows, so this says how far a round's ratio can move with the machine.
    public static func syncLatency(dir: String, count: Int = 200) throws -> (median: Double, p90: Double) {
        let count = max(1, count)
        let path = dir + "/sync-probe"
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw BenchError("cannot open \(path): errno \(errno)") }
        defer { close(fd); unlink(path) }
        let page = [UInt8](repeating: 0x5a, count: 4096)
        guard page.withUnsafeBytes({ pwrite(fd, $0.baseAddress, $0.count, 0) }) == page.count, fsync(fd) == 0 else {
            throw BenchError("cannot write \(path): errno \(errno)")
        }
        var micros: [Double] = []
        micros.reserveCapacity(count)
        for _ in 0..<count {
            let start = now()
            guard page.withUnsafeBytes({ pwrite(fd, $0.baseAddress, $0.count, 0) }) == page.count, fdatasync(fd) == 0 else {
                throw BenchError("cannot sync \(path): errno \(errno)")
            }
            micros.append((now() - start) * 1e6)
        }
        micros.sort()
        return (median(micros), percentile(micros, 0.9))
    }

    public struct BenchError: Error, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// Reads every row of `events` in order, touching every column, without building values.
    public static func rawRead(logPath: String) throws -> Figure {
        let c = try Connection(path: logPath, mode: .readOnly)
        let s = try c.statement("SELECT seq, stream, version, type, schema, data, meta, recorded_at, prev_hash, hash FROM events ORDER BY seq")
        var checksum = 0
        var count = 0
        let start = now()
        while try s.step() {
            for column in Int32(0)..<10 { checksum &+= s.withBytes(column) { $0.count } }
            count += 1
        }
        precondition(checksum > 0)
        return Figure(name: "raw sequential read of events (all columns)", count: count, seconds: now() - start)
    }

    /// Stage timing: the rebuild's projection and index phases separately.
    public static func rebuildPhases(logPath: String, into path: String) throws -> [Figure] {
        for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
        let store = try EventStore(path: logPath, writable: false)
        let (connection, _) = try ReadModelSchema.openForWriting(path: path, durable: false)
        let start = now()
        let seq = try ReadModelBuilder.pipelined(store: store, through: nil, projector: Projector(connection: connection))
        let projected = now()
        try ReadModelSchema.createIndexes(connection)
        let indexed = now()
        return [Figure(name: "stage: read + decode + project (pipelined)", count: Int(seq), seconds: projected - start),
                Figure(name: "stage: build indexes", count: Int(seq), seconds: indexed - projected)]
    }

    /// Stage timing: read + decode every event, project nothing.
    public static func decodeOnly(logPath: String) throws -> Figure {
        let store = try EventStore(path: logPath, writable: false)
        var count = 0
        var gifts = 0
        let start = now()
        try store.scan(after: 0) { row in
            let p = try ProjectedEvent(row: row)
            if case .giftSent? = p.event { gifts += 1 }
            count += 1
            return true
        }
        precondition(gifts > 0)
        return Figure(name: "stage: read + decode only", count: count, seconds: now() - start)
    }

    /// Rebuilds every read model from the log into a new file: what a fresh start or `replay` does.
    public static func replay(logPath: String, into path: String) throws -> Figure {
        let store = try EventStore(path: logPath, writable: false)
        let start = now()
        let seq = try ReadModelBuilder.rebuild(from: store, into: path)
        return Figure(name: "replay into read models (decode + project + index)", count: Int(seq), seconds: now() - start)
    }
}
