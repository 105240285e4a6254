import Foundation
import Synchronization

// Helpers shared by the storage test targets: temporary directories and a time bound.

/// Runs `body` with a fresh directory under the system temporary directory, removed afterwards.
public func withTemporaryDirectory<T>(prefix: String = "marquee-tests", _ body: (String) async throws -> T) async throws -> T {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
    defer { try? FileManager.default.removeItem(at: url) }
    return try await body(url.path)
}

public struct TimedOut: Error, CustomStringConvertible {
    public var seconds: Double
    public var what: String
    public var description: String { "\(what) did not finish within \(seconds) s" }
}

/// Resumes a continuation at most once (whichever of the work and the timer is first).
private final class ResumeOnce<T: Sendable>: Sendable {
    private let state: Mutex<CheckedContinuation<T, any Error>?>
    init(_ continuation: CheckedContinuation<T, any Error>) { state = Mutex(continuation) }
    @discardableResult
    func resume(_ result: Result<T, any Error>) -> Bool {
        let continuation = state.withLock { state in
            defer { state = nil }
            return state
        }
        continuation?.resume(with: result)
        return continuation != nil
    }
}

/// Awaits `operation`, but never longer than `seconds`: a bound so a broken writer or watcher
/// fails the test instead of hanging it. Not a synchronization device (nothing waits on time).
public func within<T: Sendable>(_ seconds: Double = 30, _ what: String = "operation",
                                _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        let once = ResumeOnce(continuation)
        let timer = Task {
            try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            if !Task.isCancelled { once.resume(.failure(TimedOut(seconds: seconds, what: what))) }
        }
        _ = Task {
            do { once.resume(.success(try await operation())) } catch { once.resume(.failure(error)) }
            timer.cancel()
        }
    }
}

/// SplitMix64: a tiny deterministic PRNG, so every randomized test reproduces from its seed.
public struct SplitMix64: RandomNumberGenerator {
    public var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A task executor with a thread of its own.
///
/// Synchronous and CPU-bound test bodies (fuzz loops) otherwise run on Swift's cooperative
/// pool, which has one thread per core: two here. Two long fuzz loops there stall every other
/// test that waits on a timer or a socket for as long as they run (seen: 25–35 s), and timing
/// checks elsewhere then fail. On a thread of their own they share the CPU with everything else
/// instead. Task-locals (the running test) carry over, so `#expect` works as usual.
public final class OwnThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopped = false

    public init(name: String = "marquee-test-cpu") {
        let thread = Thread { [self] in self.drain() }
        thread.name = name
        thread.stackSize = 8 << 20
        thread.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Lets the thread end once its queue is empty.
    public func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    private func drain() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopped { condition.wait() }
            if jobs.isEmpty { condition.unlock(); return }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

/// Runs a CPU-bound test body on a thread of its own (see `OwnThreadExecutor`).
public func onOwnThread<T, Failure: Error>(isolation: isolated (any Actor)? = #isolation,
                                           _ body: () async throws(Failure) -> T) async throws(Failure) -> T {
    let executor = OwnThreadExecutor()
    defer { executor.stop() }
    return try await withTaskExecutorPreference(executor, isolation: isolation) { () async throws(Failure) -> T in
        // Nonisolated code only moves to the preferred executor at a suspension point.
        await Task.yield()
        return try await body()
    }
}

/// CPU time the calling thread has used (`CLOCK_THREAD_CPUTIME_ID`). "Bounded time" checks of
/// synchronous work measure this rather than wall time, which also counts the time the
/// scheduler gave to everything else running in the test process.
public func threadCPUTime() -> Duration {
    var now = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
    return .seconds(now.tv_sec) + .nanoseconds(now.tv_nsec)
}
