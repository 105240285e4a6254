import Synchronization
import Testing
import Webhooks

/// A resolver with a fixed table (no DNS), counting lookups.
final class TableResolver: HostResolving {
    let table: [String: [IPAddress]]
    let lookups = Mutex<[String]>([])

    init(_ table: [String: [String]]) {
        self.table = table.mapValues { $0.map { IPAddress($0)! } }
    }

    struct NotFound: Error {}

    func resolve(host: String, port: Int) async throws -> [IPAddress] {
        lookups.withLock { $0.append(host) }
        if let literal = IPAddress(host) { return [literal] }
        guard let addresses = table[host] else { throw NotFound() }
        return addresses
    }
}

@Suite("destination guard")
struct DestinationGuardTests {
    let resolver = TableResolver([
        "public.example": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"],
        "mixed.example": ["93.184.216.34", "10.0.0.7"],
        "rebind.example": ["93.184.216.34", "::ffff:169.254.169.254"],
        "internal.example": ["10.1.2.3"],
        "empty.example": [],
        "localhost": ["127.0.0.1", "::1"],
    ])

    func check(_ url: String, allow: String = "") async throws -> IPAddress {
        let guard_ = DestinationGuard(policy: AddressPolicy(allow: try AddressPolicy.parseAllowList(allow)), resolver: resolver)
        return try await guard_.check(try WebhookURL(validating: url))
    }

    @Test func publicHostsPassAndTheFirstAddressIsPinned() async throws {
        #expect(try await check("https://public.example/hook") == IPAddress("93.184.216.34"))
        #expect(try await check("http://93.184.216.34:8080/") == IPAddress("93.184.216.34"))
        #expect(try await check("http://[2606:4700:4700::1111]/") == IPAddress("2606:4700:4700::1111"))
    }

    @Test func anyRefusedAddressRefusesTheHost() async throws {
        await #expect(throws: WebhookInputError.refusedAddress(host: "mixed.example", address: "10.0.0.7",
                                                               reason: "10.0.0.7 is a private address (RFC 1918)")) {
            try await check("https://mixed.example/")
        }
        await #expect(throws: WebhookInputError.self) { try await check("https://rebind.example/") }
        await #expect(throws: WebhookInputError.refusedAddress(host: "localhost", address: "127.0.0.1",
                                                               reason: "127.0.0.1 is a loopback address")) {
            try await check("http://localhost:8080/")
        }
        await #expect(throws: WebhookInputError.refusedAddress(host: "169.254.169.254", address: "169.254.169.254",
                                                               reason: "169.254.169.254 is a link-local address, where cloud metadata services listen")) {
            try await check("http://169.254.169.254/latest/meta-data/")
        }
        await #expect(throws: WebhookInputError.self) { try await check("http://[fd00:ec2::254]/") }
        await #expect(throws: WebhookInputError.self) { try await check("http://[::ffff:127.0.0.1]/") }
    }

    @Test func unresolvableHosts() async throws {
        await #expect(throws: WebhookInputError.unresolvable(host: "nowhere.example")) { try await check("https://nowhere.example/") }
        await #expect(throws: WebhookInputError.unresolvable(host: "empty.example")) { try await check("https://empty.example/") }
    }

    @Test func allowListLetsInternalReceiversThrough() async throws {
        #expect(try await check("http://internal.example/", allow: "10.0.0.0/8") == IPAddress("10.1.2.3"))
        #expect(try await check("http://localhost:9/", allow: "127.0.0.1/32 ::1/128") == IPAddress("127.0.0.1"))
        await #expect(throws: WebhookInputError.self) { try await check("http://localhost:9/", allow: "127.0.0.1/32") }
    }

    @Test func systemResolverReturnsLiteralsWithoutLookupAndResolvesLocalhost() async throws {
        let system = SystemResolver()
        #expect(try await system.resolve(host: "127.0.0.1", port: 80) == [.v4(0x7F00_0001)])
        #expect(try await system.resolve(host: "::1", port: 80) == [IPAddress("::1")!])
        // /etc/hosts answers for localhost without any network.
        let local = try await system.resolve(host: "localhost", port: 80)
        #expect(!local.isEmpty)
        #expect(local.allSatisfy { $0 == IPAddress("127.0.0.1") || $0 == IPAddress("::1") }, "\(local)")
        #expect(Set(local).count == local.count, "duplicates removed")
        // (No test looks up a name outside /etc/hosts: that would send a DNS query off this machine.)
    }

    @Test func systemResolverBehindTheGuardRefusesLocalhost() async throws {
        let guard_ = DestinationGuard(policy: AddressPolicy(), resolver: SystemResolver())
        await #expect(throws: WebhookInputError.self) { try await guard_.check(try WebhookURL(validating: "http://localhost:1/")) }
        await #expect(throws: WebhookInputError.self) { try await guard_.check(try WebhookURL(validating: "http://127.0.0.1:1/")) }
    }
}
