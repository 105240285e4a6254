/// The exported form of an event: one JSON object per line (JSON Lines), used by
/// `marquee events export`, `GET /api/v1/events` and auditors' tools. `data` and `meta` are
/// embedded exactly as stored, so an auditor can recompute each hash from the export alone.
///
///     {"seq":1,"stream":"account-acc_…","version":1,"type":"account.registered","schema":1,
///      "data":{…},"meta":{…},"recordedAt":"2026-11-22T10:00:00.000Z","hash":"<64 hex>"}
public enum ExportFormat {
    public static func line(_ event: RecordedEvent) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(event.data.count + event.meta.count + 220)
        out.append(contentsOf: Array(#"{"seq":"#.utf8)); out.append(contentsOf: Array(String(event.seq).utf8))
        out.append(contentsOf: Array(#","stream":"#.utf8)); appendString(&out, event.stream)
        out.append(contentsOf: Array(#","version":"#.utf8)); out.append(contentsOf: Array(String(event.version).utf8))
        out.append(contentsOf: Array(#","type":"#.utf8)); appendString(&out, event.type)
        out.append(contentsOf: Array(#","schema":"#.utf8)); out.append(contentsOf: Array(String(event.schema).utf8))
        out.append(contentsOf: Array(#","data":"#.utf8)); out.append(contentsOf: event.data)
        out.append(contentsOf: Array(#","meta":"#.utf8)); out.append(contentsOf: event.meta)
        out.append(contentsOf: Array(#","recordedAt":"#.utf8)); appendString(&out, event.recordedAt)
        out.append(contentsOf: Array(#","hash":"#.utf8)); appendString(&out, Digest.hex(event.hash))
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// Appends a JSON string literal (RFC 8259 section 7 escaping).
    public static func appendString(_ out: inout [UInt8], _ string: String) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        out.append(34)
        for b in string.utf8 {
            switch b {
            case 34: out.append(92); out.append(34)
            case 92: out.append(92); out.append(92)
            case 10: out.append(92); out.append(110)
            case 13: out.append(92); out.append(114)
            case 9: out.append(92); out.append(116)
            case 0..<32:
                out.append(contentsOf: [92, 117, 48, 48, hex[Int(b >> 4)], hex[Int(b & 15)]])
            default: out.append(b)
            }
        }
        out.append(34)
    }
}

/// SHA-256 and hex helpers (OpenSSL libcrypto underneath).
public enum Digest {
    public static func sha256(_ bytes: [UInt8]) -> [UInt8] { HashChain.sha256(bytes) }
    public static func sha256Hex(_ string: String) -> String { hex(HashChain.sha256(Array(string.utf8))) }
    public static func hex(_ bytes: [UInt8]) -> String { HashChain.hex(bytes) }
}
