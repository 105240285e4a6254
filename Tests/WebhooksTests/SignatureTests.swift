import Testing
import Webhooks

/// Standard Webhooks signatures: the reference test vector, rotation, verification, tampering.
@Suite("webhook signatures")
struct SignatureTests {
    // The reference vector of the Standard Webhooks libraries ("sign function works" in
    // libraries/javascript/src/webhook.test.ts of standard-webhooks/standard-webhooks).
    static let referenceSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let referenceId = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    static let referenceTimestamp: Int64 = 1_614_265_330
    static let referenceBody = Array(#"{"test": 2432232314}"#.utf8)
    static let referenceSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

    var secret: WebhookSecret { WebhookSecret(Self.referenceSecret)! }

    @Test func referenceVector() throws {
        let secret = try #require(WebhookSecret(Self.referenceSecret))
        #expect(secret.bytes.count == 24)
        #expect(WebhookSignature.sign(id: Self.referenceId, timestamp: Self.referenceTimestamp, body: Self.referenceBody,
                                      secret: secret) == Self.referenceSignature)
        #expect(WebhookSignature.verify(id: Self.referenceId, timestamp: Self.referenceTimestamp, body: Self.referenceBody,
                                        header: Self.referenceSignature, secret: secret, now: Self.referenceTimestamp))
    }

    /// Vectors computed independently with Python's hmac/hashlib/base64: a 64-byte secret with a
    /// UTF-8 body, and a 25-byte (padded) secret with an empty body.
    @Test(arguments: [
        ("whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==",
         #"{"type":"gift.sent","data":{"emoji":"🎁"}}"#, "v1,S3+dgv9V8Jp2SOAjxzWFdMqvm/hK6TwmA7TxpEFx8Hw="),
        ("whsec_ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fA==", "", "v1,ey136WJjPul/EcK5hLx1jk91ML7C4/hq5JcZeSosF9E="),
    ])
    func independentVectors(secretText: String, body: String, expected: String) throws {
        let secret = try #require(WebhookSecret(secretText))
        #expect(secret.text == secretText)
        #expect(WebhookSignature.sign(id: "msg_abc_42", timestamp: 1_790_000_000, body: Array(body.utf8), secret: secret) == expected)
    }

    @Test func secretParsing() {
        #expect(WebhookSecret(Self.referenceSecret)?.text == Self.referenceSecret)
        #expect(WebhookSecret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") == nil, "the prefix is required")
        #expect(WebhookSecret("whsec_") == nil)
        #expect(WebhookSecret("whsec_AAAA") == nil, "3 bytes is too short")
        #expect(WebhookSecret("whsec_" + String(repeating: "A", count: 30)) == nil, "22 bytes is too short")
        #expect(WebhookSecret("whsec_" + String(repeating: "A", count: 88)) == nil, "66 bytes is too long")
        #expect(WebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS!") == nil, "outside the alphabet")
        #expect(WebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa-w") == nil, "base64url is not standard base64")
        #expect(WebhookSecret("whsec_MfKQ9r8GKYqrTwjU PD8ILPZIo2LaLaSw") == nil, "a space")
        #expect(WebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw=") == nil, "padding where none belongs")
        // 25 bytes: padded and unpadded both accepted; the text is padded.
        #expect(WebhookSecret("whsec_ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fA")?.text == "whsec_ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fA==")
        #expect(WebhookSecret("whsec_ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fB==") == nil, "nonzero bits after the last byte")
        #expect(WebhookSecret("whsec_ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7f===") == nil)
        #expect(WebhookSecret(bytes: [UInt8](repeating: 7, count: 23)) == nil)
        #expect(WebhookSecret(bytes: [UInt8](repeating: 7, count: 64))?.bytes.count == 64)
        #expect(!"\(WebhookSecret(Self.referenceSecret)!)".contains("MfKQ"), "description hides the secret")
    }

    @Test func generatedSecretsAreFreshAndRoundTrip() throws {
        let a = WebhookSecret.generate(), b = WebhookSecret.generate()
        #expect(a.bytes.count == 24)
        #expect(a != b)
        #expect(a.text.hasPrefix("whsec_"))
        #expect(try #require(WebhookSecret(a.text)) == a)
    }

    @Test func rotationHeaderCarriesOneSignaturePerSecret() throws {
        let old = secret
        let new = WebhookSecret.generate()
        let header = WebhookSignature.header(id: Self.referenceId, timestamp: Self.referenceTimestamp, body: Self.referenceBody,
                                             secrets: [new, old])
        let parts = header.split(separator: " ")
        #expect(parts.count == 2)
        #expect(parts[1] == Self.referenceSignature[...])
        for key in [old, new] {
            #expect(WebhookSignature.verify(id: Self.referenceId, timestamp: Self.referenceTimestamp, body: Self.referenceBody,
                                            header: header, secret: key, now: Self.referenceTimestamp + 10))
        }
        #expect(!WebhookSignature.verify(id: Self.referenceId, timestamp: Self.referenceTimestamp, body: Self.referenceBody,
                                         header: header, secret: WebhookSecret.generate(), now: Self.referenceTimestamp))
        #expect(WebhookSignature.header(id: "x", timestamp: 1, body: [], secrets: []) == "")
    }

    @Test func multiSignatureHeaderFromTheReferenceSuite() {
        // "multi sig payload is valid": wrong v1, a v2, the right one, wrong v1 again.
        let header = [
            "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
            "v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
            Self.referenceSignature,
            "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
        ].joined(separator: " ")
        #expect(verify(header: header))
        #expect(verify(header: "  " + Self.referenceSignature + "   v1a,abc "), "extra spaces and other schemes are skipped")
        #expect(verify(header: String(Self.referenceSignature.dropLast())), "unpadded base64 is the same signature")
    }

    func verify(id: String = referenceId, timestamp: Int64 = referenceTimestamp, body: [UInt8] = referenceBody,
                header: String = referenceSignature, now: Int64 = referenceTimestamp, tolerance: Int64 = 300) -> Bool {
        WebhookSignature.verify(id: id, timestamp: timestamp, body: body, header: header, secret: secret, now: now,
                                toleranceSeconds: tolerance)
    }

    @Test func tamperingFailsVerification() {
        #expect(verify())
        #expect(!verify(id: "msg_p5jXN8AQM9LWM0D4loKWxJel"), "another id")
        #expect(!verify(timestamp: Self.referenceTimestamp + 1, now: Self.referenceTimestamp), "another timestamp")
        var body = Self.referenceBody
        body[3] ^= 1
        #expect(!verify(body: body), "one flipped bit in the body")
        #expect(!verify(body: Self.referenceBody + [32]), "a trailing space")
        #expect(!verify(header: "v2," + Self.referenceSignature.dropFirst(3)), "another version")
        #expect(!verify(header: "v1,dawfeoifkpqwoekfpqoekf"), "the reference suite's invalid signature")
        #expect(!verify(header: String(Self.referenceSignature.prefix(8))), "the reference suite's partial signature")
        #expect(!verify(header: "v1,"))
        #expect(!verify(header: ""))
        #expect(!verify(header: String(Self.referenceSignature.dropLast(5))), "a truncated signature")
        #expect(!verify(header: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OF="), "nonzero bits after the last byte")
        #expect(!verify(header: Self.referenceSignature + "AAAA"), "extra bytes")
        #expect(!verify(header: Self.referenceSignature.uppercased()))
    }

    @Test func timestampTolerance() {
        let t = Self.referenceTimestamp
        #expect(verify(now: t + 300))
        #expect(verify(now: t - 300))
        #expect(!verify(now: t + 301), "too old")
        #expect(!verify(now: t - 301), "too new")
        #expect(verify(now: t + 1000, tolerance: 1000))
        #expect(!verify(now: Int64.min), "no overflow trap")
        #expect(!verify(timestamp: Int64.max, header: WebhookSignature.sign(id: Self.referenceId, timestamp: Int64.max,
                                                                           body: Self.referenceBody, secret: secret), now: Int64.min))
    }
}
