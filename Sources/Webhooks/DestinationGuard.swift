import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns a host name into the addresses a connection could reach (injected, so tests resolve
/// names without DNS).
public protocol HostResolving: Sendable {
    func resolve(host: String, port: Int) async throws -> [IPAddress]
}

/// A lookup that failed inside `getaddrinfo`.
public struct ResolutionError: Error, CustomStringConvertible, Sendable, Equatable {
    public var host: String
    public var message: String
    public var description: String { "cannot resolve \(host): \(message)" }
}

/// The system resolver: `getaddrinfo` on NIO's blocking thread pool (`NIOThreadPool.singleton`),
/// so a slow DNS server never blocks an event loop. IP literals come back without a lookup.
public struct SystemResolver: HostResolving {
    public init() {}

    public func resolve(host: String, port: Int) async throws -> [IPAddress] {
        if let literal = IPAddress(host) { return [literal] }
        return try await NIOThreadPool.singleton.runIfActive {
            try Self.lookup(host: host, port: port)
        }
    }

    /// Every distinct IPv4 and IPv6 address of `host`, in the resolver's order.
    static func lookup(host: String, port: Int) throws -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Darwin)
        hints.ai_socktype = SOCK_STREAM
        #else
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #endif
        var result: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &result)
        guard rc == 0 else {
            throw ResolutionError(host: host, message: String(cString: gai_strerror(rc)))
        }
        defer { freeaddrinfo(result) }
        var addresses: [IPAddress] = []
        var node = result
        while let info = node {
            if let sa = info.pointee.ai_addr {
                switch Int32(sa.pointee.sa_family) {
                case AF_INET:
                    let value = sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt32(bigEndian: $0.pointee.sin_addr.s_addr) }
                    addresses.append(.v4(value))
                case AF_INET6:
                    let bytes = sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                        withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
                    }
                    addresses.append(.v6(bytes))
                default:
                    break
                }
            }
            node = info.pointee.ai_next
        }
        var seen = Set<IPAddress>()
        return addresses.filter { seen.insert($0).inserted }
    }
}

/// Resolves a webhook URL's host and judges every address before anything connects: if ANY
/// address is refused the URL is refused (a name with one public and one private address could
/// otherwise be steered to the private one). The caller then connects to the returned address
/// only (pinning), so a second lookup cannot answer differently (DNS rebinding).
public struct DestinationGuard: Sendable {
    public let policy: AddressPolicy
    public let resolver: any HostResolving

    public init(policy: AddressPolicy, resolver: any HostResolving) {
        self.policy = policy
        self.resolver = resolver
    }

    /// The address to connect to: the first resolved one, once all are known to be allowed.
    /// - Throws: `WebhookInputError.unresolvable` when the lookup fails or finds nothing;
    ///   `WebhookInputError.refusedAddress` for the first refused address.
    public func check(_ url: WebhookURL) async throws -> IPAddress {
        let addresses: [IPAddress]
        do {
            addresses = try await resolver.resolve(host: url.host, port: url.port)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw WebhookInputError.unresolvable(host: url.host)
        }
        guard let first = addresses.first else { throw WebhookInputError.unresolvable(host: url.host) }
        for address in addresses {
            if let reason = policy.refusal(for: address) {
                throw WebhookInputError.refusedAddress(host: url.host, address: address.description, reason: reason)
            }
        }
        return first
    }
}
