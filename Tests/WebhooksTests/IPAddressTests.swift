import Testing
import Webhooks

@Suite("IP addresses and networks")
struct IPAddressTests {
    @Test(arguments: [
        ("0.0.0.0", UInt32(0)),
        ("127.0.0.1", 0x7F00_0001),
        ("255.255.255.255", 0xFFFF_FFFF),
        ("169.254.169.254", 0xA9FE_A9FE),
        ("10.0.0.10", 0x0A00_000A),
        ("1.20.100.200", 0x0114_64C8),
    ])
    func ipv4KnownAnswers(text: String, value: UInt32) {
        #expect(IPAddress(text) == .v4(value))
        #expect(IPAddress(text)?.description == text)
    }

    @Test func ipv4IsStrict() {
        for bad in ["127.1", "127.0.1", "127.0.0.1.", ".127.0.0.1", "127.0.0.01", "010.0.0.1", "0127.0.0.1", "0x7f.0.0.1",
                    "0x7f000001", "2130706433", "256.0.0.1", "1.2.3.256", "1.2.3.1000", "1..2.3", "1.2.3.4.5", "1.2.3.-4",
                    "+1.2.3.4", " 1.2.3.4", "1.2.3.4 ", "1.2.3.4/32", "1.2.3.4:80", "１.2.3.4", "", "a.b.c.d", "1.2.3.4\u{0}"] {
            #expect(IPAddress(bad) == nil, "\(bad)")
        }
    }

    static func v6(_ groups: [UInt16]) -> IPAddress {
        .v6(groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] })
    }

    @Test(arguments: [
        ("::", [UInt16](repeating: 0, count: 8), "::"),
        ("::1", [0, 0, 0, 0, 0, 0, 0, 1], "::1"),
        ("1::", [1, 0, 0, 0, 0, 0, 0, 0], "1::"),
        ("2001:DB8::8:800:200C:417A", [0x2001, 0xdb8, 0, 0, 8, 0x800, 0x200c, 0x417a], "2001:db8::8:800:200c:417a"),
        ("2001:0db8:0000:0000:0000:ff00:0042:8329", [0x2001, 0xdb8, 0, 0, 0, 0xff00, 0x42, 0x8329], "2001:db8::ff00:42:8329"),
        ("fe80::1", [0xfe80, 0, 0, 0, 0, 0, 0, 1], "fe80::1"),
        ("[::1]", [0, 0, 0, 0, 0, 0, 0, 1], "::1"),
        ("::ffff:1.2.3.4", [0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304], "::ffff:1.2.3.4"),
        ("::FFFF:7f00:1", [0, 0, 0, 0, 0, 0xffff, 0x7f00, 1], "::ffff:127.0.0.1"),
        ("::1.2.3.4", [0, 0, 0, 0, 0, 0, 0x0102, 0x0304], "::102:304"),
        ("64:ff9b::10.0.0.1", [0x64, 0xff9b, 0, 0, 0, 0, 0x0a00, 1], "64:ff9b::a00:1"),
        ("1:2:3:4:5:6:7:8", [1, 2, 3, 4, 5, 6, 7, 8], "1:2:3:4:5:6:7:8"),
        ("1:2:3:4:5:6::8", [1, 2, 3, 4, 5, 6, 0, 8], "1:2:3:4:5:6:0:8"),   // RFC 5952 4.2.2: no '::' for one group
        ("1:0:0:2:0:0:0:3", [1, 0, 0, 2, 0, 0, 0, 3], "1:0:0:2::3"),       // 4.2.3: the longest run
        ("1:0:0:2:0:0:3:4", [1, 0, 0, 2, 0, 0, 3, 4], "1::2:0:0:3:4"),     // 4.2.3: the first of equal runs
        ("fd00:ec2::254", [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254], "fd00:ec2::254"),
        ("1:2:3:4:5:6:1.2.3.4", [1, 2, 3, 4, 5, 6, 0x0102, 0x0304], "1:2:3:4:5:6:102:304"),
    ])
    func ipv6KnownAnswers(text: String, groups: [UInt16], canonical: String) {
        #expect(IPAddress(text) == Self.v6(groups), "\(text)")
        #expect(IPAddress(text)?.description == canonical)
        #expect(IPAddress(canonical) == Self.v6(groups), "the canonical form parses back")
    }

    @Test func ipv6Refusals() {
        for bad in [":", ":::", "1:::2", "1::2::3", ":1::", "::1:", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8",
                    "12345::", "g::", "1:2:3:4:5:6:7", "fe80::1%eth0", "fe80::1%25eth0", "[::1", "::1]", "[[::1]]", "[]",
                    "::ffff:1.2.3", "::ffff:1.2.3.4.5", "::ffff:01.2.3.4", "1.2.3.4::", "::1.2.3.4:5", "1:2:3:4:5:6:7:1.2.3.4",
                    "[1.2.3.4]", " ::1", "::1 ", "::-1", "0x1::"] {
            #expect(IPAddress(bad) == nil, "\(bad)")
        }
    }

    @Test func networksParseAndContain() throws {
        let ten = try #require(IPNetwork(cidr: "10.0.0.0/8"))
        #expect(ten.contains(IPAddress("10.255.1.2")!))
        #expect(!ten.contains(IPAddress("11.0.0.0")!))
        #expect(!ten.contains(IPAddress("::ffff:10.0.0.1")!), "families do not mix")
        #expect(ten.description == "10.0.0.0/8")

        let host = try #require(IPNetwork(cidr: "127.0.0.1"))
        #expect(host.prefixLength == 32)
        #expect(host.contains(IPAddress("127.0.0.1")!) && !host.contains(IPAddress("127.0.0.2")!))

        let masked = try #require(IPNetwork(cidr: "10.1.2.3/8"))
        #expect(masked == ten, "host bits are cleared")

        let all4 = try #require(IPNetwork(cidr: "0.0.0.0/0"))
        #expect(all4.contains(IPAddress("203.0.113.9")!))

        let ula = try #require(IPNetwork(cidr: "fc00::/7"))
        #expect(ula.contains(IPAddress("fd00:ec2::254")!) && ula.contains(IPAddress("fc12::1")!))
        #expect(!ula.contains(IPAddress("fe00::1")!))
        #expect(ula.description == "fc00::/7")

        let loop6 = try #require(IPNetwork(cidr: "::1"))
        #expect(loop6.prefixLength == 128 && loop6.contains(IPAddress("::1")!) && !loop6.contains(IPAddress("::2")!))

        let odd = try #require(IPNetwork(cidr: "2001:db8:abcd:12ff::/59"))
        #expect(odd.description == "2001:db8:abcd:12e0::/59")
        #expect(odd.contains(IPAddress("2001:db8:abcd:12f0::1")!))
        #expect(!odd.contains(IPAddress("2001:db8:abcd:1300::1")!))
        #expect(IPNetwork(cidr: "::/0")!.contains(IPAddress("2a00::1")!))
    }

    @Test func networkRefusals() {
        for bad in ["10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/08", "10.0.0.0/8/8", "/8", "10/8", "10.0.0.0/ 8",
                    "10.0.0.0/8 ", "fc00::/7x", "", "fe80::1%eth0/64", "10.0.0.0/1000"] {
            #expect(IPNetwork(cidr: bad) == nil, "\(bad)")
        }
    }
}
