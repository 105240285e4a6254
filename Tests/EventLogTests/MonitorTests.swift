import Foundation
import MarqueeCore
import Testing

/// The writer's `Monitor`: one mutex, a condition per kind of waiter. Real threads; every wait
/// the test makes is bounded.
@Suite("Monitor: one mutex, separate conditions")
struct MonitorTests {
    /// State shared by the threads of a test, guarded by its monitor.
    final class Shared: @unchecked Sendable {
        let monitor = Monitor(conditions: 2)
        var turn = 0
        var stop = false
        var wakeups = [0, 0]
        var rounds = [0, 0]
    }

    /// Starts a thread and returns a semaphore it signals when `body` returns.
    private func thread(_ body: @escaping @Sendable () -> Void) -> DispatchSemaphore {
        let ended = DispatchSemaphore(value: 0)
        Thread { body(); ended.signal() }.start()
        return ended
    }

    @Test func twoThreadsPingPongOnTheirOwnConditionsWithoutLosingAWakeup() {
        let shared = Shared()
        let rounds = 20_000
        // Thread i waits for `turn == i`, then hands the turn to the other thread and signals
        // only the other thread's condition.
        let ended = (0..<2).map { me in
            thread {
                let monitor = shared.monitor
                monitor.lock()
                defer { monitor.unlock() }
                while shared.rounds[me] < rounds {
                    while shared.turn != me { monitor.wait(Monitor.Condition(me)) }
                    shared.rounds[me] += 1
                    shared.turn = 1 - me
                    monitor.signal(Monitor.Condition(1 - me))
                }
            }
        }
        for (index, semaphore) in ended.enumerated() {
            #expect(semaphore.wait(timeout: .now() + 60) == .success, "thread \(index) did not finish its \(rounds) rounds: a wakeup was lost")
        }
        shared.monitor.withLock {
            #expect(shared.rounds == [rounds, rounds])
            #expect(shared.turn == 0)
        }
    }

    @Test func signallingOneConditionLeavesAThreadWaitingOnAnotherAsleep() {
        let shared = Shared()
        let waiting = DispatchSemaphore(value: 0)
        let ended = thread {
            let monitor = shared.monitor
            monitor.lock()
            defer { monitor.unlock() }
            var announced = false
            while !shared.stop {
                if !announced { announced = true; waiting.signal() }
                monitor.wait(Monitor.Condition(0))
                shared.wakeups[0] += 1
            }
        }
        #expect(waiting.wait(timeout: .now() + 30) == .success)
        // The waiter announced itself holding the mutex and released it only by waiting, so once
        // the mutex is ours it is asleep on condition 0.
        for _ in 0..<1_000 {
            shared.monitor.withLock {
                shared.monitor.signal(Monitor.Condition(1))
                shared.monitor.broadcast(Monitor.Condition(1))
            }
        }
        // glibc's waits return only when signalled (they retry after interruptions), so a wakeup
        // here could only come from the signals above.
        Thread.sleep(forTimeInterval: 0.05)
        shared.monitor.withLock { #expect(shared.wakeups[0] == 0, "signals on condition 1 woke the thread waiting on condition 0") }
        shared.monitor.withLock {
            shared.stop = true
            shared.monitor.signal(Monitor.Condition(0))
        }
        #expect(ended.wait(timeout: .now() + 30) == .success, "signalling condition 0 did not wake its waiter")
        shared.monitor.withLock { #expect(shared.wakeups[0] == 1) }
    }

    @Test func broadcastWakesEveryWaiterOfItsCondition() {
        let shared = Shared()
        let waiters = 4
        let allWaiting = DispatchSemaphore(value: 0)
        var ended: [DispatchSemaphore] = []
        for _ in 0..<waiters {
            ended.append(thread {
                let monitor = shared.monitor
                monitor.lock()
                defer { monitor.unlock() }
                shared.rounds[0] += 1
                if shared.rounds[0] == waiters { allWaiting.signal() }
                while !shared.stop { monitor.wait(Monitor.Condition(1)) }
                shared.wakeups[1] += 1
            })
        }
        #expect(allWaiting.wait(timeout: .now() + 30) == .success)
        shared.monitor.withLock {
            shared.stop = true
            shared.monitor.broadcast(Monitor.Condition(1))
        }
        for semaphore in ended { #expect(semaphore.wait(timeout: .now() + 30) == .success, "a waiter stayed asleep after broadcast") }
        shared.monitor.withLock { #expect(shared.wakeups[1] == waiters) }
    }
}
