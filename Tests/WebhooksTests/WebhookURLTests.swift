import Testing
import Webhooks

@Suite("webhook URLs")
struct WebhookURLTests {
    @Test(arguments: [
        // given, scheme, host, port, pathAndQuery, normalized text
        ("https://hooks.example.com/marquee", "https", "hooks.example.com", 443, "/marquee", "https://hooks.example.com/marquee"),
        ("HTTPS://Hooks.Example.COM/Path?A=B", "https", "hooks.example.com", 443, "/Path?A=B", "https://hooks.example.com/Path?A=B"),
        ("http://example.com", "http", "example.com", 80, "/", "http://example.com/"),
        ("http://example.com?x=1", "http", "example.com", 80, "/?x=1", "http://example.com/?x=1"),
        ("http://example.com:8080/a/b", "http", "example.com", 8080, "/a/b", "http://example.com:8080/a/b"),
        ("https://example.com:443/", "https", "example.com", 443, "/", "https://example.com/"),
        ("http://example.com:443/", "http", "example.com", 443, "/", "http://example.com:443/"),
        ("http://example.com:/x", "http", "example.com", 80, "/x", "http://example.com/x"),
        ("http://127.0.0.1:9000/hook", "http", "127.0.0.1", 9000, "/hook", "http://127.0.0.1:9000/hook"),
        ("http://[::1]:9000/hook", "http", "::1", 9000, "/hook", "http://[::1]:9000/hook"),
        ("https://[2001:DB8:0:0::1]/", "https", "2001:db8::1", 443, "/", "https://[2001:db8::1]/"),
        ("https://my_host-1.internal.example/x%20y", "https", "my_host-1.internal.example", 443, "/x%20y",
         "https://my_host-1.internal.example/x%20y"),
        ("http://localhost/", "http", "localhost", 80, "/", "http://localhost/"),
        ("https://xn--bcher-kva.example/", "https", "xn--bcher-kva.example", 443, "/", "https://xn--bcher-kva.example/"),
        ("https://a.b/p?q=/x?y", "https", "a.b", 443, "/p?q=/x?y", "https://a.b/p?q=/x?y"),
        ("http://example.com:65535/", "http", "example.com", 65535, "/", "http://example.com:65535/"),
        ("https://e.co/a;b=c/%7Bx%7D?q=1&r=a:b@c!$'()*+,~-._", "https", "e.co", 443, "/a;b=c/%7Bx%7D?q=1&r=a:b@c!$'()*+,~-._",
         "https://e.co/a;b=c/%7Bx%7D?q=1&r=a:b@c!$'()*+,~-._"),
        ("https://1.2.3.4.example/", "https", "1.2.3.4.example", 443, "/", "https://1.2.3.4.example/"),
    ])
    func validURLs(given: String, scheme: String, host: String, port: Int, path: String, text: String) throws {
        let url = try WebhookURL(validating: given)
        #expect(url.scheme == scheme)
        #expect(url.host == host)
        #expect(url.port == port)
        #expect(url.pathAndQuery == path)
        #expect(url.text == text)
        #expect(url.description == text)
        #expect(try WebhookURL(validating: url.text) == url, "the normalized text validates to the same URL")
    }

    @Test func hostAddress() throws {
        #expect(try WebhookURL(validating: "http://[::1]/").hostAddress == IPAddress("::1"))
        #expect(try WebhookURL(validating: "http://10.0.0.1/").hostAddress == .v4(0x0A00_0001))
        #expect(try WebhookURL(validating: "http://example.com/").hostAddress == nil)
    }

    @Test func unsupportedSchemes() {
        for (url, scheme) in [("ftp://example.com/", "ftp"), ("FILE:///etc/passwd", "file"), ("gopher://x/", "gopher"),
                              ("javascript:alert(1)", "javascript"), ("ws://example.com/", "ws"), ("data:text/plain,hi", "data")] {
            #expect(throws: WebhookInputError.unsupportedScheme(scheme), "\(url)") { try WebhookURL(validating: url) }
        }
    }

    @Test(arguments: [
        "", "example.com/hook", "//example.com/hook", "/hook", "http:/example.com", "http:example.com", "https:", "http://",
        "http:///path", "http://:80/", "http://user@example.com/", "http://user:pass@example.com/", "http://@example.com/",
        "http://example.com/#frag", "http://example.com/p#", "http://example.com#x", "http://exa mple.com/", "http://example.com/a b",
        "http://example.com/\u{7f}", "http://bücher.example/", "http://example.com/ü", "http://example.com\t/",
        "http://example.com:0/", "http://example.com:65536/", "http://example.com:99999/", "http://example.com:-1/",
        "http://example.com:+80/", "http://example.com:8a/", "http://example.com:123456/", "http://example.com:80:80/",
        "http://[::1/", "http://[::1]x/", "http://[::1]:/x".replacingOccurrences(of: ":/x", with: "::/x"), "http://[fe80::1%25eth0]/",
        "http://[1.2.3.4]/", "http://[example.com]/", "http://::1/", "http://127.1/", "http://127.0.0.01/", "http://0x7f.0.0.1/",
        "http://0x7f000001/", "http://2130706433/", "http://017700000001/", "http://1.2.3.4.5/", "http://256.1.1.1/", "http://1.2.3/",
        "http://example..com/", "http://.example.com/", "http://example.com./", "http://-example.com/", "http://example-.com/",
        "http://exa%6dple.com/", "http://example.com\\@evil/", "http://a" + String(repeating: "b", count: 64) + ".com/",
        "https://" + String(repeating: "a.", count: 127) + "com/", "https://example.com/" + String(repeating: "x", count: 2030),
        "http://example.com\u{0}/", "1http://example.com/", "ht tp://example.com/", "h!ttp://example.com/",
        "http://example.com/{x}", "http://example.com/a|b", "http://example.com/a\\b", "http://example.com/?q=<x>", "http://example.com/^",
        "http://example.com/`", "http://example.com/\"", "http://example.com/[1]", "http://example.com/%", "http://example.com/%4",
        "http://example.com/%zz", "http://example.com/?a=%",
    ])
    func invalidURLs(url: String) {
        #expect(throws: WebhookInputError.self, "\(url)") { try WebhookURL(validating: url) }
    }

    @Test func lengthBoundary() throws {
        let prefix = "https://example.com/"
        let exact = prefix + String(repeating: "x", count: 2048 - prefix.utf8.count)
        #expect(try WebhookURL(validating: exact).text.utf8.count == 2048)
        #expect(throws: WebhookInputError.invalidURL("it is longer than 2048 bytes")) { try WebhookURL(validating: exact + "x") }
    }

    @Test func errorMessagesSayWhatIsWrong() {
        func message(_ url: String) -> String {
            do { _ = try WebhookURL(validating: url); return "accepted" } catch { return error.description }
        }
        #expect(message("http://user:pw@example.com/").contains("user information"))
        #expect(message("http://example.com/#x").contains("fragment"))
        #expect(message("http://example.com:70000/").contains("'70000' is not a number from 1 to 65535"))
        #expect(message("http://127.1/").contains("four decimal numbers"))
        #expect(message("ftp://x/") == "The URL scheme 'ftp' is not supported: use http or https.")
        #expect(message("example.com").contains("scheme"))
        #expect(message("http://bücher.example/").contains("punycode"))
    }
}
