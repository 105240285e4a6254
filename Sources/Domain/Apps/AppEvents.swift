import MarqueeCore

/// `app.registered` [app]: a third-party application that may ask accounts for scopes.
public struct AppRegistered: Codable, Sendable, Equatable {
    public var appId: String
    public var ownerId: String
    public var name: String
    public var redirectUris: [String]
    public var scopes: [String]
    /// `confidential` (has a client secret: may use client credentials) or `public` (PKCE only).
    public var clientType: String
    public init(appId: String, ownerId: String, name: String, redirectUris: [String], scopes: [String], clientType: String) {
        self.appId = appId; self.ownerId = ownerId; self.name = name; self.redirectUris = redirectUris; self.scopes = scopes
        self.clientType = clientType
    }
}

/// `app.authorized` / `app.revoked` [app]: an account grants (or withdraws) an app these scopes.
public struct AppAuthorization: Codable, Sendable, Equatable {
    public var appId: String
    public var accountId: String
    public var scopes: [String]
    public init(appId: String, accountId: String, scopes: [String]) {
        self.appId = appId; self.accountId = accountId; self.scopes = scopes
    }
}

/// `access_token.created` / `access_token.revoked` [account]: a personal access token for the
/// account's own bots (the token itself never enters the log).
public struct AccessTokenChanged: Codable, Sendable, Equatable {
    public var tokenId: String
    public var accountId: String
    public var name: String
    public var scopes: [String]
    public init(tokenId: String, accountId: String, name: String, scopes: [String]) {
        self.tokenId = tokenId; self.accountId = accountId; self.name = name; self.scopes = scopes
    }
}

/// `webhook.endpoint_created` / `_updated` / `_disabled` / `_enabled` / `_deleted` [app]: where
/// an app's (or, with `appId` null, an account's) events are delivered. The signing secret never
/// enters the log. `reason` says why an endpoint was disabled (`manual`, `gone`: it answered 410,
/// `failing`: every delivery failed for days).
public struct WebhookEndpointChanged: Codable, Sendable, Equatable {
    public var endpointId: String
    public var appId: String?
    public var ownerId: String
    public var url: String
    public var eventTypes: [String]
    /// What the endpoint's deliveries may carry (the creating token's scopes).
    public var scopes: [String]
    public var enabled: Bool
    public var reason: String?
    public init(endpointId: String, appId: String?, ownerId: String, url: String, eventTypes: [String], scopes: [String],
                enabled: Bool, reason: String?) {
        self.endpointId = endpointId; self.appId = appId; self.ownerId = ownerId; self.url = url; self.eventTypes = eventTypes
        self.scopes = scopes; self.enabled = enabled; self.reason = reason
    }
}

/// `webhook.endpoint_secret_rotated` [app]: a new signing secret; the previous one also signs
/// deliveries until `previousSecretExpiresAt`.
public struct WebhookSecretRotated: Codable, Sendable, Equatable {
    public var endpointId: String
    public var appId: String?
    public var ownerId: String
    public var previousSecretExpiresAt: Timestamp
    public init(endpointId: String, appId: String?, ownerId: String, previousSecretExpiresAt: Timestamp) {
        self.endpointId = endpointId; self.appId = appId; self.ownerId = ownerId; self.previousSecretExpiresAt = previousSecretExpiresAt
    }
}

public struct AppState: Sendable, Equatable {
    public var id: String
    public var ownerId: String
    public var name: String
    public var redirectUris: [String]
    public var scopes: [Scope]
    public var confidential: Bool
}

public struct WebhookEndpointState: Sendable, Equatable {
    public var id: String
    public var appId: String?
    public var ownerId: String
    public var url: String
    public var eventTypes: [String]
    public var scopes: [Scope]
    public var enabled: Bool
}

public struct AccessTokenState: Sendable, Equatable {
    public var id: String
    public var accountId: String
    public var name: String
    public var scopes: [Scope]
}

/// Apps, grants, personal tokens and webhook endpoints, evolved from events.
public struct IntegrationState: Sendable, Equatable {
    public var apps: [String: AppState] = [:]
    /// "app account" → the scopes the account granted the app.
    public var grants: [String: [Scope]] = [:]
    public var accessTokens: [String: AccessTokenState] = [:]
    public var endpoints: [String: WebhookEndpointState] = [:]

    public static func grantKey(app: String, account: String) -> String { app + " " + account }
    public func grant(app: String, account: String) -> [Scope]? { grants[Self.grantKey(app: app, account: account)] }

    public init() {}
}

extension Array where Element == String {
    /// Scope names to scopes, dropping names this build does not know (a newer writer's).
    var scopes: [Scope] { compactMap(Scope.init(rawValue:)) }
}

extension IntegrationState {
    public mutating func apply(_ event: DomainEvent) {
        switch event {
        case .appRegistered(let e):
            apps[e.appId] = AppState(id: e.appId, ownerId: e.ownerId, name: e.name, redirectUris: e.redirectUris, scopes: e.scopes.scopes,
                                     confidential: e.clientType == "confidential")
        case .appAuthorized(let e):
            grants[Self.grantKey(app: e.appId, account: e.accountId)] = e.scopes.scopes
        case .appRevoked(let e):
            grants[Self.grantKey(app: e.appId, account: e.accountId)] = nil
        case .accessTokenCreated(let e):
            accessTokens[e.tokenId] = AccessTokenState(id: e.tokenId, accountId: e.accountId, name: e.name, scopes: e.scopes.scopes)
        case .accessTokenRevoked(let e):
            accessTokens[e.tokenId] = nil
        case .webhookEndpointCreated(let e), .webhookEndpointUpdated(let e), .webhookEndpointDisabled(let e), .webhookEndpointEnabled(let e):
            endpoints[e.endpointId] = WebhookEndpointState(id: e.endpointId, appId: e.appId, ownerId: e.ownerId, url: e.url,
                                                           eventTypes: e.eventTypes, scopes: e.scopes.scopes, enabled: e.enabled)
        case .webhookEndpointDeleted(let e):
            endpoints[e.endpointId] = nil
        default:
            break
        }
    }
}
