import Testing
import TestSupport
@testable import OAuth

@Suite("FormBody: application/x-www-form-urlencoded with the OAuth rules")
struct FormBodyTests {
    @Test("RFC 6749 §4.1.3 token request body")
    func tokenRequest() throws {
        // The example of RFC 6749 §4.1.3, verbatim.
        let body = try form("grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA&redirect_uri=https%3A%2F%2Fclient%2Eexample%2Ecom%2Fcb")
        #expect(body["grant_type"] == "authorization_code")
        #expect(body["code"] == "SplxlOBeZQQYbYS6WxSbIA")
        #expect(body["redirect_uri"] == "https://client.example.com/cb")
        #expect(body.keys == ["grant_type", "code", "redirect_uri"])
        #expect(body["missing"] == nil)
    }

    @Test("decoding follows WHATWG", arguments: [
        ("a=b+c", "b c"),                    // + is a space
        ("a=b%2Bc", "b+c"),                  // an encoded + stays a +
        ("a=%E2%9C%93", "\u{2713}"),         // UTF-8 percent-encoded
        ("a=%c3%a9", "é"),                   // lower-case hex
        ("a=\u{e9}", "é"),                   // raw UTF-8 bytes are accepted
        ("a=x=y", "x=y"),                    // split at the first =
        ("a=%20%20", "  "),                  // only spaces is still a value
        ("a=~-._", "~-._"),
    ])
    func decoding(_ input: String, _ expected: String) throws {
        #expect(try form(input)["a"] == expected)
    }

    @Test("empty sequences are skipped, empty values and names are omitted (RFC 6749 §3.1)")
    func empties() throws {
        let body = try form("&&a=1&&b=&c&=orphan&d=4&")
        #expect(body.keys == ["a", "d"])
        #expect(body["b"] == nil)
        #expect(body["c"] == nil)
        #expect(body[""] == nil)
        #expect(try form("").keys.isEmpty)
        #expect(try form("&").keys.isEmpty)
    }

    @Test("encoded names decode too")
    func encodedNames() throws {
        let body = try form("client%5Fid=x&a+b=y")
        #expect(body["client_id"] == "x")
        #expect(body["a b"] == "y")
    }

    @Test("a repeated parameter is an error (RFC 6749 §3.1)", arguments: [
        "scope=a&scope=b",
        "scope=a&scope=a",
        "scope=&scope=a",           // even when the first is empty
        "scope=a&sc%6Fpe=b",        // or spelled differently
        "code=1&x=2&code=1",
    ])
    func repeated(_ input: String) {
        let error = oauthError { () throws(OAuthError) in try form(input) }
        #expect(error?.code == .invalidRequest)
        #expect(error?.description.contains("repeated") == true)
    }

    @Test("malformed input is an error", arguments: [
        "a=%",            // truncated
        "a=%4",           // truncated
        "a=%zz",          // not hex
        "a=%4g",
        "a=%%41",
        "a%=b",
        "a=%FF",          // decodes to invalid UTF-8
        "a=%C3",          // truncated UTF-8 sequence
        "a=%ED%A0%80",    // a UTF-16 surrogate in UTF-8
        "a=%00",          // NUL
        "a=x%0D%0ASet-Cookie:%20y",  // header injection attempt
        "a=%7F",          // DEL
        "a=\t",           // raw control character
        "n%0Aame=v",      // in a name
    ])
    func malformed(_ input: String) {
        let error = oauthError { () throws(OAuthError) in try form(input) }
        #expect(error?.code == .invalidRequest, "\(input)")
        #expect(error?.status == 400)
    }

    @Test("raw invalid UTF-8 bytes are an error")
    func rawInvalidUTF8() {
        let error = oauthError { () throws(OAuthError) in try FormBody(parsing: [0x61, 0x3D, 0xC0, 0xAF]) }
        #expect(error?.code == .invalidRequest)
    }

    @Test("query strings: leading ? skipped, same rules")
    func query() throws {
        let query = try FormBody(query: "?response_type=code&client_id=s6BhdRkqt3&state=xyz&redirect_uri=https%3A%2F%2Fclient%2Eexample%2Ecom%2Fcb")
        #expect(query["response_type"] == "code")
        #expect(query["client_id"] == "s6BhdRkqt3")
        #expect(query["state"] == "xyz")
        #expect(query["redirect_uri"] == "https://client.example.com/cb")
        #expect(try FormBody(query: "a=1")["a"] == "1")
        #expect(try FormBody(query: "").keys.isEmpty)
        #expect(try FormBody(query: "?").keys.isEmpty)
        #expect(oauthError { () throws(OAuthError) in try FormBody(query: "state=1&state=2") }?.code == .invalidRequest)
    }

    @Test("encode: everything outside unreserved is percent-encoded")
    func encode() {
        #expect(FormBody.encode([]) == "")
        #expect(FormBody.encode([("code", "abc"), ("state", "x y")]) == "code=abc&state=x%20y")
        #expect(FormBody.encode([("a", "-._~AZaz09")]) == "a=-._~AZaz09")
        #expect(FormBody.encode([("a", "&=+?#/%:")]) == "a=%26%3D%2B%3F%23%2F%25%3A")
        #expect(FormBody.encode([("a", "é✓")]) == "a=%C3%A9%E2%9C%93")
        #expect(FormBody.encode([("a b", "")]) == "a%20b=")
        #expect(FormBody.encode([("a", "\u{0}\n")]) == "a=%00%0A")
    }

    @Test("decodeComponent")
    func decodeComponent() {
        #expect(FormBody.decodeComponent("a+b%21") == "a b!")
        #expect(FormBody.decodeComponent("%") == nil)
        #expect(FormBody.decodeComponent("%0A") == nil)
    }

    @Test("encode then parse round-trips any printable text")
    func roundTrip() throws {
        var rng = SplitMix64(seed: 0x0A17_F0F0)
        let alphabet = Array(" !\"#$%&'()*+,-./0123456789:;<=>?@AZ[\\]^_`az{|}~éß✓🎁\u{202E}")
        for _ in 0..<500 {
            var pairs: [(String, String)] = []
            var names = Set<String>()
            for _ in 0..<Int.random(in: 0...6, using: &rng) {
                let name = String((0..<Int.random(in: 1...8, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
                let value = String((0..<Int.random(in: 1...20, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
                guard names.insert(name).inserted else { continue }
                pairs.append((name, value))
            }
            let body = try FormBody(parsing: Array(FormBody.encode(pairs).utf8))
            #expect(body.keys == pairs.map(\.0))
            for (name, value) in pairs { #expect(body[name] == value) }
        }
    }
}
