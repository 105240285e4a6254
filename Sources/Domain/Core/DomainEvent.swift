import MarqueeJSON

/// Every event the domain emits. The `type` strings are the public contract (EVENTS.md);
/// each has a JSON Schema at `EventSchemas/<type>/v<schema>.schema.json`.
public enum DomainEvent: Sendable, Equatable {
    case accountRegistered(AccountRegistered)
    case accountRoleChanged(AccountRoleChanged)
    case accountSuspended(AccountSuspended)
    case accountReinstated(AccountReinstated)
    case channelCreated(ChannelCreated)
    case channelUpdated(ChannelUpdated)
    case channelStreamKeyRotated(ChannelStreamKeyRotated)
    case tokensGranted(TokensGranted)
    case giftSent(GiftSent)
    case streamStarted(StreamStarted)
    case streamEnded(StreamEnded)
    case viewerJoined(ViewerJoined)
    case viewerDisconnected(ViewerDisconnected)
    case viewerReconnected(ViewerReconnected)
    case viewerLeft(ViewerLeft)
    case minuteBilled(MinuteBilled)
    case billingStopped(BillingStopped)
    case tokensPurchased(TokensPurchased)
    case channelSubscriptionTiersSet(ChannelSubscriptionTiersSet)
    case subscriptionStarted(SubscriptionCharged)
    case subscriptionRenewed(SubscriptionCharged)
    case subscriptionRenewalFailed(SubscriptionRenewalFailed)
    case subscriptionCanceled(SubscriptionCanceled)
    case subscriptionExpired(SubscriptionExpired)
    case payoutRequested(PayoutRequested)
    case payoutApproved(PayoutDecided)
    case payoutRejected(PayoutDecided)
    case payoutPaid(PayoutDecided)
    case chatMessagePosted(ChatMessagePosted)
    case chatMessageDeleted(ChatMessageDeleted)
    case chatUserBanned(ChatBan)
    case chatUserUnbanned(ChatBan)
    case chatSettingsChanged(ChatSettingsChanged)
    case chatModeratorAdded(ChatModeratorChanged)
    case chatModeratorRemoved(ChatModeratorChanged)
    case pollOpened(PollOpened)
    case pollVoted(PollVoted)
    case pollClosed(PollClosed)
    case adCreated(AdCreated)
    case adBreakStarted(AdBreakStarted)
    case adImpression(AdImpression)
    case appRegistered(AppRegistered)
    case appAuthorized(AppAuthorization)
    case appRevoked(AppAuthorization)
    case accessTokenCreated(AccessTokenChanged)
    case accessTokenRevoked(AccessTokenChanged)
    case webhookEndpointCreated(WebhookEndpointChanged)
    case webhookEndpointUpdated(WebhookEndpointChanged)
    case webhookEndpointDisabled(WebhookEndpointChanged)
    case webhookEndpointEnabled(WebhookEndpointChanged)
    case webhookEndpointDeleted(WebhookEndpointChanged)
    case webhookSecretRotated(WebhookSecretRotated)

    /// Every type this build can emit, with its current schema version.
    public static let catalog: [(type: String, schema: Int)] = [
        ("account.registered", 1), ("account.role_changed", 1), ("account.suspended", 1), ("account.reinstated", 1),
        ("channel.created", 1), ("channel.updated", 1), ("channel.stream_key_rotated", 1),
        ("tokens.granted", 1), ("gift.sent", 1),
        ("stream.started", 1),
        ("stream.ended", 1),
        ("viewer.joined", 1),
        ("viewer.disconnected", 1),
        ("viewer.reconnected", 1),
        ("viewer.left", 1),
        ("minute.billed", 1),
        ("billing.stopped", 1),
        ("tokens.purchased", 1),
        ("channel.subscription_tiers_set", 1),
        ("subscription.started", 1),
        ("subscription.renewed", 1),
        ("subscription.renewal_failed", 1),
        ("subscription.canceled", 1),
        ("subscription.expired", 1),
        ("payout.requested", 1),
        ("payout.approved", 1),
        ("payout.rejected", 1),
        ("payout.paid", 1),
        ("chat.message_posted", 1),
        ("chat.message_deleted", 1),
        ("chat.user_banned", 1),
        ("chat.user_unbanned", 1),
        ("chat.settings_changed", 1),
        ("chat.moderator_added", 1),
        ("chat.moderator_removed", 1),
        ("poll.opened", 1),
        ("poll.voted", 1),
        ("poll.closed", 1),
        ("ad.created", 1),
        ("ad.break_started", 1),
        ("ad.impression", 1),
        ("app.registered", 1),
        ("app.authorized", 1),
        ("app.revoked", 1),
        ("access_token.created", 1),
        ("access_token.revoked", 1),
        ("webhook.endpoint_created", 1),
        ("webhook.endpoint_updated", 1),
        ("webhook.endpoint_disabled", 1),
        ("webhook.endpoint_enabled", 1),
        ("webhook.endpoint_deleted", 1),
        ("webhook.endpoint_secret_rotated", 1),
    ]

    public var type: String {
        switch self {
        case .accountRegistered: return "account.registered"
        case .accountRoleChanged: return "account.role_changed"
        case .accountSuspended: return "account.suspended"
        case .accountReinstated: return "account.reinstated"
        case .channelCreated: return "channel.created"
        case .channelUpdated: return "channel.updated"
        case .channelStreamKeyRotated: return "channel.stream_key_rotated"
        case .tokensGranted: return "tokens.granted"
        case .giftSent: return "gift.sent"
        case .streamStarted: return "stream.started"
        case .streamEnded: return "stream.ended"
        case .viewerJoined: return "viewer.joined"
        case .viewerDisconnected: return "viewer.disconnected"
        case .viewerReconnected: return "viewer.reconnected"
        case .viewerLeft: return "viewer.left"
        case .minuteBilled: return "minute.billed"
        case .billingStopped: return "billing.stopped"
        case .tokensPurchased: return "tokens.purchased"
        case .channelSubscriptionTiersSet: return "channel.subscription_tiers_set"
        case .subscriptionStarted: return "subscription.started"
        case .subscriptionRenewed: return "subscription.renewed"
        case .subscriptionRenewalFailed: return "subscription.renewal_failed"
        case .subscriptionCanceled: return "subscription.canceled"
        case .subscriptionExpired: return "subscription.expired"
        case .payoutRequested: return "payout.requested"
        case .payoutApproved: return "payout.approved"
        case .payoutRejected: return "payout.rejected"
        case .payoutPaid: return "payout.paid"
        case .chatMessagePosted: return "chat.message_posted"
        case .chatMessageDeleted: return "chat.message_deleted"
        case .chatUserBanned: return "chat.user_banned"
        case .chatUserUnbanned: return "chat.user_unbanned"
        case .chatSettingsChanged: return "chat.settings_changed"
        case .chatModeratorAdded: return "chat.moderator_added"
        case .chatModeratorRemoved: return "chat.moderator_removed"
        case .pollOpened: return "poll.opened"
        case .pollVoted: return "poll.voted"
        case .pollClosed: return "poll.closed"
        case .adCreated: return "ad.created"
        case .adBreakStarted: return "ad.break_started"
        case .adImpression: return "ad.impression"
        case .appRegistered: return "app.registered"
        case .appAuthorized: return "app.authorized"
        case .appRevoked: return "app.revoked"
        case .accessTokenCreated: return "access_token.created"
        case .accessTokenRevoked: return "access_token.revoked"
        case .webhookEndpointCreated: return "webhook.endpoint_created"
        case .webhookEndpointUpdated: return "webhook.endpoint_updated"
        case .webhookEndpointDisabled: return "webhook.endpoint_disabled"
        case .webhookEndpointEnabled: return "webhook.endpoint_enabled"
        case .webhookEndpointDeleted: return "webhook.endpoint_deleted"
        case .webhookSecretRotated: return "webhook.endpoint_secret_rotated"
        }
    }

    public var schema: Int { 1 }

    /// The aggregate stream the event belongs to.
    public var stream: String {
        switch self {
        case .accountRegistered(let e): return Streams.account(e.accountId)
        case .accountRoleChanged(let e): return Streams.account(e.accountId)
        case .accountSuspended(let e): return Streams.account(e.accountId)
        case .accountReinstated(let e): return Streams.account(e.accountId)
        case .channelCreated(let e): return Streams.channel(e.channelId)
        case .channelUpdated(let e): return Streams.channel(e.channelId)
        case .channelStreamKeyRotated(let e): return Streams.channel(e.channelId)
        case .tokensGranted(let e): return Streams.wallet(e.accountId)
        case .giftSent(let e): return Streams.wallet(e.fromAccountId)
        case .streamStarted(let e): return Streams.channel(e.channelId)
        case .streamEnded(let e): return Streams.channel(e.channelId)
        case .viewerJoined(let e): return Streams.stream(e.streamId)
        case .viewerDisconnected(let e): return Streams.stream(e.streamId)
        case .viewerReconnected(let e): return Streams.stream(e.streamId)
        case .viewerLeft(let e): return Streams.stream(e.streamId)
        case .minuteBilled(let e): return Streams.wallet(e.viewerId)
        case .billingStopped(let e): return Streams.wallet(e.viewerId)
        case .tokensPurchased(let e): return Streams.wallet(e.accountId)
        case .channelSubscriptionTiersSet(let e): return Streams.channel(e.channelId)
        case .subscriptionStarted(let e): return Streams.subscription(e.subscriptionId)
        case .subscriptionRenewed(let e): return Streams.subscription(e.subscriptionId)
        case .subscriptionRenewalFailed(let e): return Streams.subscription(e.subscriptionId)
        case .subscriptionCanceled(let e): return Streams.subscription(e.subscriptionId)
        case .subscriptionExpired(let e): return Streams.subscription(e.subscriptionId)
        case .payoutRequested(let e): return Streams.earnings(e.creatorId)
        case .payoutApproved(let e): return Streams.earnings(e.creatorId)
        case .payoutRejected(let e): return Streams.earnings(e.creatorId)
        case .payoutPaid(let e): return Streams.earnings(e.creatorId)
        case .chatMessagePosted(let e): return Streams.chat(e.channelId)
        case .chatMessageDeleted(let e): return Streams.chat(e.channelId)
        case .chatUserBanned(let e): return Streams.chat(e.channelId)
        case .chatUserUnbanned(let e): return Streams.chat(e.channelId)
        case .chatSettingsChanged(let e): return Streams.chat(e.channelId)
        case .chatModeratorAdded(let e): return Streams.chat(e.channelId)
        case .chatModeratorRemoved(let e): return Streams.chat(e.channelId)
        case .pollOpened(let e): return Streams.poll(e.pollId)
        case .pollVoted(let e): return Streams.poll(e.pollId)
        case .pollClosed(let e): return Streams.poll(e.pollId)
        case .adCreated: return Streams.ads
        case .adBreakStarted(let e): return Streams.channel(e.channelId)
        case .adImpression(let e): return Streams.channel(e.channelId)
        case .appRegistered(let e): return Streams.app(e.appId)
        case .appAuthorized(let e): return Streams.app(e.appId)
        case .appRevoked(let e): return Streams.app(e.appId)
        case .accessTokenCreated(let e): return Streams.account(e.accountId)
        case .accessTokenRevoked(let e): return Streams.account(e.accountId)
        case .webhookEndpointCreated(let e): return Streams.app(e.appId ?? e.ownerId)
        case .webhookEndpointUpdated(let e): return Streams.app(e.appId ?? e.ownerId)
        case .webhookEndpointDisabled(let e): return Streams.app(e.appId ?? e.ownerId)
        case .webhookEndpointEnabled(let e): return Streams.app(e.appId ?? e.ownerId)
        case .webhookEndpointDeleted(let e): return Streams.app(e.appId ?? e.ownerId)
        case .webhookSecretRotated(let e): return Streams.app(e.appId ?? e.ownerId)
        }
    }

    /// The payload as JSON bytes (declaration order, explicit nulls): what the log stores.
    public func encodedData() throws -> [UInt8] {
        switch self {
        case .accountRegistered(let e): return try JSONEncoding.encode(e)
        case .accountRoleChanged(let e): return try JSONEncoding.encode(e)
        case .accountSuspended(let e): return try JSONEncoding.encode(e)
        case .accountReinstated(let e): return try JSONEncoding.encode(e)
        case .channelCreated(let e): return try JSONEncoding.encode(e)
        case .channelUpdated(let e): return try JSONEncoding.encode(e)
        case .channelStreamKeyRotated(let e): return try JSONEncoding.encode(e)
        case .tokensGranted(let e): return try JSONEncoding.encode(e)
        case .giftSent(let e): return try e.encodedJSON()
        case .streamStarted(let e): return try JSONEncoding.encode(e)
        case .streamEnded(let e): return try JSONEncoding.encode(e)
        case .viewerJoined(let e): return try JSONEncoding.encode(e)
        case .viewerDisconnected(let e): return try JSONEncoding.encode(e)
        case .viewerReconnected(let e): return try JSONEncoding.encode(e)
        case .viewerLeft(let e): return try JSONEncoding.encode(e)
        case .minuteBilled(let e): return try JSONEncoding.encode(e)
        case .billingStopped(let e): return try JSONEncoding.encode(e)
        case .tokensPurchased(let e): return try JSONEncoding.encode(e)
        case .channelSubscriptionTiersSet(let e): return try JSONEncoding.encode(e)
        case .subscriptionStarted(let e): return try JSONEncoding.encode(e)
        case .subscriptionRenewed(let e): return try JSONEncoding.encode(e)
        case .subscriptionRenewalFailed(let e): return try JSONEncoding.encode(e)
        case .subscriptionCanceled(let e): return try JSONEncoding.encode(e)
        case .subscriptionExpired(let e): return try JSONEncoding.encode(e)
        case .payoutRequested(let e): return try JSONEncoding.encode(e)
        case .payoutApproved(let e): return try JSONEncoding.encode(e)
        case .payoutRejected(let e): return try JSONEncoding.encode(e)
        case .payoutPaid(let e): return try JSONEncoding.encode(e)
        case .chatMessagePosted(let e): return try JSONEncoding.encode(e)
        case .chatMessageDeleted(let e): return try JSONEncoding.encode(e)
        case .chatUserBanned(let e): return try JSONEncoding.encode(e)
        case .chatUserUnbanned(let e): return try JSONEncoding.encode(e)
        case .chatSettingsChanged(let e): return try JSONEncoding.encode(e)
        case .chatModeratorAdded(let e): return try JSONEncoding.encode(e)
        case .chatModeratorRemoved(let e): return try JSONEncoding.encode(e)
        case .pollOpened(let e): return try JSONEncoding.encode(e)
        case .pollVoted(let e): return try JSONEncoding.encode(e)
        case .pollClosed(let e): return try JSONEncoding.encode(e)
        case .adCreated(let e): return try JSONEncoding.encode(e)
        case .adBreakStarted(let e): return try JSONEncoding.encode(e)
        case .adImpression(let e): return try JSONEncoding.encode(e)
        case .appRegistered(let e): return try JSONEncoding.encode(e)
        case .appAuthorized(let e): return try JSONEncoding.encode(e)
        case .appRevoked(let e): return try JSONEncoding.encode(e)
        case .accessTokenCreated(let e): return try JSONEncoding.encode(e)
        case .accessTokenRevoked(let e): return try JSONEncoding.encode(e)
        case .webhookEndpointCreated(let e): return try JSONEncoding.encode(e)
        case .webhookEndpointUpdated(let e): return try JSONEncoding.encode(e)
        case .webhookEndpointDisabled(let e): return try JSONEncoding.encode(e)
        case .webhookEndpointEnabled(let e): return try JSONEncoding.encode(e)
        case .webhookEndpointDeleted(let e): return try JSONEncoding.encode(e)
        case .webhookSecretRotated(let e): return try JSONEncoding.encode(e)
        }
    }

    /// Decodes a stored event. Returns nil for a type this build does not know (a newer
    /// writer's event): consumers skip what they do not understand.
    public static func decode(type: String, schema: Int, data: [UInt8]) throws -> DomainEvent? {
        try data.withUnsafeBytes { try decode(type: type, schema: schema, bytes: $0) }
    }

    /// The same, straight from a buffer (replay decodes from SQLite's row without copying it).
    public static func decode(type: String, schema: Int, bytes: UnsafeRawBufferPointer) throws -> DomainEvent? {
        func d<T: Decodable>(_ t: T.Type) throws -> T { try JSONDecoding.decode(t, from: bytes) }
        switch type {
        case "account.registered": return .accountRegistered(try d(AccountRegistered.self))
        case "account.role_changed": return .accountRoleChanged(try d(AccountRoleChanged.self))
        case "account.suspended": return .accountSuspended(try d(AccountSuspended.self))
        case "account.reinstated": return .accountReinstated(try d(AccountReinstated.self))
        case "channel.created": return .channelCreated(try d(ChannelCreated.self))
        case "channel.updated": return .channelUpdated(try d(ChannelUpdated.self))
        case "channel.stream_key_rotated": return .channelStreamKeyRotated(try d(ChannelStreamKeyRotated.self))
        case "tokens.granted": return .tokensGranted(try d(TokensGranted.self))
        case "stream.started": return .streamStarted(try d(StreamStarted.self))
        case "stream.ended": return .streamEnded(try d(StreamEnded.self))
        case "viewer.joined": return .viewerJoined(try d(ViewerJoined.self))
        case "viewer.disconnected": return .viewerDisconnected(try d(ViewerDisconnected.self))
        case "viewer.reconnected": return .viewerReconnected(try d(ViewerReconnected.self))
        case "viewer.left": return .viewerLeft(try d(ViewerLeft.self))
        case "minute.billed": return .minuteBilled(try d(MinuteBilled.self))
        case "billing.stopped": return .billingStopped(try d(BillingStopped.self))
        case "tokens.purchased": return .tokensPurchased(try d(TokensPurchased.self))
        case "channel.subscription_tiers_set": return .channelSubscriptionTiersSet(try d(ChannelSubscriptionTiersSet.self))
        case "subscription.started": return .subscriptionStarted(try d(SubscriptionCharged.self))
        case "subscription.renewed": return .subscriptionRenewed(try d(SubscriptionCharged.self))
        case "subscription.renewal_failed": return .subscriptionRenewalFailed(try d(SubscriptionRenewalFailed.self))
        case "subscription.canceled": return .subscriptionCanceled(try d(SubscriptionCanceled.self))
        case "subscription.expired": return .subscriptionExpired(try d(SubscriptionExpired.self))
        case "payout.requested": return .payoutRequested(try d(PayoutRequested.self))
        case "payout.approved": return .payoutApproved(try d(PayoutDecided.self))
        case "payout.rejected": return .payoutRejected(try d(PayoutDecided.self))
        case "payout.paid": return .payoutPaid(try d(PayoutDecided.self))
        case "chat.message_posted": return .chatMessagePosted(try d(ChatMessagePosted.self))
        case "chat.message_deleted": return .chatMessageDeleted(try d(ChatMessageDeleted.self))
        case "chat.user_banned": return .chatUserBanned(try d(ChatBan.self))
        case "chat.user_unbanned": return .chatUserUnbanned(try d(ChatBan.self))
        case "chat.settings_changed": return .chatSettingsChanged(try d(ChatSettingsChanged.self))
        case "chat.moderator_added": return .chatModeratorAdded(try d(ChatModeratorChanged.self))
        case "chat.moderator_removed": return .chatModeratorRemoved(try d(ChatModeratorChanged.self))
        case "poll.opened": return .pollOpened(try d(PollOpened.self))
        case "poll.voted": return .pollVoted(try d(PollVoted.self))
        case "poll.closed": return .pollClosed(try d(PollClosed.self))
        case "ad.created": return .adCreated(try d(AdCreated.self))
        case "ad.break_started": return .adBreakStarted(try d(AdBreakStarted.self))
        case "ad.impression": return .adImpression(try d(AdImpression.self))
        case "app.registered": return .appRegistered(try d(AppRegistered.self))
        case "app.authorized": return .appAuthorized(try d(AppAuthorization.self))
        case "app.revoked": return .appRevoked(try d(AppAuthorization.self))
        case "access_token.created": return .accessTokenCreated(try d(AccessTokenChanged.self))
        case "access_token.revoked": return .accessTokenRevoked(try d(AccessTokenChanged.self))
        case "webhook.endpoint_created": return .webhookEndpointCreated(try d(WebhookEndpointChanged.self))
        case "webhook.endpoint_updated": return .webhookEndpointUpdated(try d(WebhookEndpointChanged.self))
        case "webhook.endpoint_disabled": return .webhookEndpointDisabled(try d(WebhookEndpointChanged.self))
        case "webhook.endpoint_enabled": return .webhookEndpointEnabled(try d(WebhookEndpointChanged.self))
        case "webhook.endpoint_deleted": return .webhookEndpointDeleted(try d(WebhookEndpointChanged.self))
        case "webhook.endpoint_secret_rotated": return .webhookSecretRotated(try d(WebhookSecretRotated.self))
        case "gift.sent":
            // The hot path of replay: the writer's own form straight from the bytes, else parse
            // once and read the members directly (which also reports what is wrong).
            if let gift = GiftSent(canonicalJSON: bytes) { return .giftSent(gift) }
            let value = try JSONValue(parsing: bytes)
            guard case .object(let object) = value else {
                throw EventPayloadError(type: type, reason: "the payload must be a JSON object")
            }
            return .giftSent(try GiftSent(json: object))
        default: return nil
        }
    }
}
