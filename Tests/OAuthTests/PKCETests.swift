import MarqueeCore
import Testing
import TestSupport
@testable import OAuth

@Suite("PKCE (RFC 7636)")
struct PKCETests {
    // RFC 7636 Appendix B. The challenge was also checked with Python:
    // base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
    static let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    static let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

    @Test("RFC 7636 Appendix B vector")
    func appendixB() {
        #expect(PKCE.isValidVerifier(Self.verifier))
        #expect(PKCE.challengeS256(verifier: Self.verifier) == Self.challenge)
        #expect(PKCE.isValidChallenge(Self.challenge))
        #expect(PKCE.verify(verifier: Self.verifier, challenge: Self.challenge))
    }

    @Test("verification fails for any other verifier or challenge")
    func mismatch() {
        #expect(!PKCE.verify(verifier: Self.verifier + "x", challenge: Self.challenge))
        #expect(!PKCE.verify(verifier: Self.verifier, challenge: String(Self.challenge.dropLast()) + "A"))
        #expect(!PKCE.verify(verifier: Self.verifier, challenge: Self.verifier))   // plain is not accepted
        #expect(!PKCE.verify(verifier: Self.verifier, challenge: ""))
        #expect(!PKCE.verify(verifier: Self.verifier, challenge: Self.challenge + "="))
        // A malformed verifier never verifies, even against its own hash.
        let short = "abc"
        #expect(!PKCE.verify(verifier: short, challenge: PKCE.challengeS256(verifier: short)))
    }

    @Test("verifier syntax: 43-128 unreserved characters")
    func verifierSyntax() {
        #expect(PKCE.isValidVerifier(String(repeating: "a", count: 43)))
        #expect(PKCE.isValidVerifier(String(repeating: "~", count: 128)))
        #expect(PKCE.isValidVerifier("-._~" + String(repeating: "Z9", count: 20)))
        #expect(!PKCE.isValidVerifier(String(repeating: "a", count: 42)))
        #expect(!PKCE.isValidVerifier(String(repeating: "a", count: 129)))
        #expect(!PKCE.isValidVerifier(String(repeating: "a", count: 42) + "+"))
        #expect(!PKCE.isValidVerifier(String(repeating: "a", count: 42) + "/"))
        #expect(!PKCE.isValidVerifier(String(repeating: "a", count: 42) + " "))
        #expect(!PKCE.isValidVerifier(String(repeating: "é", count: 43)))   // 86 bytes but not unreserved
        #expect(!PKCE.isValidVerifier(""))
    }

    @Test("challenge syntax: 43 base64url characters")
    func challengeSyntax() {
        #expect(PKCE.isValidChallenge(String(repeating: "A", count: 43)))
        #expect(PKCE.isValidChallenge(String(repeating: "-_", count: 21) + "a"))
        #expect(!PKCE.isValidChallenge(String(repeating: "A", count: 42)))
        #expect(!PKCE.isValidChallenge(String(repeating: "A", count: 44)))
        #expect(!PKCE.isValidChallenge(String(repeating: "A", count: 42) + "+"))
        #expect(!PKCE.isValidChallenge(String(repeating: "A", count: 42) + "="))
        #expect(!PKCE.isValidChallenge(String(repeating: "A", count: 42) + "."))
    }

    @Test("random verifiers verify against their own challenge only")
    func randomVerifiers() {
        var rng = SplitMix64(seed: 7636)
        let unreserved = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        var previous = Self.challenge
        for _ in 0..<200 {
            let verifier = String((0..<Int.random(in: 43...128, using: &rng)).map { _ in unreserved.randomElement(using: &rng)! })
            let challenge = PKCE.challengeS256(verifier: verifier)
            #expect(PKCE.isValidChallenge(challenge))
            #expect(PKCE.verify(verifier: verifier, challenge: challenge))
            #expect(!PKCE.verify(verifier: verifier, challenge: previous))
            previous = challenge
        }
    }

    @Test("authorization request parameters: S256 required")
    func authorizationRequest() throws {
        #expect(try PKCE.checkAuthorizationRequest(challenge: Self.challenge, method: "S256") == Self.challenge)
        for (challenge, method) in [(nil, "S256"), (Self.challenge, nil), (Self.challenge, "plain"), (Self.challenge, "s256"),
                                    ("short", "S256"), (Self.verifier + "!", "S256")] as [(String?, String?)] {
            let error = oauthError { () throws(OAuthError) in try PKCE.checkAuthorizationRequest(challenge: challenge, method: method) }
            #expect(error?.code == .invalidRequest)
        }
    }

    @Test("base64 helpers: RFC 4648 §10 vectors")
    func base64Vectors() {
        let vectors = [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="),
                       ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")]
        for (plain, encoded) in vectors {
            #expect(Base64.encode(Array(plain.utf8)) == encoded)
            #expect(Base64.decode(encoded) == Array(plain.utf8))
            #expect(Base64.decode(String(encoded.prefix { $0 != "=" })) == Array(plain.utf8))
            #expect(Base64.urlEncodedNoPadding(Array(plain.utf8)) == String(encoded.prefix { $0 != "=" }))
        }
        #expect(Base64.urlEncodedNoPadding([0xFB, 0xFF]) == "-_8")
        for bad in ["Zg=", "Zg===", "Z", "Zm9v YmFy", "Zm9v\n", "Zm-v", "Zm_v", "=Zg=", "Zg==Zg=="] {
            #expect(Base64.decode(bad) == nil, "\(bad)")
        }
    }
}
