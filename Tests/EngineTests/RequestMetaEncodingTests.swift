import Engine
import MarqueeJSON
import Testing

/// `RequestMeta.encodedJSON()` writes each event's `meta` without Codable on the writer's hot
/// path; the bytes are hashed into the chain, so they must equal the Codable encoding's exactly.
@Suite("RequestMeta hand-written encoding")
struct RequestMetaEncodingTests {
    static let alphabet: [String] = ["a", "Z", "0", "_", "-", " ", "/", ":", ".", "\u{7F}", "ü", "🌹",
                                     "\"", "\\", "\n", "\t", "\u{01}", "\u{1F}", "\u{00}"]

    static func text(_ rng: inout SplitMix64, escapes: Bool) -> String? {
        guard rng.next() % 3 != 0 else { return nil }
        let letters = escapes ? alphabet : Array(alphabet.prefix(12))
        return (0..<Int(rng.next() % 20)).map { _ in letters[Int(rng.next() % UInt64(letters.count))] }.joined()
    }

    @Test("byte for byte the Codable encoding with nil fields left out", arguments: [false, true])
    func equalsCodable(escapes: Bool) throws {
        var rng = SplitMix64(seed: escapes ? 21 : 20)
        for _ in 0..<5_000 {
            let meta = RequestMeta(actor: Self.text(&rng, escapes: escapes), idempotencyKey: Self.text(&rng, escapes: escapes),
                                   requestHash: Self.text(&rng, escapes: escapes), correlationId: Self.text(&rng, escapes: escapes),
                                   clientIp: Self.text(&rng, escapes: escapes))
            let hand = try meta.encodedJSON()
            #expect(hand == (try JSONEncoding.encode(meta, nulls: .omit)), "\(String(decoding: hand, as: UTF8.self))")
        }
        #expect(try RequestMeta().encodedJSON() == Array("{}".utf8))
        #expect(try RequestMeta(actor: "acc_v1").encodedJSON() == Array(#"{"actor":"acc_v1"}"#.utf8))
    }
}
