import Synchronization

/// A clock that only moves when told to: for tests and simulations.
public final class ManualClock: WallClock {
    private let current: Mutex<Int64>

    public init(_ start: Timestamp = Timestamp(milliseconds: 1_790_000_000_000)) {
        current = Mutex(start.milliseconds)
    }

    public func now() -> Timestamp { Timestamp(milliseconds: current.withLock { $0 }) }

    public func advance(milliseconds: Int64) {
        current.withLock { $0 += milliseconds }
    }

    public func advance(seconds: Int64) { advance(milliseconds: seconds * 1000) }

    public func set(_ time: Timestamp) { current.withLock { $0 = time.milliseconds } }
}
