import MarqueeCore

public struct RegisterApp: Sendable, Equatable {
    public var appId: String
    public var actorId: String
    public var name: String
    public var redirectUris: [String]
    public var scopes: [String]
    public var confidential: Bool
    public init(appId: String, actorId: String, name: String, redirectUris: [String], scopes: [String], confidential: Bool) {
        self.appId = appId; self.actorId = actorId; self.name = name; self.redirectUris = redirectUris; self.scopes = scopes
        self.confidential = confidential
    }
}

/// The account `actorId` grants the app `scopes` (the consent page's "Allow").
public struct AuthorizeApp: Sendable, Equatable {
    public var appId: String
    public var actorId: String
    public var scopes: [String]
    public init(appId: String, actorId: String, scopes: [String]) { self.appId = appId; self.actorId = actorId; self.scopes = scopes }
}

/// Withdraws the app's grant from `accountId` (the account itself, or an admin).
public struct RevokeApp: Sendable, Equatable {
    public var appId: String
    public var actorId: String
    public var accountId: String
    public init(appId: String, actorId: String, accountId: String) { self.appId = appId; self.actorId = actorId; self.accountId = accountId }
}

public struct CreateAccessToken: Sendable, Equatable {
    public var tokenId: String
    public var actorId: String
    public var name: String
    public var scopes: [String]
    public init(tokenId: String, actorId: String, name: String, scopes: [String]) {
        self.tokenId = tokenId; self.actorId = actorId; self.name = name; self.scopes = scopes
    }
}

public struct RevokeAccessToken: Sendable, Equatable {
    public var tokenId: String
    public var actorId: String
    public init(tokenId: String, actorId: String) { self.tokenId = tokenId; self.actorId = actorId }
}

/// Who manages a webhook endpoint: the app (any of its tokens with `webhooks:manage`), or for
/// personal endpoints (`appId` nil) the account itself.
public struct EndpointOwner: Sendable, Equatable {
    public var actorId: String
    public var appId: String?
    public init(actorId: String, appId: String?) { self.actorId = actorId; self.appId = appId }
}

public struct CreateWebhookEndpoint: Sendable, Equatable {
    public var endpointId: String
    public var owner: EndpointOwner
    /// Validated by the caller (http(s), allowed destination).
    public var url: String
    /// Validated by the caller against the catalog (exact types, `category.*`, `*`).
    public var eventTypes: [String]
    public var scopes: [String]
    public init(endpointId: String, owner: EndpointOwner, url: String, eventTypes: [String], scopes: [String]) {
        self.endpointId = endpointId; self.owner = owner; self.url = url; self.eventTypes = eventTypes; self.scopes = scopes
    }
}

public struct UpdateWebhookEndpoint: Sendable, Equatable {
    public var endpointId: String
    /// nil: the webhook dispatcher itself (it may only disable, with reason `gone` or `failing`).
    public var owner: EndpointOwner?
    public var url: String?
    public var eventTypes: [String]?
    public var enabled: Bool?
    public var reason: String?
    public init(endpointId: String, owner: EndpointOwner?, url: String? = nil, eventTypes: [String]? = nil, enabled: Bool? = nil,
                reason: String? = nil) {
        self.endpointId = endpointId; self.owner = owner; self.url = url; self.eventTypes = eventTypes; self.enabled = enabled
        self.reason = reason
    }
}

public struct RotateWebhookSecret: Sendable, Equatable {
    public var endpointId: String
    public var owner: EndpointOwner
    public var previousSecretExpiresAt: Timestamp
    public init(endpointId: String, owner: EndpointOwner, previousSecretExpiresAt: Timestamp) {
        self.endpointId = endpointId; self.owner = owner; self.previousSecretExpiresAt = previousSecretExpiresAt
    }
}

public struct DeleteWebhookEndpoint: Sendable, Equatable {
    public var endpointId: String
    public var owner: EndpointOwner
    public init(endpointId: String, owner: EndpointOwner) { self.endpointId = endpointId; self.owner = owner }
}

/// Apps (OAuth clients), their grants, personal access tokens and webhook endpoints.
/// Apps never hold `admin`; a personal token holds it only on an admin account.
extension Decider {
    static let maxAppsPerAccount = 25
    static let maxTokensPerAccount = 50
    static let maxEndpointsPerOwner = 20

    static func decideRegisterApp(_ c: RegisterApp, _ state: DomainState) throws(DomainError) -> [DomainEvent] {
        let actor = try activeActor(c.actorId, state)
        try requireText(c.name, field: "name", min: 1, max: 100)
        guard (1...10).contains(c.redirectUris.count) else { throw .invalid(field: "redirectUris", reason: "must list 1 to 10 URIs") }
        for uri in c.redirectUris where uri.utf8.count > 2048 || uri.isEmpty {
            throw .invalid(field: "redirectUris", reason: "each must be 1 to 2048 bytes")
        }
        let scopes = try knownScopes(c.scopes, field: "scopes")
        guard !scopes.contains(.admin) else { throw .invalid(field: "scopes", reason: "apps cannot ask for 'admin'") }
        let owned = state.integrations.apps.values.filter { $0.ownerId == actor.id }.count
        guard owned < maxAppsPerAccount else { throw .conflict("an account may register at most \(maxAppsPerAccount) apps") }
        try requireFreshId(c.appId, state)
        return [.appRegistered(AppRegistered(appId: c.appId, ownerId: actor.id, name: c.name, redirectUris: c.redirectUris,
                                             scopes: scopes.map(\.rawValue), clientType: c.confidential ? "confidential" : "public"))]
    }

    static func decideAuthorizeApp(_ c: AuthorizeApp, _ state: DomainState) throws(DomainError) -> [DomainEvent] {
        let actor = try activeActor(c.actorId, state)
        guard let app = state.integrations.apps[c.appId] else { throw .unknownApp(c.appId) }
        let scopes = try knownScopes(c.scopes, field: "scope")
        for scope in scopes where !app.scopes.contains(scope) {
            throw .invalid(field: "scope", reason: "the app '\(app.name)' did not register the scope '\(scope.rawValue)'")
        }
        return [.appAuthorized(AppAuthorization(appId: app.id, accountId: actor.id, scopes: scopes.map(\.rawValue)))]
    }

    static func decideRevokeApp(_ c: RevokeApp, _ state: DomainState) throws(DomainError) -> [DomainEvent] {
        let actor = try activeActor(c.actorId, state)
        guard actor.id == c.accountId || actor.role == .admin else { throw .forbidden("only the account itself or an admin may revoke its apps") }
        guard state.integrations.apps[c.appId] != nil else { throw .unknownApp(c.appId) }
        guard let scopes = state.integrations.grant(app: c.appId, account: c.accountId) else { return [] }
        return [.appRevoked(AppAuthorization(appId: c.appId, accountId: c.accountId, scopes: scopes.map(\.rawValue)))]
    }

    static func decideCreateAccessToken(_ c: CreateAccessToken, _ state: DomainState) throws(DomainError) -> [DomainEvent] {
        let actor = try activeActor(c.actorId, state)
        try requireText(c.name, field: "name", min: 1, max: 100)
        let scopes = try knownScopes(c.scopes, field: "scopes")
        if scopes.contains(.admin) && actor.role != .admin { throw .forbidden("only an admin account's tokens may hold 'admin'") }
        let owned = state.integrations.accessTokens.values.filter { $0.accountId == actor.id }.count
        guard owned < maxTokensPerAccount else { throw .conflict("an account may hold at most \(maxTokensPerAccount) personal access tokens") }
        try requireFreshId(c.tokenId, state)
        return [.accessTokenCreated(AccessTokenChanged(tokenId: c.tokenId, accountId: actor.id, name: c.name, scopes: scopes.map(\.rawValue)))]
    }

    static func decideRevokeAccessToken(_ c: RevokeAccessToken, _ state: DomainState) throws(DomainError) -> [DomainEvent] {
        let actor = try activeActor(c.actorId, state)
        guard let token = state.integrations.accessTokens[c.tokenId], token.accountId == actor.id || actor.role == .admin else {
            throw .unknownToken(c.tokenId)
        }
        return [.accessTokenRevoked(AccessTokenChanged(tokenId: token.id, accountId: token.accountId, name: token.name,
                                                       scopes: token.scopes.map(\.rawValue)))]
    }

    static func decideCreateEndpoint(_ c: CreateWebhookEndpoint, _ state: DomainState) throws(DomainError) -> [DomainEvent] {
        let actor = try activeActor(c.owner.actorId, state)
        if let appId = c.owner.appId, state.integrations.apps[appId] == nil { throw .unknownApp(appId) }
        try requireEndpointFields(url: c.url, eventTypes: c.eventTypes)
        let scopes = try knownScopes(c.scopes, field: "scopes")
        let owned = state.integrations.endpoints.values.filter { Self.owns(c.owner, $0) }.count
        guard owned < maxEndpointsPerOwner else { throw .conflict("at most \(maxEndpointsPerOwner) webhook endpoints per app or account") }
        try requireFreshId(c.endpointId, state)
        return [.webhookEndpointCreated(WebhookEndpointChanged(
            endpointId: c.endpointId, appId: c.owner.appId, ownerId: actor.id, url: c.url, eventTypes: c.eventTypes,
            scopes: scopes.map(\.rawValue), enabled: true, reason: nil))]
    }

    static func decideUpdateEndpoint(_ c: UpdateWebhookEndpoint, _ state: DomainState) throws(DomainError) -> [DomainEvent] {
        let endpoint: WebhookEndpointState
        if let owner = c.owner {
            _ = try activeActor(owner.actorId, state)
            endpoint = try ownedEndpoint(c.endpointId, owner, state)
        } else {
            guard let found = state.integrations.endpoints[c.endpointId] else { throw .unknownEndpoint(c.endpointId) }
            guard c.enabled == false, c.url == nil, c.eventTypes == nil, c.reason == "gone" || c.reason == "failing" else {
                throw .forbidden("the dispatcher may only disable an endpoint that is gone or failing")
            }
            endpoint = found
        }
        var updated = endpoint
        if let url = c.url { updated.url = url }
        if let types = c.eventTypes { updated.eventTypes = types }
        try requireEndpointFields(url: updated.url, eventTypes: updated.eventTypes)
        if let reason = c.reason { try requireText(reason, field: "reason", min: 1, max: 200) }
        func change(_ enabled: Bool, _ reason: String?) -> WebhookEndpointChanged {
            WebhookEndpointChanged(endpointId: endpoint.id, appId: endpoint.appId, ownerId: endpoint.ownerId, url: updated.url,
                                   eventTypes: updated.eventTypes, scopes: endpoint.scopes.map(\.rawValue), enabled: enabled, reason: reason)
        }
        var events: [DomainEvent] = []
        if updated.url != endpoint.url || updated.eventTypes != endpoint.eventTypes {
            events.append(.webhookEndpointUpdated(change(endpoint.enabled, nil)))
        }
        if let enabled = c.enabled, enabled != endpoint.enabled {
            events.append(enabled ? .webhookEndpointEnabled(change(true, c.reason ?? "manual"))
                                  : .webhookEndpointDisabled(change(false, c.reason ?? "manual")))
        }
        return events
    }

    static func decideRotateSecret(_ c: RotateWebhookSecret, _ state: DomainState) throws(DomainError) -> [DomainEvent] {
        _ = try activeActor(c.owner.actorId, state)
        let endpoint = try ownedEndpoint(c.endpointId, c.owner, state)
        return [.webhookSecretRotated(WebhookSecretRotated(endpointId: endpoint.id, appId: endpoint.appId, ownerId: endpoint.ownerId,
                                                           previousSecretExpiresAt: c.previousSecretExpiresAt))]
    }

    static func decideDeleteEndpoint(_ c: DeleteWebhookEndpoint, _ state: DomainState) throws(DomainError) -> [DomainEvent] {
        _ = try activeActor(c.owner.actorId, state)
        let endpoint = try ownedEndpoint(c.endpointId, c.owner, state)
        return [.webhookEndpointDeleted(WebhookEndpointChanged(
            endpointId: endpoint.id, appId: endpoint.appId, ownerId: endpoint.ownerId, url: endpoint.url, eventTypes: endpoint.eventTypes,
            scopes: endpoint.scopes.map(\.rawValue), enabled: false, reason: "deleted"))]
    }

    // MARK: helpers

    static func owns(_ owner: EndpointOwner, _ endpoint: WebhookEndpointState) -> Bool {
        if let appId = owner.appId { return endpoint.appId == appId }
        return endpoint.appId == nil && endpoint.ownerId == owner.actorId
    }

    static func ownedEndpoint(_ id: String, _ owner: EndpointOwner, _ state: DomainState) throws(DomainError) -> WebhookEndpointState {
        guard let endpoint = state.integrations.endpoints[id], owns(owner, endpoint) else { throw .unknownEndpoint(id) }
        return endpoint
    }

    static func requireEndpointFields(url: String, eventTypes: [String]) throws(DomainError) {
        guard !url.isEmpty, url.utf8.count <= 2048 else { throw .invalid(field: "url", reason: "must be 1 to 2048 bytes") }
        guard (1...100).contains(eventTypes.count) else { throw .invalid(field: "eventTypes", reason: "must list 1 to 100 types or patterns") }
        for type in eventTypes where type.isEmpty || type.utf8.count > 100 {
            throw .invalid(field: "eventTypes", reason: "each must be 1 to 100 characters")
        }
    }

    static func knownScopes(_ names: [String], field: String) throws(DomainError) -> [Scope] {
        guard !names.isEmpty else { throw .invalid(field: field, reason: "must name at least one scope") }
        switch Scope.parse(names) {
        case .success(let scopes): return scopes.sorted()
        case .failure(let unknown): throw .invalid(field: field, reason: "unknown scope '\(unknown.name)'")
        }
    }
}
