/// An IP address and UDP port, as STUN carries it and as the SFU keys sessions by it.
/// Stored inline so it can be a dictionary key on the packet path without allocating.
public struct STUNTransportAddress: Hashable, Sendable, CustomStringConvertible {
    public enum IP: Hashable, Sendable {
        /// The four address bytes in network order, big-endian in the integer (192.0.2.1 = 0xC0000201).
        case v4(UInt32)
        /// The sixteen address bytes in network order, as two big-endian halves.
        case v6(high: UInt64, low: UInt64)
    }

    public var ip: IP
    public var port: UInt16

    public init(ip: IP, port: UInt16) {
        self.ip = ip
        self.port = port
    }

    /// IPv4 from its four bytes.
    public init(ipv4 a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, port: UInt16) {
        ip = .v4(UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d))
        self.port = port
    }

    /// From 4 or 16 address bytes in network order; `nil` for any other count.
    public init?(addressBytes: some Collection<UInt8>, port: UInt16) {
        switch addressBytes.count {
        case 4:
            ip = .v4(addressBytes.reduce(0) { $0 << 8 | UInt32($1) })
        case 16:
            var high: UInt64 = 0
            var low: UInt64 = 0
            for (i, b) in addressBytes.enumerated() {
                if i < 8 { high = high << 8 | UInt64(b) } else { low = low << 8 | UInt64(b) }
            }
            ip = .v6(high: high, low: low)
        default:
            return nil
        }
        self.port = port
    }

    /// The address bytes in network order (4 or 16).
    public var addressBytes: [UInt8] {
        var out: [UInt8] = []
        switch ip {
        case .v4(let a): out.appendBigEndian(a)
        case .v6(let h, let l): out.appendBigEndian(h); out.appendBigEndian(l)
        }
        return out
    }

    public var description: String {
        switch ip {
        case .v4(let a):
            return "\(a >> 24).\(a >> 16 & 0xFF).\(a >> 8 & 0xFF).\(a & 0xFF):\(port)"
        case .v6:
            let b = addressBytes
            let groups = stride(from: 0, to: 16, by: 2).map { String(UInt16(b[$0]) << 8 | UInt16(b[$0 + 1]), radix: 16) }
            return "[\(groups.joined(separator: ":"))]:\(port)"
        }
    }
}
