/// The server-rendered pages of `GET /oauth/authorize`: the consent form, and the error page for
/// a request that cannot be redirected (RFC 6749 §4.1.2.1).
///
/// Self-contained (inline CSS, no script, no external resource). Every caller-supplied string
/// goes through `HTML.escape`; names are also wrapped in `<bdi>` so a right-to-left override in
/// an app name cannot reorder the text around it.
///
/// Serving notes for the route:
/// - send `headers` (no caching, no framing: a consent page inside a frame is clickjacking,
///   RFC 6749 §10.13);
/// - when the user is already signed in by cookie, put a CSRF token in `hidden` and check it on
///   the POST (RFC 6749 §10.12), or rely on a `SameSite=Strict` session cookie.
public enum ConsentPage {
    /// Response headers for both pages. The CSP has no `form-action`: browsers apply it to the
    /// redirect that follows the POST, which goes to the client's redirect URI.
    public static let headers: [(String, String)] = [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Cache-Control", "no-store"),
        ("X-Frame-Options", "DENY"),
        ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"),
        ("Referrer-Policy", "no-referrer"),
    ]

    /// The consent form.
    ///
    /// - Parameters:
    ///   - appName: the app's registered name (untrusted text).
    ///   - ownerHandle: the handle of the account that registered the app.
    ///   - redirectHost: where the user goes next (`RedirectURI.displayHost`).
    ///   - scopes: what the app asks for, in order, with a user-facing description each.
    ///   - hidden: the authorization request to carry through the POST (client_id,
    ///     redirect_uri, scope, state, code_challenge, code_challenge_method, response_type,
    ///     and a CSRF token if any), in this order.
    ///   - signedInHandle: the signed-in user, or nil to ask for `handle` and `password`.
    public static func render(appName: String, ownerHandle: String, redirectHost: String,
                              scopes: [(name: String, description: String)], hidden: [(String, String)],
                              signedInHandle: String?) -> String {
        let app = HTML.escape(appName)
        var html = head(title: "Authorize \(app) · Marquee")
        html += """
        <main class="card">
        <p class="brand">Marquee</p>
        <h1>Authorize <bdi>\(app)</bdi></h1>
        <p class="lead"><strong><bdi>\(app)</bdi></strong> by <bdi>\(HTML.escape(ownerHandle))</bdi> wants to:</p>

        """
        if scopes.isEmpty {
            html += "<ul class=\"scopes\"><li><span class=\"what\">Know who you are</span></li></ul>\n"
        } else {
            html += "<ul class=\"scopes\">\n"
            for scope in scopes {
                html += "<li><span class=\"what\">\(HTML.escape(scope.description))</span> <code>\(HTML.escape(scope.name))</code></li>\n"
            }
            html += "</ul>\n"
        }
        html += "<form method=\"post\" action=\"/oauth/authorize\">\n"
        for (name, value) in hidden {
            html += "<input type=\"hidden\" name=\"\(HTML.escape(name))\" value=\"\(HTML.escape(value))\">\n"
        }
        if let signedInHandle {
            html += "<p class=\"who\">Signed in as <strong><bdi>\(HTML.escape(signedInHandle))</bdi></strong></p>\n"
        } else {
            html += """
            <fieldset>
            <legend>Sign in to Marquee to continue</legend>
            <label for="handle">Handle</label>
            <input id="handle" name="handle" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus>
            <label for="password">Password</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required>
            </fieldset>

            """
        }
        html += """
        <p class="dest">After you choose, you will be sent to <strong><bdi>\(HTML.escape(redirectHost))</bdi></strong>.</p>
        <div class="buttons">
        <button type="submit" name="decision" value="deny" class="deny" formnovalidate>Deny</button>
        <button type="submit" name="decision" value="allow" class="allow">Allow</button>
        </div>
        </form>
        <p class="fine">You can revoke this access at any time in your Marquee account settings. Only allow apps you trust.</p>
        </main>
        </body>
        </html>

        """
        return html
    }

    /// The page for an authorization request that must not redirect: unknown client, missing
    /// or unregistered redirect URI (RFC 6749 §4.1.2.1).
    public static func error(title: String, detail: String) -> String {
        var html = head(title: "\(HTML.escape(title)) · Marquee")
        html += """
        <main class="card error">
        <p class="brand">Marquee</p>
        <h1>\(HTML.escape(title))</h1>
        <p class="lead">\(HTML.escape(detail))</p>
        <p class="fine">This authorization request cannot continue, and you have not been sent back to the app. You can close this window.</p>
        </main>
        </body>
        </html>

        """
        return html
    }

    /// Doctype, head with the inline style sheet, and `<body>`. `title` is already escaped.
    private static func head(title: String) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <meta name="robots" content="noindex">
        <title>\(title)</title>
        <style>
        :root { color-scheme: dark; --bg: #111; --card: #1c1c1f; --line: #2e2e33; --text: #eee; --muted: #a0a0a8; --accent: #7c5cff; --accent-hi: #9479ff; --danger: #ff6b6b; }
        * { box-sizing: border-box; }
        body { margin: 0; min-height: 100vh; display: flex; align-items: center; justify-content: center; padding: 1.5rem;
               font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: radial-gradient(circle at 50% 0, #221a3d, var(--bg) 60%); color: var(--text); }
        .card { width: 100%; max-width: 28rem; background: var(--card); border: 1px solid var(--line); border-radius: 16px; padding: 2rem; box-shadow: 0 20px 60px rgba(0, 0, 0, .5); }
        .brand { margin: 0 0 1.25rem; font-weight: 700; letter-spacing: .08em; text-transform: uppercase; font-size: .8rem; color: var(--accent-hi); }
        h1 { margin: 0 0 1rem; font-size: 1.5rem; line-height: 1.25; overflow-wrap: anywhere; }
        .lead { margin: 0 0 .75rem; overflow-wrap: anywhere; }
        .scopes { list-style: none; margin: 0 0 1.25rem; padding: 0; border: 1px solid var(--line); border-radius: 10px; }
        .scopes li { padding: .75rem 1rem .75rem 2.5rem; position: relative; border-top: 1px solid var(--line); overflow-wrap: anywhere; }
        .scopes li:first-child { border-top: 0; }
        .scopes li::before { content: "\\2713"; position: absolute; left: 1rem; color: var(--accent-hi); font-weight: 700; }
        .scopes code { display: block; font-size: .8rem; color: var(--muted); }
        fieldset { border: 0; margin: 0 0 1rem; padding: 0; }
        legend { padding: 0; margin-bottom: .5rem; font-weight: 600; }
        label { display: block; font-size: .85rem; color: var(--muted); margin: .5rem 0 .25rem; }
        input[type=text], input[type=password] { width: 100%; padding: .6rem .75rem; border-radius: 8px; border: 1px solid var(--line); background: #111114; color: var(--text); font: inherit; }
        input:focus-visible, button:focus-visible { outline: 2px solid var(--accent-hi); outline-offset: 2px; }
        .who, .dest { color: var(--muted); margin: 0 0 1rem; overflow-wrap: anywhere; }
        .who strong, .dest strong { color: var(--text); }
        .buttons { display: flex; gap: .75rem; }
        button { flex: 1; padding: .7rem 1rem; border-radius: 8px; font: inherit; font-weight: 600; cursor: pointer; border: 1px solid var(--line); }
        .deny { background: transparent; color: var(--text); }
        .deny:hover { border-color: var(--danger); color: var(--danger); }
        .allow { background: var(--accent); border-color: var(--accent); color: #fff; }
        .allow:hover { background: var(--accent-hi); }
        .fine { margin: 1.25rem 0 0; font-size: .8rem; color: var(--muted); }
        .error h1 { color: var(--danger); }
        </style>
        </head>
        <body>

        """
    }
}
