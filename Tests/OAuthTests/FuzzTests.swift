import MarqueeCore
import Testing
import TestSupport
@testable import OAuth

/// Random and mutated input into every parser: none may crash, and whatever parses must obey
/// the rules the parsers promise.
@Suite("Fuzzing the parsers")
struct FuzzTests {
    static let seeds: [String] = [
        "grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA&redirect_uri=https%3A%2F%2Fclient%2Eexample%2Ecom%2Fcb",
        "client_id=app&client_secret=s+e%2Bc&scope=profile%3Aread+gifts%3Aread",
        "https://client.example.com:8443/cb?x=1",
        "http://[::1]:51004/cb",
        "com.example.app:/oauth2redirect",
        "Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW",
        "profile:read gifts:read",
        "%%%&&&===+++",
    ]

    static let interesting: [UInt8] = Array("%&=+?#:/[]@ .-_~\\\"'<>Basic".utf8) + [0, 0x0A, 0x7F, 0x80, 0xC3, 0xE2, 0xFF]

    func randomBytes(_ rng: inout SplitMix64) -> [UInt8] {
        let count = Int.random(in: 0...64, using: &rng)
        return (0..<count).map { _ in
            Bool.random(using: &rng) ? Self.interesting.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
        }
    }

    func mutated(_ seed: String, _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = Array(seed.utf8)
        for _ in 0..<Int.random(in: 1...6, using: &rng) {
            let position = Int.random(in: 0...bytes.count, using: &rng)
            switch Int.random(in: 0..<3, using: &rng) {
            case 0: bytes.insert(Self.interesting.randomElement(using: &rng)!, at: position)
            case 1: if position < bytes.count { bytes.remove(at: position) }
            default: if position < bytes.count { bytes[position] = UInt8.random(in: 0...255, using: &rng) }
            }
        }
        return bytes
    }

    func inputs(seed: UInt64, count: Int) -> [[UInt8]] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { i in
            i % 2 == 0 ? randomBytes(&rng) : mutated(Self.seeds.randomElement(using: &rng)!, &rng)
        }
    }

    @Test("FormBody: parse never crashes; what parses re-encodes to the same parameters")
    func formBody() async throws {
        try await onOwnThread {
            for bytes in inputs(seed: 1, count: 20_000) {
                guard let body = try? FormBody(parsing: bytes) else { continue }
                #expect(Set(body.keys).count == body.keys.count)
                for key in body.keys {
                    let value = try #require(body[key])
                    #expect(!value.isEmpty)
                    #expect(!value.utf8.contains { $0 < 0x20 || $0 == 0x7F })
                }
                let again = try FormBody(parsing: Array(FormBody.encode(body.keys.map { ($0, body[$0]!) }).utf8))
                #expect(again.keys == body.keys)
                for key in body.keys { #expect(again[key] == body[key]) }
            }
        }
    }

    @Test("ClientCredentials: never crashes; errors are invalid_client or invalid_request")
    func credentials() async throws {
        await onOwnThread {
            var rng = SplitMix64(seed: 2)
            for bytes in inputs(seed: 2, count: 10_000) {
                var header = String(decoding: bytes, as: UTF8.self)
                if Bool.random(using: &rng) {
                    header = "Basic " + Base64.encode(bytes)
                }
                do {
                    let parsed = try ClientCredentials.from(authorization: header, form: FormBody(parsing: []))
                    #expect(parsed?.clientId.isEmpty == false)
                } catch {
                    #expect((error as? OAuthError)?.code == .invalidClient, "\(error)")
                }
            }
        }
    }

    @Test("RedirectURI: never crashes; what validates has no fragment and fits the limit")
    func redirectURI() async throws {
        await onOwnThread {
            for bytes in inputs(seed: 3, count: 20_000) {
                let uri = String(decoding: bytes, as: UTF8.self)
                guard (try? RedirectURI.validate(uri)) != nil else { continue }
                #expect(!uri.contains("#"))
                #expect(uri.utf8.count <= RedirectURI.maxLength)
                #expect(uri.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "<") })
                #expect(RedirectURI.matches(registered: uri, requested: uri))
                #expect(!RedirectURI.displayHost(uri).isEmpty)
                let redirected = RedirectURI.redirect(to: uri, params: [("code", "c"), ("state", "s")])
                #expect(redirected.hasSuffix("code=c&state=s"))
            }
        }
    }

    @Test("ScopeList and PKCE: never crash")
    func scopesAndPKCE() async throws {
        await onOwnThread {
            let known: Set<String> = ["a", "b:c", "profile:read", "gifts:read"]
            for bytes in inputs(seed: 4, count: 10_000) {
                let text = String(decoding: bytes, as: UTF8.self)
                if let scopes = try? ScopeList.parse(text, known: known) {
                    #expect(scopes.allSatisfy(known.contains))
                    #expect(Set(scopes).count == scopes.count)
                }
                _ = try? ScopeList.narrow(requested: text, granted: ["a"])
                #expect(!PKCE.verify(verifier: text, challenge: PKCETests.challenge) || text == PKCETests.verifier)
                _ = PKCE.isValidChallenge(text)
            }
        }
    }

    @Test("Base64 decode never crashes and round-trips what it accepts")
    func base64() async throws {
        await onOwnThread {
            for bytes in inputs(seed: 5, count: 10_000) {
                #expect(Base64.decode(Base64.encode(bytes)) == bytes)
                let text = String(decoding: bytes, as: UTF8.self)
                if let decoded = Base64.decode(text) {
                    #expect(decoded.count <= text.utf8.count)
                }
            }
        }
    }
}
