import Testing
import Webhooks

@Suite("SSRF address policy")
struct AddressPolicyTests {
    let policy = AddressPolicy()

    func refusal(_ text: String, _ policy: AddressPolicy = AddressPolicy()) -> String? {
        policy.refusal(for: IPAddress(text)!)
    }

    @Test(arguments: [
        ("0.0.0.0", "this network"), ("0.1.2.3", "this network"),
        ("10.0.0.1", "private"), ("10.255.255.255", "private"),
        ("100.64.0.1", "carrier-grade NAT"), ("100.127.255.255", "carrier-grade NAT"),
        ("127.0.0.1", "loopback"), ("127.255.0.9", "loopback"),
        ("169.254.169.254", "link-local"), ("169.254.0.1", "metadata"),
        ("172.16.0.1", "private"), ("172.31.255.255", "private"),
        ("192.0.0.8", "IETF protocol"), ("192.0.2.33", "documentation"),
        ("192.168.1.1", "private"), ("198.18.0.1", "benchmarking"), ("198.19.255.255", "benchmarking"),
        ("198.51.100.7", "documentation"), ("203.0.113.200", "documentation"),
        ("224.0.0.1", "multicast"), ("239.255.255.250", "multicast"),
        ("240.0.0.1", "reserved"), ("255.255.255.254", "reserved"), ("255.255.255.255", "broadcast"),
    ])
    func refusedIPv4(address: String, kind: String) throws {
        let reason = try #require(refusal(address), "\(address) must be refused")
        #expect(reason.hasPrefix("\(address) is "))
        #expect(reason.contains(kind), "\(reason)")
    }

    @Test(arguments: ["1.1.1.1", "8.8.8.8", "9.255.255.255", "11.0.0.0", "100.63.255.255", "100.128.0.0", "126.255.255.255",
                      "128.0.0.0", "169.253.255.255", "169.255.0.0", "172.15.255.255", "172.32.0.0", "192.0.1.1", "192.0.3.0",
                      "192.167.255.255", "192.169.0.0", "198.17.255.255", "198.20.0.0", "198.51.99.255", "203.0.112.255",
                      "223.255.255.255", "93.184.216.34"])
    func allowedIPv4(address: String) {
        #expect(refusal(address) == nil, "\(address)")
    }

    @Test(arguments: [
        ("::", "unspecified"), ("::1", "loopback"),
        ("fc00::1", "unique local"), ("fd00:ec2::254", "unique local"), ("fdff:ffff::1", "unique local"),
        ("fe80::1", "link-local"), ("febf:ffff::1", "link-local"), ("fec0::1", "site-local"),
        ("ff02::1", "multicast"), ("ff05::2", "multicast"),
        ("2001:db8::1", "documentation"), ("2001:db8:ffff::1", "documentation"),
        ("100::1", "discard"), ("64:ff9b:1::5", "NAT64"),
    ])
    func refusedIPv6(address: String, kind: String) throws {
        let reason = try #require(refusal(address), "\(address) must be refused")
        #expect(reason.contains(kind), "\(reason)")
    }

    @Test(arguments: [
        ("::ffff:127.0.0.1", "127.0.0.1", "loopback"),        // IPv4-mapped
        ("::ffff:7f00:1", "127.0.0.1", "loopback"),
        ("::ffff:169.254.169.254", "169.254.169.254", "link-local"),
        ("::ffff:0:10.0.0.1", "10.0.0.1", "private"),         // IPv4-translated
        ("::127.0.0.1", "127.0.0.1", "loopback"),             // IPv4-compatible
        ("::a00:1", "10.0.0.1", "private"),
        ("64:ff9b::192.168.0.1", "192.168.0.1", "private"),   // NAT64
        ("64:ff9b::a9fe:a9fe", "169.254.169.254", "link-local"),
        ("2002:7f00:1::", "127.0.0.1", "loopback"),           // 6to4
        ("2002:a9fe:a9fe:1::1", "169.254.169.254", "metadata"),
        ("::ffff:0.0.0.0", "0.0.0.0", "this network"),
    ])
    func embeddedIPv4IsJudged(address: String, embedded: String, kind: String) throws {
        #expect(AddressPolicy.embeddedIPv4(in: IPAddress(address)!) == IPAddress(embedded))
        let reason = try #require(refusal(address), "\(address) must be refused")
        #expect(reason.contains("embeds \(embedded)"), "\(reason)")
        #expect(reason.contains(kind), "\(reason)")
    }

    @Test(arguments: ["2606:4700:4700::1111", "2a00:1450:4001:82a::200e", "::ffff:8.8.8.8", "64:ff9b::8.8.8.8", "2002:808:808::1",
                      "2001:db9::1", "fbff::1", "2001:4860::8888"])
    func allowedIPv6(address: String) {
        #expect(refusal(address) == nil, "\(address)")
    }

    @Test func loopbackAndUnspecifiedAreNotMistakenForCompatibleIPv4() {
        #expect(AddressPolicy.embeddedIPv4(in: IPAddress("::")!) == nil)
        #expect(AddressPolicy.embeddedIPv4(in: IPAddress("::1")!) == nil)
        #expect(refusal("::1") == "::1 is a loopback address")
        #expect(AddressPolicy.embeddedIPv4(in: IPAddress("127.0.0.1")!) == nil)
    }

    @Test func reasonsReadWell() {
        #expect(refusal("127.0.0.1") == "127.0.0.1 is a loopback address")
        #expect(refusal("::ffff:10.1.2.3") == "::ffff:10.1.2.3 embeds 10.1.2.3, which is a private address (RFC 1918)")
        let error = WebhookInputError.refusedAddress(host: "hooks.example", address: "10.1.2.3", reason: refusal("10.1.2.3")!)
        #expect(error.description == "Webhooks cannot be sent to 'hooks.example': it resolves to 10.1.2.3, and 10.1.2.3 is a private address (RFC 1918).")
        let literal = WebhookInputError.refusedAddress(host: "127.0.0.1", address: "127.0.0.1", reason: refusal("127.0.0.1")!)
        #expect(literal.description == "Webhooks cannot be sent there: 127.0.0.1 is a loopback address.")
    }

    @Test func allowListOverridesRefusals() throws {
        let allow = try AddressPolicy.parseAllowList("127.0.0.1/32, 10.0.0.0/8  fd00::/8\t::1")
        #expect(allow.count == 4)
        let policy = AddressPolicy(allow: allow)
        #expect(refusal("127.0.0.1", policy) == nil)
        #expect(refusal("127.0.0.2", policy) != nil)
        #expect(refusal("10.9.9.9", policy) == nil)
        #expect(refusal("fd00:ec2::254", policy) == nil)
        #expect(refusal("::1", policy) == nil)
        #expect(refusal("::ffff:127.0.0.1", policy) == nil, "the embedded address is allowlisted")
        #expect(refusal("::ffff:127.0.0.2", policy) != nil)
        #expect(refusal("169.254.169.254", policy) != nil)
        #expect(refusal("fe80::1", policy) != nil)
    }

    @Test func allowListParsing() throws {
        #expect(try AddressPolicy.parseAllowList("").isEmpty)
        #expect(try AddressPolicy.parseAllowList(" , ,\n").isEmpty)
        #expect(try AddressPolicy.parseAllowList("192.168.0.0/16,,fc00::/7") == [IPNetwork(cidr: "192.168.0.0/16")!, IPNetwork(cidr: "fc00::/7")!])
        #expect(throws: WebhookInputError.invalidNetwork("10.0.0.0/33")) { try AddressPolicy.parseAllowList("127.0.0.1, 10.0.0.0/33") }
        #expect(throws: WebhookInputError.invalidNetwork("localhost")) { try AddressPolicy.parseAllowList("localhost") }
        #expect(throws: WebhookInputError.invalidNetwork("10.0.0.0;8")) { try AddressPolicy.parseAllowList("10.0.0.0;8") }
        #expect(WebhookInputError.invalidNetwork("x").description.contains("'x' is not an IP address or a CIDR network"))
    }
}
