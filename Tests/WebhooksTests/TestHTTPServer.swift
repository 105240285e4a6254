import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A request as the test server received it.
struct ReceivedRequest: Sendable {
    var method: HTTPMethod
    var uri: String
    var headers: HTTPHeaders
    var body: [UInt8]

    var path: String { String(uri.split(separator: "?", maxSplits: 1).first ?? "") }
}

/// What the test server does with a request.
enum ServerAction: Sendable {
    case respond(status: HTTPResponseStatus, headers: [(String, String)] = [], body: [UInt8] = [])
    /// Never answers (the client's timeout must fire).
    case hang
    /// Sends the head and part of the body, then nothing more.
    case headThenHang
    /// Closes the connection without a response.
    case close
    /// Holds the request until `count` requests wait at the barrier, then answers them all 200.
    case barrier(count: Int)
}

/// A tiny HTTP/1.1 server on 127.0.0.1 (port 0) for client tests: records every request and
/// answers as `route` says. Loopback only; `close()` closes the listener and every connection.
final class TestHTTPServer: Sendable {
    private let state: State
    private let listener: any Channel
    let port: Int

    final class State: Sendable {
        let route: @Sendable (ReceivedRequest) -> ServerAction
        let received = Mutex<[ReceivedRequest]>([])
        let connections = Mutex<[any Channel]>([])
        let waiting = Mutex<[any Channel]>([])

        init(route: @escaping @Sendable (ReceivedRequest) -> ServerAction) { self.route = route }
    }

    private init(state: State, listener: any Channel) {
        self.state = state
        self.listener = listener
        self.port = listener.localAddress?.port ?? 0
    }

    static func start(host: String = "127.0.0.1", route: @escaping @Sendable (ReceivedRequest) -> ServerAction) async throws -> TestHTTPServer {
        let state = State(route: route)
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                state.connections.withLock { $0.append(channel) }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(RequestHandler(state: state))
                }
            }
            .bind(host: host, port: 0).get()
        return TestHTTPServer(state: state, listener: listener)
    }

    var requests: [ReceivedRequest] { state.received.withLock { $0 } }

    func close() async {
        try? await listener.close()
        for connection in state.connections.withLock({ $0 }) { try? await connection.close() }
    }

    /// Answers every request with the result of `route`.
    final class RequestHandler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let state: State
        var head: HTTPRequestHead?
        var body: [UInt8] = []

        init(state: State) { self.state = state }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = []
            case .body(var buffer):
                body += buffer.readBytes(length: buffer.readableBytes) ?? []
            case .end:
                guard let head else { return }
                let request = ReceivedRequest(method: head.method, uri: head.uri, headers: head.headers, body: body)
                state.received.withLock { $0.append(request) }
                perform(state.route(request), on: context.channel)
            }
        }

        func perform(_ action: ServerAction, on channel: any Channel) {
            switch action {
            case .respond(let status, let headers, let body):
                Self.respond(on: channel, status: status, headers: headers, body: body)
            case .hang:
                break
            case .headThenHang:
                var headers = HTTPHeaders()
                headers.add(name: "content-length", value: "100")
                channel.write(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers)), promise: nil)
                channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: "partial"))), promise: nil)
            case .close:
                channel.close(promise: nil)
            case .barrier(let count):
                let release: [any Channel] = state.waiting.withLock { waiting in
                    waiting.append(channel)
                    guard waiting.count >= count else { return [] }
                    defer { waiting.removeAll() }
                    return waiting
                }
                for waiter in release {
                    Self.respond(on: waiter, status: .ok, headers: [], body: Array("released".utf8))
                }
            }
        }

        static func respond(on channel: any Channel, status: HTTPResponseStatus, headers: [(String, String)], body: [UInt8]) {
            var fields = HTTPHeaders(headers)
            fields.replaceOrAdd(name: "content-length", value: String(body.count))
            channel.write(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: status, headers: fields)), promise: nil)
            if !body.isEmpty {
                channel.write(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil)
            }
            channel.writeAndFlush(HTTPServerResponsePart.end(nil), promise: nil)
        }
    }
}
