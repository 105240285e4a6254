import Domain
import EventLog
import Synchronization

/// The realtime feed's subscribers (`/api/v1/realtime`, WebSocket and Server-Sent Events). The
/// log's consumer publishes every committed event in order; each subscriber gets those its grant
/// may see (`AudienceIndex.visible`) and its topics and channel select. A subscriber that falls
/// more than `bufferLimit` events behind is closed rather than silently skipped: it resumes
/// from its last seq (`Last-Event-ID`), so it never misses an event.
public final class RealtimeHub: Sendable {
    public struct Item: Sendable, Equatable {
        public var seq: Int64
        public var type: String
        /// `DeliveryFormat.body`: the same JSON a webhook delivery carries.
        public var body: [UInt8]
    }

    public enum Element: Sendable, Equatable {
        case item(Item)
        /// The subscriber must go (it fell behind, its token ended, the server stops); it may resume.
        case closed(String)
        /// Keep-alive (SSE comment); also when the token is checked again.
        case ping
    }

    public struct Filter: Sendable {
        public var grant: Grant
        public var accepts: @Sendable (String) -> Bool
        public var channelId: String?
        public init(grant: Grant, channelId: String?, accepts: @escaping @Sendable (String) -> Bool) {
            self.grant = grant; self.channelId = channelId; self.accepts = accepts
        }
    }

    public struct Subscription: Sendable {
        public var id: Int
        public var stream: AsyncStream<Element>
        /// Events in (`backlogAfter`, `backlogThrough`] come from the log, the rest from `stream`.
        public var backlogAfter: Int64
        public var backlogThrough: Int64
        public var index: AudienceIndex
    }

    struct Subscriber {
        var filter: Filter
        var continuation: AsyncStream<Element>.Continuation
    }

    struct State {
        var index = AudienceIndex()
        var head: Int64 = 0
        var subscribers: [Int: Subscriber] = [:]
        var nextId = 0
    }

    public let bufferLimit: Int
    private let state = Mutex(State())

    public init(bufferLimit: Int = 4096) { self.bufferLimit = bufferLimit }

    /// The index as of `head` (built from the log at start, before live events are published).
    public func load(index: AudienceIndex, head: Int64) {
        state.withLock { $0.index = index; $0.head = head }
    }

    public var head: Int64 { state.withLock { $0.head } }
    public var count: Int { state.withLock { $0.subscribers.count } }

    /// Whether `event` goes to a subscriber with `filter`.
    public static func selects(_ event: DomainEvent, _ filter: Filter, _ index: AudienceIndex) -> Bool {
        guard filter.accepts(event.type), index.visible(event, to: filter.grant) else { return false }
        if let channel = filter.channelId { return index.audience(of: event).channelId == channel }
        return true
    }

    /// Publishes one committed event (called in seq order by the log's consumer).
    public func publish(seq: Int64, recordedAt: String, data: [UInt8], event: DomainEvent) {
        let targets: [(AsyncStream<Element>.Continuation, Int)]
        var body: [UInt8]?
        (targets, body) = state.withLock { s in
            s.index.apply(event)
            s.head = max(s.head, seq)
            var out: [(AsyncStream<Element>.Continuation, Int)] = []
            for (id, subscriber) in s.subscribers where Self.selects(event, subscriber.filter, s.index) {
                out.append((subscriber.continuation, id))
            }
            let body = out.isEmpty ? nil : DeliveryFormat.body(seq: seq, type: event.type, recordedAt: recordedAt, data: data,
                                                                handles: s.index.handles(of: event))
            return (out, body)
        }
        guard let body else { return }
        let item = Item(seq: seq, type: event.type, body: body)
        for (continuation, id) in targets {
            if case .dropped = continuation.yield(.item(item)) {
                continuation.yield(.closed("the client fell more than \(bufferLimit) events behind; resume from the last seq"))
                continuation.finish()
                unsubscribe(id)
            }
        }
        _ = body
    }

    /// Registers a subscriber that resumes after `lastEventId` (nil: from now on).
    public func subscribe(_ filter: Filter, after lastEventId: Int64?) -> Subscription {
        let (stream, continuation) = AsyncStream<Element>.makeStream(bufferingPolicy: .bufferingOldest(bufferLimit + 1))
        return state.withLock { s in
            let id = s.nextId
            s.nextId += 1
            s.subscribers[id] = Subscriber(filter: filter, continuation: continuation)
            let after = min(lastEventId ?? s.head, s.head)
            return Subscription(id: id, stream: stream, backlogAfter: max(0, after), backlogThrough: s.head, index: s.index)
        }
    }

    public func unsubscribe(_ id: Int) {
        let subscriber = state.withLock { $0.subscribers.removeValue(forKey: id) }
        subscriber?.continuation.finish()
    }

    public func ping(_ id: Int) {
        let subscriber = state.withLock { $0.subscribers[id] }
        subscriber?.continuation.yield(.ping)
    }

    /// Ends one subscription, telling it why.
    public func close(_ id: Int, reason: String) {
        let subscriber = state.withLock { $0.subscribers.removeValue(forKey: id) }
        subscriber?.continuation.yield(.closed(reason))
        subscriber?.continuation.finish()
    }

    /// Ends every subscription (shutdown).
    public func closeAll(_ reason: String) {
        let all = state.withLock { s in
            let all = Array(s.subscribers.values)
            s.subscribers = [:]
            return all
        }
        for subscriber in all {
            subscriber.continuation.yield(.closed(reason))
            subscriber.continuation.finish()
        }
    }
}
