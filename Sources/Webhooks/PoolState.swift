import NIOCore
import NIOHTTP1

/// One connection pool per (scheme, URL host, pinned address, port): the TCP connection goes to
/// `address`, while the `Host` header, TLS SNI and certificate checks use `host`.
struct PoolKey: Hashable, Sendable {
    var tls: Bool
    var host: String
    var address: IPAddress
    var port: Int

    /// "203.0.113.7:443" (IPv6 in brackets), for error texts.
    var target: String { "\(address.urlHost):\(port)" }
}

/// A request ready for the wire, with the promise its connection answers.
struct PendingRequest: Sendable {
    var head: HTTPRequestHead
    var body: ByteBuffer
    /// When the whole exchange (waiting, connecting, sending, reading) must be over.
    var deadline: NIODeadline
    var start: NIODeadline
    var promise: EventLoopPromise<WebhookResponse>
}

/// An open connection: its channel and the handler that runs requests on it (touched only on
/// the channel's event loop).
struct PooledConnection: Sendable {
    let channel: any Channel
    let handler: NIOLoopBound<HTTP1ClientConnection>

    var id: ObjectIdentifier { ObjectIdentifier(channel) }
}

/// The pools' bookkeeping as a value: every method is one decision under the client's lock and
/// returns what to do; `ConnectionPools` does it after unlocking (connect, send, close, fail).
struct PoolState {
    struct Waiter {
        var id: UInt64
        var request: PendingRequest
        var timer: Scheduled<Void>?
    }

    struct Pool {
        /// Tells a pool apart from a later one under the same key (after eviction).
        let generation: UInt64
        var idle: [PooledConnection] = []
        var busy: [ObjectIdentifier: PooledConnection] = [:]
        var connecting = 0
        var waiters = CircularBuffer<Waiter>()
        var lastUsed: UInt64

        var open: Int { idle.count + busy.count + connecting }
        var isUnused: Bool { busy.isEmpty && connecting == 0 && waiters.isEmpty }
    }

    enum LeaseAction {
        case send(PooledConnection)
        case connect(generation: UInt64)
        case wait(id: UInt64)
        case shutDown
    }

    /// What to do next with a pool's spare capacity.
    enum FollowUp {
        case none
        /// Open a connection for a waiting request (its timer is cancelled).
        case connect(PendingRequest, generation: UInt64, timer: Scheduled<Void>?)
    }

    enum ReleaseAction {
        /// The connection went back to the idle list.
        case idle
        /// Run this waiting request on the same connection.
        case send(PendingRequest, timer: Scheduled<Void>?)
        /// The pool is gone (evicted or shut down): close the connection.
        case close
    }

    enum ConnectedAction {
        case send
        case close
    }

    let maximumPools: Int
    let connectionsPerPool: Int
    private(set) var pools: [PoolKey: Pool] = [:]
    private(set) var isShutDown = false
    private var tick: UInt64 = 0
    private var nextID: UInt64 = 0

    init(maximumPools: Int, connectionsPerPool: Int) {
        self.maximumPools = maximumPools
        self.connectionsPerPool = connectionsPerPool
    }

    /// A request wants a connection: an idle one, a new one within the limit, or a place in line.
    /// `evicted` gets the idle connections of a pool dropped to stay within `maximumPools`.
    mutating func lease(_ key: PoolKey, request: PendingRequest, evicted: inout [PooledConnection]) -> LeaseAction {
        guard !isShutDown else { return .shutDown }
        tick += 1
        if pools[key] == nil {
            if pools.count >= maximumPools,
               let victim = pools.filter({ $0.value.isUnused }).min(by: { $0.value.lastUsed < $1.value.lastUsed }) {
                evicted += victim.value.idle
                pools[victim.key] = nil
            }
            nextID += 1
            pools[key] = Pool(generation: nextID, lastUsed: tick)
        }
        pools[key]!.lastUsed = tick
        if let connection = pools[key]!.idle.popLast() {
            pools[key]!.busy[connection.id] = connection
            return .send(connection)
        }
        if pools[key]!.open < connectionsPerPool {
            pools[key]!.connecting += 1
            return .connect(generation: pools[key]!.generation)
        }
        nextID += 1
        pools[key]!.waiters.append(Waiter(id: nextID, request: request))
        return .wait(id: nextID)
    }

    /// The waiter's timer, once scheduled; `false` when it already left the line (cancel it).
    mutating func setTimer(_ timer: Scheduled<Void>, key: PoolKey, waiter id: UInt64) -> Bool {
        withPool(key) { pool in
            guard let index = pool.waiters.firstIndex(where: { $0.id == id }) else { return false }
            pool.waiters[index].timer = timer
            return true
        } ?? false
    }

    /// The waiter's deadline passed: its request, when still in line.
    mutating func waiterTimedOut(_ key: PoolKey, id: UInt64) -> PendingRequest? {
        withPool(key) { pool in
            guard let index = pool.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return pool.waiters.remove(at: index).request
        } ?? nil
    }

    mutating func connected(_ key: PoolKey, generation: UInt64, _ connection: PooledConnection) -> ConnectedAction {
        guard !isShutDown else { return .close }
        return withPool(key, generation) { pool in
            pool.connecting -= 1
            pool.busy[connection.id] = connection
            return .send
        } ?? .close
    }

    mutating func connectFailed(_ key: PoolKey, generation: UInt64) -> FollowUp {
        let limit = connectionsPerPool
        return withPool(key, generation) { pool in
            pool.connecting -= 1
            return Self.nextWaiter(&pool, limit: limit)
        } ?? .none
    }

    /// A response was read completely and the connection may carry another request.
    mutating func release(_ key: PoolKey, generation: UInt64, _ connection: PooledConnection) -> ReleaseAction {
        guard !isShutDown else { return .close }
        return withPool(key, generation) { pool in
            guard pool.busy[connection.id] != nil else { return .close }
            if let waiter = pool.waiters.popFirst() {
                return .send(waiter.request, timer: waiter.timer)
            }
            pool.busy[connection.id] = nil
            pool.idle.append(connection)
            return .idle
        } ?? .close
    }

    /// The connection is closed or about to be: it leaves the pool (safe to call twice).
    mutating func closed(_ key: PoolKey, generation: UInt64, id: ObjectIdentifier) -> FollowUp {
        let limit = connectionsPerPool
        return withPool(key, generation) { pool in
            if pool.busy.removeValue(forKey: id) == nil, let index = pool.idle.firstIndex(where: { $0.id == id }) {
                pool.idle.remove(at: index)
            }
            return Self.nextWaiter(&pool, limit: limit)
        } ?? .none
    }

    /// An idle connection's idle time is up: `true` if it left the pool (close it).
    mutating func retire(_ key: PoolKey, generation: UInt64, id: ObjectIdentifier) -> Bool {
        withPool(key, generation) { pool in
            guard let index = pool.idle.firstIndex(where: { $0.id == id }) else { return false }
            pool.idle.remove(at: index)
            return true
        } ?? false
    }

    /// Refuses new requests; returns every connection (to close) and every waiter (to fail).
    mutating func shutDown() -> (connections: [PooledConnection], waiters: [Waiter]) {
        isShutDown = true
        var connections: [PooledConnection] = []
        var waiters: [Waiter] = []
        for pool in pools.values {
            connections += pool.idle
            connections += pool.busy.values
            waiters += pool.waiters
        }
        pools.removeAll()
        return (connections, waiters)
    }

    private static func nextWaiter(_ pool: inout Pool, limit: Int) -> FollowUp {
        guard pool.open < limit, let waiter = pool.waiters.popFirst() else { return .none }
        pool.connecting += 1
        return .connect(waiter.request, generation: pool.generation, timer: waiter.timer)
    }

    private mutating func withPool<T>(_ key: PoolKey, _ generation: UInt64? = nil, _ body: (inout Pool) -> T) -> T? {
        guard let current = pools[key]?.generation, generation == nil || current == generation else { return nil }
        return body(&pools[key]!) // modified in place
    }
}
