#if canImport(Glibc)
import Glibc
#endif

/// Names the calling thread, as `top -H`, `ps -L` and `/proc/PID/task/*/comm` show it (15 bytes
/// at most). Foundation's `Thread.name` does not reach the kernel on Linux, and a new thread
/// otherwise inherits its creator's name (often `…root.default-qos`).
public enum ThreadName {
    public static func set(_ name: String) {
        #if os(Linux)
        let fd = open("/proc/thread-self/comm", O_WRONLY)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let bytes = Array(name.utf8.prefix(15))
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        #endif
    }
}

/// Per-thread figures of a process from `/proc/PID/task/*/{comm,stat}` (Linux; empty elsewhere).
public enum ThreadStats {
    public struct Thread: Sendable {
        public var name: String
        public var nice: Int
        /// User and system CPU time, in clock ticks (`sysconf(_SC_CLK_TCK)` a second).
        public var userTicks: Int
        public var systemTicks: Int
        /// User plus system CPU time, in clock ticks.
        public var cpuTicks: Int { userTicks + systemTicks }
        /// CPU time in nanoseconds, exact (`schedstat`'s first field; 0 if the kernel has none).
        public var cpuNanos: Int64
    }

    /// Every thread of `pid` ("self" for this process). Threads that end meanwhile are skipped.
    public static func read(pid: String = "self") -> [Thread] {
        #if os(Linux)
        guard let dir = opendir("/proc/\(pid)/task") else { return [] }
        defer { closedir(dir) }
        var result: [Thread] = []
        while let entry = readdir(dir) {
            let tid = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard tid.first?.isNumber == true,
                  let comm = file("/proc/\(pid)/task/\(tid)/comm"), let stat = file("/proc/\(pid)/task/\(tid)/stat"),
                  let close = stat.lastIndex(of: ")") else { continue }
            // After "(comm)": field 3 (state) is index 0; utime 14, stime 15, nice 19.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 16, let user = Int(fields[11]), let system = Int(fields[12]), let nice = Int(fields[16]) else { continue }
            let nanos = file("/proc/\(pid)/task/\(tid)/schedstat").flatMap { Int64($0.prefix { $0 != " " }) } ?? 0
            result.append(Thread(name: String(comm.prefix { $0 != "\n" }), nice: nice, userTicks: user, systemTicks: system, cpuNanos: nanos))
        }
        return result
        #else
        return []
        #endif
    }

    /// Clock ticks a second.
    public static var ticksPerSecond: Double {
        #if os(Linux)
        return Double(sysconf(Int32(_SC_CLK_TCK)))
        #else
        return 100
        #endif
    }

    static func file(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1024)
        let count = Glibc.read(fd, &buffer, buffer.count)
        return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : nil
    }
}
