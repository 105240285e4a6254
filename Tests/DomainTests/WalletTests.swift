import Domain
import Testing

@Suite("Wallet: token grants")
struct GrantTests {
    @Test func adminGrantsTokens() {
        let state = given(F.world)
            .when(F.grant(F.vera, 250, reason: "welcome"))
            .then([F.granted(F.vera, 250, reason: "welcome")])
        #expect(state.wallet(F.vera).balance == 250)
        #expect(state.wallet(F.vera).earnings == 0)
        #expect(state.tokensIssued == 250)
    }

    @Test func grantsAccumulate() {
        let state = given(F.world + [F.granted(F.vera, 250), F.granted(F.cleo, 7)])
            .when(F.grant(F.vera, 50))
            .then([F.granted(F.vera, 50)])
        #expect(state.wallet(F.vera).balance == 300)
        #expect(state.wallet(F.cleo).balance == 7)
        #expect(state.tokensIssued == 307)
    }

    @Test("only an admin grants", arguments: [F.vera, F.cleo, F.mona])
    func nonAdminCannot(actor: String) {
        given(F.world).when(F.grant(F.vera, 10, actor: actor))
            .thenThrows(.forbidden("only an admin may grant tokens"))
    }

    @Test func suspendedAdminCannot() {
        given(F.world + [F.suspended(F.root, by: F.root2)]).when(F.grant(F.vera, 10))
            .thenThrows(.accountSuspended("root"))
    }

    @Test("zero, negative and over-max amounts are rejected", arguments: [Int64.min, -1, 0, 1_000_000_001, Int64.max])
    func badAmounts(tokens: Int64) {
        given(F.world).when(F.grant(F.vera, tokens))
            .thenThrows(.invalid(field: "tokens", reason: "must be a whole number from 1 to 1000000000"))
    }

    @Test("amounts at the bounds are accepted", arguments: [Int64(1), 1_000_000_000])
    func boundaryAmounts(tokens: Int64) {
        given(F.world).when(F.grant(F.vera, tokens)).then([F.granted(F.vera, tokens)])
    }

    @Test func theConfiguredMaximumIsUsed() {
        let config = DomainConfig.test.with(maxTokensPerCommand: 100)
        given(F.world, config: config).when(F.grant(F.vera, 101))
            .thenThrows(.invalid(field: "tokens", reason: "must be a whole number from 1 to 100"))
        given(F.world, config: config).when(F.grant(F.vera, 100)).then([F.granted(F.vera, 100)])
    }

    @Test func unknownAccount() {
        given(F.world).when(F.grant("acc_ghost", 10)).thenThrows(.unknownAccount("acc_ghost"))
        given(F.world).when(F.grant(F.vera, 10, actor: "acc_ghost")).thenThrows(.unknownAccount("acc_ghost"))
    }

    @Test func reasonRules() {
        given(F.world).when(F.grant(F.vera, 10, reason: ""))
            .thenThrows(.invalid(field: "reason", reason: "must not be empty"))
        given(F.world).when(F.grant(F.vera, 10, reason: .repeating("r", 201)))
            .thenThrows(.invalid(field: "reason", reason: "must be at most 200 characters"))
        given(F.world).when(F.grant(F.vera, 10, reason: "a\u{1b}[31m"))
            .thenThrows(.invalid(field: "reason", reason: "must not contain control characters"))
        given(F.world).when(F.grant(F.vera, 10, reason: .repeating("r", 200)))
            .then([F.granted(F.vera, 10, reason: .repeating("r", 200))])
    }

    @Test func anAbsurdTotalIsRefused() {
        let quarter = Int64.max / 4
        let absurd = DomainError.invalid(field: "tokens", reason: "the platform's total of issued tokens would become absurdly large")
        let config = DomainConfig.test.with(maxTokensPerCommand: .max)
        given(F.world, config: config).when(F.grant(F.vera, quarter)).then([F.granted(F.vera, quarter)])
        given(F.world + [F.granted(F.vera, quarter)], config: config).when(F.grant(F.vera, 1)).thenThrows(absurd)
        given(F.world + [F.granted(F.vera, quarter - 1)], config: config).when(F.grant(F.vera, 1))
            .then([F.granted(F.vera, 1)])
        given(F.world, config: config).when(F.grant(F.vera, .max)).thenThrows(absurd)
    }

    /// The guard bounds the platform-wide total, so spreading grants over many accounts cannot
    /// push `tokensIssued` (and so any sum of balances) towards overflow.
    @Test func totalIssuedTokensCannotOverflow() {
        let quarter = Int64.max / 4
        let config = DomainConfig.test.with(maxTokensPerCommand: .max)
        let history = F.world + [F.granted(F.root, quarter), F.granted(F.root2, quarter),
                                 F.granted(F.vera, quarter), F.granted(F.cleo, quarter)]
        let state = given(history, config: config).state
        #expect(state.tokensIssued == 4 * quarter)
        // Applying one more grant of `quarter` would overflow the total.
        #expect(state.tokensIssued.addingReportingOverflow(quarter).overflow)
        let result = given(history, config: config).when(F.grant(F.carl, quarter)).result
        #expect(throws: DomainError.self) { try result.get() }
    }
}

@Suite("Wallet: gifts")
struct GiftTests {
    @Test func aGiftMovesTokensFromSenderToCreatorAndPlatform() {
        let state = given(F.world + [F.granted(F.vera, 100)])
            .when(F.sendGift("rose", 3, message: "gg!", giftId: "gft_42"))
            .then([F.giftSent("gft_42", gift: "rose", quantity: 3, tokens: 30, creator: 24, fee: 6, message: "gg!")])
        #expect(state.wallet(F.vera).balance == 70)
        #expect(state.wallet(F.vera).earnings == 0)
        #expect(state.wallet(F.cleo).balance == 0)
        #expect(state.wallet(F.cleo).earnings == 24)
        #expect(state.platformFees == 6)
        #expect(state.tokensIssued == 100)
    }

    /// (gift, quantity) → tokens = price × quantity, fee = floor(tokens × 20 %), creator = the rest.
    @Test("fee split at 20 %", arguments: [
        ("heart", 1, Int64(1), Int64(1), Int64(0)),
        ("heart", 4, 4, 4, 0),
        ("heart", 5, 5, 4, 1),
        ("clover", 3, 9, 8, 1),
        ("lucky", 1, 7, 6, 1),
        ("lucky", 13, 91, 73, 18),
        ("rose", 1, 10, 8, 2),
        ("star", 7, 350, 280, 70),
        ("heart", 999, 999, 800, 199),
        ("lucky", 1000, 7000, 5600, 1400),
        ("rocket", 1000, 500_000, 400_000, 100_000),
    ])
    func feeSplit(gift: String, quantity: Int, tokens: Int64, creator: Int64, fee: Int64) throws {
        #expect(creator + fee == tokens, "the table itself must add up")
        let when = given(F.world + [F.granted(F.vera, 1_000_000)]).when(F.sendGift(gift, quantity))
        let state = when.then([F.giftSent(gift: gift, quantity: quantity, tokens: tokens, creator: creator, fee: fee)])
        guard case .giftSent(let e) = try when.onlyEvent() else { Issue.record("not a gift"); return }
        #expect(e.creatorTokens + e.feeTokens == e.tokens)
        #expect(state.wallet(F.vera).balance == 1_000_000 - tokens)
        #expect(state.wallet(F.cleo).earnings == creator)
        #expect(state.platformFees == fee)
    }

    @Test("the configured fee is used", arguments: [
        (Int64(0), Int64(50), Int64(0)),
        (1, 50, 0),
        (1999, 41, 9),
        (3333, 34, 16),
        (5000, 25, 25),
        (10_000, 0, 50),
    ])
    func otherFees(basisPoints: Int64, creator: Int64, fee: Int64) {
        given(F.world + [F.granted(F.vera, 50)], config: DomainConfig.test.with(feeBasisPoints: basisPoints))
            .when(F.sendGift("star", 1))
            .then([F.giftSent(gift: "star", quantity: 1, tokens: 50, creator: creator, fee: fee)])
    }

    @Test func insufficientTokensReportsBalanceAndNeed() {
        given(F.world + [F.granted(F.vera, 29)]).when(F.sendGift("rose", 3))
            .thenThrows(.insufficientTokens(balance: 29, needed: 30))
        given(F.world).when(F.sendGift("heart", 1))
            .thenThrows(.insufficientTokens(balance: 0, needed: 1))
        // earnings are not spendable balance
        let withCarl = F.world + [
            F.channelCreated(F.carlChannel, owner: F.carl, slug: "carl", title: "Carl"),
            F.granted(F.vera, 100), F.giftSent(gift: "star", quantity: 1, tokens: 50, creator: 40, fee: 10),
        ]
        given(withCarl).when(F.sendGift("heart", 1, from: F.cleo, channel: F.carlChannel))
            .thenThrows(.insufficientTokens(balance: 0, needed: 1))
    }

    @Test func anExactBalanceIsEnoughAndLeavesZero() {
        let state = given(F.world + [F.granted(F.vera, 30)]).when(F.sendGift("rose", 3))
            .then([F.giftSent(gift: "rose", quantity: 3, tokens: 30, creator: 24, fee: 6)])
        #expect(state.wallet(F.vera).balance == 0)
        let history = F.world + [F.granted(F.vera, 30), F.giftSent(gift: "rose", quantity: 3, tokens: 30, creator: 24, fee: 6)]
        given(history).when(F.sendGift("heart", 1, giftId: "gft_2"))
            .thenThrows(.insufficientTokens(balance: 0, needed: 1))
    }

    @Test("quantity must be 1...maxGiftQuantity", arguments: [Int.min, -1, 0, 1001, Int.max])
    func badQuantity(quantity: Int) {
        given(F.world + [F.granted(F.vera, 1_000_000)]).when(F.sendGift("heart", quantity))
            .thenThrows(.invalid(field: "quantity", reason: "must be a whole number from 1 to 1000"))
    }

    @Test func maximumQuantityIsAccepted() {
        given(F.world + [F.granted(F.vera, 1000)]).when(F.sendGift("heart", 1000))
            .then([F.giftSent(gift: "heart", quantity: 1000, tokens: 1000, creator: 800, fee: 200)])
        given(F.world + [F.granted(F.vera, 1000)], config: DomainConfig.test.with(maxGiftQuantity: 5))
            .when(F.sendGift("heart", 6))
            .thenThrows(.invalid(field: "quantity", reason: "must be a whole number from 1 to 5"))
    }

    @Test("unknown gifts are rejected (names are exact)", arguments: ["tulip", "Rose", "rose ", ""])
    func unknownGift(name: String) {
        given(F.world + [F.granted(F.vera, 100)]).when(F.sendGift(name, 1))
            .thenThrows(.unknownGift(name))
    }

    @Test func thePriceComesFromTheConfiguredCatalog() {
        let config = DomainConfig.test.with(giftCatalog: [GiftType(name: "rose", tokens: 13)])
        given(F.world + [F.granted(F.vera, 100)], config: config).when(F.sendGift("rose", 2))
            .then([F.giftSent(gift: "rose", quantity: 2, tokens: 26, creator: 21, fee: 5)])
        given(F.world + [F.granted(F.vera, 100)], config: config).when(F.sendGift("heart", 1))
            .thenThrows(.unknownGift("heart"))
    }

    @Test func unknownChannelOrSender() {
        given(F.world + [F.granted(F.vera, 100)]).when(F.sendGift("rose", 1, channel: "chn_ghost"))
            .thenThrows(.unknownChannel("chn_ghost"))
        given(F.world).when(F.sendGift("rose", 1, from: "acc_ghost"))
            .thenThrows(.unknownAccount("acc_ghost"))
    }

    @Test func noGiftsToYourOwnChannel() {
        given(F.world + [F.granted(F.cleo, 100)]).when(F.sendGift("rose", 1, from: F.cleo))
            .thenThrows(.forbidden("you cannot send gifts to your own channel"))
    }

    @Test func creatorsAndAdminsMayGiftOtherChannels() {
        let history = F.world + [F.granted(F.carl, 100), F.granted(F.root, 100),
                                 F.channelCreated(F.carlChannel, owner: F.carl, slug: "carl", title: "Carl")]
        given(history).when(F.sendGift("rose", 1, from: F.carl))
            .then([F.giftSent(from: F.carl, gift: "rose", quantity: 1, tokens: 10, creator: 8, fee: 2)])
        given(history).when(F.sendGift("rose", 1, from: F.root, channel: F.carlChannel))
            .then([F.giftSent(from: F.root, to: F.carl, channel: F.carlChannel, gift: "rose", quantity: 1,
                              tokens: 10, creator: 8, fee: 2)])
    }

    @Test func suspendedSenderCannotGift() {
        given(F.world + [F.granted(F.vera, 100), F.suspended(F.vera)]).when(F.sendGift("rose", 1))
            .thenThrows(.accountSuspended("vera"))
    }

    @Test func suspendedCreatorCannotReceive() {
        let history = F.world + [F.granted(F.vera, 100), F.suspended(F.cleo)]
        given(history).when(F.sendGift("rose", 1))
            .thenThrows(.forbidden("this channel cannot receive gifts right now"))
        given(history + [F.reinstated(F.cleo)]).when(F.sendGift("rose", 1))
            .then([F.giftSent(gift: "rose", quantity: 1, tokens: 10, creator: 8, fee: 2)])
    }

    /// Lengths count Unicode code points (as JSON Schema's maxLength does), so 👏🏽 (two code
    /// points) counts twice and a pile of combining marks cannot hide inside one character.
    @Test("messages: optional, up to 200 code points, no control characters",
          arguments: [nil, "", "gg", String.repeating("m", 200), .repeating("👏", 200), .repeating("👏🏽", 100),
                      "«quoted» \"text\" \\ ok"] as [String?])
    func validMessages(message: String?) {
        given(F.world + [F.granted(F.vera, 10)]).when(F.sendGift("rose", 1, message: message))
            .then([F.giftSent(gift: "rose", quantity: 1, tokens: 10, creator: 8, fee: 2, message: message)])
    }

    @Test("bad messages are rejected", arguments: [
        (String.repeating("m", 201), "must be at most 200 characters"),
        (String.repeating("👏🏽", 101), "must be at most 200 characters"),
        ("e" + String.repeating("\u{301}", 200), "must be at most 200 characters"),
        ("hi\n", "must not contain control characters"),
        ("\r\n", "must not contain control characters"),
        ("tab\t", "must not contain control characters"),
        ("nul\u{0}", "must not contain control characters"),
        ("esc\u{1b}", "must not contain control characters"),
        ("del\u{7f}", "must not contain control characters"),
        ("c1\u{80}", "must not contain control characters"),
        ("c1\u{9f}", "must not contain control characters"),
    ])
    func badMessages(message: String, reason: String) {
        given(F.world + [F.granted(F.vera, 10)]).when(F.sendGift("rose", 1, message: message))
            .thenThrows(.invalid(field: "message", reason: reason))
    }

    @Test func aGiftCostingMoreThanTheMaximumIsRefused() {
        let config = DomainConfig.test.with(maxTokensPerCommand: 1000)
        given(F.world + [F.granted(F.vera, 1000)], config: config).when(F.sendGift("rocket", 2))
            .then([F.giftSent(gift: "rocket", quantity: 2, tokens: 1000, creator: 800, fee: 200)])
        given(F.world + [F.granted(F.vera, 1000)], config: config).when(F.sendGift("rocket", 3))
            .thenThrows(.invalid(field: "quantity", reason: "the gift would cost more than 1000 tokens"))
    }

    @Test func priceTimesQuantityOverflowIsRefused() {
        let galaxy = GiftType(name: "galaxy", tokens: Int64.max / 2)
        let config = DomainConfig.test.with(giftCatalog: [galaxy], maxTokensPerCommand: .max)
        // 2 × (max/2) = max − 1 still fits: the request reaches the balance check
        given(F.world, config: config).when(F.sendGift("galaxy", 2))
            .thenThrows(.insufficientTokens(balance: 0, needed: Int64.max - 1))
        // 3 × (max/2) overflows Int64
        given(F.world, config: config).when(F.sendGift("galaxy", 3))
            .thenThrows(.invalid(field: "quantity", reason: "the gift would cost more than \(Int64.max) tokens"))
        given(F.world, config: config.with(maxGiftQuantity: .max)).when(F.sendGift("galaxy", .max))
            .thenThrows(.invalid(field: "quantity", reason: "the gift would cost more than \(Int64.max) tokens"))
    }

    @Test func giftToAnAdminsChannelAndTheStreamIdIsNilWhenOffline() throws {
        let history = F.world + [F.granted(F.vera, 10), F.channelCreated("chn_news", owner: F.root, slug: "news", title: "News")]
        let when = given(history).when(F.sendGift("rose", 1, channel: "chn_news"))
        guard case .giftSent(let e) = try when.onlyEvent() else { Issue.record("not a gift"); return }
        #expect(e.toAccountId == F.root)
        #expect(e.channelId == "chn_news")
        #expect(e.streamId == nil)
    }
}
