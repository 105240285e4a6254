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
