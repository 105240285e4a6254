import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import Testing

/// A Server-Sent Events client over a real loopback connection (NIO, HTTP/1.1): keeps the
/// response open and parses `id:` / `event:` / `data:` frames as they arrive.
final class EventStreamClient: Sendable {
    struct Frame: Sendable, Equatable { var id: String?; var event: String?; var data: String }

    private let state = Mutex<(head: HTTPResponseHead?, text: String, ended: Bool)>((nil, "", false))
    private let channel = Mutex<(any Channel)?>(nil)

    final class Collector: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPClientResponsePart
        let client: EventStreamClient
        init(_ client: EventStreamClient) { self.client = client }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head): client.state.withLock { $0.head = head }
            case .body(let buffer): client.state.withLock { $0.text += String(buffer: buffer) }
            case .end: client.state.withLock { $0.ended = true }
            }
        }
        func channelInactive(context: ChannelHandlerContext) { client.state.withLock { $0.ended = true } }
    }

    static func open(port: Int, path: String, headers: [(String, String)] = []) async throws -> EventStreamClient {
        let client = EventStreamClient()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(Collector(client))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        client.channel.withLock { $0 = channel }
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
        head.headers.add(name: "Host", value: "127.0.0.1:\(port)")
        head.headers.add(name: "Accept", value: "text/event-stream")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        try await channel.writeAndFlush(HTTPClientRequestPart.end(nil)).get()
        try await poll(timeout: .seconds(10), "the response head of \(path)") { client.state.withLock { $0.head != nil || $0.ended } }
        return client
    }

    var status: Int { state.withLock { Int($0.head?.status.code ?? 0) } }
    var contentType: String? { state.withLock { $0.head?.headers.first(name: "content-type") } }
    var ended: Bool { state.withLock { $0.ended } }
    var body: String { state.withLock { $0.text } }

    /// Every complete frame so far (comments and keep-alives left out).
    var frames: [Frame] {
        let text = body.replacingOccurrences(of: "\r\n", with: "\n")
        var frames: [Frame] = []
        for block in text.components(separatedBy: "\n\n").dropLast() {
            var frame = Frame(id: nil, event: nil, data: "")
            var hasData = false
            for line in block.split(separator: "\n", omittingEmptySubsequences: true) where !line.hasPrefix(":") {
                if line.hasPrefix("id: ") { frame.id = String(line.dropFirst(4)) }
                else if line.hasPrefix("event: ") { frame.event = String(line.dropFirst(7)) }
                else if line.hasPrefix("data: ") { frame.data += (hasData ? "\n" : "") + line.dropFirst(6); hasData = true }
            }
            if hasData { frames.append(frame) }
        }
        return frames
    }

    func waitForFrames(_ count: Int, timeout: Duration = .seconds(10)) async throws -> [Frame] {
        try await poll(timeout: timeout, "\(count) event-stream frames (have \(frames.count): \(body))") { frames.count >= count }
        return frames
    }

    func close() {
        let channel = self.channel.withLock { $0 }
        channel?.close(promise: nil)
    }
}
