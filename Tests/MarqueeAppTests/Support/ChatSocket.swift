import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import Synchronization
import Testing
import TestSupport

/// A real WebSocket client on a chat socket (HummingbirdWSClient over loopback): collects what
/// the server sends, sends JSON text, and reports how the server closed it.
final class ChatSocket: Sendable {
    private let outbound = Mutex<WebSocketOutboundWriter?>(nil)
    private let task = Mutex<Task<WebSocketCloseFrame?, any Error>?>(nil)
    private let buffer = Mutex<[String]>([])

    private init() {}

    /// Connects and waits for the server's welcome; throws when the upgrade is refused.
    static func open(port: Int, slug: String, token: String? = nil, query: String = "",
                     sourceLocation: SourceLocation = #_sourceLocation) async throws -> ChatSocket {
        let socket = try await connect(port: port, path: "/api/v1/channels/\(slug)/chat", token: token, query: query)
        let welcome = try await socket.next("welcome", sourceLocation: sourceLocation)
        #expect(welcome["type"]?.string == "welcome", sourceLocation: sourceLocation)
        return socket
    }

    /// Any WebSocket route of the server (the realtime feed too); returns once the upgrade succeeded.
    static func connect(port: Int, path: String, token: String? = nil, query: String = "") async throws -> ChatSocket {
        let socket = ChatSocket()
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        let url = "ws://127.0.0.1:\(port)\(path)\(query.isEmpty ? "" : "?" + query)"
        let ready = AsyncStream<Result<Void, any Error>>.makeStream()
        let task = Task {
            do {
                let frame = try await WebSocketClient.connect(url: url, configuration: .init(additionalHeaders: headers),
                                                              logger: Logger(label: "chat-socket")) { inbound, outbound, _ in
                    socket.outbound.withLock { $0 = outbound }
                    ready.continuation.yield(.success(()))
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        if case .text(let text) = message { socket.buffer.withLock { $0.append(text) } }
                    }
                }
                ready.continuation.yield(.failure(CancellationError()))
                return frame
            } catch {
                ready.continuation.yield(.failure(error))
                throw error
            }
        }
        socket.task.withLock { $0 = task }
        for await result in ready.stream {
            try result.get()
            break
        }
        return socket
    }

    func send(_ json: String) async throws {
        guard let writer = outbound.withLock({ $0 }) else { throw CancellationError() }
        try await writer.write(.text(json))
    }

    /// The first message of `type` not taken yet (others stay for later calls), within `seconds`.
    func next(_ type: String, seconds: Double = 5, sourceLocation: SourceLocation = #_sourceLocation) async throws -> ResponseJSON {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            let found: String? = buffer.withLock { buffer in
                guard let index = buffer.firstIndex(where: { (try? ResponseJSON.parse($0))?["type"]?.string == type }) else { return nil }
                return buffer.remove(at: index)
            }
            if let found { return try ResponseJSON.parse(found) }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("no '\(type)' message within \(seconds) s; got \(buffer.withLock { $0 })", sourceLocation: sourceLocation)
        throw CancellationError()
    }

    /// Every message received and not taken yet.
    var pending: [String] { buffer.withLock { $0 } }

    /// Waits for the server to close the socket and returns its close frame.
    func closed(seconds: Double = 5) async throws -> WebSocketCloseFrame? {
        let task = try #require(self.task.withLock { $0 })
        return try await within(seconds, "the server closing the socket") { try await task.value }
    }

    func close() {
        task.withLock { $0?.cancel() }
    }
}
