import Domain
import MarqueeCore
import Webhooks

/// What the dispatcher knows of endpoints, apps and grants at its enqueue cursor, evolved from
/// the log in order: so an event goes to the endpoints that were entitled to it when it was
/// committed. Pure: secrets come in through `secretsChanged`.
struct Registry {
    struct Endpoint {
        var state: WebhookEndpointState
        var filter: EventTypeFilter?
        var url: WebhookURL?
    }

    private(set) var integrations = IntegrationState()
    private(set) var index = AudienceIndex()
    private(set) var endpoints: [String: Endpoint] = [:]
    let knownTypes: Set<String>

    init(knownTypes: Set<String>) {
        self.knownTypes = knownTypes
        // A misspelt type here would silently skip events the dispatcher must see.
        assert(knownTypes.isEmpty || Self.dispatcherTypes.isSubset(of: knownTypes),
               "not in the catalog: \(Self.dispatcherTypes.subtracting(knownTypes).sorted())")
    }

    /// The event types the registry learns from (what a start-up scan reads).
    static let relevantTypes = [
        "account.registered", "account.role_changed", "channel.created", "stream.started", "viewer.joined", "subscription.started",
        "app.registered", "app.authorized", "app.revoked", "webhook.endpoint_created", "webhook.endpoint_updated",
        "webhook.endpoint_disabled", "webhook.endpoint_enabled", "webhook.endpoint_deleted",
    ]

    /// Types the dispatcher reads for itself besides those: a rotation refreshes the secrets.
    static let dispatcherTypes: Set<String> = Set(relevantTypes).union(["webhook.endpoint_secret_rotated"])

    /// Whether an event of `type` must be decoded at all: the registry learns from it, or an
    /// enabled endpoint's filter takes it. Most of the log (minutes billed, viewers coming and
    /// going, chat) is then skipped without parsing its JSON.
    func needsDecoding(type: String) -> Bool {
        if Self.dispatcherTypes.contains(type) { return true }
        return endpoints.values.contains { $0.state.enabled && $0.filter?.matches(type) == true }
    }

    mutating func apply(_ event: DomainEvent) {
        index.apply(event)
        integrations.apply(event)
        switch event {
        case .webhookEndpointCreated(let e), .webhookEndpointUpdated(let e), .webhookEndpointDisabled(let e), .webhookEndpointEnabled(let e):
            guard let state = integrations.endpoints[e.endpointId] else { return }
            endpoints[e.endpointId] = Endpoint(state: state, filter: try? EventTypeFilter(patterns: e.eventTypes, knownTypes: knownTypes),
                                               url: try? WebhookURL(validating: e.url))
        case .webhookEndpointDeleted(let e):
            endpoints[e.endpointId] = nil
        default:
            break
        }
    }

    func endpoint(_ id: String) -> Endpoint? { endpoints[id] }

    var enabledEndpointIds: [String] { endpoints.values.filter { $0.state.enabled }.map(\.state.id) }

    /// The enabled endpoints entitled to `event`: the type filter matches, and the owner's grant
    /// (for an app: the grant of an account the event concerns, or the app owner's own)
    /// covers the event's scope and channel.
    func recipients(of event: DomainEvent, only: String? = nil) -> [String] {
        var out: [String] = []
        var audience: Audience?
        for endpoint in endpoints.values where endpoint.state.enabled && (only == nil || only == endpoint.state.id) {
            guard endpoint.filter?.matches(event.type) == true else { continue }
            // Worked out once per event, not once per endpoint and grant.
            let known = audience ?? index.audience(of: event)
            audience = known
            guard entitled(endpoint.state, known) else { continue }
            out.append(endpoint.state.id)
        }
        return out.sorted()
    }

    func entitled(_ endpoint: WebhookEndpointState, _ audience: Audience) -> Bool {
        let limit = Set(endpoint.scopes)
        guard let appId = endpoint.appId else {
            return index.visible(audience, to: Grant(accountId: endpoint.ownerId, isAdmin: index.admins.contains(endpoint.ownerId), scopes: limit))
        }
        guard let app = integrations.apps[appId] else { return false }
        let appScopes = Set(app.scopes).intersection(limit)
        // The app acts as its owner (client credentials) with its registered scopes.
        if index.visible(audience, to: Grant(accountId: app.ownerId, isAdmin: index.admins.contains(app.ownerId), scopes: appScopes)) {
            return true
        }
        var candidates = audience.parties
        if let channel = audience.channelId, let owner = index.channelOwner[channel] { candidates.append(owner) }
        candidates += index.admins
        for account in candidates {
            guard let granted = integrations.grant(app: appId, account: account) else { continue }
            let grant = Grant(accountId: account, isAdmin: index.admins.contains(account), scopes: appScopes.intersection(granted))
            if index.visible(audience, to: grant) { return true }
        }
        return false
    }
}
