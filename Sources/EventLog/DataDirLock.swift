#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive `flock` on `<data-dir>/marquee.lock`, held by the one process that may append.
/// A second server (or any second writer) on the same data directory fails to start instead
/// of appending behind the first one's back. The kernel drops the lock when the process dies.
public final class DataDirLock: Sendable {
    private let fd: Int32
    public let path: String

    public enum LockError: Error, CustomStringConvertible {
        case held(String)
        case cannotOpen(String, Int32)

        public var description: String {
            switch self {
            case .held(let path): return "another Marquee process holds \(path); stop it before starting a writer on this data directory"
            case .cannotOpen(let path, let code): return "cannot open \(path): \(String(cString: strerror(code)))"
            }
        }
    }

    public init(dataDir: String) throws {
        path = dataDir + "/marquee.lock"
        let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LockError.cannotOpen(path, errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw LockError.held(path)
        }
        self.fd = fd
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { write(fd, $0, strlen($0)) }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
