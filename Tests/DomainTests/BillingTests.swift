import Domain
import MarqueeCore
import Testing

/// A paid show on Cleo's channel: 5 tokens a minute, 20 % fee (1 token), period 60 s, grace 60 s.
private enum Show {
    static let stream = "str_1", session = "ses_1"
    static let price: Int64 = 5
    static let paidChannel = F.channelUpdated(access: .paid, price: price)
    static let started = DomainEvent.streamStarted(StreamStarted(
        streamId: stream, channelId: F.cleoChannel, title: "Cleo Live", access: .paid, pricePerMinute: price,
        codecs: ["opus", "vp8"], simulcastLayers: [], startedAt: T.zero))
    static func live(balance: Int64) -> [DomainEvent] { F.world + [paidChannel, F.granted(F.vera, balance), started] }

    static let joined = DomainEvent.viewerJoined(ViewerJoined(
        streamId: stream, channelId: F.cleoChannel, sessionId: session, viewerId: F.vera, transport: .webrtc,
        pricePerMinute: price, at: T.zero))
    static func minute(_ k: Int) -> DomainEvent {
        .minuteBilled(MinuteBilled(sessionId: session, streamId: stream, channelId: F.cleoChannel, viewerId: F.vera,
                                   creatorId: F.cleo, minute: k, tokens: 5, creatorTokens: 4, feeTokens: 1))
    }
    static func watching(balance: Int64) -> [DomainEvent] { live(balance: balance) + [joined, minute(1)] }
    static func disconnected(at: Timestamp, connectedMs: Int64) -> DomainEvent {
        .viewerDisconnected(ViewerDisconnected(streamId: stream, sessionId: session, at: at, connectedMs: connectedMs))
    }
    static func reconnected(at: Timestamp) -> DomainEvent {
        .viewerReconnected(ViewerReconnected(streamId: stream, sessionId: session, at: at))
    }
    static func stopped(_ reason: BillingStopReason, minutes: Int) -> DomainEvent {
        .billingStopped(BillingStopped(sessionId: session, streamId: stream, viewerId: F.vera, reason: reason, minutesBilled: minutes))
    }
    static func left(_ reason: ViewerLeftReason, connectedMs: Int64) -> DomainEvent {
        .viewerLeft(ViewerLeft(streamId: stream, sessionId: session, reason: reason, connectedMs: connectedMs))
    }
    static let join = Command.joinViewer(JoinViewer(sessionId: session, channelId: F.cleoChannel, viewerId: F.vera))
    static let disconnect = Command.disconnectViewer(SessionCommand(sessionId: session))
    static let reconnect = Command.reconnectViewer(SessionCommand(sessionId: session))
}

@Suite("Billing: paid minutes are charged as they begin, for connected time only")
struct BillingTests {
    @Test func joiningAPaidShowChargesTheFirstMinuteAtOnce() {
        let state = given(Show.live(balance: 100)).when(Show.join, at: T.zero).then([Show.joined, Show.minute(1)])
        #expect(state.wallet(F.vera).balance == 95)
        #expect(state.wallet(F.cleo).earnings == 4)
        #expect(state.platformFees == 1)
    }

    @Test func at59SecondsStillOneMinute() {
        given(Show.watching(balance: 100)).when(.tick, at: T.ms(59_999)).thenNothingHappens()
        given(Show.watching(balance: 100)).when(.tick, at: T.s(59)).thenNothingHappens()
    }

    @Test func at60SecondsTheSecondMinuteBegins() {
        given(Show.watching(balance: 100)).when(.tick, at: T.s(60)).then([Show.minute(2)])
    }

    @Test func at61SecondsTwoMinutesAndNoMore() {
        let state = given(Show.watching(balance: 100)).when(.tick, at: T.s(61)).then([Show.minute(2)])
        #expect(state.sessions[Show.session]?.minutesBilled == 2)
        #expect(state.nextDue(.test) == T.s(120))
    }

    @Test func aLateTickCatchesUpMinuteByMinute() {
        given(Show.watching(balance: 100)).when(.tick, at: T.s(185))
            .then([Show.minute(2), Show.minute(3), Show.minute(4)])
    }

    @Test func aMinuteInterruptedByADisconnectResumesWithoutASecondCharge() {
        // connected 0–30 s, away 30–50 s, back at 50 s: 30 s of the first minute remain.
        let history = Show.watching(balance: 100) + [Show.disconnected(at: T.s(30), connectedMs: 30_000)]
        given(Show.watching(balance: 100)).when(Show.disconnect, at: T.s(30))
            .then([Show.disconnected(at: T.s(30), connectedMs: 30_000)])
        given(history).when(Show.reconnect, at: T.s(50)).then([Show.reconnected(at: T.s(50))])
        let back = history + [Show.reconnected(at: T.s(50))]
        given(back).when(.tick, at: T.s(79)).thenNothingHappens()
        given(back).when(.tick, at: T.s(80)).then([Show.minute(2)])
        #expect(given(back).state.nextDue(.test) == T.s(80))
        // time while away is never billed, however long the tick waits
        given(history).when(.tick, at: T.s(89)).thenNothingHappens()
    }

    @Test func aDisconnectPastTheGracePeriodEndsTheSession() {
        let history = Show.watching(balance: 100) + [Show.disconnected(at: T.s(30), connectedMs: 30_000)]
        given(history).when(.tick, at: T.s(90)).thenNothingHappens()  // exactly the grace: still waiting
        let state = given(history).when(.tick, at: T.ms(90_001))
            .then([Show.stopped(.left, minutes: 1), Show.left(.timeout, connectedMs: 30_000)])
        #expect(state.sessions.isEmpty)
        given(history).when(Show.reconnect, at: T.s(95))
            .thenThrows(.conflict("the session ses_1 was away longer than the grace period; join again"))
    }

    @Test func aBalanceForExactlyThreeMinutes() {
        let state = given(Show.live(balance: 15)).when(Show.join, at: T.zero).then([Show.joined, Show.minute(1)])
        #expect(state.wallet(F.vera).balance == 10)
        let three = Show.live(balance: 15) + [Show.joined, Show.minute(1), Show.minute(2), Show.minute(3)]
        let after = given(three).when(.tick, at: T.s(180))
            .then([Show.stopped(.insufficientFunds, minutes: 3), Show.left(.insufficientFunds, connectedMs: 180_000)])
        #expect(after.wallet(F.vera).balance == 0)
        #expect(after.wallet(F.cleo).earnings == 12)
        #expect(after.platformFees == 3)
    }

    @Test func anEmptyWalletCannotJoin() {
        given(Show.live(balance: 4)).when(Show.join, at: T.zero).thenThrows(.insufficientTokens(balance: 4, needed: 5))
    }

    @Test func aCrashBetweenTwoMinutesBillsNoTimeWhileDown() {
        // minute 1 charged at 0 s; the last event before the crash is at 40 s; back up at 10 min.
        let history = Show.watching(balance: 100)
        let suspended = given(history).when(.suspendSessions(at: T.s(40)), at: T.s(600))
            .then([Show.disconnected(at: T.s(40), connectedMs: 40_000)])
        #expect(suspended.sessions[Show.session]?.connected == false)
        // the viewer was away longer than the grace: the session ends with exactly one minute billed
        given(history + [Show.disconnected(at: T.s(40), connectedMs: 40_000)]).when(.tick, at: T.s(600))
            .then([Show.stopped(.left, minutes: 1), Show.left(.timeout, connectedMs: 40_000)])
        // back within the grace instead: the first minute resumes, the second is due after 20 s more
        let back = history + [Show.disconnected(at: T.s(40), connectedMs: 40_000), Show.reconnected(at: T.s(70))]
        given(back).when(.tick, at: T.s(89)).thenNothingHappens()
        given(back).when(.tick, at: T.s(90)).then([Show.minute(2)])
    }

    @Test func leavingStopsBillingAndRecordsConnectedTime() {
        given(Show.watching(balance: 100) + [Show.minute(2)]).when(.leaveViewer(LeaveViewer(sessionId: Show.session)), at: T.s(75))
            .then([Show.stopped(.left, minutes: 2), Show.left(.closed, connectedMs: 75_000)])
        // leaving twice changes nothing
        given(Show.live(balance: 100)).when(.leaveViewer(LeaveViewer(sessionId: Show.session)), at: T.s(75)).thenNothingHappens()
    }

    @Test func endingTheStreamEndsEverySession() {
        let state = given(Show.watching(balance: 100))
            .when(.endStream(EndStream(streamId: Show.stream, reason: .endedByCreator, actorId: F.cleo)), at: T.s(30))
            .then([Show.stopped(.streamEnded, minutes: 1), Show.left(.streamEnded, connectedMs: 30_000),
                   .streamEnded(StreamEnded(streamId: Show.stream, channelId: F.cleoChannel, reason: .endedByCreator, durationMs: 30_000))])
        #expect(state.channels[F.cleoChannel]?.liveStreamId == nil)
        given(Show.watching(balance: 100))
            .when(.endStream(EndStream(streamId: Show.stream, reason: .endedByCreator, actorId: F.vera)), at: T.s(30))
            .thenThrows(.forbidden("only the channel's owner or a moderator may end its stream"))
    }

    @Test func accessRules() {
        // anonymous viewers cannot watch a paid show; the owner watches free
        given(Show.live(balance: 0)).when(.joinViewer(JoinViewer(sessionId: "ses_a", channelId: F.cleoChannel, viewerId: nil)))
            .thenThrows(.forbidden("log in to watch a paid show"))
        let owner = given(Show.live(balance: 0)).when(.joinViewer(JoinViewer(sessionId: "ses_o", channelId: F.cleoChannel, viewerId: F.cleo)))
        #expect((try? owner.result.get())?.count == 1)
        // a channel that is not live, and a reused session id
        given(F.world).when(Show.join).thenThrows(.conflict("the channel is not live"))
        given(Show.watching(balance: 100)).when(Show.join).thenThrows(.conflict("the id ses_1 is already used"))
    }

    @Test func subscribersWatchPaidShowsFreeWhenTheCreatorSaysSo() {
        let tiers = DomainEvent.channelSubscriptionTiersSet(ChannelSubscriptionTiersSet(
            channelId: F.cleoChannel, tiers: [SubscriptionTier(name: "fan", tokens: 30)], subscribersWatchPaidFree: true))
        let sub = DomainEvent.subscriptionStarted(SubscriptionCharged(
            subscriptionId: "sub_1", viewerId: F.vera, channelId: F.cleoChannel, creatorId: F.cleo, tier: "fan", tokens: 30,
            creatorTokens: 24, feeTokens: 6, periodStart: T.zero, periodEnd: T.zero.adding(milliseconds: DomainConfig.test.subscriptionPeriodMillis)))
        let free = DomainEvent.viewerJoined(ViewerJoined(streamId: Show.stream, channelId: F.cleoChannel, sessionId: Show.session,
                                                         viewerId: F.vera, transport: .webrtc, pricePerMinute: 0, at: T.s(5)))
        given(Show.live(balance: 30) + [tiers, sub]).when(Show.join, at: T.s(5)).then([free])
    }
}
