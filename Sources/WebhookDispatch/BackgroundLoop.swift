import MarqueeCore
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// The dispatcher's own thread: its tasks, its actor, its SQLite work and its HTTP connections
/// all run on one event loop whose thread has a lower CPU priority (`nice`). Deliveries are
/// background work that may lag by milliseconds; appends are what callers wait for. When the
/// box is busy the scheduler gives the writer and the request handlers the CPU first, and the
/// deliveries catch up when it is free (BENCHMARKS.md, issue 4: the writer's throughput while
/// 2,000 deliveries/s run).
final class BackgroundLoop: TaskExecutor {
    let group: MultiThreadedEventLoopGroup
    let loop: any EventLoop

    /// `niceness` 0 leaves the thread as it is; 1…19 lowers its priority. On Linux the nice
    /// value is per thread, and `setpriority(PRIO_PROCESS, 0, …)` sets the calling thread's.
    init(niceness: Int32) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        loop = group.next()
        loop.execute {
            ThreadName.set("marquee-hooks")
            if niceness > 0 { Self.lowerPriority(niceness) }
        }
    }

    static func lowerPriority(_ niceness: Int32) {
        #if os(Linux)
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, min(niceness, 19))
        #endif
    }

    /// The current thread's nice value (tests).
    static func currentNiceness() -> Int32 {
        #if os(Linux)
        return getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        #else
        return 0
        #endif
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    func shutdown() async {
        try? await group.shutdownGracefully()
    }
}
