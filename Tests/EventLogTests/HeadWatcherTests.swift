import EventLog
import Synchronization
import Testing

/// `Task.immediate` runs the waiter synchronously until it suspends, so when it returns the
/// waiter is registered, and a `done` flag still false proves that `wait` really suspended.
@Suite("HeadWatcher")
struct HeadWatcherTests {
    final class Flag: Sendable {
        private let value = Atomic<Bool>(false)
        func set() { value.store(true, ordering: .sequentiallyConsistent) }
        var isSet: Bool { value.load(ordering: .sequentiallyConsistent) }
    }

    @Test func waitReturnsWhenTheHeadPassesThePosition() async throws {
        let watcher = HeadWatcher(head: 3)
        let done = Flag()
        let waiter = Task.immediate { await watcher.wait(after: 5); done.set() }
        #expect(!done.isSet, "wait(after: 5) at head 3 must suspend")
        watcher.advance(to: 5) // not past 5: the waiter stays asleep
        watcher.advance(to: 4) // going back is ignored
        #expect(watcher.head == 5)
        watcher.advance(to: 6)
        try await within(10, "the waiter") { await waiter.value }
        #expect(done.isSet)
        #expect(watcher.head == 6)
    }

    @Test func waitReturnsAtOnceWhenAlreadyPast() async throws {
        let watcher = HeadWatcher(head: 10)
        try await within(10, "wait(after: 9) at head 10") { await watcher.wait(after: 9) }
        try await within(10, "wait(after: 0) at head 10") { await watcher.wait(after: 0) }
        let done = Flag()
        let waiter = Task.immediate { await watcher.wait(after: 10); done.set() }
        #expect(!done.isSet, "head 10 is not past 10")
        watcher.advance(to: 11)
        try await within(10, "the waiter") { await waiter.value }
    }

    @Test func manyWaitersWakeWhenTheirPositionIsPassed() async throws {
        let watcher = HeadWatcher()
        let flags = (0..<6).map { _ in Flag() }
        let waiters = (0..<6).map { i in Task.immediate { await watcher.wait(after: Int64(i)); flags[i].set() } }
        watcher.advance(to: 3) // wakes the waiters after 0, 1 and 2
        for i in 0..<3 { try await within(10, "waiter \(i)") { await waiters[i].value } }
        #expect(!flags[3].isSet && !flags[4].isSet && !flags[5].isSet)
        watcher.advance(to: 100)
        for i in 3..<6 { try await within(10, "waiter \(i)") { await waiters[i].value } }
    }

    @Test func closeWakesEveryWaiterForGood() async throws {
        let watcher = HeadWatcher()
        let done = Flag()
        let waiter = Task.immediate { await watcher.wait(after: 50); done.set() }
        #expect(!done.isSet)
        #expect(!watcher.isClosed)
        watcher.close()
        try await within(10, "the waiter after close") { await waiter.value }
        #expect(watcher.isClosed)
        #expect(watcher.head == 0, "close does not move the head")
        // Later waits return at once.
        try await within(10, "a wait after close") { await watcher.wait(after: 1_000) }
    }

    @Test func cancellationEndsAWait() async throws {
        let watcher = HeadWatcher()
        let done = Flag()
        let waiter = Task.immediate { await watcher.wait(after: 7); done.set() }
        #expect(!done.isSet)
        waiter.cancel()
        try await within(10, "the cancelled waiter") { await waiter.value }
        #expect(done.isSet)
        #expect(watcher.head == 0)
        // The cancelled waiter is gone: advancing later has nobody stale to resume.
        watcher.advance(to: 8)
    }

    @Test func aTaskCancelledBeforeWaitingDoesNotSuspend() async throws {
        let watcher = HeadWatcher()
        let waiter = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            await watcher.wait(after: 7)
            return Task.isCancelled
        }
        #expect(try await within(10, "a wait in a cancelled task") { await waiter.value })
    }

    @Test func writerAdvancesItsWatcherAfterEachCommit() async throws {
        try await withTestLog { log in
            let watcher = log.writer.watcher
            let done = Flag()
            let waiter = Task.immediate { await watcher.wait(after: 2); done.set() }
            _ = try await log.writer.submit(.append(stream: "a", count: 2))
            #expect(watcher.head == 2)
            #expect(!done.isSet, "head 2 is not past 2")
            _ = try await log.writer.submit(.append(stream: "a", count: 1))
            try await within(10, "the waiter") { await waiter.value }
            #expect(watcher.head == 3)
            // A rejected command commits nothing and does not advance the head.
            _ = try? await log.writer.submit(.reject("no"))
            #expect(watcher.head == 3)
        }
    }
}
