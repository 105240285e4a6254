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
