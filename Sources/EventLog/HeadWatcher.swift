import Synchronization

/// Tells in-process consumers when the log grows, without polling: the writer calls
/// `advance(to:)` after each commit; consumers `await wait(after:)`.
public final class HeadWatcher: Sendable {
    private struct Waiter {
        let id: UInt64
        let after: Int64
        let continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var head: Int64
        var closed = false
        var nextID: UInt64 = 0
        var waiters: [Waiter] = []
    }

    private let state: Mutex<State>

    public init(head: Int64 = 0) { state = Mutex(State(head: head)) }

    /// The last committed seq.
    public var head: Int64 { state.withLock { $0.head } }

    /// Records a new head and wakes every waiter whose position it passes.
    public func advance(to seq: Int64) {
        let ready: [Waiter] = state.withLock { state in
            guard seq > state.head else { return [] }
            state.head = seq
            var ready: [Waiter] = []
            state.waiters.removeAll { waiter in
                if waiter.after < seq { ready.append(waiter); return true }
                return false
            }
            return ready
        }
        for waiter in ready { waiter.continuation.resume() }
    }

    /// Wakes every waiter for good (shutdown); later waits return at once.
    public func close() {
        let all: [Waiter] = state.withLock { state in
            state.closed = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in all { waiter.continuation.resume() }
    }

    public var isClosed: Bool { state.withLock { $0.closed } }

    /// Returns once the head is past `seq`, the watcher is closed, or the task is cancelled.
    public func wait(after seq: Int64) async {
        let id: UInt64 = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow: Bool = state.withLock { state in
                    if state.head > seq || state.closed || Task.isCancelled { return true }
                    state.waiters.append(Waiter(id: id, after: seq, continuation: continuation))
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter: Waiter? = state.withLock { state in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index)
            }
            waiter?.continuation.resume()
        }
    }
}
