import HTTPAPI
import Testing
import TestSupport

@Suite("Stripe-Signature: parsing and verification")
struct StripeSignatureTests {
    // Computed independently with Python: hmac.new(b'whsec_test_secret', b'1790000000.' + payload, sha256).hexdigest()
    static let payload = Array(#"{"id":"evt_1","type":"checkout.session.completed"}"#.utf8)
    static let secret = "whsec_test_secret"
    static let vector = "081916dffe60d5d7ed5cde3427cc5da76a2e156f4f24d544a5363c4f5f8dac54"

    @Test func aKnownVectorVerifies() throws {
        let signature = try StripeSignature(header: "t=1790000000,v1=\(Self.vector)")
        #expect(signature.timestamp == 1_790_000_000)
        try signature.verify(payload: Self.payload, secret: Self.secret, nowSeconds: 1_790_000_100)
        // upper-case hex, spaces after commas, a v0 and an unknown scheme are fine
        try StripeSignature(header: "t=1790000000, v0=abc, v1=\(Self.vector.uppercased()), v9=zz")
            .verify(payload: Self.payload, secret: Self.secret, nowSeconds: 1_790_000_000)
    }

    @Test func theToleranceIsFiveMinutesEitherWay() throws {
        let signature = try StripeSignature(header: "t=1790000000,v1=\(Self.vector)")
        try signature.verify(payload: Self.payload, secret: Self.secret, nowSeconds: 1_790_000_300)
        try signature.verify(payload: Self.payload, secret: Self.secret, nowSeconds: 1_789_999_700)
        #expect(throws: StripeSignature.Failure.stale(ageSeconds: 301)) {
            try signature.verify(payload: Self.payload, secret: Self.secret, nowSeconds: 1_790_000_301)
        }
        #expect(throws: StripeSignature.Failure.stale(ageSeconds: -301)) {
            try signature.verify(payload: Self.payload, secret: Self.secret, nowSeconds: 1_789_999_699)
        }
    }

    @Test func anyChangeToPayloadSecretOrTimeFails() throws {
        let good = try StripeSignature(header: "t=1790000000,v1=\(Self.vector)")
        var changed = Self.payload
        changed[changed.count - 2] ^= 1
        #expect(throws: StripeSignature.Failure.mismatch) { try good.verify(payload: changed, secret: Self.secret, nowSeconds: 1_790_000_000) }
        #expect(throws: StripeSignature.Failure.mismatch) { try good.verify(payload: Self.payload, secret: "whsec_other", nowSeconds: 1_790_000_000) }
        let shifted = try StripeSignature(header: "t=1790000001,v1=\(Self.vector)")
        #expect(throws: StripeSignature.Failure.mismatch) { try shifted.verify(payload: Self.payload, secret: Self.secret, nowSeconds: 1_790_000_000) }
    }

    @Test("malformed headers are refused", arguments: [
        "", "t=", "t=abc,v1=\(vector)", "v1=\(vector)", "t=-5,v1=\(vector)", "t=1,t=2,v1=\(vector)", "t=1,v1=abc",
        "t=1,v1=\(String(vector.dropLast()))", "t=1,v1=\(String(vector.dropLast()))g", "garbage", "t=1,,v1=\(vector)",
    ])
    func malformed(header: String) {
        #expect(throws: StripeSignature.Failure.self) { try StripeSignature(header: header) }
    }

    @Test func noV1MeansNoSignature() {
        #expect(throws: StripeSignature.Failure.noSignature) { try StripeSignature(header: "t=1790000000,v0=\(Self.vector)") }
    }

    @Test func randomHeadersNeverCrashAndNeverVerify() {
        var rng = SplitMix64(seed: 7)
        let alphabet = Array("t=v1,0123456789abcdef ".utf8)
        for _ in 0..<5_000 {
            let length = Int(rng.next() % 120)
            let header = String(decoding: (0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }, as: UTF8.self)
            if let signature = try? StripeSignature(header: header) {
                #expect((try? signature.verify(payload: Self.payload, secret: Self.secret, nowSeconds: signature.timestamp)) == nil)
            }
        }
    }

    @Test func eventsAreReadLeniently() throws {
        let completed = try StripeEvent(json: Array(#"""
            {"id":"evt_9","type":"checkout.session.completed","extra":{"deep":[1,2]},"data":{"object":{"id":"cs_1",
            "client_reference_id":"acc_1","metadata":{"package":"tokens-100"},"amount_total":199,"currency":"usd","payment_status":"paid"}}}
            """#.utf8))
        #expect(completed.checkout == .success(.init(sessionId: "cs_1", accountId: "acc_1", packageId: "tokens-100",
                                                     amount: .init(currency: "USD", minor: 199))))
        let other = try StripeEvent(json: Array(#"{"id":"evt_2","type":"invoice.paid","data":{}}"#.utf8))
        #expect(other.checkout == nil)
        #expect(throws: StripeEvent.ParseError.self) { try StripeEvent(json: Array("not json".utf8)) }
        #expect(throws: StripeEvent.ParseError.self) { try StripeEvent(json: Array(#"{"type":"x"}"#.utf8)) }
    }
}
