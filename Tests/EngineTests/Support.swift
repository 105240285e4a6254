import Domain
import Engine
import EventLog
import Foundation
import MarqueeCore
import SQLiteDB
import Synchronization
import Testing
@_exported import TestSupport

// Temporary directories and time bounds come from TestSupport.

// MARK: the engine on a real log

/// The cast of the engine tests.
enum Cast {
    static let admin = "acc_admin", vera = "acc_vera", walt = "acc_walt", cleo = "acc_cleo"
    static let channel = "chn_cleo"
    static let handles = [admin: "root", vera: "vera", walt: "walt", cleo: "cleo"]
}

/// A real `LogWriter<DomainHandler>` on `<dir>/events.sqlite`, restartable on the same file.
final class EngineHarness {
    let directory: String
    let path: String
    let clock: ManualClock
    let config: DomainConfig
    private(set) var handler: DomainHandler
    private(set) var writer: LogWriter<DomainHandler>

    init(directory: String, clock: ManualClock = ManualClock(), config: DomainConfig = DomainConfig()) throws {
        self.directory = directory
        self.path = directory + "/events.sqlite"
        self.clock = clock
        self.config = config
        (handler, writer) = try Self.open(path: path, clock: clock, config: config)
    }

    private static func open(path: String, clock: ManualClock, config: DomainConfig) throws -> (DomainHandler, LogWriter<DomainHandler>) {
        let store = try EventStore(path: path, writable: true)
        try SecretStore.migrate(store.connection)
        let handler = DomainHandler(config: config, clock: clock)
        let writer = try LogWriter(store: store, handler: handler, clock: clock)
        writer.start()
        return (handler, writer)
    }

    /// Stops the writer and starts a new handler and writer on the same file (a process restart).
    func restart() throws {
        writer.shutdown()
        (handler, writer) = try Self.open(path: path, clock: clock, config: config)
    }

    func shutdown() { writer.shutdown() }

    @discardableResult
    func submit(_ command: Command, secrets: [SecretWrite] = [], meta: RequestMeta) async throws -> Appended<EngineOutcome> {
        let writer = self.writer
        let envelope = CommandEnvelope(.domain(command, secrets: secrets), meta: meta)
        return try await within(30, "submit \(command)") { try await writer.submit(envelope) }
    }

    @discardableResult
    func submit(_ command: EngineCommand, meta: RequestMeta = RequestMeta()) async throws -> Appended<EngineOutcome> {
        let writer = self.writer
        let envelope = CommandEnvelope(command, meta: meta)
        return try await within(30, "submit") { try await writer.submit(envelope) }
    }

    /// A read-only connection of its own (the writer's stays on the writer's thread).
    func reader() throws -> EventStore { try EventStore(path: path, writable: false) }
    func allEvents() throws -> [RecordedEvent] { try reader().events(after: 0, limit: 1_000_000) }
    var head: Int64 { writer.head }

    /// Registers the bootstrap admin, two viewers and a creator with a channel.
    func seedCast() async throws {
        try await submit(.registerAccount(RegisterAccount(accountId: Cast.admin, handle: "root", role: .admin, actorId: nil)),
                         meta: RequestMeta())
        try await submit(.registerAccount(RegisterAccount(accountId: Cast.vera, handle: "vera", role: .viewer, actorId: nil)),
                         meta: RequestMeta())
        try await submit(.registerAccount(RegisterAccount(accountId: Cast.walt, handle: "walt", role: .viewer, actorId: nil)),
                         meta: RequestMeta())
        try await submit(.registerAccount(RegisterAccount(accountId: Cast.cleo, handle: "cleo", role: .creator, actorId: nil)),
                         meta: RequestMeta())
        try await submit(.createChannel(CreateChannel(channelId: Cast.channel, ownerId: Cast.cleo, slug: "cleo-live", title: "Cleo Live")),
                         meta: RequestMeta(actor: Cast.cleo))
    }

    func grant(_ account: String, _ tokens: Int64, meta: RequestMeta = RequestMeta(actor: Cast.admin)) async throws -> Appended<EngineOutcome> {
        try await submit(.grantTokens(GrantTokens(accountId: account, tokens: tokens, reason: "test grant", actorId: Cast.admin)), meta: meta)
    }

    static func gift(_ id: String, from sender: String, _ gift: String = "rose", quantity: Int = 1) -> Command {
        .sendGift(SendGift(giftId: id, channelId: Cast.channel, senderId: sender, gift: gift, quantity: quantity, message: nil))
    }
}

func withEngine<T>(clock: ManualClock = ManualClock(), seed: Bool = true, _ body: (EngineHarness) async throws -> T) async throws -> T {
    try await withTemporaryDirectory { directory in
        let engine = try EngineHarness(directory: directory, clock: clock)
        defer { engine.shutdown() }
        if seed { try await engine.seedCast() }
        return try await body(engine)
    }
}

extension EngineOutcome {
    var appendedEvents: [DomainEvent]? { if case .appended(let events) = self { return events }; return nil }
    var replayedSeqs: [Int64]? { if case .replayed(let seqs) = self { return seqs }; return nil }
}

/// The result of an async throwing call, as a value.
func outcome<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
    do { return .success(try await body()) } catch { return .failure(error) }
}

extension Result where Failure == any Error {
    var failure: (any Error)? { if case .failure(let error) = self { return error }; return nil }
    var success: Success? { if case .success(let value) = self { return value }; return nil }
}
