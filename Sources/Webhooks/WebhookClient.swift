import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// What a receiver answered.
public struct WebhookResponse: Sendable, Equatable {
    public var statusCode: Int
    /// The raw `Retry-After` header, if any (parse it with `RetryAfter.millis`).
    public var retryAfter: String?
    /// The start of the body: at most 1 KiB of valid UTF-8.
    public var excerpt: String
    /// From sending the request to reading the (bounded) body.
    public var latencyMillis: Int64

    public init(statusCode: Int, retryAfter: String?, excerpt: String, latencyMillis: Int64) {
        self.statusCode = statusCode
        self.retryAfter = retryAfter
        self.excerpt = excerpt
        self.latencyMillis = latencyMillis
    }

    /// Standard Webhooks 1.0.0 "Delivery success and failure": only a 2xx is a success (a 3xx
    /// is a failure: redirects are not followed).
    public var succeeded: Bool { (200...299).contains(statusCode) }
}

/// A POST that got no HTTP response.
public struct WebhookTransportError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// No complete response within the client's timeout.
        case timedOut
        /// Nothing listens at the address (TCP RST).
        case connectionRefused
        /// The server closed the connection before answering.
        case connectionClosed
        /// The TLS handshake failed (no TLS on the other side, a certificate not valid for the host, …).
        case tls
        /// The client was shut down.
        case shutDown
        /// Anything else (unreachable networks, …).
        case failed
    }

    public var kind: Kind
    /// For people, e.g. "timed out after 15 s" or "connection refused by 203.0.113.7:443".
    public var description: String

    public init(kind: Kind, description: String) {
        self.kind = kind
        self.description = description
    }
}

/// Sends webhook POSTs over HTTP/1.1 written directly on SwiftNIO, connecting only to the
/// address the `DestinationGuard` approved ("pinned"), never to what a second DNS lookup might say.
///
/// The TCP connection goes to the pinned address, while the `Host` header, TLS SNI and
/// certificate verification use the URL's host name. Keep-alive connections are pooled per
/// (scheme, host, pinned address, port): at most `connectionsPerHost` per pool, requests beyond
/// that wait for a free one. At most `maximumCachedClients` pools are kept (the least recently
/// used idle one is closed to make room). Redirects are never followed (a 3xx is just a
/// response), each request has one overall timeout (waiting, connecting, TLS, sending, reading;
/// its connection is closed when it fires), and at most 64 KiB of a response body is read (the
/// first 1 KiB kept as the excerpt; the connection is dropped when there is more). Call
/// `shutdown()` when done.
public final class WebhookClient: Sendable {
    /// The bound on one whole request, from connecting to reading the body.
    public let timeout: Duration
    /// Connection pools kept at most (one per scheme, host, pinned address and port).
    public let maximumCachedClients: Int
    /// HTTP/1.1 connections per pool.
    public let connectionsPerHost: Int
    /// Response bytes read at most before the connection is dropped.
    public static let drainLimit = 64 * 1024

    private let group: any EventLoopGroup
    private let pools: ConnectionPools

    public init(timeout: Duration = .seconds(15), eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                maximumCachedClients: Int = 64, connectionsPerHost: Int = 16, logger: Logger? = nil) {
        self.timeout = timeout
        self.group = eventLoopGroup
        self.maximumCachedClients = max(1, maximumCachedClients)
        self.connectionsPerHost = max(8, connectionsPerHost)
        self.pools = ConnectionPools(timeout: timeout, group: eventLoopGroup, maximumPools: self.maximumCachedClients,
                                     connectionsPerPool: self.connectionsPerHost,
                                     logger: logger ?? Logger(label: "marquee.webhooks.client", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    /// How many connection pools are alive (for tests and metrics).
    public var cachedClientCount: Int { pools.poolCount }

    /// POSTs `body` to `url`, connecting to `address`.
    /// - Throws: `WebhookTransportError` when no response came; `CancellationError` when the
    ///   calling task was cancelled (the request may still run to its end on its connection).
    public func post(url: WebhookURL, pinned address: IPAddress, headers: [(String, String)], body: [UInt8]) async throws -> WebhookResponse {
        let key = PoolKey(tls: url.scheme == "https", host: url.host, address: address, port: url.port)
        let start = NIODeadline.now()
        let promise = group.any().makePromise(of: WebhookResponse.self)
        pools.execute(PendingRequest(head: Self.head(url, headers: headers, bodySize: body.count), body: ByteBuffer(bytes: body),
                                     deadline: start + TimeAmount(timeout), start: start, promise: promise), key: key)
        return try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            promise.fail(CancellationError())
        }
    }

    /// RFC 9112 section 3: origin-form target, `Host` with the port when not the default.
    static func head(_ url: WebhookURL, headers: [(String, String)], bodySize: Int) -> HTTPRequestHead {
        var fields = HTTPHeaders()
        fields.reserveCapacity(headers.count + 2)
        let host = url.host.contains(":") ? "[\(url.host)]" : url.host
        let defaultPort = url.scheme == "https" ? 443 : 80
        fields.add(name: "host", value: url.port == defaultPort ? host : "\(host):\(url.port)")
        var hasLength = false
        for (name, value) in headers {
            if name.utf8.count == 4, name.lowercased() == "host" { continue }
            if name.utf8.count == 14, name.lowercased() == "content-length" { hasLength = true }
            fields.add(name: name, value: value)
        }
        if !hasLength { fields.add(name: "content-length", value: String(bodySize)) }
        return HTTPRequestHead(version: .http1_1, method: .POST, uri: url.pathAndQuery, headers: fields)
    }

    /// A safety net: pooled connections are closed in the background. Call `shutdown()`.
    deinit {
        pools.closeAll()
    }

    /// Closes every pooled connection (requests still in flight fail `.shutDown`); later posts throw.
    public func shutdown() async throws {
        await pools.shutdown()
    }

    /// "15 s", "1.5 s" or "250 ms".
    static func format(_ duration: Duration) -> String {
        let millis = duration.wholeMilliseconds
        if millis % 1000 == 0 { return "\(millis / 1000) s" }
        if millis >= 1000 { return "\(Double(millis) / 1000) s" }
        return "\(millis) ms"
    }
}

extension Duration {
    var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
