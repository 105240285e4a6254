import MarqueeJSON

extension GiftSent {
    /// The payload bytes the log stores for this gift: byte for byte what `JSONEncoding.encode(self)`
    /// writes (declaration order, no whitespace, explicit nulls, plain decimal integers), without
    /// Codable.
    ///
    /// Every gift is encoded once on the writer's critical path, where the Codable bridge was
    /// ~4 % of the writer thread at 256 callers (BENCHMARKS.md (a)). The bytes are hashed into
    /// the chain and read back by `init?(canonicalJSON:)`, so they must never differ from the
    /// Codable encoding (tested on randomized gifts): a string that JSON escapes makes this take
    /// the Codable path for the whole payload.
    public func encodedJSON() throws -> [UInt8] {
        var w = PlainJSONWriter(capacity: 160 + 4 * 20 + giftId.utf8.count + channelId.utf8.count + fromAccountId.utf8.count
                                    + toAccountId.utf8.count + gift.utf8.count + (streamId?.utf8.count ?? 0) + (message?.utf8.count ?? 0))
        w.literal(#"{"giftId":"#)
        w.string(giftId)
        w.literal(#","streamId":"#)
        w.optionalString(streamId)
        w.literal(#","channelId":"#)
        w.string(channelId)
        w.literal(#","fromAccountId":"#)
        w.string(fromAccountId)
        w.literal(#","toAccountId":"#)
        w.string(toAccountId)
        w.literal(#","gift":"#)
        w.string(gift)
        w.literal(#","quantity":"#)
        w.integer(Int64(quantity))
        w.literal(#","tokens":"#)
        w.integer(tokens)
        w.literal(#","creatorTokens":"#)
        w.integer(creatorTokens)
        w.literal(#","feeTokens":"#)
        w.integer(feeTokens)
        w.literal(#","message":"#)
        w.optionalString(message)
        w.literal("}")
        return w.isPlain ? w.bytes : try JSONEncoding.encode(self)
    }
}
