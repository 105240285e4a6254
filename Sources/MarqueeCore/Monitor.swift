#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One mutex with several condition variables, for threads that wait for different things under
/// the same state: each waits on its own condition, so waking one does not wake the others
/// (`NSCondition` owns its mutex, so two of them cannot guard the same state).
///
/// The mutex and the conditions live at fixed addresses, as pthreads requires; the monitor is
/// shared by reference.
public final class Monitor: @unchecked Sendable {
    /// One of the monitor's condition variables, by position.
    public struct Condition: Sendable, Hashable {
        public let index: Int
        public init(_ index: Int) { self.index = index }
    }

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let conditions: UnsafeMutablePointer<pthread_cond_t>
    private let count: Int

    /// A monitor with `conditions` condition variables, `Condition(0)` to `Condition(conditions - 1)`.
    public init(conditions: Int) {
        precondition(conditions > 0, "a monitor needs at least one condition")
        count = conditions
        mutex = .allocate(capacity: 1)
        precondition(pthread_mutex_init(mutex, nil) == 0, "pthread_mutex_init failed")
        self.conditions = .allocate(capacity: conditions)
        for index in 0..<conditions {
            precondition(pthread_cond_init(self.conditions + index, nil) == 0, "pthread_cond_init failed")
        }
    }

    deinit {
        for index in 0..<count { pthread_cond_destroy(conditions + index) }
        conditions.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    public func lock() { pthread_mutex_lock(mutex) }
    public func unlock() { pthread_mutex_unlock(mutex) }

    /// Runs `body` holding the mutex.
    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }

    /// Releases the mutex and waits for `condition` to be signalled; holds the mutex again on
    /// return. Wakeups can be spurious: wait in a loop over the predicate.
    public func wait(_ condition: Condition) {
        pthread_cond_wait(conditions + checked(condition), mutex)
    }

    /// Wakes one thread waiting on `condition` (none if nobody waits).
    public func signal(_ condition: Condition) {
        pthread_cond_signal(conditions + checked(condition))
    }

    /// Wakes every thread waiting on `condition`.
    public func broadcast(_ condition: Condition) {
        pthread_cond_broadcast(conditions + checked(condition))
    }

    private func checked(_ condition: Condition) -> Int {
        precondition(condition.index >= 0 && condition.index < count, "no condition \(condition.index) in a monitor of \(count)")
        return condition.index
    }
}
