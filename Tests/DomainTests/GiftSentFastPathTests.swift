import Foundation
import Domain
import MarqueeJSON
import Testing

/// `DomainEvent.decode` reads `gift.sent` without Codable (replay's hot path); it must accept and
/// reject exactly what the Codable path does.
@Suite("gift.sent fast decoding")
struct GiftSentFastPathTests {
    static let valid = #"{"giftId":"gft_1","streamId":null,"channelId":"chn_1","fromAccountId":"acc_v","toAccountId":"acc_c","gift":"rose","quantity":3,"tokens":30,"creatorTokens":24,"feeTokens":6,"message":"hi"}"#

    func fast(_ json: String) throws -> GiftSent {
        guard case .giftSent(let gift)? = try DomainEvent.decode(type: "gift.sent", schema: 1, data: Array(json.utf8)) else {
            throw EventPayloadError(type: "gift.sent", reason: "decoded as another type")
        }
        return gift
    }

    func codable(_ json: String) throws -> GiftSent { try JSONDecoding.decode(GiftSent.self, from: Array(json.utf8)) }

    @Test func agreesWithCodableOnValidPayloads() throws {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<500 {
            let tokens = Int64(rng.next() % 1_000_000) + 1
            let fee = tokens / 5
            let gift = GiftSent(giftId: "gft_\(rng.next())", streamId: rng.next() % 2 == 0 ? nil : "str_\(rng.next())",
                                channelId: "chn_\(rng.next() % 100)", fromAccountId: "acc_\(rng.next())", toAccountId: "acc_\(rng.next())",
                                gift: ["rose", "heart", "star"][Int(rng.next() % 3)], quantity: Int(rng.next() % 1000) + 1,
                                tokens: tokens, creatorTokens: tokens - fee, feeTokens: fee,
                                message: rng.next() % 2 == 0 ? nil : "msg \"quoted\" ü \(rng.next())")
            let json = String(decoding: try DomainEvent.giftSent(gift).encodedData(), as: UTF8.self)
            #expect(try fast(json) == gift)
            #expect(try codable(json) == gift)
        }
    }

    @Test("rejects what the Codable path rejects", arguments: [
        // a required field missing
        Self.valid.replacingOccurrences(of: #""giftId":"gft_1","#, with: ""),
        // wrong types
        Self.valid.replacingOccurrences(of: #""quantity":3"#, with: #""quantity":"3""#),
        Self.valid.replacingOccurrences(of: #""tokens":30"#, with: #""tokens":30.5"#),
        Self.valid.replacingOccurrences(of: #""gift":"rose""#, with: #""gift":7"#),
        Self.valid.replacingOccurrences(of: #""channelId":"chn_1""#, with: #""channelId":null"#),
        // not an object, not JSON
        "[]", "{", "",
    ])
    func rejects(_ json: String) {
        #expect(throws: (any Error).self) { try codable(json) }
        #expect(throws: (any Error).self) { try fast(json) }
    }

    @Test func readsAnAbsentOptionalAsNilLikeCodable() throws {
        for json in [Self.valid.replacingOccurrences(of: #""streamId":null,"#, with: ""),
                     Self.valid.replacingOccurrences(of: #","message":"hi""#, with: "")] {
            #expect(try fast(json) == codable(json))
        }
        #expect(try fast(Self.valid.replacingOccurrences(of: #","message":"hi""#, with: "")).message == nil)
    }

    @Test func ignoresUnknownFieldsLikeCodable() throws {
        let json = Self.valid.replacingOccurrences(of: "{", with: #"{"extra":{"nested":[1,2]},"#)
        #expect(try fast(json) == codable(json))
    }

    func canonical(_ json: String) -> GiftSent? {
        Array(json.utf8).withUnsafeBytes { GiftSent(canonicalJSON: $0) }
    }

    /// What the writer stores takes the tree-free path, with the same value as Codable.
    @Test func theWritersOwnFormDecodesWithoutATree() throws {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<300 {
            let tokens = Int64(rng.next() % 1_000_000_000_000) + 1
            let gift = GiftSent(giftId: "gft_\(rng.next())", streamId: rng.next() % 2 == 0 ? nil : "str_\(rng.next())",
                                channelId: "chn_\(rng.next() % 100)", fromAccountId: "acc_\(rng.next())", toAccountId: "acc_c",
                                gift: "rose", quantity: Int(rng.next() % 1000), tokens: tokens, creatorTokens: 0,
                                feeTokens: -Int64(rng.next() % 100), message: rng.next() % 2 == 0 ? nil : "hi there {x} [y]: 'z'")
            let json = String(decoding: try DomainEvent.giftSent(gift).encodedData(), as: UTF8.self)
            #expect(canonical(json) == gift, "\(json)")
            #expect(try codable(json) == gift)
        }
        #expect(canonical(Self.valid) == (try codable(Self.valid)))
    }

    /// Anything outside the narrow form goes to the general path, which decides: same value as
    /// Codable, or an error where Codable has one.
    static let nonCanonical: [String] = {
        let v = valid
        var list: [String] = []
        list.append(v.replacingOccurrences(of: ",", with: ", ")) // whitespace
        list.append(v + " ") // trailing whitespace
        list.append(v.replacingOccurrences(of: #""hi""#, with: #""h\u0069""#)) // an escape
        list.append(v.replacingOccurrences(of: #""hi""#, with: #""hé""#)) // non-ASCII
        list.append(v.replacingOccurrences(of: #""hi""#, with: "\"h\u{7F}\"")) // DEL
        list.append(v.replacingOccurrences(of: #""feeTokens":6"#, with: #""feeTokens":-0"#)) // -0
        list.append(v.replacingOccurrences(of: #""feeTokens":6"#, with: #""feeTokens":06"#)) // leading zero
        list.append(v.replacingOccurrences(of: #""feeTokens":6"#, with: #""feeTokens":6.0"#)) // a fraction
        list.append(v.replacingOccurrences(of: #""feeTokens":6"#, with: #""feeTokens":6e0"#)) // an exponent
        list.append(v.replacingOccurrences(of: #""tokens":30"#, with: #""tokens":1234567890123456789"#)) // 19 digits
        list.append(v.replacingOccurrences(of: #""tokens":30"#, with: #""tokens":99999999999999999999"#)) // too big
        list.append(v.replacingOccurrences(of: #""gift":"rose","#, with: "")) // missing field
        list.append(v.replacingOccurrences(of: "{", with: #"{"extra":1,"#)) // unknown field
        list.append(v.replacingOccurrences(of: #""giftId":"gft_1","streamId":null"#, with: #""streamId":null,"giftId":"gft_1""#)) // order
        list.append(v.replacingOccurrences(of: #","message":"hi""#, with: "")) // absent optional
        list.append(v.replacingOccurrences(of: #""message":"hi""#, with: #""message":"hi","message":"ho""#)) // duplicate
        list.append(v.replacingOccurrences(of: #""channelId":"chn_1""#, with: #""channelId":null"#)) // wrong type
        list.append(String(v.dropLast())) // truncated
        list.append(v + "}") // trailing garbage
        return list
    }()

    @Test("falls back to the general path outside the writer's form", arguments: Self.nonCanonical)
    func fallsBack(_ json: String) {
        #expect(canonical(json) == nil)
        let viaCodable = Result { try codable(json) }
        let viaDecode = Result { try fast(json) }
        switch (viaCodable, viaDecode) {
        case (.success(let a), .success(let b)): #expect(a == b)
        case (.failure, .failure): break
        default: Issue.record("Codable \(viaCodable) vs decode \(viaDecode) for \(json)")
        }
    }
}
