import EventLog
import MarqueeCore

/// Proof Key for Code Exchange (RFC 7636), S256 only.
///
///     code_verifier  = 43*128unreserved            (§4.1: [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~")
///     code_challenge = BASE64URL-ENCODE(SHA256(ASCII(code_verifier)))   (§4.2, 43 characters)
///
/// The `plain` method is refused: it protects nothing once the authorization request leaks, and
/// every client able to run OAuth can hash (RFC 9700 §2.1.1 recommends S256).
public enum PKCE {
    /// 43–128 characters of `[A-Za-z0-9-._~]` (RFC 7636 §4.1).
    public static func isValidVerifier(_ v: String) -> Bool {
        let bytes = v.utf8
        return (43...128).contains(bytes.count) && bytes.allSatisfy(FormBody.isUnreserved)
    }

    /// Exactly 43 base64url characters: the encoding of a 32-byte SHA-256 without padding.
    public static func isValidChallenge(_ c: String) -> Bool {
        let bytes = c.utf8
        return bytes.count == 43 && bytes.allSatisfy(isBase64URL)
    }

    /// `BASE64URL(SHA256(ASCII(verifier)))` without padding (RFC 7636 §4.2).
    public static func challengeS256(verifier: String) -> String {
        Base64.urlEncodedNoPadding(Digest.sha256(Array(verifier.utf8)))
    }

    /// Whether `verifier` hashes to `challenge` (RFC 7636 §4.6). A malformed verifier never
    /// verifies. The comparison takes the same time wherever the strings differ.
    public static func verify(verifier: String, challenge: String) -> Bool {
        guard isValidVerifier(verifier) else { return false }
        let computed = Array(challengeS256(verifier: verifier).utf8)
        return Digest.constantTimeEqual(computed, Array(challenge.utf8))
    }

    /// Checks the PKCE parameters of an authorization request (RFC 7636 §4.3) and returns the
    /// challenge to store with the code. PKCE is required: a missing challenge, a missing or
    /// `plain` method and a malformed challenge are `invalid_request` (§4.4.1).
    public static func checkAuthorizationRequest(challenge: String?, method: String?) throws(OAuthError) -> String {
        guard let challenge else {
            throw OAuthError(.invalidRequest, "code_challenge is required (PKCE, RFC 7636)")
        }
        guard method == "S256" else {
            throw OAuthError(.invalidRequest, "code_challenge_method must be S256")
        }
        guard isValidChallenge(challenge) else {
            throw OAuthError(.invalidRequest, "code_challenge must be 43 base64url characters")
        }
        return challenge
    }

    private static func isBase64URL(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"): true
        default: false
        }
    }
}
