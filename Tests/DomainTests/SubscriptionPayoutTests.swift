import Domain
import MarqueeCore
import Testing

private enum Sub {
    static let period = DomainConfig.test.subscriptionPeriodMillis
    static let day = DomainConfig.test.renewalRetryMillis
    static let tiers = DomainEvent.channelSubscriptionTiersSet(ChannelSubscriptionTiersSet(
        channelId: F.cleoChannel, tiers: [SubscriptionTier(name: "fan", tokens: 30), SubscriptionTier(name: "vip", tokens: 100)],
        subscribersWatchPaidFree: false))
    static func charged(start: Timestamp, renewed: Bool = false) -> DomainEvent {
        let e = SubscriptionCharged(subscriptionId: "sub_1", viewerId: F.vera, channelId: F.cleoChannel, creatorId: F.cleo, tier: "fan",
                                    tokens: 30, creatorTokens: 24, feeTokens: 6, periodStart: start,
                                    periodEnd: start.adding(milliseconds: period))
        return renewed ? .subscriptionRenewed(e) : .subscriptionStarted(e)
    }
    static let subscribe = Command.subscribe(Subscribe(subscriptionId: "sub_1", viewerId: F.vera, channelId: F.cleoChannel, tier: "fan"))
    static func failed(_ attempt: Int, retryAt: Timestamp, balance: Int64 = 10) -> DomainEvent {
        .subscriptionRenewalFailed(SubscriptionRenewalFailed(
            subscriptionId: "sub_1", reason: "insufficient_funds: the wallet holds \(balance), the renewal needs 30",
            attempt: attempt, retryAt: retryAt))
    }
    static func expired(_ reason: SubscriptionExpiryReason) -> DomainEvent {
        .subscriptionExpired(SubscriptionExpired(subscriptionId: "sub_1", reason: reason))
    }
    static let end = T.zero.adding(milliseconds: period)
}

@Suite("Subscriptions: charged at once, renewed from the wallet, retried, canceled to period end")
struct SubscriptionTests {
    @Test func subscribingChargesAtOnceWithTheFeeSplit() {
        let state = given(F.world + [Sub.tiers, F.granted(F.vera, 40)]).when(Sub.subscribe, at: T.zero).then([Sub.charged(start: T.zero)])
        #expect(state.wallet(F.vera).balance == 10)
        #expect(state.wallet(F.cleo).earnings == 24)
        #expect(state.activeSubscription(viewer: F.vera, channel: F.cleoChannel, now: T.s(1)) != nil)
        #expect(state.nextDue(.test) == Sub.end)
    }

    @Test func subscribingNeedsTokensATierAndNoCurrentSubscription() {
        given(F.world + [Sub.tiers, F.granted(F.vera, 29)]).when(Sub.subscribe).thenThrows(.insufficientTokens(balance: 29, needed: 30))
        given(F.world + [F.granted(F.vera, 100)]).when(Sub.subscribe)
            .thenThrows(.invalid(field: "tier", reason: "the channel offers no subscriptions"))
        given(F.world + [Sub.tiers, F.granted(F.vera, 100), Sub.charged(start: T.zero)])
            .when(.subscribe(Subscribe(subscriptionId: "sub_2", viewerId: F.vera, channelId: F.cleoChannel, tier: "vip")))
            .thenThrows(.conflict("you already have a subscription to this channel (sub_1, active, period ends \(Sub.end.rfc3339))"))
        given(F.world + [Sub.tiers]).when(.subscribe(Subscribe(subscriptionId: "sub_1", viewerId: F.cleo, channelId: F.cleoChannel, tier: "fan")))
            .thenThrows(.forbidden("you cannot subscribe to your own channel"))
    }

    @Test func renewsFromTheWalletAtPeriodEnd() {
        let history = F.world + [Sub.tiers, F.granted(F.vera, 100), Sub.charged(start: T.zero)]
        given(history).when(.tick, at: Sub.end.adding(milliseconds: -1)).thenNothingHappens()
        let state = given(history).when(.tick, at: Sub.end.adding(seconds: 3)).then([Sub.charged(start: Sub.end, renewed: true)])
        #expect(state.wallet(F.vera).balance == 40)
    }

    @Test func threeRetriesOverThreeDaysThenExpiry() {
        var history = F.world + [Sub.tiers, F.granted(F.vera, 40), Sub.charged(start: T.zero)]
        given(history).when(.tick, at: Sub.end).then([Sub.failed(1, retryAt: Sub.end.adding(milliseconds: Sub.day))])
        history.append(Sub.failed(1, retryAt: Sub.end.adding(milliseconds: Sub.day)))
        // no access while the renewal is failing
        #expect(given(history).state.activeSubscription(viewer: F.vera, channel: F.cleoChannel, now: Sub.end) == nil)
        given(history).when(.tick, at: Sub.end.adding(milliseconds: Sub.day))
            .then([Sub.failed(2, retryAt: Sub.end.adding(milliseconds: 2 * Sub.day))])
        history.append(Sub.failed(2, retryAt: Sub.end.adding(milliseconds: 2 * Sub.day)))
        history.append(Sub.failed(3, retryAt: Sub.end.adding(milliseconds: 3 * Sub.day)))
        let state = given(history).when(.tick, at: Sub.end.adding(milliseconds: 3 * Sub.day)).then([Sub.expired(.paymentFailed)])
        #expect(state.subscriptions.isEmpty)
        #expect(state.wallet(F.vera).balance == 10)
    }

    @Test func aRetryThatSucceedsStartsAFreshPeriod() {
        let retry = Sub.end.adding(milliseconds: Sub.day)
        let history = F.world + [Sub.tiers, F.granted(F.vera, 40), Sub.charged(start: T.zero), Sub.failed(1, retryAt: retry),
                                 F.granted(F.vera, 20)]
        given(history).when(.tick, at: retry).then([Sub.charged(start: retry, renewed: true)])
    }

    @Test func cancelKeepsAccessToPeriodEndThenExpires() {
        let history = F.world + [Sub.tiers, F.granted(F.vera, 100), Sub.charged(start: T.zero)]
        let cancel = Command.cancelSubscription(CancelSubscription(subscriptionId: "sub_1", actorId: F.vera))
        let canceled = DomainEvent.subscriptionCanceled(SubscriptionCanceled(subscriptionId: "sub_1", effectiveAt: Sub.end))
        let state = given(history).when(cancel, at: T.s(100)).then([canceled])
        #expect(state.activeSubscription(viewer: F.vera, channel: F.cleoChannel, now: Sub.end.adding(milliseconds: -1)) != nil)
        given(history + [canceled]).when(cancel).thenNothingHappens()
        given(history + [canceled]).when(.tick, at: Sub.end).then([Sub.expired(.canceled)])
        given(history).when(.cancelSubscription(CancelSubscription(subscriptionId: "sub_1", actorId: F.carl)))
            .thenThrows(.forbidden("only the subscriber may cancel a subscription"))
    }

    @Test func tiersAreValidated() {
        func set(_ tiers: [SubscriptionTier], actor: String = F.cleo) -> Command {
            .setSubscriptionTiers(SetSubscriptionTiers(channelId: F.cleoChannel, actorId: actor, tiers: tiers, subscribersWatchPaidFree: false))
        }
        given(F.world).when(set([SubscriptionTier(name: "fan", tokens: 0)]))
            .thenThrows(.invalid(field: "tiers[0].tokens", reason: "must be a whole number from 1 to 1000000000"))
        given(F.world).when(set([SubscriptionTier(name: "fan", tokens: 1), SubscriptionTier(name: "fan", tokens: 2)]))
            .thenThrows(.invalid(field: "tiers[1].name", reason: "names must be unique"))
        given(F.world).when(set([SubscriptionTier(name: "fan", tokens: 1)], actor: F.vera))
            .thenThrows(.forbidden("only the channel's owner may change its tiers"))
    }
}

@Suite("Payouts: earnings held while pending, returned when rejected, gone when paid")
struct PayoutTests {
    static let policy = PayoutPolicy(minimumTokens: 100, currency: "EUR", minorUnits: 1, perTokens: 2)
    static let config = DomainConfig.test.with(payout: policy)
    static let rich = F.world + [F.granted(F.vera, 1000),
                                 F.giftSent(gift: "rocket", quantity: 1, tokens: 500, creator: 400, fee: 100)]
    static func request(_ tokens: Int64, id: String = "pay_1") -> Command {
        .requestPayout(RequestPayout(payoutId: id, creatorId: F.cleo, tokens: tokens, destination: "IBAN DE00 1234"))
    }
    static let requested = DomainEvent.payoutRequested(PayoutRequested(
        payoutId: "pay_1", creatorId: F.cleo, tokens: 301, amount: Money(currency: "EUR", minor: 150), destination: "IBAN DE00 1234"))
    static func decide(_ action: DecidePayout.Action, actor: String = F.root) -> Command {
        .decidePayout(DecidePayout(payoutId: "pay_1", actorId: actor, action: action))
    }

    @Test func requestHoldsEarningsAndConvertsAtTheRateRoundingDown() {
        let state = given(Self.rich, config: Self.config).when(Self.request(301)).then([Self.requested])
        #expect(state.wallet(F.cleo).earnings == 99)
        #expect(state.wallet(F.cleo).pendingPayout == 301)
    }

    @Test func requestRules() {
        given(Self.rich, config: Self.config).when(Self.request(99))
            .thenThrows(.invalid(field: "tokens", reason: "must be a whole number from 100 (the minimum payout) to 1000000000"))
        given(Self.rich, config: Self.config).when(Self.request(401)).thenThrows(.insufficientEarnings(earnings: 400, needed: 401))
        given(Self.rich + [Self.requested], config: Self.config).when(Self.request(99, id: "pay_2"))
            .thenThrows(.conflict("a payout (pay_1) is already pending; wait until it is paid or rejected"))
    }

    @Test func rejectReturnsTokensAndPaidRemovesThem() {
        let history = Self.rich + [Self.requested]
        let rejected = DomainEvent.payoutRejected(PayoutDecided(payoutId: "pay_1", creatorId: F.cleo, tokens: 301, by: F.root, reason: "bad IBAN"))
        let back = given(history, config: Self.config).when(Self.decide(.reject(reason: "bad IBAN"))).then([rejected])
        #expect(back.wallet(F.cleo).earnings == 400)
        let approved = DomainEvent.payoutApproved(PayoutDecided(payoutId: "pay_1", creatorId: F.cleo, tokens: 301, by: F.root))
        given(history, config: Self.config).when(Self.decide(.approve)).then([approved])
        let paid = DomainEvent.payoutPaid(PayoutDecided(payoutId: "pay_1", creatorId: F.cleo, tokens: 301, by: F.root, providerRef: "tr_42"))
        let done = given(history + [approved], config: Self.config).when(Self.decide(.markPaid(providerRef: "tr_42"))).then([paid])
        #expect(done.paidOut == 301 && done.wallet(F.cleo).earnings == 99 && done.wallet(F.cleo).pendingPayout == 0)
        given(history + [paid], config: Self.config).when(Self.decide(.reject(reason: "late")))
            .thenThrows(.conflict("the payout pay_1 is already paid"))
        given(history, config: Self.config).when(Self.decide(.approve, actor: F.cleo))
            .thenThrows(.forbidden("only an admin may decide payouts"))
        given(Self.rich, config: Self.config).when(Self.decide(.approve)).thenThrows(.unknownPayout("pay_1"))
    }
}

@Suite("Token purchases from a verified payment")
struct PurchaseTests {
    static func purchase(ref: String = "evt_1", id: String = "pur_1", minor: Int64 = 199, package: String = "tokens-100") -> Command {
        .recordPurchase(RecordPurchase(purchaseId: id, accountId: F.vera, packageId: package, amount: Money(currency: "USD", minor: minor),
                                       provider: "stripe", providerRef: ref))
    }

    @Test func creditsThePackageOncePerProviderEvent() {
        let bought = DomainEvent.tokensPurchased(TokensPurchased(purchaseId: "pur_1", accountId: F.vera, packageId: "tokens-100", tokens: 100,
                                                                 amount: Money(currency: "USD", minor: 199), provider: "stripe", providerRef: "evt_1"))
        let state = given(F.world).when(Self.purchase()).then([bought])
        #expect(state.wallet(F.vera).balance == 100 && state.tokensIssued == 100)
        given(F.world + [bought]).when(Self.purchase(id: "pur_2")).thenNothingHappens()
    }

    @Test func aWrongAmountOrPackageIsRefused() {
        given(F.world).when(Self.purchase(minor: 1))
            .thenThrows(.invalid(field: "amount", reason: "paid 1 USD but the package costs 199 USD"))
        given(F.world).when(Self.purchase(package: "free"))
            .thenThrows(.invalid(field: "package", reason: "no token package 'free'"))
    }
}
