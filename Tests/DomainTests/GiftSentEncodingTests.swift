import Domain
import MarqueeJSON
import Testing

/// `GiftSent.encodedJSON()` writes `gift.sent` payloads without Codable on the writer's hot path;
/// the bytes are hashed into the chain, so they must equal the Codable encoding's exactly.
@Suite("gift.sent hand-written encoding")
struct GiftSentEncodingTests {
    /// Characters JSON writes plainly, characters it escapes, and non-ASCII.
    static let alphabet: [String] = ["a", "Z", "0", "_", "-", " ", "/", "{", "}", "[", ":", ",", "'", "\u{7F}", "ü", "€", "🌹",
                                     "\"", "\\", "\n", "\t", "\r", "\u{08}", "\u{0C}", "\u{01}", "\u{1F}", "\u{00}"]

    static func text(_ rng: inout SplitMix64, escapes: Bool) -> String {
        let letters = escapes ? alphabet : Array(alphabet.prefix(17))
        return (0..<Int(rng.next() % 24)).map { _ in letters[Int(rng.next() % UInt64(letters.count))] }.joined()
    }

    static func integer(_ rng: inout SplitMix64) -> Int64 {
        switch rng.next() % 5 {
        case 0: return 0
        case 1: return -Int64(rng.next() % 1000)
        case 2: return [Int64.max, Int64.min, Int64.min + 1, 9, 10, -1][Int(rng.next() % 6)]
        default: return Int64(bitPattern: rng.next()) >> Int64(rng.next() % 63)
        }
    }

    static func gift(_ rng: inout SplitMix64, escapes: Bool) -> GiftSent {
        GiftSent(giftId: "gft_" + text(&rng, escapes: escapes),
                 streamId: rng.next() % 3 == 0 ? nil : text(&rng, escapes: escapes),
                 channelId: text(&rng, escapes: escapes), fromAccountId: text(&rng, escapes: escapes),
                 toAccountId: text(&rng, escapes: escapes), gift: text(&rng, escapes: escapes),
                 quantity: Int(integer(&rng)), tokens: integer(&rng), creatorTokens: integer(&rng), feeTokens: integer(&rng),
                 message: rng.next() % 3 == 0 ? nil : text(&rng, escapes: escapes))
    }

    @Test("byte for byte the Codable encoding", arguments: [false, true])
    func equalsCodable(escapes: Bool) throws {
        var rng = SplitMix64(seed: escapes ? 11 : 10)
        for _ in 0..<5_000 {
            let gift = Self.gift(&rng, escapes: escapes)
            let hand = try gift.encodedJSON()
            #expect(hand == (try JSONEncoding.encode(gift)), "\(String(decoding: hand, as: UTF8.self))")
            #expect(try DomainEvent.giftSent(gift).encodedData() == hand)
        }
    }

    /// What the server writes for a gift (plain ids) reads back through the tree-free decoder.
    @Test func aTypicalGiftRoundTripsThroughTheCanonicalDecoder() throws {
        let gift = GiftSent(giftId: "gft_01H", streamId: nil, channelId: "chn_1", fromAccountId: "acc_v", toAccountId: "acc_c",
                            gift: "rose", quantity: 3, tokens: 30, creatorTokens: 24, feeTokens: 6, message: "hi")
        let bytes = try gift.encodedJSON()
        #expect(String(decoding: bytes, as: UTF8.self)
            == #"{"giftId":"gft_01H","streamId":null,"channelId":"chn_1","fromAccountId":"acc_v","toAccountId":"acc_c","gift":"rose","quantity":3,"tokens":30,"creatorTokens":24,"feeTokens":6,"message":"hi"}"#)
        #expect(bytes.withUnsafeBytes { GiftSent(canonicalJSON: $0) } == gift)
    }
}
