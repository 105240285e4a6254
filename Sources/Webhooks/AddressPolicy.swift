/// Which destination addresses webhooks may reach: the server-side request forgery (SSRF)
/// defence of Standard Webhooks 1.0.0 ("Server side request forgery"). Endpoint URLs come from
/// users, so without it a URL could make the server POST to its own loopback services, the
/// private network, or a cloud metadata service (169.254.169.254, fd00:ec2::254).
///
/// Refused unless inside an allowlisted network:
/// - IPv4: 0.0.0.0/8, 10.0.0.0/8, 100.64.0.0/10, 127.0.0.0/8, 169.254.0.0/16, 172.16.0.0/12,
///   192.0.0.0/24, 192.0.2.0/24, 192.168.0.0/16, 198.18.0.0/15, 198.51.100.0/24,
///   203.0.113.0/24, 224.0.0.0/4, 240.0.0.0/4 (RFC 6890 special-purpose ranges);
/// - IPv6: ::/128, ::1/128, fc00::/7, fe80::/10, fec0::/10, ff00::/8, 2001:db8::/32, 100::/64,
///   64:ff9b:1::/48;
/// - IPv6 forms that carry an IPv4 address are judged by it: IPv4-mapped (::ffff:0:0/96),
///   IPv4-translated (::ffff:0:0:0/96), IPv4-compatible (::/96), NAT64 (64:ff9b::/96) and
///   6to4 (2002::/16).
public struct AddressPolicy: Sendable {
    /// Networks that are allowed even though a rule refuses them (e.g. an internal receiver).
    public let allow: [IPNetwork]

    public init(allow: [IPNetwork] = []) {
        self.allow = allow
    }

    /// Parses `MARQUEE_WEBHOOK_ALLOW`: CIDR networks or bare addresses separated by commas
    /// and/or whitespace (empty text means none). Throws `.invalidNetwork(entry)` for the first
    /// entry that is neither.
    public static func parseAllowList(_ text: String) throws(WebhookInputError) -> [IPNetwork] {
        var networks: [IPNetwork] = []
        let entries = text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
        for entry in entries {
            guard let network = IPNetwork(cidr: String(entry)) else { throw .invalidNetwork(String(entry)) }
            networks.append(network)
        }
        return networks
    }

    /// Why a connection to `address` is refused (e.g. "127.0.0.1 is a loopback address"), or
    /// nil when it is allowed.
    public func refusal(for address: IPAddress) -> String? {
        let embedded = Self.embeddedIPv4(in: address)
        if allow.contains(where: { $0.contains(address) }) { return nil }
        if let embedded, allow.contains(where: { $0.contains(embedded) }) { return nil }
        if let kind = Self.refusedKind(address) {
            return "\(address) is \(kind)"
        }
        if let embedded, let kind = Self.refusedKind(embedded) {
            return "\(address) embeds \(embedded), which is \(kind)"
        }
        return nil
    }

    /// The IPv4 address inside an IPv4-mapped, IPv4-translated, IPv4-compatible, NAT64 or 6to4
    /// IPv6 address (nil for IPv4 and other IPv6 addresses, and for `::` and `::1`).
    public static func embeddedIPv4(in address: IPAddress) -> IPAddress? {
        guard case .v6(let b) = address, b.count == 16 else { return nil }
        let last = IPAddress.v4(IPAddress.uint32(b, at: 12))
        // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated by RFC 4291 2.5.5.1)
        if b[0..<10].allSatisfy({ $0 == 0 }) {
            if b[10] == 0xFF, b[11] == 0xFF { return last }
            if b[10] == 0, b[11] == 0 {
                if b[12..<15].allSatisfy({ $0 == 0 }) && b[15] <= 1 { return nil } // :: and ::1
                return last
            }
        }
        // ::ffff:0:a.b.c.d (IPv4-translated, RFC 2765)
        if b[0..<8].allSatisfy({ $0 == 0 }), b[8] == 0xFF, b[9] == 0xFF, b[10] == 0, b[11] == 0 { return last }
        // 64:ff9b::/96 (NAT64 well-known prefix, RFC 6052)
        if b[0] == 0, b[1] == 0x64, b[2] == 0xFF, b[3] == 0x9B, b[4..<12].allSatisfy({ $0 == 0 }) { return last }
        // 2002:aabb:ccdd::/48 (6to4, RFC 3056)
        if b[0] == 0x20, b[1] == 0x02 { return .v4(IPAddress.uint32(b, at: 2)) }
        return nil
    }

    /// The refused ranges in order, each with the kind named in refusals.
    static let rules: [(network: IPNetwork, kind: String)] = [
        ("255.255.255.255/32", "the broadcast address"),
        ("0.0.0.0/8", "a 'this network' address (0.0.0.0/8), which reaches the local host"),
        ("10.0.0.0/8", "a private address (RFC 1918)"),
        ("100.64.0.0/10", "a carrier-grade NAT shared address (RFC 6598)"),
        ("127.0.0.0/8", "a loopback address"),
        ("169.254.0.0/16", "a link-local address, where cloud metadata services listen"),
        ("172.16.0.0/12", "a private address (RFC 1918)"),
        ("192.0.0.0/24", "an IETF protocol assignment (RFC 6890)"),
        ("192.0.2.0/24", "a documentation address (RFC 5737)"),
        ("192.168.0.0/16", "a private address (RFC 1918)"),
        ("198.18.0.0/15", "a benchmarking address (RFC 2544)"),
        ("198.51.100.0/24", "a documentation address (RFC 5737)"),
        ("203.0.113.0/24", "a documentation address (RFC 5737)"),
        ("224.0.0.0/4", "a multicast address"),
        ("240.0.0.0/4", "a reserved address (240.0.0.0/4)"),
        ("::/128", "the unspecified address"),
        ("::1/128", "a loopback address"),
        ("fc00::/7", "a unique local (private) address, where cloud metadata services may listen"),
        ("fe80::/10", "a link-local address"),
        ("fec0::/10", "a site-local address (deprecated, private)"),
        ("ff00::/8", "a multicast address"),
        ("2001:db8::/32", "a documentation address (RFC 3849)"),
        ("100::/64", "a discard-only address (RFC 6666)"),
        ("64:ff9b:1::/48", "a local-use NAT64 address (RFC 8215)"),
    ].map { (IPNetwork(cidr: $0.0)!, $0.1) }

    static func refusedKind(_ address: IPAddress) -> String? {
        rules.first(where: { $0.network.contains(address) })?.kind
    }
}
