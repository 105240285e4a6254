import Testing
@testable import OAuth

@Suite("RedirectURI (RFC 6749 §3.1.2, RFC 8252)")
struct RedirectURITests {
    @Test("accepted at registration", arguments: [
        "https://client.example.com/cb",
        "https://client.example.com/cb?tenant=1&x=y",
        "https://client.example.com",
        "https://client.example.com:8443/oauth/callback",
        "HTTPS://Client.Example.com/cb",
        "https://192.0.2.10/cb",
        "https://[2001:db8::1]:443/cb",
        "https://xn--bcher-kva.example/cb",
        "https://client.example.com/a%20b",
        "http://127.0.0.1/cb",
        "http://127.0.0.1:51004/oauth2redirect",
        "http://[::1]:8080/cb",
        "http://localhost:3000/callback",
        "http://LOCALHOST/cb",
        "com.example.app:/oauth2redirect/example-provider",
        "com.example.app://callback",
        "tv.marquee.obs:/cb?x=1",
    ])
    func accepted(_ uri: String) throws {
        try RedirectURI.validate(uri)
    }

    @Test("refused at registration", arguments: [
        "",
        "/relative/cb",
        "//client.example.com/cb",
        "client.example.com/cb",
        "https://client.example.com/cb#frag",           // fragment (RFC 6749 §3.1.2)
        "https://client.example.com/cb#",
        "http://client.example.com/cb",                 // http off loopback
        "http://127.0.0.2/cb",
        "http://localhost.evil.example/cb",
        "http://127.0.0.1.evil.example/cb",
        "http://[::2]/cb",
        "https://user:pass@client.example.com/cb",      // userinfo
        "https://client.example.com@evil.example/cb",
        "https:///cb",                                  // no host
        "https:client.example.com/cb",
        "https://client.example.com:/cb",               // empty port
        "https://client.example.com:99999/cb",
        "https://client.example.com:8a/cb",
        "https://[2001:db8::1/cb",
        "https://[zz]/cb",
        "https://client.example.com/c b",               // space
        "https://client.example.com/cb\"onmouseover=x",
        "https://client.example.com/<script>",
        "https://client.example.com/cb%zz",
        "https://client.example.com/cb%",
        "https://client.example.com\\@evil.example/",
        "https://clïent.example.com/cb",                // raw non-ASCII
        "https://client.example.com/\ncb",
        "javascript:alert(1)",
        "javascript://comment%0Aalert(1)",
        "data:text/html,<b>x</b>",
        "file:///etc/passwd",
        "ftp://client.example.com/cb",
        "myapp:/cb",                                    // private-use scheme without a period
        "com.example.app:",
        "1com.example:/cb",
        "-com.example:/cb",
        "https://" + String(repeating: "a", count: 2041),  // 2049 bytes
    ])
    func refused(_ uri: String) {
        let error = oauthError { () throws(OAuthError) in try RedirectURI.validate(uri) }
        #expect(error?.code == .invalidRequest, "\(uri)")
        #expect(error?.description.hasPrefix("redirect_uri ") == true)
        #expect(RedirectURI.problem(uri) != nil)
    }

    @Test("problem: a phrase to follow the URI, nil when valid")
    func problem() {
        #expect(RedirectURI.problem("https://c.example/cb") == nil)
        #expect(RedirectURI.problem("https://c.example/cb#x") == "must not contain a fragment")
        #expect(RedirectURI.problem("http://c.example/cb") == "may use http only for 127.0.0.1, [::1] or localhost; use https")
        #expect(RedirectURI.problem("") == "is empty")
        #expect(oauthError { () throws(OAuthError) in try RedirectURI.validate("https://c.example/cb#x") }
                == OAuthError(.invalidRequest, "redirect_uri must not contain a fragment"))
    }

    @Test("2048 bytes is the limit")
    func length() throws {
        let uri = "https://client.example.com/" + String(repeating: "a", count: 2048 - 27)
        #expect(uri.utf8.count == 2048)
        try RedirectURI.validate(uri)
        #expect(oauthError { () throws(OAuthError) in try RedirectURI.validate(uri + "a") }?.code == .invalidRequest)
    }

    @Test("matching is exact, except the port of a loopback IP literal (RFC 8252 §7.3)")
    func matching() {
        #expect(RedirectURI.matches(registered: "https://c.example/cb", requested: "https://c.example/cb"))
        #expect(!RedirectURI.matches(registered: "https://c.example/cb", requested: "https://c.example/cb/"))
        #expect(!RedirectURI.matches(registered: "https://c.example/cb", requested: "https://c.example/cb?x=1"))
        #expect(!RedirectURI.matches(registered: "https://c.example/cb", requested: "https://C.example/cb"))
        #expect(!RedirectURI.matches(registered: "https://c.example/cb", requested: "https://c.example:443/cb"))
        #expect(!RedirectURI.matches(registered: "https://c.example/cb", requested: "https://c.example/CB"))
        #expect(!RedirectURI.matches(registered: "https://c.example:8443/cb", requested: "https://c.example:9443/cb"))
        #expect(RedirectURI.matches(registered: "http://127.0.0.1/cb", requested: "http://127.0.0.1:51004/cb"))
        #expect(RedirectURI.matches(registered: "http://127.0.0.1:1/cb", requested: "http://127.0.0.1:51004/cb"))
        #expect(RedirectURI.matches(registered: "http://[::1]/cb", requested: "http://[::1]:8080/cb"))
        #expect(!RedirectURI.matches(registered: "http://127.0.0.1/cb", requested: "http://127.0.0.1:51004/other"))
        #expect(!RedirectURI.matches(registered: "http://127.0.0.1/cb", requested: "http://[::1]:51004/cb"))
        #expect(!RedirectURI.matches(registered: "http://localhost/cb", requested: "http://localhost:3000/cb"))
        #expect(!RedirectURI.matches(registered: "com.example.app:/cb", requested: "com.example.app:/cb2"))
        #expect(!RedirectURI.matches(registered: "http://127.0.0.1/cb", requested: "http://127.0.0.1:51004/cb#x"))
    }

    @Test("select: RFC 6749 §3.1.2.3")
    func select() throws {
        let one = ["https://c.example/cb"]
        let two = ["https://c.example/cb", "http://127.0.0.1/cb"]
        #expect(try RedirectURI.select(requested: nil, registered: one) == "https://c.example/cb")
        #expect(try RedirectURI.select(requested: "https://c.example/cb", registered: two) == "https://c.example/cb")
        #expect(try RedirectURI.select(requested: "http://127.0.0.1:4000/cb", registered: two) == "http://127.0.0.1:4000/cb")
        #expect(oauthError { () throws(OAuthError) in try RedirectURI.select(requested: nil, registered: two) }?.code == .invalidRequest)
        #expect(oauthError { () throws(OAuthError) in try RedirectURI.select(requested: nil, registered: []) }?.code == .invalidRequest)
        #expect(oauthError { () throws(OAuthError) in try RedirectURI.select(requested: "https://evil.example/cb", registered: one) }?.code == .invalidRequest)
    }

    @Test("redirect appends with ? or & (RFC 6749 §4.1.2)")
    func redirect() {
        let params = [("code", "SplxlOBeZQQYbYS6WxSbIA"), ("state", "xyz")]
        #expect(RedirectURI.redirect(to: "https://client.example.com/cb", params: params)
                == "https://client.example.com/cb?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz")
        #expect(RedirectURI.redirect(to: "https://c.example/cb?tenant=1", params: params) == "https://c.example/cb?tenant=1&code=SplxlOBeZQQYbYS6WxSbIA&state=xyz")
        #expect(RedirectURI.redirect(to: "https://c.example/cb?", params: params) == "https://c.example/cb?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz")
        #expect(RedirectURI.redirect(to: "https://c.example/cb?a=1&", params: params) == "https://c.example/cb?a=1&code=SplxlOBeZQQYbYS6WxSbIA&state=xyz")
        #expect(RedirectURI.redirect(to: "com.example.app:/cb", params: [("state", "a b&c=d")]) == "com.example.app:/cb?state=a%20b%26c%3Dd")
        #expect(RedirectURI.redirect(to: "https://c.example/cb#f", params: [("a", "1")]) == "https://c.example/cb?a=1#f")
        #expect(RedirectURI.redirect(to: "https://c.example/cb", params: []) == "https://c.example/cb")
        // An error redirect.
        let error = OAuthError(.accessDenied, "the user denied access").redirectParameters(state: "s")
        #expect(RedirectURI.redirect(to: "https://c.example/cb", params: error)
                == "https://c.example/cb?error=access_denied&error_description=the%20user%20denied%20access&state=s")
    }

    @Test("displayHost")
    func displayHost() {
        #expect(RedirectURI.displayHost("https://Client.Example.com/cb?x=1") == "client.example.com")
        #expect(RedirectURI.displayHost("http://127.0.0.1:51004/cb") == "127.0.0.1:51004")
        #expect(RedirectURI.displayHost("http://[::1]/cb") == "[::1]")
        #expect(RedirectURI.displayHost("com.example.app:/cb") == "com.example.app")
        #expect(RedirectURI.displayHost("javascript:alert(1)") == "")
    }
}
