import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keep-alive HTTP/1.1 connections, pooled per `PoolKey`, shared by one `WebhookClient`.
///
/// `PoolState` decides under one lock; this class carries out the decisions: it connects
/// (ClientBootstrap to the pinned address, NIOSSL with SNI and verification for the URL host),
/// hands requests to connections and fails requests that wait too long. A request costs two
/// short locks (lease, release) and one hop to its connection's event loop.
final class ConnectionPools: Sendable {
    /// An idle connection is closed after this long.
    static let idleTimeout = TimeAmount.seconds(60)

    let timeout: Duration
    private let group: any EventLoopGroup
    private let logger: Logger
    private let state: Mutex<PoolState>
    private let tls = Mutex<NIOSSLContext?>(nil)

    init(timeout: Duration, group: any EventLoopGroup, maximumPools: Int, connectionsPerPool: Int, logger: Logger) {
        self.timeout = timeout
        self.group = group
        self.logger = logger
        self.state = Mutex(PoolState(maximumPools: maximumPools, connectionsPerPool: connectionsPerPool))
    }

    var poolCount: Int { state.withLock { $0.pools.count } }
    var isShutDown: Bool { state.withLock { $0.isShutDown } }

    /// Starts `request` on a pooled, new or (after waiting) freed connection.
    func execute(_ request: PendingRequest, key: PoolKey) {
        var evicted: [PooledConnection] = []
        let action = state.withLock { $0.lease(key, request: request, evicted: &evicted) }
        for connection in evicted { connection.channel.close(promise: nil) }
        switch action {
        case .send(let connection):
            Self.send(request, on: connection)
        case .connect(let generation):
            connect(request, key: key, generation: generation)
        case .wait(let id):
            let timer = request.promise.futureResult.eventLoop.scheduleTask(deadline: request.deadline) { [self] in
                if let expired = state.withLock({ $0.waiterTimedOut(key, id: id) }) {
                    expired.promise.fail(error(.timedOut, key))
                }
            }
            if !state.withLock({ $0.setTimer(timer, key: key, waiter: id) }) { timer.cancel() }
        case .shutDown:
            request.promise.fail(error(.shutDown, key))
        }
    }

    /// Closes every connection (requests on them fail `.shutDown`) and fails every waiting request.
    func shutdown() async {
        let (connections, waiters) = state.withLock { $0.shutDown() }
        for waiter in waiters {
            waiter.timer?.cancel()
            waiter.request.promise.fail(WebhookTransportError(kind: .shutDown, description: "the webhook client is shut down"))
        }
        for connection in connections {
            try? await connection.channel.close()
        }
    }

    /// Without waiting: what `deinit` of the client can do.
    func closeAll() {
        let (connections, waiters) = state.withLock { $0.shutDown() }
        for waiter in waiters {
            waiter.timer?.cancel()
            waiter.request.promise.fail(WebhookTransportError(kind: .shutDown, description: "the webhook client is shut down"))
        }
        for connection in connections { connection.channel.close(promise: nil) }
    }

    // MARK: called by connections, on their event loop

    func release(_ key: PoolKey, generation: UInt64, _ connection: PooledConnection) -> PoolState.ReleaseAction {
        state.withLock { $0.release(key, generation: generation, connection) }
    }

    func closed(_ key: PoolKey, generation: UInt64, id: ObjectIdentifier) {
        perform(state.withLock { $0.closed(key, generation: generation, id: id) }, key: key)
    }

    func retire(_ key: PoolKey, generation: UInt64, id: ObjectIdentifier) -> Bool {
        state.withLock { $0.retire(key, generation: generation, id: id) }
    }

    // MARK: connecting

    private static func send(_ request: PendingRequest, on connection: PooledConnection) {
        let loop = connection.channel.eventLoop
        if loop.inEventLoop {
            connection.handler.value.start(request)
        } else {
            loop.execute { connection.handler.value.start(request) }
        }
    }

    private func perform(_ followUp: PoolState.FollowUp, key: PoolKey) {
        guard case .connect(let request, let generation, let timer) = followUp else { return }
        timer?.cancel()
        connect(request, key: key, generation: generation)
    }

    private func connect(_ request: PendingRequest, key: PoolKey, generation: UInt64) {
        let loop = request.promise.futureResult.eventLoop
        let remaining = request.deadline - .now()
        guard remaining > .zero else {
            request.promise.fail(error(.timedOut, key))
            perform(state.withLock { $0.connectFailed(key, generation: generation) }, key: key)
            return
        }
        let address: SocketAddress
        let sslContext: NIOSSLContext?
        do {
            address = try SocketAddress(ipAddress: key.address.description, port: key.port)
            sslContext = key.tls ? try tlsContext() : nil
        } catch {
            request.promise.fail(transportError(error, key, handshakeDone: false))
            perform(state.withLock { $0.connectFailed(key, generation: generation) }, key: key)
            return
        }
        ClientBootstrap(group: loop)
            .connectTimeout(remaining)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let sslContext {
                        // SNI must be a name: for an IP-literal URL NIOSSL checks the certificate
                        // against the connected address, which is then that literal.
                        let name = IPAddress(key.host) == nil ? key.host : nil
                        try sync.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: name))
                    }
                    try sync.addHTTPClientHandlers()
                    try sync.addHandler(HTTP1ClientConnection(pools: self, key: key, generation: generation))
                }
            }
            .connect(to: address)
            .whenComplete { [self] result in
                switch result {
                case .success(let channel):
                    self.connected(channel, request: request, key: key, generation: generation)
                case .failure(let failure):
                    request.promise.fail(transportError(failure, key, handshakeDone: false))
                    perform(state.withLock { $0.connectFailed(key, generation: generation) }, key: key)
                }
            }
    }

    /// On the channel's event loop.
    private func connected(_ channel: any Channel, request: PendingRequest, key: PoolKey, generation: UInt64) {
        guard let handler = try? channel.pipeline.syncOperations.handler(type: HTTP1ClientConnection.self) else {
            // Already closed and torn down: over TLS, before the handshake could finish.
            request.promise.fail(closed(key, handshakeDone: !key.tls))
            perform(state.withLock { $0.connectFailed(key, generation: generation) }, key: key)
            return
        }
        let connection = handler.pooled(channel)
        switch state.withLock({ $0.connected(key, generation: generation, connection) }) {
        case .send:
            handler.start(request)
        case .close:
            request.promise.fail(error(.shutDown, key))
            channel.close(promise: nil)
        }
    }

    private func tlsContext() throws -> NIOSSLContext {
        try tls.withLock { cached in
            if let cached { return cached }
            // Full verification against the system's trust roots, for the URL's host name.
            let context = try NIOSSLContext(configuration: .makeClientConfiguration())
            cached = context
            return context
        }
    }

    // MARK: errors

    func error(_ kind: WebhookTransportError.Kind, _ key: PoolKey) -> WebhookTransportError {
        switch kind {
        case .timedOut: WebhookTransportError(kind: kind, description: "timed out after \(WebhookClient.format(timeout))")
        case .connectionRefused: WebhookTransportError(kind: kind, description: "connection refused by \(key.target)")
        case .connectionClosed:
            WebhookTransportError(kind: kind, description: "\(key.target) closed the connection without a complete response")
        case .tls: WebhookTransportError(kind: kind, description: "TLS with \(key.host) at \(key.target) failed")
        case .shutDown: WebhookTransportError(kind: kind, description: "the webhook client is shut down")
        case .failed: WebhookTransportError(kind: kind, description: "request to \(key.target) failed")
        }
    }

    /// The connection closed before a complete response. Before TLS was up, that is a TLS
    /// failure: the other side does not speak TLS (or refused ours).
    func closed(_ key: PoolKey, handshakeDone: Bool) -> WebhookTransportError {
        if handshakeDone { return error(.connectionClosed, key) }
        return WebhookTransportError(kind: .tls, description: "TLS with \(key.host) at \(key.target) failed: the connection closed during the handshake")
    }

    func transportError(_ error: any Error, _ key: PoolKey, handshakeDone: Bool) -> WebhookTransportError {
        if let error = error as? WebhookTransportError { return error }
        if let error = error as? ChannelError, case .connectTimeout = error { return self.error(.timedOut, key) }
        if let error = error as? NIOSSLError, case .uncleanShutdown = error, handshakeDone {
            return self.error(.connectionClosed, key)
        }
        if let error = error as? HTTPParserError, case .invalidEOFState = error { return self.error(.connectionClosed, key) }
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError
            || String(reflecting: type(of: error)).hasPrefix("NIOSSL.") {
            return WebhookTransportError(kind: .tls, description: "TLS with \(key.host) at \(key.target) failed: \(Self.tlsReason(String(describing: error)))")
        }
        if Self.isConnectionRefused(error) { return self.error(.connectionRefused, key) }
        return WebhookTransportError(kind: .failed, description: "request to \(key.target) failed: \(error)")
    }

    /// The OpenSSL reason code (`WRONG_VERSION_NUMBER`, `CERTIFICATE_VERIFY_FAILED`) in a
    /// NIOSSL error's text, or its case name: short, and free of build paths.
    static func tlsReason(_ text: String) -> String {
        if let range = text.range(of: "OPENSSL_internal:") {
            let token = text[range.upperBound...].prefix { $0.isUppercase || $0.isNumber || $0 == "_" }
            if !token.isEmpty { return String(token) }
        }
        let name = text.prefix { $0 != "(" && $0 != ":" }
        return name.isEmpty ? "handshake failed" : String(name)
    }

    static func isConnectionRefused(_ error: any Error) -> Bool {
        if let error = error as? IOError { return error.errnoCode == ECONNREFUSED }
        if let error = error as? NIOConnectionError {
            return !error.connectionErrors.isEmpty && error.connectionErrors.allSatisfy { isConnectionRefused($0.error) }
        }
        return false
    }
}
