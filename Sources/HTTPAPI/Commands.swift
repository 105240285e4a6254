import Domain
import Engine
import EventLog
import HTTPTypes
import Hummingbird
import MarqueeCore

/// Sends a domain command to the writer on behalf of a request.
struct CommandSender: Sendable {
    let deps: APIDependencies

    func send(_ command: Command, secrets: [SecretWrite] = [], actor: String?, request: Request, context: APIContext,
              idempotency: (key: String, requestHash: String)? = nil) async throws -> Appended<EngineOutcome> {
        let meta = RequestMeta(actor: actor, idempotencyKey: idempotency?.key, requestHash: idempotency?.requestHash,
                               correlationId: request.headers[.xRequestID] ?? deps.ids.next("req"), clientIp: context.clientIP)
        do {
            return try await deps.writer.submit(CommandEnvelope(.domain(command, secrets: secrets), meta: meta))
        } catch let error as WriterError {
            throw Problem(.serviceUnavailable, "log-unavailable", "Event log unavailable", detail: error.description)
        }
    }

    /// Sends a command that appends one event, and returns that event: the one appended now,
    /// or the first answer's on an Idempotency-Key replay (`replayed`).
    func sendForEvent(_ command: Command, secrets: [SecretWrite] = [], actor: String, request: Request, context: APIContext,
                      idempotency: (key: String, requestHash: String)?) async throws
        -> (recorded: RecordedEvent, event: DomainEvent, replayed: Bool) {
        let appended = try await send(command, secrets: secrets, actor: actor, request: request, context: context, idempotency: idempotency)
        guard let (recorded, event) = try events(of: appended).first else {
            throw Problem.internal("the command was decided but recorded nothing")
        }
        if case .replayed = appended.outcome { return (recorded, event, true) }
        return (recorded, event, false)
    }

    /// Sends an OAuth request to the writer (codes and refresh chains are decided there).
    func sendOAuth(_ oauth: OAuthRequest, actor: String?, request: Request, context: APIContext) async throws -> OAuthResult {
        let meta = RequestMeta(actor: actor, correlationId: request.headers[.xRequestID] ?? deps.ids.next("req"), clientIp: context.clientIP)
        let appended: Appended<EngineOutcome>
        do {
            appended = try await deps.writer.submit(CommandEnvelope(.oauth(oauth), meta: meta))
        } catch let error as WriterError {
            throw Problem(.serviceUnavailable, "log-unavailable", "Event log unavailable", detail: error.description)
        }
        guard case .oauth(let result) = appended.outcome else { throw Problem.internal("the OAuth request came back without a result") }
        return result
    }

    func sendSession(_ command: EngineCommand) async throws {
        _ = try await deps.writer.submit(CommandEnvelope(command, meta: RequestMeta()))
    }

    /// The `Idempotency-Key` of a request (IETF draft), with the hash of what it asks for.
    static func idempotency(_ request: Request, body: [UInt8]) throws -> (key: String, requestHash: String)? {
        guard let key = request.headers[.idempotencyKey] else { return nil }
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7e }) else {
            throw Problem.badRequest("the Idempotency-Key header must be 1 to 255 visible ASCII characters")
        }
        var material = Array("\(request.method.rawValue) \(request.uri.path)\n".utf8)
        material.append(contentsOf: body)
        return (key, Digest.hex(Digest.sha256(material)))
    }

    /// The events appended for a command, or for its first decision when this was a replay.
    func events(of appended: Appended<EngineOutcome>) throws -> [(RecordedEvent, DomainEvent)] {
        switch appended.outcome {
        case .appended(let events), .ticked(let events, _):
            return zip(appended.events, events).map { ($0, $1) }
        case .replayed(let seqs):
            return try deps.events.withConnection { connection in
                let store = EventStore(connection: connection)
                return try seqs.compactMap { seq in
                    guard let recorded = try store.event(seq: seq),
                          let event = try DomainEvent.decode(type: recorded.type, schema: recorded.schema, data: recorded.data)
                    else { return nil }
                    return (recorded, event)
                }
            }
        case .done, .oauth:
            return []
        }
    }
}

extension HTTPField.Name {
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
    static let xRequestID = HTTPField.Name("X-Request-Id")!
}
