import Domain
import Synchronization

/// The open chat sockets, by channel: the log's consumer (`deliver`) fans events out to them.
/// Each socket reads from its own unbounded stream, so a slow socket never blocks the others
/// or the log's consumer.
public final class ChatHub: Sendable {
    public enum Outbound: Sendable, Equatable {
        case text(String)
        case close(String)
    }

    struct Client: Sendable {
        var channelId: String
        var accountId: String?
        var sessionId: String?
        var continuation: AsyncStream<Outbound>.Continuation
    }

    private let clients = Mutex<[Int: Client]>([:])
    private let nextId = Atomic<Int>(0)
    private let adLookup: @Sendable (String) -> (media: String, durationMs: Int64)?

    public init(adLookup: @escaping @Sendable (String) -> (media: String, durationMs: Int64)? = { _ in nil }) {
        self.adLookup = adLookup
    }

    public func register(channelId: String, accountId: String?, sessionId: String?) -> (id: Int, stream: AsyncStream<Outbound>) {
        let id = nextId.add(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncStream<Outbound>.makeStream()
        clients.withLock { $0[id] = Client(channelId: channelId, accountId: accountId, sessionId: sessionId, continuation: continuation) }
        return (id, stream)
    }

    public func unregister(_ id: Int) {
        let client = clients.withLock { $0.removeValue(forKey: id) }
        client?.continuation.finish()
    }

    public var count: Int { clients.withLock { $0.count } }

    /// Sends `text` to one socket (answers to what that socket sent).
    public func send(to id: Int, _ text: String) {
        let client = clients.withLock { $0[id] }
        client?.continuation.yield(.text(text))
    }

    /// Routes one committed event.
    public func deliver(seq: Int64, event: DomainEvent) {
        let deliveries = ChatWire.deliveries(seq: seq, event: event, ad: adLookup)
        guard !deliveries.isEmpty else { return }
        let snapshot = clients.withLock { $0 }
        for delivery in deliveries {
            switch delivery {
            case .send(.channel(let channelId), let text):
                for client in snapshot.values where client.channelId == channelId { client.continuation.yield(.text(text)) }
            case .send(.viewer(let channelId, let sessionId, let accountId), let text):
                for client in snapshot.values where client.channelId == channelId
                    && (client.sessionId == sessionId || (accountId != nil && client.accountId == accountId)) {
                    client.continuation.yield(.text(text))
                }
            case .close(let accountId, let channelId, let reason):
                for client in snapshot.values where client.accountId == accountId && (channelId == nil || client.channelId == channelId) {
                    client.continuation.yield(.close(reason))
                }
            }
        }
    }
}
