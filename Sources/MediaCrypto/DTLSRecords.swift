/// Splits what OpenSSL wrote into a memory BIO (one flight: several DTLS records back to back)
/// into datagrams of at most `mtu` bytes, cutting only between records (RFC 6347 §4.1.1: a
/// datagram may carry several records, a record never spans datagrams). Pure.
public enum DTLSRecords {
    /// The 13-byte DTLS record header: type, version, epoch, sequence number, length.
    public static let headerLength = 13

    public static func datagrams(_ bytes: [UInt8], mtu: Int) -> [[UInt8]] {
        var result: [[UInt8]] = []
        var current: [UInt8] = []
        var offset = 0
        while offset < bytes.count {
            var end = bytes.count
            if offset + headerLength <= bytes.count {
                let length = Int(bytes[offset + 11]) << 8 | Int(bytes[offset + 12])
                end = min(bytes.count, offset + headerLength + length)
            }
            let record = bytes[offset..<end]
            if !current.isEmpty && current.count + record.count > mtu {
                result.append(current)
                current = []
            }
            current.append(contentsOf: record)
            offset = end
        }
        if !current.isEmpty { result.append(current) }
        return result
    }

    /// Whether a datagram looks like DTLS at all (RFC 7983: first byte 20–63).
    public static func isDTLS(_ firstByte: UInt8) -> Bool { (20...63).contains(firstByte) }
}
