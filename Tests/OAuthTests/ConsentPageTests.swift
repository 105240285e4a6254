import Testing
import TestSupport
@testable import OAuth

@Suite("ConsentPage and HTML escaping")
struct ConsentPageTests {
    static let hostile = [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "' onmouseover='alert(1)",
        "</form><form action=https://evil.example>",
        "&lt;already&gt; &amp;",
        "<!-- comment",
        "]]><![CDATA[",
        "Marquee\u{202E}lanoitcA",   // right-to-left override
        "nul\u{0}bell\u{7}",
        "</style><style>body{display:none}",
    ]

    /// Tags the pages are made of; any other tag means an injection got through.
    static let allowedTags: Set<String> = [
        "!doctype", "html", "head", "meta", "title", "style", "body", "main", "p", "h1", "strong", "bdi", "ul", "li",
        "span", "code", "form", "input", "fieldset", "legend", "label", "div", "button",
    ]

    static let hidden = [
        ("response_type", "code"), ("client_id", "app_123"), ("redirect_uri", "https://c.example/cb?a=1&b=2"),
        ("scope", "profile:read gifts:read"), ("state", "st\"ate'<>&"), ("code_challenge", PKCETests.challenge),
        ("code_challenge_method", "S256"),
    ]

    /// Tag names in the order they appear (`<x`, `</x`).
    func tags(_ html: String) -> [String] {
        var names: [String] = []
        let chars = Array(html.unicodeScalars)
        var i = 0
        while i < chars.count {
            if chars[i] == "<" {
                var j = i + 1
                if j < chars.count, chars[j] == "/" { j += 1 }
                var name = ""
                while j < chars.count, chars[j].properties.isAlphabetic || chars[j] == "!" || ("0"..."9").contains(chars[j]) {
                    name.unicodeScalars.append(chars[j])
                    j += 1
                }
                names.append(name.lowercased())
            }
            i += 1
        }
        return names
    }

    func render(app: String = "Gift Tracker", owner: String = "alice", host: String = "c.example",
                scopes: [(name: String, description: String)] = [("gifts:read", "See the gifts you send and receive")],
                hidden: [(String, String)] = hidden, signedIn: String? = nil) -> String {
        ConsentPage.render(appName: app, ownerHandle: owner, redirectHost: host, scopes: scopes, hidden: hidden,
                           signedInHandle: signedIn)
    }

    @Test("escape: the five characters, and control characters dropped")
    func escape() {
        #expect(HTML.escape(#"<a href="x" title='y'>&</a>"#) == "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;")
        #expect(HTML.escape("plain é ✓ 🎁") == "plain é ✓ 🎁")
        #expect(HTML.escape("a\u{0}b\u{1B}c\u{7F}d\u{85}e\u{FFFF}f") == "abcdef")
        #expect(HTML.escape("line\nbreak\ttab") == "line\nbreak\ttab")
        #expect(HTML.escape("") == "")
    }

    @Test("the consent form has everything the POST needs")
    func structure() {
        let html = render()
        #expect(html.hasPrefix("<!doctype html>"))
        #expect(html.contains("<strong><bdi>Gift Tracker</bdi></strong> by <bdi>alice</bdi> wants to:"))
        #expect(html.contains("See the gifts you send and receive"))
        #expect(html.contains("<code>gifts:read</code>"))
        #expect(html.contains(#"<form method="post" action="/oauth/authorize">"#))
        #expect(html.contains(#"<input type="hidden" name="state" value="st&quot;ate&#39;&lt;&gt;&amp;">"#))
        #expect(html.contains(#"<input type="hidden" name="redirect_uri" value="https://c.example/cb?a=1&amp;b=2">"#))
        #expect(html.components(separatedBy: #"type="hidden""#).count - 1 == Self.hidden.count)
        #expect(html.contains(#"name="decision" value="allow""#))
        #expect(html.contains(#"name="decision" value="deny""#))
        #expect(html.contains(#"name="handle" type="text" autocomplete="username""#))
        #expect(html.contains(#"name="password" type="password" autocomplete="current-password""#))
        #expect(html.contains("c.example"))
        #expect(!html.contains("<script"))
        #expect(Set(tags(html)).isSubset(of: Self.allowedTags))
        // Deny skips validation so an empty sign-in form can still refuse.
        #expect(html.contains(#"value="deny" class="deny" formnovalidate"#))
    }

    @Test("signed in: no credential fields, the handle is shown")
    func signedIn() {
        let html = render(signedIn: "bob<b>")
        #expect(!html.contains(#"type="password""#))
        #expect(!html.contains(#"name="handle""#))
        #expect(html.contains("Signed in as <strong><bdi>bob&lt;b&gt;</bdi></strong>"))
    }

    @Test("no scopes: a generic line instead of an empty list")
    func noScopes() {
        #expect(render(scopes: []).contains("Know who you are"))
    }

    @Test("hostile text never becomes markup", arguments: hostile)
    func hostileText(_ text: String) {
        let html = render(app: text, owner: text, host: text, scopes: [(text, text), ("x", text)],
                          hidden: [(text, text)] + Self.hidden, signedIn: text)
        let clean = render(app: "A", owner: "B", host: "C", scopes: [("D", "E"), ("x", "F")],
                           hidden: [("G", "H")] + Self.hidden, signedIn: "I")
        #expect(tags(html) == tags(clean), "hostile input changed the document structure")
        #expect(!html.contains(text) || HTML.escape(text) == text)
        #expect(!html.contains("\u{0}"))
        let error = ConsentPage.error(title: text, detail: text)
        #expect(tags(error) == tags(ConsentPage.error(title: "T", detail: "D")))
    }

    @Test("random text never changes the document structure")
    func randomText() {
        var rng = SplitMix64(seed: 0xC0_5E_47)
        let alphabet = Array("<>&\"'/=!- abc\u{0}\u{202E}é")
        let clean = tags(render(app: "A", owner: "B", host: "C", scopes: [("D", "E")], hidden: [("G", "H")], signedIn: nil))
        for _ in 0..<300 {
            func text() -> String { String((0..<Int.random(in: 0...24, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }) }
            let html = render(app: text(), owner: text(), host: text(), scopes: [(text(), text())], hidden: [(text(), text())], signedIn: nil)
            #expect(tags(html) == clean)
        }
    }

    @Test("error page")
    func errorPage() {
        let html = ConsentPage.error(title: "Unknown app", detail: "No app has the client_id 'x<y'.")
        #expect(html.hasPrefix("<!doctype html>"))
        #expect(html.contains("<h1>Unknown app</h1>"))
        #expect(html.contains("No app has the client_id &#39;x&lt;y&#39;."))
        #expect(!html.contains("<form"))
        #expect(Set(tags(html)).isSubset(of: Self.allowedTags))
    }

    @Test("headers forbid framing and caching")
    func headers() {
        let headers = Dictionary(uniqueKeysWithValues: ConsentPage.headers)
        #expect(headers["X-Frame-Options"] == "DENY")
        #expect(headers["Cache-Control"] == "no-store")
        #expect(headers["Content-Security-Policy"]?.contains("frame-ancestors 'none'") == true)
        #expect(headers["Content-Security-Policy"]?.contains("form-action") == false)
    }
}
