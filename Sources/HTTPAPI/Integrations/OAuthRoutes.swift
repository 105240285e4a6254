import Domain
import Engine
import EventLog
import HTTPTypes
import Hummingbird
import MarqueeCore
import NIOCore
import OAuth
import Projections

/// OAuth 2.0 (RFC 6749) for third-party apps: `GET|POST /oauth/authorize` (authorization code
/// with PKCE S256 only, and a server-rendered consent page), `POST /oauth/token`
/// (`authorization_code`, `refresh_token` with rotation, `client_credentials`),
/// `POST /oauth/revoke` (RFC 7009) and `POST /oauth/introspect` (RFC 7662, an app's own tokens).
/// Token endpoint errors are RFC 6749 §5.2 JSON, not problem+json: that is what OAuth clients parse.
struct OAuthRoutes: Sendable {
    let deps: APIDependencies
    let accounts: AccountRoutes
    var auth: Auth { Auth(deps: deps) }
    var sender: CommandSender { CommandSender(deps: deps) }

    func add(to router: Router<APIContext>) {
        router.get("oauth/authorize") { request, _ in try await consent(request) }
        router.post("oauth/authorize") { request, context in try await decide(request, context) }
        router.post("oauth/token") { request, context in try await token(request, context) }
        router.post("oauth/revoke") { request, context in try await revoke(request, context) }
        router.post("oauth/introspect") { request, _ in try await introspect(request) }
    }

    // MARK: authorize

    struct AuthorizeRequest {
        var app: AppView
        var redirectUri: String
        var state: String?
        var scopes: [String]
        var challenge: String
    }

    /// Where an authorize request stands: an error shown here (unknown client or redirect URI:
    /// RFC 6749 §4.1.2.1 forbids redirecting), an error sent back to the app, or a valid request.
    enum Checked {
        case page(Response)
        case redirect(Response)
        case valid(AuthorizeRequest)
    }

    func check(_ params: FormBody) async throws -> Checked {
        guard let clientId = params["client_id"] else {
            return .page(page(400, ConsentPage.error(title: "Invalid request", detail: "client_id is missing")))
        }
        try await deps.consistentRead()
        guard let app = try deps.readModels.withConnection({ try ReadModels.app(id: clientId, $0) }) else {
            return .page(page(400, ConsentPage.error(title: "Unknown app", detail: "no app with client_id '\(clientId)'")))
        }
        let redirectUri: String
        do {
            redirectUri = try RedirectURI.select(requested: params["redirect_uri"], registered: app.redirectUris)
        } catch {
            return .page(page(400, ConsentPage.error(title: "Invalid redirect URI", detail: error.description)))
        }
        let state = params["state"]
        func back(_ error: OAuthError) -> Checked {
            .redirect(seeOther(RedirectURI.redirect(to: redirectUri, params: error.redirectParameters(state: state))))
        }
        guard params["response_type"] == "code" else {
            return back(OAuthError(.unsupportedResponseType, "only response_type=code is supported"))
        }
        do {
            let challenge = try PKCE.checkAuthorizationRequest(challenge: params["code_challenge"], method: params["code_challenge_method"])
            let scopes = try params["scope"].map { try ScopeList.parse($0, known: Set(app.scopes)) } ?? app.scopes
            guard !scopes.isEmpty else { return back(OAuthError(.invalidScope, "no scope requested")) }
            return .valid(AuthorizeRequest(app: app, redirectUri: redirectUri, state: state, scopes: scopes, challenge: challenge))
        } catch let error as OAuthError {
            return back(error)
        }
    }

    func consent(_ request: Request) async throws -> Response {
        let params: FormBody
        do { params = try FormBody(query: request.uri.query ?? "") } catch {
            return page(400, ConsentPage.error(title: "Invalid request", detail: error.description))
        }
        switch try await check(params) {
        case .page(let response), .redirect(let response): return response
        case .valid(let authorize):
            let owner = try deps.readModels.withConnection { try ReadModels.account(id: authorize.app.ownerId, $0) }
            let hidden: [(String, String)] = [
                ("response_type", "code"), ("client_id", authorize.app.id), ("redirect_uri", authorize.redirectUri),
                ("scope", ScopeList.format(authorize.scopes)), ("state", authorize.state ?? ""), ("code_challenge", authorize.challenge),
                ("code_challenge_method", "S256"),
            ]
            let scopes = authorize.scopes.map { name in (name: name, description: Scope(rawValue: name)?.summary ?? name) }
            return page(200, ConsentPage.render(appName: authorize.app.name, ownerHandle: owner?.handle ?? authorize.app.ownerId,
                                                redirectHost: RedirectURI.displayHost(authorize.redirectUri), scopes: scopes,
                                                hidden: hidden, signedInHandle: nil))
        }
    }

    /// The consent form's answer: deny, or sign in (or a session's bearer token) and allow.
    func decide(_ request: Request, _ context: APIContext) async throws -> Response {
        let params: FormBody
        do { params = try FormBody(parsing: try await request.bodyBytes(limit: deps.config.maxBodyBytes)) } catch let error as OAuthError {
            return page(400, ConsentPage.error(title: "Invalid request", detail: error.description))
        }
        let authorize: AuthorizeRequest
        switch try await check(params) {
        case .page(let response), .redirect(let response): return response
        case .valid(let valid): authorize = valid
        }
        guard params["decision"] == "allow" else {
            let denied = OAuthError(.accessDenied, "the account did not allow the app")
            return seeOther(RedirectURI.redirect(to: authorize.redirectUri, params: denied.redirectParameters(state: authorize.state)))
        }
        let accountId: String
        do {
            if request.headers[.authorization] != nil {
                accountId = try await auth.session(request).id
            } else {
                guard let handle = params["handle"], let password = params["password"] else {
                    return page(401, ConsentPage.error(title: "Sign in", detail: "enter your handle and password to allow the app"))
                }
                accountId = try await accounts.authenticate(handle: handle, password: password).id
            }
        } catch let problem as Problem {
            return page(Int(problem.status.code), ConsentPage.error(title: "Sign-in failed", detail: problem.detail))
        }
        let code = Auth.randomSecret(prefix: "mq_ac_")
        let record = CodeRecord(codeHash: Digest.sha256Hex(code), appId: authorize.app.id, accountId: accountId, scopes: authorize.scopes,
                                redirectUri: authorize.redirectUri, challenge: authorize.challenge,
                                expiresAt: deps.clock.now().adding(seconds: deps.config.oauthCodeTTLSeconds), family: deps.ids.next("grt"))
        do {
            _ = try await sender.sendOAuth(.approve(AuthorizeApp(appId: authorize.app.id, actorId: accountId, scopes: authorize.scopes), code: record),
                                           actor: accountId, request: request, context: context)
        } catch let error as DomainError {
            return page(Int(Problem(error).status.code), ConsentPage.error(title: "Not allowed", detail: error.description))
        }
        var answer: [(String, String)] = [("code", code)]
        if let state = authorize.state { answer.append(("state", state)) }
        return seeOther(RedirectURI.redirect(to: authorize.redirectUri, params: answer))
    }

    // MARK: token, revoke, introspect

    /// Authenticates the calling app (RFC 6749 §2.3.1): confidential apps by client secret
    /// (Basic or form), public apps by client_id alone (PKCE protects their codes).
    func client(_ request: Request, _ form: FormBody, requireConfidential: Bool = false) async throws(OAuthError) -> AppView {
        guard let credentials = try ClientCredentials.from(authorization: request.headers[.authorization], form: form) else {
            throw OAuthError(.invalidClient, "client authentication is missing (HTTP Basic or client_id/client_secret)")
        }
        let app: AppView?
        let storedHash: String?
        do {
            try await deps.consistentRead()
            app = try deps.readModels.withConnection { try ReadModels.app(id: credentials.clientId, $0) }
            storedHash = try deps.events.withConnection { try SecretStore.clientSecretHash(appId: credentials.clientId, $0) }
        } catch {
            throw OAuthError(.serverError, "the app could not be looked up; retry shortly")
        }
        guard let app else { throw OAuthError(.invalidClient, "unknown client_id") }
        if app.clientType == "confidential" {
            guard let secret = credentials.secret, let storedHash,
                  Digest.constantTimeEqual(Array(Digest.sha256Hex(secret).utf8), Array(storedHash.utf8)) else {
                throw OAuthError(.invalidClient, "the client secret is wrong or missing")
            }
        } else {
            if credentials.secret != nil { throw OAuthError(.invalidClient, "a public client has no secret") }
            if requireConfidential { throw OAuthError(.unauthorizedClient, "only confidential apps may do this") }
        }
        return app
    }

    func token(_ request: Request, _ context: APIContext) async throws -> Response {
        do {
            let form = try FormBody(parsing: try await request.bodyBytes(limit: deps.config.maxBodyBytes))
            let grantType = form["grant_type"]
            guard let grantType else { throw OAuthError(.invalidRequest, "grant_type is missing") }
            let app = try await client(request, form, requireConfidential: grantType == "client_credentials")
            let now = deps.clock.now()
            let access = Auth.randomSecret(prefix: Auth.accessTokenPrefix)
            let refresh = Auth.randomSecret(prefix: Auth.refreshTokenPrefix)
            let issue = IssuedTokens(accessHash: Digest.sha256Hex(access), accessExpiresAt: now.adding(seconds: deps.config.oauthAccessTTLSeconds),
                                     refreshHash: Digest.sha256Hex(refresh), refreshExpiresAt: now.adding(seconds: deps.config.oauthRefreshTTLSeconds))
            let result: OAuthResult
            var refreshToken: String? = refresh
            switch grantType {
            case "authorization_code":
                guard let code = form["code"], let redirectUri = form["redirect_uri"] else {
                    throw OAuthError(.invalidRequest, "code and redirect_uri are required")
                }
                guard let verifier = form["code_verifier"], PKCE.isValidVerifier(verifier) else {
                    throw OAuthError(.invalidRequest, "code_verifier is required: 43 to 128 characters of [A-Za-z0-9-._~] (RFC 7636)")
                }
                result = try await sender.sendOAuth(.exchangeCode(codeHash: Digest.sha256Hex(code), appId: app.id, redirectUri: redirectUri,
                                                                  verifier: verifier, issue: issue), actor: nil, request: request, context: context)
            case "refresh_token":
                guard let old = form["refresh_token"] else { throw OAuthError(.invalidRequest, "refresh_token is required") }
                let scopes = try form["scope"].map { try ScopeList.parse($0, known: Scope.names) }
                result = try await sender.sendOAuth(.refresh(refreshHash: Digest.sha256Hex(old), appId: app.id, scopes: scopes, issue: issue),
                                                    actor: nil, request: request, context: context)
            case "client_credentials":
                let scopes = try form["scope"].map { try ScopeList.parse($0, known: Set(app.scopes)) } ?? app.scopes
                refreshToken = nil
                result = try await sender.sendOAuth(.clientCredentials(appId: app.id, scopes: scopes, accessHash: issue.accessHash,
                                                                       expiresAt: issue.accessExpiresAt), actor: app.ownerId, request: request, context: context)
            default:
                throw OAuthError(.unsupportedGrantType, "grant_type must be authorization_code, refresh_token or client_credentials")
            }
            switch result {
            case .tokens(_, let scopes):
                let body = TokenResponse(accessToken: access, expiresIn: deps.config.oauthAccessTTLSeconds, refreshToken: refreshToken, scopes: scopes)
                return json(200, body.jsonBody, TokenResponse.headers)
            case .rejected(let error, let description):
                throw OAuthError(OAuthError.Code(rawValue: error) ?? .invalidGrant, description)
            case .code, .revoked:
                throw OAuthError(.serverError, "unexpected answer")
            }
        } catch let error as OAuthError {
            return oauthError(error)
        }
    }

    func revoke(_ request: Request, _ context: APIContext) async throws -> Response {
        do {
            let form = try FormBody(parsing: try await request.bodyBytes(limit: deps.config.maxBodyBytes))
            let app = try await client(request, form)
            guard let token = form["token"] else { throw OAuthError(.invalidRequest, "token is required") }
            _ = try await sender.sendOAuth(.revoke(tokenHash: Digest.sha256Hex(token), appId: app.id), actor: nil, request: request, context: context)
            // RFC 7009 §2.2: 200 also for a token that was unknown or already invalid.
            return Response(status: .ok, headers: [.cacheControl: "no-store"])
        } catch let error as OAuthError {
            return oauthError(error)
        }
    }

    func introspect(_ request: Request) async throws -> Response {
        do {
            let form = try FormBody(parsing: try await request.bodyBytes(limit: deps.config.maxBodyBytes))
            let app = try await client(request, form)
            guard let token = form["token"] else { throw OAuthError(.invalidRequest, "token is required") }
            let now = deps.clock.now()
            let record = try? deps.events.withConnection { try SecretStore.token(hash: Digest.sha256Hex(token), now: now.rfc3339, $0) }
            guard let record, record.appId == app.id,
                  let account = try? deps.readModels.withConnection({ try ReadModels.account(id: record.accountId, $0) }) else {
                return json(200, IntrospectionResponse.inactive.jsonBody, TokenResponse.headers)
            }
            let body = IntrospectionResponse(active: true, scopes: record.scopes, clientId: app.id, username: account.handle, tokenType: "Bearer",
                                             exp: record.expiresAt.flatMap { Timestamp(rfc3339: $0) }.map { $0.milliseconds / 1000 },
                                             iat: Timestamp(rfc3339: record.createdAt).map { $0.milliseconds / 1000 }, sub: account.id)
            return json(200, body.jsonBody, TokenResponse.headers)
        } catch let error as OAuthError {
            return oauthError(error)
        }
    }

    // MARK: responses

    func page(_ status: Int, _ html: String) -> Response {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8"]
        for (name, value) in ConsentPage.headers { if let field = HTTPField.Name(name) { headers[field] = value } }
        return Response(status: HTTPResponse.Status(code: status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    func seeOther(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    func json(_ status: Int, _ body: [UInt8], _ extra: [(String, String)]) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        for (name, value) in extra { if let field = HTTPField.Name(name) { headers[field] = value } }
        return Response(status: HTTPResponse.Status(code: status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    func oauthError(_ error: OAuthError) -> Response {
        var extra = TokenResponse.headers
        if let challenge = error.wwwAuthenticate { extra.append(("WWW-Authenticate", challenge)) }
        return json(error.status, error.jsonBody, extra)
    }
}
