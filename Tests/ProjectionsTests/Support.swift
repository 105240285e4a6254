import Domain
import EventLog
import Foundation
import MarqueeCore
import Projections
import SQLiteDB
import Synchronization
import Testing
@_exported import TestSupport

// Temporary directories and time bounds come from TestSupport.

// MARK: a log written by the real writer and the real deciders

/// What the test log's writer is asked to do.
enum LogCommand: Sendable {
    case domain(Domain.Command)
    /// An event appended as is (for example a type this build does not know).
    case raw(NewEvent)
}

/// The writer's handler for these tests: the pure `Decider` against an in-memory `DomainState`,
/// exactly as Engine's `DomainHandler` does it, minus idempotency and secrets (the
/// ProjectionsTests target does not depend on Engine in Package.swift).
final class DomainLogHandler: CommandHandler {
    typealias Command = LogCommand
    typealias Outcome = [DomainEvent]

    let config = DomainConfig()
    private(set) var state = DomainState()

    func load(from store: EventStore) throws {
        var fresh = DomainState()
        try store.scan(after: 0) { row in
            if let event = try DomainEvent.decode(type: row.type, schema: row.schema, data: row.data) { fresh.apply(event) }
            return true
        }
        state = fresh
    }

    func decide(_ command: LogCommand, now: Timestamp, nextSeq: Int64) throws -> Decision<[DomainEvent]> {
        switch command {
        case .raw(let event):
            return Decision(events: [event], outcome: [])
        case .domain(let command):
            let events = try Decider.decide(command, state: state, config: config, now: now)
            let rows = try events.map { event in
                NewEvent(stream: event.stream, type: event.type, schema: event.schema, data: try event.encodedData())
            }
            for event in events { state.apply(event) }
            return Decision(events: rows, outcome: events)
        }
    }
}

enum Cast {
    static let admin = "acc_admin", vera = "acc_vera", walt = "acc_walt", cleo = "acc_cleo", carl = "acc_carl", mona = "acc_mona"
    static let cleoChannel = "chn_cleo", carlChannel = "chn_carl"
}

/// The log file, its writer, and a manual clock that moves one second per command.
final class ProjectionLog {
    let directory: String
    let path: String
    let clock: ManualClock
    let handler = DomainLogHandler()
    let writer: LogWriter<DomainLogHandler>
    /// Seqs of notable events of `buildWorld()`, by name.
    private(set) var seqs: [String: Int64] = [:]

    init(directory: String) throws {
        self.directory = directory
        path = directory + "/events.sqlite"
        clock = ManualClock(Timestamp(milliseconds: 1_790_000_000_000))
        writer = try LogWriter(store: EventStore(path: path, writable: true), handler: handler, clock: clock)
        writer.start()
    }

    func file(_ name: String) -> String { directory + "/" + name }

    /// A read-only store of its own.
    func reader() throws -> EventStore { try EventStore(path: path, writable: false) }

    var head: Int64 { writer.head }

    @discardableResult
    func submit(_ command: Domain.Command, name: String? = nil) async throws -> Int64 {
        clock.advance(seconds: 1)
        let writer = self.writer
        let appended = try await within(30, "submit \(command)") { try await writer.submit(.domain(command)) }
        let seq = try #require(appended.events.last?.seq, "\(command) appended nothing")
        if let name { seqs[name] = seq }
        return seq
    }

    @discardableResult
    func submitRaw(_ event: NewEvent, name: String) async throws -> Int64 {
        clock.advance(seconds: 1)
        let writer = self.writer
        let appended = try await within(30, "submit raw") { try await writer.submit(.raw(event)) }
        let seq = try #require(appended.events.last?.seq)
        seqs[name] = seq
        return seq
    }

    func register(_ id: String, _ handle: String, _ role: Role, by actor: String? = nil) async throws {
        try await submit(.registerAccount(RegisterAccount(accountId: id, handle: handle, role: role, actorId: actor)), name: "register-\(handle)")
    }

    func gift(_ name: String, from sender: String, to channel: String, _ gift: String, quantity: Int = 1, message: String? = nil) async throws {
        try await submit(.sendGift(SendGift(giftId: "gft_\(name)", channelId: channel, senderId: sender, gift: gift, quantity: quantity,
                                            message: message)), name: "gift-\(name)")
    }

    func grant(_ account: String, _ tokens: Int64) async throws {
        try await submit(.grantTokens(GrantTokens(accountId: account, tokens: tokens, reason: "welcome", actorId: Cast.admin)),
                         name: "grant-\(account)")
    }

    /// Accounts, channels, a channel update, grants, gifts, a suspension, a role change, a
    /// stream key rotation and one event of a type this build does not know.
    func buildWorld() async throws {
        try await register(Cast.admin, "root", .admin)
        try await register(Cast.vera, "vera", .viewer)
        try await register(Cast.walt, "walt", .viewer)
        try await register(Cast.cleo, "cleo", .creator)
        try await register(Cast.carl, "carl", .creator)
        try await submit(.createChannel(CreateChannel(channelId: Cast.cleoChannel, ownerId: Cast.cleo, slug: "cleo-live", title: "Cleo Live")),
                         name: "channel-cleo")
        try await submit(.createChannel(CreateChannel(channelId: Cast.carlChannel, ownerId: Cast.carl, slug: "carl-cave", title: "Carl's Cave")),
                         name: "channel-carl")
        try await submit(.updateChannel(UpdateChannel(channelId: Cast.cleoChannel, actorId: Cast.cleo, title: "Cleo Tonight", access: .paid,
                                                      pricePerMinute: 5, ageRestricted: true)), name: "update-cleo")
        try await grant(Cast.vera, 1_000)
        try await grant(Cast.walt, 200)
        try await gift("1", from: Cast.vera, to: Cast.cleoChannel, "rose", quantity: 2)       // 20: fee 4, creator 16
        try await gift("2", from: Cast.walt, to: Cast.cleoChannel, "heart", quantity: 3)      // 3: fee 0, creator 3
        try await gift("3", from: Cast.vera, to: Cast.carlChannel, "star")                    // 50: fee 10, creator 40
        try await submitRaw(NewEvent(stream: "future-1", type: "future.thing", data: Array(#"{"x":1}"#.utf8)), name: "unknown")
        try await gift("4", from: Cast.vera, to: Cast.cleoChannel, "rocket")                  // 500: fee 100, creator 400
        try await submit(.suspendAccount(SuspendAccount(accountId: Cast.walt, reason: "spam", actorId: Cast.admin)), name: "suspend-walt")
        try await register(Cast.mona, "mona", .moderator, by: Cast.admin)
        try await submit(.changeRole(ChangeRole(accountId: Cast.carl, role: .admin, actorId: Cast.admin)), name: "role-carl")
        try await submit(.rotateStreamKey(RotateStreamKey(channelId: Cast.cleoChannel, actorId: Cast.cleo)), name: "rotate-cleo")
        try await gift("5", from: Cast.vera, to: Cast.cleoChannel, "heart", message: "gg \"well\" played") // 1: fee 0, creator 1
    }

    func seq(_ name: String) -> Int64 { seqs[name]! }
}

func withProjectionLog<T>(world: Bool = true, _ body: (ProjectionLog) async throws -> T) async throws -> T {
    try await withTemporaryDirectory { directory in
        let log = try ProjectionLog(directory: directory)
        defer { log.writer.shutdown() }
        if world { try await log.buildWorld() }
        return try await body(log)
    }
}

/// A read-model file built incrementally by a `Projector`, as the live server does.
func openIncremental(_ path: String) throws -> Projector {
    let (connection, _) = try ReadModelSchema.openForWriting(path: path, durable: true)
    try ReadModelSchema.createIndexes(connection)
    return Projector(connection: connection)
}

func readOnly(_ path: String) throws -> Connection { try Connection(path: path, mode: .readOnly) }

/// Compares two read-model files (opened read-only for the comparison).
func difference(_ a: String, _ b: String) throws -> ReadModelBuilder.Difference? {
    try ReadModelBuilder.compare(readOnly(a), readOnly(b))
}
