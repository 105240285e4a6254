import MarqueeJSON

/// A stored payload that does not match its event type's schema.
public struct EventPayloadError: Error, CustomStringConvertible, Sendable, Equatable {
    public var type: String
    public var reason: String
    public var description: String { "\(type) payload: \(reason)" }
    public init(type: String, reason: String) { self.type = type; self.reason = reason }
}

extension GiftSent {
    /// Decodes a `gift.sent` payload from a parsed object without going through Codable: replay
    /// decodes about a million of these per run, and Codable's per-container work was half of
    /// the cost. Exactly as strict as the Codable path (`JSONDecoding.decode(GiftSent.self, …)`):
    /// every non-optional field required, integers exact, an absent optional reads as nil (the
    /// encoder always writes explicit nulls), unknown fields ignored.
    public init(json object: JSONObject) throws(EventPayloadError) {
        var giftId: String?, streamId: String??, channelId: String?, from: String?, to: String?, gift: String?
        var quantity: Int64?, tokens: Int64?, creatorTokens: Int64?, feeTokens: Int64?, message: String??
        func fail(_ reason: String) -> EventPayloadError { EventPayloadError(type: "gift.sent", reason: reason) }
        func string(_ value: JSONValue, _ field: String) throws(EventPayloadError) -> String {
            guard case .string(let s) = value else { throw fail("field '\(field)' must be a string") }
            return s
        }
        func optionalString(_ value: JSONValue, _ field: String) throws(EventPayloadError) -> String? {
            if case .null = value { return nil }
            return try string(value, field)
        }
        func integer(_ value: JSONValue, _ field: String) throws(EventPayloadError) -> Int64 {
            guard case .integer(let n) = value else { throw fail("field '\(field)' must be an integer") }
            return n
        }
        for member in object {
            switch member.key {
            case "giftId": giftId = try string(member.value, "giftId")
            case "streamId": streamId = .some(try optionalString(member.value, "streamId"))
            case "channelId": channelId = try string(member.value, "channelId")
            case "fromAccountId": from = try string(member.value, "fromAccountId")
            case "toAccountId": to = try string(member.value, "toAccountId")
            case "gift": gift = try string(member.value, "gift")
            case "quantity": quantity = try integer(member.value, "quantity")
            case "tokens": tokens = try integer(member.value, "tokens")
            case "creatorTokens": creatorTokens = try integer(member.value, "creatorTokens")
            case "feeTokens": feeTokens = try integer(member.value, "feeTokens")
            case "message": message = .some(try optionalString(member.value, "message"))
            default: continue
            }
        }
        guard let giftId else { throw fail("missing required field 'giftId'") }
        guard let channelId else { throw fail("missing required field 'channelId'") }
        guard let from else { throw fail("missing required field 'fromAccountId'") }
        guard let to else { throw fail("missing required field 'toAccountId'") }
        guard let gift else { throw fail("missing required field 'gift'") }
        guard let quantity else { throw fail("missing required field 'quantity'") }
        guard let quantityInt = Int(exactly: quantity) else { throw fail("field 'quantity' is out of range") }
        guard let tokens else { throw fail("missing required field 'tokens'") }
        guard let creatorTokens else { throw fail("missing required field 'creatorTokens'") }
        guard let feeTokens else { throw fail("missing required field 'feeTokens'") }
        self.init(giftId: giftId, streamId: streamId ?? nil, channelId: channelId, fromAccountId: from, toAccountId: to, gift: gift,
                  quantity: quantityInt, tokens: tokens, creatorTokens: creatorTokens, feeTokens: feeTokens, message: message ?? nil)
    }
}

extension GiftSent {
    /// Decodes a `gift.sent` payload that is byte for byte in the form the writer stores
    /// (`encodedData()`: declaration order, no whitespace, explicit nulls, strings of printable
    /// ASCII without escapes, integers without sign tricks or exponents), straight from the
    /// bytes, building no JSON tree. Returns nil for anything else, and the caller then takes the
    /// general path (`init(json:)`), which decides and reports errors: the two paths accept
    /// exactly the same payloads with the same values because this one accepts only a subset
    /// that the general path reads the same way. Replay decodes ~1M of these per run.
    public init?(canonicalJSON bytes: UnsafeRawBufferPointer) {
        var r = CanonicalReader(bytes)
        guard r.literal(#"{"giftId":"#), let giftId = r.string(),
              r.literal(#","streamId":"#), let streamId = r.optionalString(),
              r.literal(#","channelId":"#), let channelId = r.string(),
              r.literal(#","fromAccountId":"#), let from = r.string(),
              r.literal(#","toAccountId":"#), let to = r.string(),
              r.literal(#","gift":"#), let gift = r.string(),
              r.literal(#","quantity":"#), let quantity = r.integer(),
              r.literal(#","tokens":"#), let tokens = r.integer(),
              r.literal(#","creatorTokens":"#), let creatorTokens = r.integer(),
              r.literal(#","feeTokens":"#), let feeTokens = r.integer(),
              r.literal(#","message":"#), let message = r.optionalString(),
              r.literal("}"), r.atEnd
        else { return nil }
        self.init(giftId: giftId, streamId: streamId, channelId: channelId, fromAccountId: from, toAccountId: to, gift: gift,
                  quantity: Int(quantity), tokens: tokens, creatorTokens: creatorTokens, feeTokens: feeTokens, message: message)
    }
}

/// A cursor over canonical JSON: each read either matches the narrow form or returns nil/false.
private struct CanonicalReader {
    let bytes: UnsafeRawBufferPointer
    var index = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var atEnd: Bool { index == bytes.count }

    mutating func literal(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard count <= bytes.count - index else { return false }
        let expected = text.utf8Start
        for offset in 0..<count where bytes[index + offset] != expected[offset] { return false }
        index += count
        return true
    }

    /// `"…"` of printable ASCII other than `"` and `\`.
    mutating func string() -> String? {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        let start = index + 1
        var end = start
        while end < bytes.count {
            let byte = bytes[end]
            if byte == UInt8(ascii: "\"") { break }
            guard byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "\\") else { return nil }
            end += 1
        }
        guard end < bytes.count else { return nil }
        index = end + 1
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    }

    /// `null` (.some(nil)) or a string (.some(value)); nil when neither.
    mutating func optionalString() -> String?? {
        if literal("null") { return .some(nil) }
        guard let value = string() else { return nil }
        return .some(value)
    }

    /// `0` or an optional `-` then 1–18 digits not starting with 0 (always fits an Int64).
    mutating func integer() -> Int64? {
        var i = index
        let negative = i < bytes.count && bytes[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        let first = i
        var value: Int64 = 0
        while i < bytes.count, i - first < 18 {
            let digit = bytes[i] &- UInt8(ascii: "0")
            guard digit < 10 else { break }
            value = value &* 10 &+ Int64(digit)
            i += 1
        }
        let digits = i - first
        guard digits > 0, bytes[first] != UInt8(ascii: "0") || (digits == 1 && !negative) else { return nil }
        // A 19th digit, a fraction or an exponent: not canonical here.
        if i < bytes.count, bytes[i] >= UInt8(ascii: "0") && bytes[i] <= UInt8(ascii: "9") || bytes[i] == UInt8(ascii: ".")
            || bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") { return nil }
        index = i
        return negative ? -value : value
    }
}
