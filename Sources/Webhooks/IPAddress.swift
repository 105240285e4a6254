/// An IPv4 or IPv6 address, parsed strictly so that what the SSRF guard judges is exactly the
/// address a connection would reach.
public enum IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// Host byte order: `127.0.0.1` is `0x7F00_0001`.
    case v4(UInt32)
    /// Exactly 16 bytes, network order.
    case v6([UInt8])

    /// Parses a dotted quad or IPv6 text; nil for anything else.
    ///
    /// IPv4 is strict: four decimal parts 0–255 with no leading zeros (`010.0.0.1` could mean
    /// octal to `inet_aton`), no shorthand (`127.1`), no hex (`0x7f.0.0.1`). IPv6 follows RFC 4291
    /// section 2.2 (groups of 1–4 hex digits, one `::`, an optional trailing dotted quad as in
    /// `::ffff:1.2.3.4`), optionally inside brackets (`[::1]`). Zone ids (`fe80::1%eth0`) are
    /// refused: they name an interface, not an address.
    public init?(_ text: String) {
        var bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 64 else { return nil }
        if bytes.first == 91 { // [
            guard bytes.count >= 2, bytes.last == 93 else { return nil }
            bytes = Array(bytes[1..<(bytes.count - 1)])
            guard let v6 = Self.parseV6(bytes[...]) else { return nil }
            self = .v6(v6)
            return
        }
        if let v4 = Self.parseV4(bytes[...]) {
            self = .v4(v4)
        } else if let v6 = Self.parseV6(bytes[...]) {
            self = .v6(v6)
        } else {
            return nil
        }
    }

    /// Four strict decimal octets.
    static func parseV4(_ b: ArraySlice<UInt8>) -> UInt32? {
        var value: UInt32 = 0
        var parts = 0
        var i = b.startIndex
        while parts < 4 {
            let start = i
            var octet: UInt32 = 0
            while i < b.endIndex, b[i] >= 48, b[i] <= 57, i - start < 3 {
                octet = octet * 10 + UInt32(b[i] - 48)
                i += 1
            }
            let length = i - start
            guard length > 0, octet <= 255, !(length > 1 && b[start] == 48) else { return nil }
            value = value << 8 | octet
            parts += 1
            if parts < 4 {
                guard i < b.endIndex, b[i] == 46 else { return nil }
                i += 1
            }
        }
        return i == b.endIndex ? value : nil
    }

    /// RFC 4291 section 2.2 text forms, without brackets or zone.
    static func parseV6(_ b: ArraySlice<UInt8>) -> [UInt8]? {
        guard b.count >= 2 else { return nil }
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var compressed = false
        var i = b.startIndex
        if b[i] == 58 { // a leading ':' must be '::'
            guard b[i + 1] == 58 else { return nil }
            compressed = true
            i += 2
        }
        var pendingGroup = false // a ':' was read, so a group must follow
        while i < b.endIndex {
            // A dotted quad may end the address in place of the last two groups.
            var j = i
            var sawDot = false
            while j < b.endIndex, b[j] != 58 { if b[j] == 46 { sawDot = true }; j += 1 }
            if sawDot {
                guard j == b.endIndex, let v4 = parseV4(b[i..<j]) else { return nil }
                let groups = [UInt16(v4 >> 16), UInt16(v4 & 0xFFFF)]
                if compressed { tail += groups } else { head += groups }
                i = j
                pendingGroup = false
                break
            }
            var group: UInt32 = 0
            var digits = 0
            while i < b.endIndex, let h = hexValue(b[i]) {
                guard digits < 4 else { return nil }
                group = group << 4 | h
                digits += 1; i += 1
            }
            guard digits > 0 else { return nil }
            if compressed { tail.append(UInt16(group)) } else { head.append(UInt16(group)) }
            pendingGroup = false
            guard head.count + tail.count <= 8 else { return nil }
            if i == b.endIndex { break }
            guard b[i] == 58 else { return nil } // ':'
            i += 1
            if i < b.endIndex, b[i] == 58 {
                guard !compressed else { return nil } // a second '::'
                compressed = true
                i += 1
            } else {
                pendingGroup = true
            }
        }
        guard !pendingGroup else { return nil }
        let count = head.count + tail.count
        if compressed {
            guard count <= 7 else { return nil } // '::' stands for at least one group
        } else {
            guard count == 8 else { return nil }
        }
        let groups = head + [UInt16](repeating: 0, count: 8 - count) + tail
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        for g in groups { bytes.append(UInt8(g >> 8)); bytes.append(UInt8(g & 0xFF)) }
        return bytes
    }

    private static func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case 48...57: return UInt32(c - 48)
        case 65...70: return UInt32(c - 55)
        case 97...102: return UInt32(c - 87)
        default: return nil
        }
    }

    /// Dotted quad, or RFC 5952 text for IPv6: lowercase, leading zeros dropped, the longest run
    /// of two or more zero groups (the first on a tie) as `::`, and IPv4-mapped addresses as
    /// `::ffff:1.2.3.4` (section 5).
    public var description: String {
        switch self {
        case .v4(let value):
            return "\(value >> 24).\(value >> 16 & 0xFF).\(value >> 8 & 0xFF).\(value & 0xFF)"
        case .v6(let bytes):
            guard bytes.count == 16 else { return "<invalid IPv6>" }
            if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
                return "::ffff:" + IPAddress.v4(Self.uint32(bytes, at: 12)).description
            }
            let groups = (0..<8).map { UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]) }
            var bestStart = -1, bestLength = 0
            var k = 0
            while k < 8 {
                if groups[k] == 0 {
                    var end = k
                    while end < 8, groups[end] == 0 { end += 1 }
                    if end - k > bestLength { bestStart = k; bestLength = end - k }
                    k = end
                } else {
                    k += 1
                }
            }
            func hex(_ range: Range<Int>) -> String {
                range.map { String(groups[$0], radix: 16) }.joined(separator: ":")
            }
            if bestLength >= 2 {
                return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
            }
            return hex(0..<8)
        }
    }

    static func uint32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }

    /// The address as a URL host: IPv6 in brackets (RFC 3986 section 3.2.2).
    public var urlHost: String {
        switch self {
        case .v4: return description
        case .v6: return "[\(description)]"
        }
    }
}

/// An IPv4 or IPv6 network in CIDR notation.
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    /// The network address (host bits cleared).
    public let address: IPAddress
    /// The prefix length: 0–32 for IPv4, 0–128 for IPv6.
    public let prefixLength: Int

    /// Parses `address/prefix` (`10.0.0.0/8`, `fc00::/7`); a bare address means `/32` or `/128`.
    /// Host bits below the prefix are cleared (`10.1.2.3/8` is `10.0.0.0/8`). The prefix is
    /// decimal without leading zeros.
    public init?(cidr: String) {
        let parts = cidr.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(String(parts[0])) else { return nil }
        let maximum: Int
        switch address {
        case .v4: maximum = 32
        case .v6: maximum = 128
        }
        var length = maximum
        if parts.count == 2 {
            let digits = parts[1].utf8
            guard (1...3).contains(digits.count), digits.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                  !(digits.count > 1 && digits.first == 48), let value = Int(parts[1]), value <= maximum
            else { return nil }
            length = value
        }
        self.init(address: address, prefixLength: length)
    }

    /// The network of `address` with `prefixLength` bits (clamped to the family's range).
    public init(address: IPAddress, prefixLength: Int) {
        switch address {
        case .v4(let value):
            let length = min(max(prefixLength, 0), 32)
            self.prefixLength = length
            self.address = .v4(value & Self.mask32(length))
        case .v6(let bytes):
            let length = min(max(prefixLength, 0), 128)
            self.prefixLength = length
            self.address = .v6(Self.masked(bytes, length))
        }
    }

    static func mask32(_ length: Int) -> UInt32 {
        length == 0 ? 0 : UInt32.max << UInt32(32 - length)
    }

    static func masked(_ bytes: [UInt8], _ length: Int) -> [UInt8] {
        var out = bytes
        for index in 0..<out.count {
            let bitsHere = min(max(length - index * 8, 0), 8)
            out[index] &= bitsHere == 0 ? 0 : UInt8(0xFF) << UInt8(8 - bitsHere)
        }
        return out
    }

    /// True when `address` is of the same family and its first `prefixLength` bits match.
    public func contains(_ address: IPAddress) -> Bool {
        switch (self.address, address) {
        case (.v4(let network), .v4(let value)):
            return value & Self.mask32(prefixLength) == network
        case (.v6(let network), .v6(let bytes)):
            return bytes.count == 16 && Self.masked(bytes, prefixLength) == network
        default:
            return false
        }
    }

    public var description: String { "\(address)/\(prefixLength)" }
}
