import Domain
import MarqueeCore
import Testing

/// Cleo's subscribers-only show: Vera (empty wallet) and Mona (a moderator, empty wallet) hold
/// subscriptions that cannot renew, Carl's renews; all of them and Cleo herself are watching.
private enum Show {
    static let period = DomainConfig.test.subscriptionPeriodMillis
    static let end = T.zero.adding(milliseconds: period)
    /// No retries: a renewal that fails at period end expires the subscription at once.
    static let config: DomainConfig = {
        var config = DomainConfig.test
        config.renewalRetries = 0
        return config
    }()
    static let tiers = DomainEvent.channelSubscriptionTiersSet(ChannelSubscriptionTiersSet(
        channelId: F.cleoChannel, tiers: [SubscriptionTier(name: "fan", tokens: 30)], subscribersWatchPaidFree: false))
    static func charged(_ id: String, _ viewer: String, start: Timestamp = T.zero, renewed: Bool = false) -> DomainEvent {
        let e = SubscriptionCharged(subscriptionId: id, viewerId: viewer, channelId: F.cleoChannel, creatorId: F.cleo, tier: "fan",
                                    tokens: 30, creatorTokens: 24, feeTokens: 6, periodStart: start,
                                    periodEnd: start.adding(milliseconds: period))
        return renewed ? .subscriptionRenewed(e) : .subscriptionStarted(e)
    }
    static func started(_ access: ChannelAccess) -> DomainEvent {
        .streamStarted(StreamStarted(streamId: "str_1", channelId: F.cleoChannel, title: "Cleo Live", access: access, pricePerMinute: 0,
                                     codecs: ["opus", "VP8"], simulcastLayers: [], startedAt: T.zero))
    }
    static func joined(_ session: String, _ viewer: String) -> DomainEvent {
        .viewerJoined(ViewerJoined(streamId: "str_1", channelId: F.cleoChannel, sessionId: session, viewerId: viewer, transport: .webrtc,
                                   pricePerMinute: 0, at: T.zero))
    }
    static func expired(_ id: String, _ reason: SubscriptionExpiryReason = .paymentFailed) -> DomainEvent {
        .subscriptionExpired(SubscriptionExpired(subscriptionId: id, reason: reason))
    }
    static func kicked(_ session: String, connectedMs: Int64) -> DomainEvent {
        .viewerLeft(ViewerLeft(streamId: "str_1", sessionId: session, reason: .kicked, connectedMs: connectedMs))
    }
    static func watching(_ access: ChannelAccess) -> [DomainEvent] {
        F.world + [F.channelUpdated(access: access), tiers, F.granted(F.vera, 30), F.granted(F.mona, 30), F.granted(F.carl, 60),
                   charged("sub_1", F.vera), charged("sub_2", F.mona), charged("sub_3", F.carl), started(access),
                   joined("ses_1", F.vera), joined("ses_2", F.mona), joined("ses_3", F.carl), joined("ses_4", F.cleo)]
    }
}

@Suite("Subscriptions: an expired subscription ends its viewer's subscribers-only sessions")
struct SubscriptionCutTests {
    @Test func expiryKicksTheViewerButNotStaffNorActiveSubscribers() {
        let state = given(Show.watching(.subscribers), config: Show.config).when(.tick, at: Show.end).then([
            Show.expired("sub_1"), Show.kicked("ses_1", connectedMs: Show.period),  // Vera: her media is cut (the SFU obeys viewer.left)
            Show.expired("sub_2"),                                                  // Mona moderates: she stays
            Show.charged("sub_3", F.carl, start: Show.end, renewed: true),          // Carl renewed: he stays
        ])
        #expect(state.sessions["ses_1"] == nil)
        #expect(Set(state.streams["str_1"]?.sessionIds ?? []) == ["ses_2", "ses_3", "ses_4"])
    }

    @Test func onAPublicStreamAnExpiryCutsNobody() {
        given(Show.watching(.public), config: Show.config).when(.tick, at: Show.end).then([
            Show.expired("sub_1"), Show.expired("sub_2"), Show.charged("sub_3", F.carl, start: Show.end, renewed: true),
        ])
    }

    @Test func cancelingASubscriptionThatIsPastDueKicksAtOnce() {
        let failed = DomainEvent.subscriptionRenewalFailed(SubscriptionRenewalFailed(
            subscriptionId: "sub_1", reason: "insufficient_funds: the wallet holds 0, the renewal needs 30", attempt: 1,
            retryAt: Show.end.adding(milliseconds: DomainConfig.test.renewalRetryMillis)))
        let cancel = Command.cancelSubscription(CancelSubscription(subscriptionId: "sub_1", actorId: F.vera))
        given(Show.watching(.subscribers) + [failed]).when(cancel, at: Show.end.adding(seconds: 100))
            .then([Show.expired("sub_1", .canceled), Show.kicked("ses_1", connectedMs: Show.period + 100_000)])
    }
}
