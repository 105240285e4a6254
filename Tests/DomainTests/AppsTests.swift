import Domain
import MarqueeCore
import Testing

/// Apps, grants, personal access tokens, webhook endpoints, and who may see which event.
@Suite("Apps and webhook endpoints")
struct AppsTests {
    static let app = "app_bot"
    static let registered = DomainEvent.appRegistered(AppRegistered(
        appId: app, ownerId: F.carl, name: "Gift Bot", redirectUris: ["https://bot.example/cb"],
        scopes: ["chat:read", "gifts:read", "webhooks:manage"], clientType: "confidential"))
    static var world: [DomainEvent] { F.world + [registered] }

    static func register(_ scopes: [String], actor: String = F.carl, id: String = "app_new") -> Command {
        .registerApp(RegisterApp(appId: id, actorId: actor, name: "New", redirectUris: ["https://x.example/cb"], scopes: scopes, confidential: false))
    }

    @Test func registeringAnAppSortsItsScopes() {
        given(F.world)
            .when(Self.register(["gifts:read", "chat:read", "chat:read"]))
            .then([.appRegistered(AppRegistered(appId: "app_new", ownerId: F.carl, name: "New", redirectUris: ["https://x.example/cb"],
                                                scopes: ["chat:read", "gifts:read"], clientType: "public"))])
    }

    @Test("apps ask for known scopes only, never admin", arguments: [
        (["nope:read"], DomainError.invalid(field: "scopes", reason: "unknown scope 'nope:read'")),
        ([], DomainError.invalid(field: "scopes", reason: "must name at least one scope")),
        (["admin"], DomainError.invalid(field: "scopes", reason: "apps cannot ask for 'admin'")),
    ])
    func badScopes(scopes: [String], error: DomainError) {
        given(F.world).when(Self.register(scopes)).thenThrows(error)
    }

    @Test func aSuspendedAccountCannotRegisterApps() {
        given(F.world + [F.suspended(F.carl)]).when(Self.register(["chat:read"])).thenThrows(.accountSuspended("carl"))
    }

    @Test func authorizingGrantsOnlyRegisteredScopes() {
        let state = given(Self.world)
            .when(.authorizeApp(AuthorizeApp(appId: Self.app, actorId: F.cleo, scopes: ["gifts:read"])))
            .then([.appAuthorized(AppAuthorization(appId: Self.app, accountId: F.cleo, scopes: ["gifts:read"]))])
        #expect(state.integrations.grant(app: Self.app, account: F.cleo) == [.giftsRead])
        given(Self.world)
            .when(.authorizeApp(AuthorizeApp(appId: Self.app, actorId: F.cleo, scopes: ["wallet:read"])))
            .thenThrows(.invalid(field: "scope", reason: "the app 'Gift Bot' did not register the scope 'wallet:read'"))
        given(Self.world)
            .when(.authorizeApp(AuthorizeApp(appId: "app_none", actorId: F.cleo, scopes: ["chat:read"])))
            .thenThrows(.unknownApp("app_none"))
    }

    @Test func revokingEndsTheGrantAndIsANoOpWithoutOne() {
        let granted = Self.world + [.appAuthorized(AppAuthorization(appId: Self.app, accountId: F.cleo, scopes: ["gifts:read"]))]
        let state = given(granted)
            .when(.revokeApp(RevokeApp(appId: Self.app, actorId: F.cleo, accountId: F.cleo)))
            .then([.appRevoked(AppAuthorization(appId: Self.app, accountId: F.cleo, scopes: ["gifts:read"]))])
        #expect(state.integrations.grant(app: Self.app, account: F.cleo) == nil)
        _ = given(Self.world).when(.revokeApp(RevokeApp(appId: Self.app, actorId: F.cleo, accountId: F.cleo))).thenNothingHappens()
        given(granted)
            .when(.revokeApp(RevokeApp(appId: Self.app, actorId: F.vera, accountId: F.cleo)))
            .thenThrows(.forbidden("only the account itself or an admin may revoke its apps"))
    }

    @Test func personalTokensHoldAdminOnlyOnAdminAccounts() {
        given(F.world)
            .when(.createAccessToken(CreateAccessToken(tokenId: "pat_1", actorId: F.cleo, name: "bot", scopes: ["admin"])))
            .thenThrows(.forbidden("only an admin account's tokens may hold 'admin'"))
        let state = given(F.world)
            .when(.createAccessToken(CreateAccessToken(tokenId: "pat_1", actorId: F.root, name: "ops", scopes: ["admin", "events:read"])))
            .then([.accessTokenCreated(AccessTokenChanged(tokenId: "pat_1", accountId: F.root, name: "ops", scopes: ["admin", "events:read"]))])
        #expect(state.integrations.accessTokens["pat_1"]?.scopes == [.admin, .eventsRead])
    }

    @Test func onlyTheOwnerRevokesATokenAndOnlyOnce() {
        let minted = F.world + [.accessTokenCreated(AccessTokenChanged(tokenId: "pat_1", accountId: F.cleo, name: "bot", scopes: ["chat:read"]))]
        given(minted).when(.revokeAccessToken(RevokeAccessToken(tokenId: "pat_1", actorId: F.vera))).thenThrows(.unknownToken("pat_1"))
        let state = given(minted)
            .when(.revokeAccessToken(RevokeAccessToken(tokenId: "pat_1", actorId: F.cleo)))
            .then([.accessTokenRevoked(AccessTokenChanged(tokenId: "pat_1", accountId: F.cleo, name: "bot", scopes: ["chat:read"]))])
        #expect(state.integrations.accessTokens.isEmpty)
        let revoked = minted + [.accessTokenRevoked(AccessTokenChanged(tokenId: "pat_1", accountId: F.cleo, name: "bot", scopes: ["chat:read"]))]
        given(revoked).when(.revokeAccessToken(RevokeAccessToken(tokenId: "pat_1", actorId: F.cleo))).thenThrows(.unknownToken("pat_1"))
    }

    static let endpoint = WebhookEndpointChanged(endpointId: "whe_1", appId: app, ownerId: F.carl, url: "https://bot.example/hook",
                                                 eventTypes: ["gift.*"], scopes: ["gifts:read", "webhooks:manage"], enabled: true, reason: nil)
    static let appOwner = EndpointOwner(actorId: F.carl, appId: app)

    @Test func anAppCreatesAndManagesItsEndpoints() {
        let state = given(Self.world)
            .when(.createWebhookEndpoint(CreateWebhookEndpoint(endpointId: "whe_1", owner: Self.appOwner, url: "https://bot.example/hook",
                                                               eventTypes: ["gift.*"], scopes: ["webhooks:manage", "gifts:read"])))
            .then([.webhookEndpointCreated(Self.endpoint)])
        #expect(state.integrations.endpoints["whe_1"]?.enabled == true)
        var disabled = Self.endpoint
        disabled.enabled = false
        disabled.reason = "manual"
        var updated = Self.endpoint
        updated.eventTypes = ["*"]
        given(Self.world + [.webhookEndpointCreated(Self.endpoint)])
            .when(.updateWebhookEndpoint(UpdateWebhookEndpoint(endpointId: "whe_1", owner: Self.appOwner, eventTypes: ["*"], enabled: false,
                                                               reason: "manual")))
            .then([.webhookEndpointUpdated(updated), .webhookEndpointDisabled({ var d = disabled; d.eventTypes = ["*"]; return d }())])
        // Another app's or a personal token never sees it.
        given(Self.world + [.webhookEndpointCreated(Self.endpoint)])
            .when(.deleteWebhookEndpoint(DeleteWebhookEndpoint(endpointId: "whe_1", owner: EndpointOwner(actorId: F.carl, appId: nil))))
            .thenThrows(.unknownEndpoint("whe_1"))
    }

    @Test func theDispatcherMayOnlyDisableForGoneOrFailing() {
        let history = Self.world + [.webhookEndpointCreated(Self.endpoint)]
        var disabled = Self.endpoint
        disabled.enabled = false
        disabled.reason = "gone"
        given(history)
            .when(.updateWebhookEndpoint(UpdateWebhookEndpoint(endpointId: "whe_1", owner: nil, enabled: false, reason: "gone")))
            .then([.webhookEndpointDisabled(disabled)])
        given(history)
            .when(.updateWebhookEndpoint(UpdateWebhookEndpoint(endpointId: "whe_1", owner: nil, url: "https://evil.example/", reason: "gone")))
            .thenThrows(.forbidden("the dispatcher may only disable an endpoint that is gone or failing"))
    }

    @Test func endpointsPerOwnerAreLimited() {
        var history = Self.world
        for i in 0..<20 {
            var e = Self.endpoint
            e.endpointId = "whe_\(i)"
            history.append(.webhookEndpointCreated(e))
        }
        given(history)
            .when(.createWebhookEndpoint(CreateWebhookEndpoint(endpointId: "whe_x", owner: Self.appOwner, url: "https://bot.example/hook",
                                                               eventTypes: ["*"], scopes: ["gifts:read"])))
            .thenThrows(.conflict("at most 20 webhook endpoints per app or account"))
    }

    // MARK: audience

    static func gift(from: String, to: String, channel: String) -> DomainEvent {
        .giftSent(GiftSent(giftId: "gft_1", streamId: nil, channelId: channel, fromAccountId: from, toAccountId: to, gift: "rose",
                           quantity: 1, tokens: 10, creatorTokens: 8, feeTokens: 2, message: nil))
    }

    @Test func aGrantSeesItsChannelsAndItsOwnEventsWithTheRightScope() {
        var index = AudienceIndex()
        for event in F.world { index.apply(event) }
        let gift = Self.gift(from: F.vera, to: F.cleo, channel: F.cleoChannel)
        let cleo = Grant(accountId: F.cleo, isAdmin: false, scopes: [.giftsRead])
        #expect(index.visible(gift, to: cleo))                                           // her channel
        #expect(!index.visible(gift, to: Grant(accountId: F.cleo, isAdmin: false, scopes: [.chatRead])))  // scope missing
        #expect(index.visible(gift, to: Grant(accountId: F.vera, isAdmin: false, scopes: [.giftsRead])))  // the sender
        #expect(!index.visible(gift, to: Grant(accountId: F.carl, isAdmin: false, scopes: [.giftsRead]))) // a stranger
        #expect(index.visible(gift, to: Grant(accountId: F.root, isAdmin: true, scopes: [.giftsRead])))   // an admin
        #expect(index.handles(of: gift).map(\.1) == ["vera", "cleo"])
    }

    @Test func everyTypesScopeAgreesWithItsAudience() {
        // A sample of each family: the static table and the audience must name the same scope.
        let events: [DomainEvent] = F.world + [Self.registered, Self.gift(from: F.vera, to: F.cleo, channel: F.cleoChannel),
                                               .webhookEndpointCreated(Self.endpoint),
                                               .appAuthorized(AppAuthorization(appId: Self.app, accountId: F.cleo, scopes: ["chat:read"]))]
        let index = AudienceIndex()
        for event in events {
            #expect(AudienceIndex.scope(ofType: event.type) == index.audience(of: event).scope, "\(event.type)")
        }
    }
}
