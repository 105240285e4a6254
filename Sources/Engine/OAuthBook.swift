import Domain
import EventLog
import MarqueeCore
import OAuth
import SQLiteDB

/// An authorization code as issued after consent (only its hash is kept).
public struct CodeRecord: Sendable, Equatable {
    public var codeHash: String
    public var appId: String
    public var accountId: String
    public var scopes: [String]
    public var redirectUri: String
    /// The PKCE S256 code challenge (RFC 7636).
    public var challenge: String
    public var expiresAt: Timestamp
    /// The grant chain the code's tokens will belong to.
    public var family: String
    public init(codeHash: String, appId: String, accountId: String, scopes: [String], redirectUri: String, challenge: String,
                expiresAt: Timestamp, family: String) {
        self.codeHash = codeHash; self.appId = appId; self.accountId = accountId; self.scopes = scopes; self.redirectUri = redirectUri
        self.challenge = challenge; self.expiresAt = expiresAt; self.family = family
    }
}

/// The hashes (and expiry) of a new access token and refresh token, made by the HTTP layer.
public struct IssuedTokens: Sendable, Equatable {
    public var accessHash: String
    public var accessExpiresAt: Timestamp
    public var refreshHash: String
    public var refreshExpiresAt: Timestamp
    public init(accessHash: String, accessExpiresAt: Timestamp, refreshHash: String, refreshExpiresAt: Timestamp) {
        self.accessHash = accessHash; self.accessExpiresAt = accessExpiresAt; self.refreshHash = refreshHash
        self.refreshExpiresAt = refreshExpiresAt
    }
}

public enum OAuthRequest: Sendable, Equatable {
    /// Consent given: `app.authorized` and a new authorization code.
    case approve(AuthorizeApp, code: CodeRecord)
    /// RFC 6749 §4.1.3 with PKCE: the code (once), the same redirect URI, the verifier.
    case exchangeCode(codeHash: String, appId: String, redirectUri: String, verifier: String, issue: IssuedTokens)
    /// RFC 6749 §6 with rotation: the old refresh token is spent; using it again revokes the chain.
    case refresh(refreshHash: String, appId: String, scopes: [String]?, issue: IssuedTokens)
    /// RFC 6749 §4.4: the app acts as its owner, with (some of) its registered scopes.
    case clientCredentials(appId: String, scopes: [String], accessHash: String, expiresAt: Timestamp)
    /// RFC 7009: an access token, or a refresh token (and with it its whole chain).
    case revoke(tokenHash: String, appId: String)
}

public enum OAuthResult: Sendable, Equatable {
    case code
    case tokens(accountId: String, scopes: [String])
    /// RFC 6749 §5.2 error code and description.
    case rejected(error: String, description: String)
    case revoked
}

/// The writer's memory of OAuth codes and refresh-token chains, so that "use once" and reuse
/// detection are decided in the single writer (two requests with the same code in one batch
/// cannot both win). Persisted in the secret tables; rebuilt from them at load.
struct OAuthBook {
    struct Family: Equatable {
        var appId: String
        var accountId: String
        var scopes: [String]
        var currentRefresh: String?
        var revoked: Bool
    }

    var codes: [String: (record: CodeRecord, used: Bool)] = [:]
    var families: [String: Family] = [:]
    /// Every refresh token hash ever issued (current and spent) → its chain.
    var refreshFamily: [String: String] = [:]

    mutating func load(_ connection: Connection, now: Timestamp) throws {
        self = OAuthBook()
        for row in try connection.rows("""
            SELECT code_hash, app_id, account_id, scopes, redirect_uri, challenge, expires_at, family, used FROM oauth_codes WHERE expires_at > ?1
            """, [.text(now.adding(milliseconds: -86_400_000).rfc3339)]) {
            guard let expires = Timestamp(rfc3339: row[6].string ?? "") else { continue }
            let record = CodeRecord(codeHash: row[0].string ?? "", appId: row[1].string ?? "", accountId: row[2].string ?? "",
                                    scopes: (row[3].string ?? "").split(separator: " ").map { String($0) }, redirectUri: row[4].string ?? "",
                                    challenge: row[5].string ?? "", expiresAt: expires, family: row[7].string ?? "")
            codes[record.codeHash] = (record, (row[8].int64 ?? 0) != 0)
        }
        for row in try connection.rows("SELECT family, app_id, account_id, scopes, current_refresh, revoked FROM oauth_families") {
            families[row[0].string ?? ""] = Family(appId: row[1].string ?? "", accountId: row[2].string ?? "",
                                                   scopes: (row[3].string ?? "").split(separator: " ").map { String($0) },
                                                   currentRefresh: row[4].string, revoked: (row[5].int64 ?? 0) != 0)
        }
        for row in try connection.rows("SELECT token_hash, family FROM tokens WHERE kind IN ('refresh', 'refresh_used')") {
            if let hash = row[0].string, let family = row[1].string { refreshFamily[hash] = family }
        }
    }

    /// Decides one request; the returned side write persists what changed (in the batch's transaction).
    mutating func decide(_ request: OAuthRequest, state: DomainState, now: Timestamp) -> (OAuthResult, (@Sendable (Connection) throws -> Void)?) {
        switch request {
        case .approve(_, let code):
            codes[code.codeHash] = (code, false)
            return (.code, { c in
                try c.run("""
                    INSERT INTO oauth_codes(code_hash, app_id, account_id, scopes, redirect_uri, challenge, expires_at, family)
                    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                    """, [.text(code.codeHash), .text(code.appId), .text(code.accountId), .text(code.scopes.joined(separator: " ")),
                          .text(code.redirectUri), .text(code.challenge), .text(code.expiresAt.rfc3339), .text(code.family)])
            })

        case .exchangeCode(let codeHash, let appId, let redirectUri, let verifier, let issue):
            guard let (code, used) = codes[codeHash], code.appId == appId else {
                return (.rejected(error: "invalid_grant", description: "the authorization code is unknown or was issued to another client"), nil)
            }
            if used {
                // RFC 6749 §4.1.2: a code used twice revokes what it was exchanged for.
                let write = revokeFamily(code.family)
                return (.rejected(error: "invalid_grant", description: "the authorization code was already used; the tokens issued for it are revoked"), write)
            }
            guard code.expiresAt > now else { return (.rejected(error: "invalid_grant", description: "the authorization code has expired"), nil) }
            guard code.redirectUri == redirectUri else {
                return (.rejected(error: "invalid_grant", description: "redirect_uri does not match the one the code was issued for"), nil)
            }
            guard PKCE.verify(verifier: verifier, challenge: code.challenge) else {
                return (.rejected(error: "invalid_grant", description: "the code_verifier does not match the code_challenge (PKCE S256)"), nil)
            }
            guard state.integrations.grant(app: appId, account: code.accountId) != nil else {
                return (.rejected(error: "invalid_grant", description: "the account has revoked this app"), nil)
            }
            codes[codeHash]?.used = true
            families[code.family] = Family(appId: appId, accountId: code.accountId, scopes: code.scopes, currentRefresh: issue.refreshHash,
                                           revoked: false)
            refreshFamily[issue.refreshHash] = code.family
            let family = code.family
            let tokens = records(issue, appId: appId, accountId: code.accountId, scopes: code.scopes, family: family, now: now)
            return (.tokens(accountId: code.accountId, scopes: code.scopes), { c in
                try c.run("UPDATE oauth_codes SET used = 1 WHERE code_hash = ?1", [.text(codeHash)])
                try c.run("INSERT INTO oauth_families(family, app_id, account_id, scopes, current_refresh) VALUES (?1, ?2, ?3, ?4, ?5)",
                          [.text(family), .text(appId), .text(code.accountId), .text(code.scopes.joined(separator: " ")), .text(issue.refreshHash)])
                for token in tokens { try SecretStore.write(token, c) }
            })

        case .refresh(let refreshHash, let appId, let requested, let issue):
            guard let familyId = refreshFamily[refreshHash], let family = families[familyId], family.appId == appId else {
                return (.rejected(error: "invalid_grant", description: "the refresh token is unknown or was issued to another client"), nil)
            }
            guard !family.revoked else { return (.rejected(error: "invalid_grant", description: "the refresh token was revoked"), nil) }
            guard family.currentRefresh == refreshHash else {
                let write = revokeFamily(familyId)
                return (.rejected(error: "invalid_grant",
                                  description: "the refresh token was already used; every token of this grant is revoked (sign in again)"), write)
            }
            guard state.integrations.grant(app: appId, account: family.accountId) != nil else {
                return (.rejected(error: "invalid_grant", description: "the account has revoked this app"), nil)
            }
            let scopes = requested ?? family.scopes
            if let extra = scopes.first(where: { !family.scopes.contains($0) }) {
                return (.rejected(error: "invalid_scope", description: "the scope '\(extra)' was not granted to this refresh token"), nil)
            }
            families[familyId]?.currentRefresh = issue.refreshHash
            refreshFamily[issue.refreshHash] = familyId
            let tokens = records(issue, appId: appId, accountId: family.accountId, scopes: scopes, family: familyId, now: now)
            return (.tokens(accountId: family.accountId, scopes: scopes), { c in
                try c.run("UPDATE tokens SET kind = 'refresh_used' WHERE token_hash = ?1", [.text(refreshHash)])
                try c.run("UPDATE oauth_families SET current_refresh = ?2 WHERE family = ?1", [.text(familyId), .text(issue.refreshHash)])
                for token in tokens { try SecretStore.write(token, c) }
            })

        case .clientCredentials(let appId, let scopes, let accessHash, let expiresAt):
            guard let app = state.integrations.apps[appId] else {
                return (.rejected(error: "invalid_client", description: "no app '\(appId)'"), nil)
            }
            let record = TokenRecord(tokenHash: accessHash, kind: .access, appId: appId, accountId: app.ownerId, scopes: scopes,
                                     expiresAt: expiresAt.rfc3339, createdAt: now.rfc3339)
            return (.tokens(accountId: app.ownerId, scopes: scopes), { c in try SecretStore.write(record, c) })

        case .revoke(let tokenHash, let appId):
            if let familyId = refreshFamily[tokenHash], families[familyId]?.appId == appId {
                return (.revoked, revokeFamily(familyId))
            }
            return (.revoked, { c in
                try c.run("DELETE FROM tokens WHERE token_hash = ?1 AND app_id = ?2 AND kind = 'access'", [.text(tokenHash), .text(appId)])
            })
        }
    }

    /// The account withdrew the app: every chain of that grant ends.
    mutating func revokeGrant(app: String, account: String) -> @Sendable (Connection) throws -> Void {
        for (id, family) in families where family.appId == app && family.accountId == account { families[id]?.revoked = true }
        return { c in
            try c.run("UPDATE oauth_families SET revoked = 1 WHERE app_id = ?1 AND account_id = ?2", [.text(app), .text(account)])
            try c.run("DELETE FROM tokens WHERE app_id = ?1 AND account_id = ?2 AND kind IN ('access', 'refresh')", [.text(app), .text(account)])
        }
    }

    private mutating func revokeFamily(_ id: String) -> @Sendable (Connection) throws -> Void {
        families[id]?.revoked = true
        return { c in
            try c.run("UPDATE oauth_families SET revoked = 1 WHERE family = ?1", [.text(id)])
            try c.run("DELETE FROM tokens WHERE family = ?1 AND kind IN ('access', 'refresh')", [.text(id)])
        }
    }

    private func records(_ issue: IssuedTokens, appId: String, accountId: String, scopes: [String], family: String,
                         now: Timestamp) -> [TokenRecord] {
        [TokenRecord(tokenHash: issue.accessHash, kind: .access, appId: appId, accountId: accountId, scopes: scopes, family: family,
                     expiresAt: issue.accessExpiresAt.rfc3339, createdAt: now.rfc3339),
         TokenRecord(tokenHash: issue.refreshHash, kind: .refresh, appId: appId, accountId: accountId, scopes: scopes, family: family,
                     expiresAt: issue.refreshExpiresAt.rfc3339, createdAt: now.rfc3339)]
    }
}
