import COpenSSL
import MarqueeJSON

/// The exported form of an event: one JSON object per line (JSON Lines), used by
/// `marquee events export`, `GET /api/v1/events` and auditors' tools. `data` and `meta` are
/// embedded exactly as stored, so an auditor can recompute each hash from the export alone.
///
///     {"seq":1,"stream":"account-acc_…","version":1,"type":"account.registered","schema":1,
///      "data":{…},"meta":{…},"recordedAt":"2026-11-22T10:00:00.000Z","hash":"<64 hex>"}
public enum ExportFormat {
    public static func line(_ event: RecordedEvent) -> [UInt8] {
        var out = JSONWriter(reservingCapacity: event.data.count + event.meta.count + 220)
        out.beginObject()
        out.writeKey("seq"); out.write(event.seq)
        out.writeKey("stream"); out.write(event.stream)
        out.writeKey("version"); out.write(event.version)
        out.writeKey("type"); out.write(event.type)
        out.writeKey("schema"); out.write(event.schema)
        out.writeKey("data"); out.writeVerbatim(event.data)
        out.writeKey("meta"); out.writeVerbatim(event.meta)
        out.writeKey("recordedAt"); out.write(event.recordedAt)
        out.writeKey("hash"); out.write(Digest.hex(event.hash))
        out.endObject()
        return out.bytes
    }
}

/// SHA-256 and hex helpers (OpenSSL libcrypto underneath).
public enum Digest {
    public static func sha256(_ bytes: [UInt8]) -> [UInt8] { HashChain.sha256(bytes) }
    public static func sha256Hex(_ string: String) -> String { hex(HashChain.sha256(Array(string.utf8))) }
    public static func hex(_ bytes: [UInt8]) -> String { HashChain.hex(bytes) }

    /// HMAC-SHA256 (RFC 2104) of `message` under `key` (OpenSSL).
    public static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 32
        key.withUnsafeBufferPointer { k in
            message.withUnsafeBufferPointer { m in
                _ = HMAC(EVP_sha256(), k.baseAddress, Int32(k.count), m.baseAddress, m.count, &out, &length)
            }
        }
        return out
    }

    /// Compares secrets in time that does not depend on where they differ.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}

/// The body third parties receive for an event, in a webhook delivery and on the realtime feed
/// (Standard Webhooks' `{type, timestamp, data}`, plus the log position):
///
///     {"type":"gift.sent","timestamp":"2026-11-22T10:00:00.000Z","seq":42,"data":{…},"handles":{"acc_…":"alice"}}
///
/// `data` is the event's payload exactly as stored; `handles` names the accounts it is about.
public enum DeliveryFormat {
    public static func body(seq: Int64, type: String, recordedAt: String, data: [UInt8], handles: [(String, String)] = []) -> [UInt8] {
        var out = JSONWriter(reservingCapacity: data.count + 160)
        out.beginObject()
        out.writeKey("type"); out.write(type)
        out.writeKey("timestamp"); out.write(recordedAt)
        out.writeKey("seq"); out.write(seq)
        out.writeKey("data"); out.writeVerbatim(data)
        if !handles.isEmpty {
            out.writeKey("handles")
            out.beginObject()
            for (id, handle) in handles { out.writeKey(id); out.write(handle) }
            out.endObject()
        }
        out.endObject()
        return out.bytes
    }
}
