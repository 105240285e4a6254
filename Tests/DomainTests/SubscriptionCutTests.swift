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
    static func joined(_ session: String, _ viewer: String, price: Int64 = 0) -> DomainEvent {
        .viewerJoined(ViewerJoined(streamId: "str_1", channelId: F.cleoChannel, sessionId: session, viewerId: viewer, transport: .webrtc,
                                   pricePerMinute: price, at: T.zero))
    }
    static func minute(_ session: String, _ viewer: String) -> DomainEvent {
        .minuteBilled(MinuteBilled(sessionId: session, streamId: "str_1", channelId: F.cleoChannel, viewerId: viewer,
                                   creatorId: F.cleo, minute: 1, tokens: 5, creatorTokens: 4, feeTokens: 1))
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

/// A ban and a suspension end viewing sessions in the log too (so billing stops and the story
/// is complete), not only the media: the SFU obeys `viewer.left` and `stream.ended`.
@Suite("Bans and suspensions end viewing sessions")
struct BanAndSuspensionCutTests {
    /// Cleo's paid show (5 tokens a minute): Vera paid her first minute; Carl watches too.
    static let paidShow: [DomainEvent] = F.world + [
        F.channelUpdated(access: .paid, price: 5), F.granted(F.vera, 50), F.granted(F.carl, 50),
        .streamStarted(StreamStarted(streamId: "str_1", channelId: F.cleoChannel, title: "Cleo Live", access: .paid, pricePerMinute: 5,
                                     codecs: ["opus", "VP8"], simulcastLayers: [], startedAt: T.zero)),
        Show.joined("ses_1", F.vera, price: 5), Show.minute("ses_1", F.vera),
        Show.joined("ses_2", F.carl, price: 5), Show.minute("ses_2", F.carl),
    ]
    static func stopped(_ session: String, _ viewer: String, _ reason: BillingStopReason) -> DomainEvent {
        .billingStopped(BillingStopped(sessionId: session, streamId: "str_1", viewerId: viewer, reason: reason, minutesBilled: 1))
    }

    @Test func aBanEndsTheUsersSessionOnThatChannel() {
        let ban = Command.banChatUser(BanChatUser(channelId: F.cleoChannel, userId: F.vera, actorId: F.cleo, until: nil, reason: "spam"))
        let state = given(Self.paidShow).when(ban, at: T.s(30)).then([
            .chatUserBanned(ChatBan(channelId: F.cleoChannel, userId: F.vera, by: F.cleo, until: nil, reason: "spam")),
            Self.stopped("ses_1", F.vera, .left), Show.kicked("ses_1", connectedMs: 30_000),
        ])
        #expect(state.sessions["ses_1"] == nil && state.sessions["ses_2"] != nil, "Carl keeps watching")
        // no more minutes for Vera
        #expect(state.nextDue(.test) == T.s(60), "only Carl's next minute is due")
    }

    @Test func aSuspensionEndsTheAccountsSessionsAndTheStreamsOfItsChannels() {
        let suspendVera = Command.suspendAccount(SuspendAccount(accountId: F.vera, reason: "fraud", actorId: F.root))
        given(Self.paidShow).when(suspendVera, at: T.s(30)).then([
            F.suspended(F.vera, reason: "fraud"), Self.stopped("ses_1", F.vera, .left), Show.kicked("ses_1", connectedMs: 30_000),
        ])
        let suspendCleo = Command.suspendAccount(SuspendAccount(accountId: F.cleo, reason: "fraud", actorId: F.root))
        let state = given(Self.paidShow).when(suspendCleo, at: T.s(30)).then([
            F.suspended(F.cleo, reason: "fraud"),
            Self.stopped("ses_1", F.vera, .streamEnded),
            .viewerLeft(ViewerLeft(streamId: "str_1", sessionId: "ses_1", reason: .streamEnded, connectedMs: 30_000)),
            Self.stopped("ses_2", F.carl, .streamEnded),
            .viewerLeft(ViewerLeft(streamId: "str_1", sessionId: "ses_2", reason: .streamEnded, connectedMs: 30_000)),
            .streamEnded(StreamEnded(streamId: "str_1", channelId: F.cleoChannel, reason: .moderator, durationMs: 30_000)),
        ])
        #expect(state.channels[F.cleoChannel]?.liveStreamId == nil, "the channel can go live again once Cleo is reinstated")
    }
}
