import EventLog
import SQLiteDB
#if canImport(Glibc)
import Glibc
#endif

/// Keeps `readmodels.sqlite` following the log in the server process: catches up from its
/// checkpoint, then applies each commit as the writer announces it (no polling).
public final class ProjectionRunner: @unchecked Sendable {
    public let readModelPath: String
    public let logPath: String
    /// The seq the read models have reached; HTTP reads wait on it for read-your-writes.
    public let projected: HeadWatcher
    private let logHead: HeadWatcher
    private var projector: Projector?
    private var store: EventStore?

    public init(readModelPath: String, logPath: String, logHead: HeadWatcher) {
        self.readModelPath = readModelPath
        self.logPath = logPath
        self.logHead = logHead
        self.projected = HeadWatcher(head: 0)
    }

    /// Opens the read models, rebuilding them from the log when the file is missing or has an
    /// older shape, and catches up. Returns true when a rebuild happened.
    @discardableResult
    public func prepare() throws -> Bool {
        let store = try EventStore(path: logPath, writable: false)
        var rebuilt = false
        if access(readModelPath, F_OK) != 0 {
            try ReadModelBuilder.rebuild(from: store, into: readModelPath)
            rebuilt = true
        }
        var (connection, fresh) = try ReadModelSchema.openForWriting(path: readModelPath, durable: true)
        // Read models that claim more than the log holds (the log was restored from an older
        // backup) would skip every new event at or below their checkpoint: rebuild them.
        let ahead = try ReadModelSchema.checkpoint(connection) > store.head().seq
        if (fresh || ahead) && !rebuilt {
            // An older shape was emptied, or the file is ahead: rebuild in bulk rather than row by row.
            try ReadModelBuilder.rebuild(from: store, into: readModelPath)
            (connection, _) = try ReadModelSchema.openForWriting(path: readModelPath, durable: true)
            rebuilt = true
        }
        try ReadModelSchema.createIndexes(connection)
        let projector = Projector(connection: connection)
        let checkpoint = try projector.catchUp(from: store)
        projected.advance(to: checkpoint)
        self.projector = projector
        self.store = store
        return rebuilt
    }

    /// Follows the log until cancelled or the log's writer shuts down (then drains what is left).
    public func run() async throws {
        guard let projector, let store else { try prepare(); return try await run() }
        var checkpoint = projected.head
        while true {
            checkpoint = try projector.catchUp(from: store)
            projected.advance(to: checkpoint)
            if Task.isCancelled || logHead.isClosed {
                checkpoint = try projector.catchUp(from: store)
                projected.advance(to: checkpoint)
                return
            }
            await logHead.wait(after: checkpoint)
        }
    }
}
