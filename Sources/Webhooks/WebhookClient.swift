import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

/// Sends webhook POSTs with AsyncHTTPClient, connecting only to the address the
/// `DestinationGuard` approved ("pinned"), never to what a second DNS lookup might say.
///
/// Pinning uses `HTTPClient.Configuration.dnsOverride` = `[host: address]`, so the `Host`
/// header, TLS SNI and certificate validation still use the URL's host name. An `HTTPClient`
/// carries one override, so the client keeps one per (host, pinned address), made on demand
/// and kept for reuse of their connection pools (at most `maximumCachedClients`; the least
/// recently used idle one is shut down to make room). Redirects are never followed (a 3xx is
/// just a response), each request has one overall timeout, and at most 64 KiB of a response
/// body is read (the first 1 KiB kept as the excerpt). Call `shutdown()` when done.
public final class WebhookClient: Sendable {
    /// The bound on one whole request, from connecting to reading the body.
    public let timeout: Duration
    /// Idle clients kept at most.
    public let maximumCachedClients: Int
    /// HTTP/1.1 connections per host and pinned address.
    public let connectionsPerHost: Int
    /// Response bytes read at most before the connection is dropped.
    public static let drainLimit = 64 * 1024

    private let group: any EventLoopGroup
    private let logger: Logger
    private let state = Mutex(State())

    private struct Key: Hashable {
        var host: String
        var address: IPAddress
    }

    private struct Entry {
        var client: HTTPClient
        var inFlight: Int
        var lastUsed: UInt64
    }

    private struct State {
        var clients: [Key: Entry] = [:]
        var tick: UInt64 = 0
        var isShutDown = false
    }

    public init(timeout: Duration = .seconds(15), eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                maximumCachedClients: Int = 64, connectionsPerHost: Int = 16, logger: Logger? = nil) {
        self.timeout = timeout
        self.group = eventLoopGroup
        self.maximumCachedClients = max(1, maximumCachedClients)
        self.connectionsPerHost = max(8, connectionsPerHost)
        self.logger = logger ?? Logger(label: "marquee.webhooks.client", factory: { _ in SwiftLogNoOpLogHandler() })
    }

    /// How many `HTTPClient`s are alive (for tests and metrics).
    public var cachedClientCount: Int { state.withLock { $0.clients.count } }

    /// POSTs `body` to `url`, connecting to `address`.
    /// - Throws: `WebhookTransportError` when no response came; `CancellationError` when the
    ///   calling task was cancelled.
    public func post(url: WebhookURL, pinned address: IPAddress, headers: [(String, String)], body: [UInt8]) async throws -> WebhookResponse {
        let key = Key(host: url.host, address: address)
        let client = try acquire(key, url: url)
        defer { release(key) }

        var request = HTTPClientRequest(url: url.text)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let prepared = request

        let timeout = self.timeout
        let logger = self.logger
        let start = ContinuousClock.now
        do {
            return try await withThrowingTaskGroup(of: WebhookResponse?.self) { tasks in
                tasks.addTask {
                    let response = try await client.execute(prepared, deadline: .now() + TimeAmount(timeout), logger: logger)
                    var excerpt: [UInt8] = []
                    var read = 0
                    for try await chunk in response.body {
                        if excerpt.count < ResponseExcerpt.limit {
                            excerpt += chunk.readableBytesView.prefix(ResponseExcerpt.limit - excerpt.count)
                        }
                        read += chunk.readableBytes
                        if read >= Self.drainLimit { break } // dropping the stream closes the connection
                    }
                    let elapsed = ContinuousClock.now - start
                    return WebhookResponse(statusCode: Int(response.status.code),
                                           retryAfter: response.headers.first(name: "retry-after"),
                                           excerpt: ResponseExcerpt.make(excerpt), latencyMillis: elapsed.wholeMilliseconds)
                }
                tasks.addTask {
                    try await Task.sleep(for: timeout)
                    return nil // the timer won
                }
                defer { tasks.cancelAll() }
                guard let first = try await tasks.next(), let response = first else {
                    throw WebhookTransportError(kind: .timedOut, description: "timed out after \(Self.format(timeout))")
                }
                return response
            }
        } catch {
            throw Self.transportError(error, url: url, address: address, timeout: timeout)
        }
    }

    /// A safety net: clients still cached are shut down in the background (AsyncHTTPClient
    /// traps in debug builds when an `HTTPClient` is released running). Call `shutdown()`.
    deinit {
        let clients = state.withLock { state in state.clients.values.map(\.client) }
        for client in clients { client.shutdown { _ in } }
    }

    /// Shuts down every cached `HTTPClient` (requests still in flight fail); later posts throw.
    public func shutdown() async throws {
        let clients = state.withLock { state -> [HTTPClient] in
            state.isShutDown = true
            defer { state.clients.removeAll() }
            return state.clients.values.map(\.client)
        }
        var firstError: (any Error)?
        for client in clients {
            do { try await client.shutdown() } catch { firstError = firstError ?? error }
        }
        if let firstError { throw firstError }
    }

    // MARK: the client cache

    private func acquire(_ key: Key, url: WebhookURL) throws -> HTTPClient {
        let (client, evicted) = try state.withLock { state throws -> (HTTPClient, HTTPClient?) in
            guard !state.isShutDown else {
                throw WebhookTransportError(kind: .shutDown, description: "the webhook client is shut down")
            }
            state.tick += 1
            if var entry = state.clients[key] {
                entry.inFlight += 1
                entry.lastUsed = state.tick
                state.clients[key] = entry
                return (entry.client, nil)
            }
            var evicted: HTTPClient?
            if state.clients.count >= maximumCachedClients,
               let victim = state.clients.filter({ $0.value.inFlight == 0 }).min(by: { $0.value.lastUsed < $1.value.lastUsed }) {
                evicted = victim.value.client
                state.clients[victim.key] = nil
            }
            let client = makeClient(key, url: url)
            state.clients[key] = Entry(client: client, inFlight: 1, lastUsed: state.tick)
            return (client, evicted)
        }
        if let evicted {
            // Idle, so nothing is in flight on it: its shutdown only closes idle connections.
            Task { try? await evicted.shutdown() }
        }
        return client
    }

    private func release(_ key: Key) {
        state.withLock { state in
            state.clients[key]?.inFlight -= 1
        }
    }

    private func makeClient(_ key: Key, url: WebhookURL) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        let amount = TimeAmount(timeout)
        configuration.timeout = .init(connect: amount, read: amount, write: amount)
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connectionsPerHost)
        // A refused connection fails this attempt now; the retry schedule decides about the next.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.decompression = .disabled
        // The key is the host as AsyncHTTPClient reads it from the URL (IPv6 in brackets).
        let urlHost: String
        if case .v6? = url.hostAddress { urlHost = "[\(key.host)]" } else { urlHost = key.host }
        configuration.dnsOverride = [urlHost: key.address.description]
        return HTTPClient(eventLoopGroup: group, configuration: configuration, backgroundActivityLogger: logger)
    }

    // MARK: errors

    static func transportError(_ error: any Error, url: WebhookURL, address: IPAddress, timeout: Duration) -> any Error {
        if let error = error as? WebhookTransportError { return error }
        if error is CancellationError { return error }
        let target = "\(address.urlHost):\(url.port)"
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout, .getConnectionFromPoolTimeout, .tlsHandshakeTimeout:
                return WebhookTransportError(kind: .timedOut, description: "timed out after \(format(timeout))")
            case .remoteConnectionClosed:
                return WebhookTransportError(kind: .connectionClosed, description: "\(target) closed the connection without a complete response")
            case .alreadyShutdown:
                return WebhookTransportError(kind: .shutDown, description: "the webhook client is shut down")
            case .cancelled:
                return CancellationError()
            default:
                return WebhookTransportError(kind: .failed, description: "request to \(target) failed: \(error.shortDescription)")
            }
        }
        if String(reflecting: type(of: error)).hasPrefix("NIOSSL.") {
            return WebhookTransportError(kind: .tls, description: "TLS with \(url.host) at \(target) failed: \(tlsReason(String(describing: error)))")
        }
        if isConnectionRefused(error) {
            return WebhookTransportError(kind: .connectionRefused, description: "connection refused by \(target)")
        }
        return WebhookTransportError(kind: .failed, description: "request to \(target) failed: \(error)")
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
