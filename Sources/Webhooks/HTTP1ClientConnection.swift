import NIOCore
import NIOHTTP1
import NIOTLS

/// What a connection has read of one response: the head, the first 1 KiB of the body and a
/// count of the rest (RFC 9112 section 6: the body is read until its end or our bound).
struct ResponseReader {
    private(set) var head: HTTPResponseHead?
    private(set) var excerpt: [UInt8] = []
    private(set) var bodyBytes = 0

    enum Progress { case more, tooLong }

    mutating func reset() {
        head = nil
        excerpt.removeAll(keepingCapacity: true)
        bodyBytes = 0
    }

    mutating func begin(_ head: HTTPResponseHead) { self.head = head }

    mutating func append(_ chunk: ByteBuffer, limit: Int) -> Progress {
        if excerpt.count < ResponseExcerpt.limit {
            excerpt += chunk.readableBytesView.prefix(ResponseExcerpt.limit - excerpt.count)
        }
        bodyBytes += chunk.readableBytes
        return bodyBytes > limit ? .tooLong : .more
    }

    func response(latency: TimeAmount) -> WebhookResponse {
        WebhookResponse(statusCode: Int(head?.status.code ?? 0), retryAfter: head?.headers.first(name: "retry-after"),
                        excerpt: ResponseExcerpt.make(excerpt), latencyMillis: latency.nanoseconds / 1_000_000)
    }
}

/// Runs requests one at a time on one HTTP/1.1 connection (below it: NIOHTTP1's client codec,
/// and NIOSSL for https). It owns each request's timer: when the deadline passes first, the
/// request fails `.timedOut` and the connection is closed, since its state is unknown. After a
/// complete keep-alive response the connection goes back to its pool, or straight to the next
/// request waiting there; after a body over `WebhookClient.drainLimit` it is closed.
final class HTTP1ClientConnection: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let pools: ConnectionPools
    private let key: PoolKey
    private let generation: UInt64
    private var context: ChannelHandlerContext?
    private var connection: PooledConnection?

    private var current: PendingRequest?
    private var reader = ResponseReader()
    private var timer: Scheduled<Void>?
    private var handshakeDone = false
    private var closing = false
    private var idleSince: NIODeadline?
    private var idleTimer: Scheduled<Void>?

    init(pools: ConnectionPools, key: PoolKey, generation: UInt64) {
        self.pools = pools
        self.key = key
        self.generation = generation
        self.handshakeDone = !key.tls
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        fail(kind: pools.isShutDown ? .shutDown : .connectionClosed)
        idleTimer?.cancel()
        self.context = nil
    }

    /// The pool's handle on this connection (made on the event loop once connected).
    func pooled(_ channel: any Channel) -> PooledConnection {
        let pooled = PooledConnection(channel: channel, handler: NIOLoopBound(self, eventLoop: channel.eventLoop))
        connection = pooled
        return pooled
    }

    /// Sends `request`; its promise is completed exactly once, here or later.
    func start(_ request: PendingRequest) {
        guard let context, !closing, context.channel.isActive, current == nil else {
            // Closed before the request could go out: when TLS never came up, that is the reason
            // (a plain server may answer the ClientHello and close before the pool hands us over).
            request.promise.fail(closedError(pools.isShutDown ? .shutDown : .connectionClosed))
            return
        }
        current = request
        reader.reset()
        idleSince = nil
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: request.deadline) { [self] in
            timedOut()
        }
        context.write(wrapOutboundOut(.head(request.head)), promise: nil)
        if request.body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(request.body))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        guard current != nil else {
            // A response nobody asked for (a 408 on an idle connection, …): the connection is spent.
            close(context)
            return
        }
        switch unwrapInboundIn(data) {
        case .head(let head):
            reader.begin(head)
        case .body(let chunk):
            if reader.append(chunk, limit: WebhookClient.drainLimit) == .tooLong {
                finish(context, reusable: false)
            }
        case .end:
            finish(context, reusable: reader.head?.isKeepAlive ?? false)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted? = event as? TLSUserEvent { handshakeDone = true }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let request = current {
            current = nil
            timer?.cancel()
            request.promise.fail(pools.transportError(error, key, handshakeDone: handshakeDone))
        }
        close(context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(kind: pools.isShutDown ? .shutDown : .connectionClosed)
        leavePool()
        idleTimer?.cancel()
        context.fireChannelInactive()
    }

    // MARK: steps

    private func finish(_ context: ChannelHandlerContext, reusable: Bool) {
        guard let request = current else { return }
        current = nil
        timer?.cancel()
        let response = reader.response(latency: .now() - request.start)
        // The pool learns first, so a caller that posts again at once finds the connection free.
        var next: PendingRequest?
        if reusable, let connection {
            switch pools.release(key, generation: generation, connection) {
            case .idle: idleSince = .now()
            case .send(let waiting, let waitTimer):
                waitTimer?.cancel()
                next = waiting
            case .close: close(context)
            }
        } else {
            close(context)
        }
        request.promise.succeed(response)
        if let next { start(next) } else if idleSince != nil { armIdleTimer(context) }
    }

    private func timedOut() {
        guard let request = current, let context else { return }
        current = nil
        request.promise.fail(pools.error(.timedOut, key))
        close(context)
    }

    private func fail(kind: WebhookTransportError.Kind) {
        guard let request = current else { return }
        current = nil
        timer?.cancel()
        request.promise.fail(closedError(kind))
    }

    private func closedError(_ kind: WebhookTransportError.Kind) -> WebhookTransportError {
        kind == .connectionClosed ? pools.closed(key, handshakeDone: handshakeDone) : pools.error(kind, key)
    }

    private func close(_ context: ChannelHandlerContext) {
        guard !closing else { return }
        closing = true
        leavePool()
        context.close(promise: nil)
    }

    private func leavePool() {
        guard let connection else { return }
        self.connection = nil
        pools.closed(key, generation: generation, id: connection.id)
    }

    /// One timer per idle stretch, re-armed lazily: an idle connection is closed after
    /// `ConnectionPools.idleTimeout` unless the pool hands it out first.
    private func armIdleTimer(_ context: ChannelHandlerContext) {
        guard idleTimer == nil, let since = idleSince else { return }
        idleTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: since + ConnectionPools.idleTimeout) { [self] in
            idleTimer = nil
            guard current == nil, !closing, let since = idleSince, let context = self.context, let connection else { return }
            if since + ConnectionPools.idleTimeout <= .now() {
                if pools.retire(key, generation: generation, id: connection.id) { close(context) }
            } else {
                armIdleTimer(context)
            }
        }
    }
}
