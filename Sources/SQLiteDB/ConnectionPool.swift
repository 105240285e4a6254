import Synchronization

/// A small pool of connections to one file for concurrent readers (HTTP handlers). Each
/// borrower has a connection to itself for the duration of `withConnection`.
public final class ConnectionPool: Sendable {
    private let idle = Mutex<[Connection]>([])
    private let make: @Sendable () throws -> Connection
    private let maxIdle: Int

    public init(maxIdle: Int = 16, make: @escaping @Sendable () throws -> Connection) {
        self.make = make
        self.maxIdle = maxIdle
    }

    /// A read-only pool for `path` (`query_only`), opened lazily.
    public static func readOnly(path: String, maxIdle: Int = 16) -> ConnectionPool {
        ConnectionPool(maxIdle: maxIdle) {
            let connection = try Connection(path: path, mode: .readOnly)
            try connection.execute("PRAGMA query_only=1")
            return connection
        }
    }

    public func withConnection<T>(_ body: (Connection) throws -> T) throws -> T {
        let connection = try idle.withLock { $0.popLast() } ?? make()
        defer {
            idle.withLock { pool in if pool.count < maxIdle { pool.append(connection) } }
        }
        return try body(connection)
    }
}
