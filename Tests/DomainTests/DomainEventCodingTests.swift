import Domain
import MarqueeCore
import Testing

@Suite("DomainEvent: types, streams and JSON")
struct DomainEventCodingTests {
    /// Which case an event is. Exhaustive on purpose: a new case does not compile until it gets
    /// a sample below, so "every case" stays true.
    static func caseName(_ event: DomainEvent) -> String {
        switch event {
        case .accountRegistered: return "accountRegistered"
        case .accountRoleChanged: return "accountRoleChanged"
        case .accountSuspended: return "accountSuspended"
        case .accountReinstated: return "accountReinstated"
        case .channelCreated: return "channelCreated"
        case .channelUpdated: return "channelUpdated"
        case .channelStreamKeyRotated: return "channelStreamKeyRotated"
        case .tokensGranted: return "tokensGranted"
        case .giftSent: return "giftSent"
        case .streamStarted: return "streamStarted"
        case .streamEnded: return "streamEnded"
        case .viewerJoined: return "viewerJoined"
        case .viewerDisconnected: return "viewerDisconnected"
        case .viewerReconnected: return "viewerReconnected"
        case .viewerLeft: return "viewerLeft"
        case .minuteBilled: return "minuteBilled"
        case .billingStopped: return "billingStopped"
        case .tokensPurchased: return "tokensPurchased"
        case .channelSubscriptionTiersSet: return "channelSubscriptionTiersSet"
        case .subscriptionStarted: return "subscriptionStarted"
        case .subscriptionRenewed: return "subscriptionRenewed"
        case .subscriptionRenewalFailed: return "subscriptionRenewalFailed"
        case .subscriptionCanceled: return "subscriptionCanceled"
        case .subscriptionExpired: return "subscriptionExpired"
        case .payoutRequested: return "payoutRequested"
        case .payoutApproved: return "payoutApproved"
        case .payoutRejected: return "payoutRejected"
        case .payoutPaid: return "payoutPaid"
        case .chatMessagePosted: return "chatMessagePosted"
        case .chatMessageDeleted: return "chatMessageDeleted"
        case .chatUserBanned: return "chatUserBanned"
        case .chatUserUnbanned: return "chatUserUnbanned"
        case .chatSettingsChanged: return "chatSettingsChanged"
        case .chatModeratorAdded: return "chatModeratorAdded"
        case .chatModeratorRemoved: return "chatModeratorRemoved"
        case .pollOpened: return "pollOpened"
        case .pollVoted: return "pollVoted"
        case .pollClosed: return "pollClosed"
        case .adCreated: return "adCreated"
        case .adBreakStarted: return "adBreakStarted"
        case .adImpression: return "adImpression"
        case .appRegistered: return "appRegistered"
        case .appAuthorized: return "appAuthorized"
        case .appRevoked: return "appRevoked"
        case .accessTokenCreated: return "accessTokenCreated"
        case .accessTokenRevoked: return "accessTokenRevoked"
        case .webhookEndpointCreated: return "webhookEndpointCreated"
        case .webhookEndpointUpdated: return "webhookEndpointUpdated"
        case .webhookEndpointDisabled: return "webhookEndpointDisabled"
        case .webhookEndpointEnabled: return "webhookEndpointEnabled"
        case .webhookEndpointDeleted: return "webhookEndpointDeleted"
        case .webhookSecretRotated: return "webhookSecretRotated"
        }
    }
    static let caseCount = 52

    static let awkward = "quote \" backslash \\ slash / tab\t nl\n nul\u{0} é 😀 \u{2028} end"

    /// At least one sample of every case, with awkward strings, extreme integers and both nil and
    /// non-nil optionals.
    static let samples: [DomainEvent] = [
        .accountRegistered(AccountRegistered(accountId: "acc_1", handle: "alice", role: .viewer)),
        .accountRegistered(AccountRegistered(accountId: awkward, handle: awkward, role: .admin)),
        .accountRoleChanged(AccountRoleChanged(accountId: "acc_1", role: .moderator, by: "acc_root")),
        .accountSuspended(AccountSuspended(accountId: "acc_1", reason: awkward, by: "acc_root")),
        .accountReinstated(AccountReinstated(accountId: "acc_1", reason: "", by: "acc_root")),
        .channelCreated(ChannelCreated(channelId: "chn_1", ownerId: "acc_1", slug: "my-show", title: awkward)),
        .channelUpdated(ChannelUpdated(channelId: "chn_1", title: "T", access: .paid, pricePerMinute: 1_000_000, ageRestricted: true)),
        .channelUpdated(ChannelUpdated(channelId: "chn_1", title: "T", access: .subscribers, pricePerMinute: 0, ageRestricted: false)),
        .channelUpdated(ChannelUpdated(channelId: "chn_1", title: "T", access: .public, pricePerMinute: .min, ageRestricted: false)),
        .channelStreamKeyRotated(ChannelStreamKeyRotated(channelId: "chn_1")),
        .tokensGranted(TokensGranted(accountId: "acc_1", tokens: .max, grantedBy: "acc_root", reason: awkward)),
        .tokensGranted(TokensGranted(accountId: "acc_1", tokens: 1, grantedBy: "acc_root", reason: "promo")),
        .giftSent(GiftSent(giftId: "gft_1", streamId: nil, channelId: "chn_1", fromAccountId: "acc_1", toAccountId: "acc_2",
                           gift: "rose", quantity: 3, tokens: 30, creatorTokens: 24, feeTokens: 6, message: nil)),
        .giftSent(GiftSent(giftId: "gft_2", streamId: "str_9", channelId: "chn_1", fromAccountId: "acc_1", toAccountId: "acc_2",
                           gift: "rocket", quantity: .max, tokens: .max, creatorTokens: .max - 1, feeTokens: 1, message: awkward)),
        .giftSent(GiftSent(giftId: "gft_3", streamId: "", channelId: "chn_1", fromAccountId: "acc_1", toAccountId: "acc_2",
                           gift: "heart", quantity: 1, tokens: 1, creatorTokens: 1, feeTokens: 0, message: "")),
        .streamStarted(StreamStarted(streamId: "str_1", channelId: "chn_1", title: awkward, access: .paid, pricePerMinute: 5,
                                     codecs: ["opus", "VP8"], simulcastLayers: ["q", "h", "f"], startedAt: t0)),
        .streamEnded(StreamEnded(streamId: "str_1", channelId: "chn_1", reason: .serverShutdown, durationMs: .max)),
        .viewerJoined(ViewerJoined(streamId: "str_1", channelId: "chn_1", sessionId: "ses_1", viewerId: nil, transport: .hls,
                                   pricePerMinute: 0, at: t0)),
        .viewerJoined(ViewerJoined(streamId: "str_1", channelId: "chn_1", sessionId: "ses_2", viewerId: "acc_1", transport: .webrtc,
                                   pricePerMinute: 5, at: t0)),
        .viewerDisconnected(ViewerDisconnected(streamId: "str_1", sessionId: "ses_1", at: t0, connectedMs: 30_000)),
        .viewerReconnected(ViewerReconnected(streamId: "str_1", sessionId: "ses_1", at: t0)),
        .viewerLeft(ViewerLeft(streamId: "str_1", sessionId: "ses_1", reason: .insufficientFunds, connectedMs: 0)),
        .minuteBilled(MinuteBilled(sessionId: "ses_2", streamId: "str_1", channelId: "chn_1", viewerId: "acc_1", creatorId: "acc_2",
                                   minute: 1, tokens: 5, creatorTokens: 4, feeTokens: 1)),
        .billingStopped(BillingStopped(sessionId: "ses_2", streamId: "str_1", viewerId: "acc_1", reason: .streamEnded, minutesBilled: 0)),
        .tokensPurchased(TokensPurchased(purchaseId: "pur_1", accountId: "acc_1", packageId: "tokens-100", tokens: 100,
                                         amount: Money(currency: "USD", minor: 199), provider: "stripe", providerRef: "evt_1")),
        .channelSubscriptionTiersSet(ChannelSubscriptionTiersSet(channelId: "chn_1", tiers: [SubscriptionTier(name: "fan", tokens: 30)],
                                                                 subscribersWatchPaidFree: true)),
        .channelSubscriptionTiersSet(ChannelSubscriptionTiersSet(channelId: "chn_1", tiers: [], subscribersWatchPaidFree: false)),
        .subscriptionStarted(SubscriptionCharged(subscriptionId: "sub_1", viewerId: "acc_1", channelId: "chn_1", creatorId: "acc_2",
                                                 tier: "fan", tokens: 30, creatorTokens: 24, feeTokens: 6, periodStart: t0, periodEnd: t1)),
        .subscriptionRenewed(SubscriptionCharged(subscriptionId: "sub_1", viewerId: "acc_1", channelId: "chn_1", creatorId: "acc_2",
                                                 tier: "fan", tokens: 30, creatorTokens: 24, feeTokens: 6, periodStart: t0, periodEnd: t1)),
        .subscriptionRenewalFailed(SubscriptionRenewalFailed(subscriptionId: "sub_1", reason: awkward, attempt: 1, retryAt: t1)),
        .subscriptionRenewalFailed(SubscriptionRenewalFailed(subscriptionId: "sub_1", reason: "x", attempt: 3, retryAt: nil)),
        .subscriptionCanceled(SubscriptionCanceled(subscriptionId: "sub_1", effectiveAt: t1)),
        .subscriptionExpired(SubscriptionExpired(subscriptionId: "sub_1", reason: .paymentFailed)),
        .payoutRequested(PayoutRequested(payoutId: "pay_1", creatorId: "acc_2", tokens: 1000, amount: Money(currency: "EUR", minor: 1000),
                                         destination: awkward)),
        .payoutApproved(PayoutDecided(payoutId: "pay_1", creatorId: "acc_2", tokens: 1000, by: "acc_root")),
        .payoutRejected(PayoutDecided(payoutId: "pay_1", creatorId: "acc_2", tokens: 1000, by: "acc_root", reason: awkward)),
        .payoutPaid(PayoutDecided(payoutId: "pay_1", creatorId: "acc_2", tokens: 1000, by: "acc_root", providerRef: "tr_1")),
        .chatMessagePosted(ChatMessagePosted(messageId: "msg_1", channelId: "chn_1", streamId: nil, authorId: "acc_1", authorHandle: "alice",
                                             text: awkward, at: t0)),
        .chatMessageDeleted(ChatMessageDeleted(channelId: "chn_1", messageId: "msg_1", by: "acc_2", reason: "")),
        .chatUserBanned(ChatBan(channelId: "chn_1", userId: "acc_1", by: "acc_2", until: nil, reason: "spam")),
        .chatUserBanned(ChatBan(channelId: "chn_1", userId: "acc_1", by: "acc_2", until: t1, reason: awkward)),
        .chatUserUnbanned(ChatBan(channelId: "chn_1", userId: "acc_1", by: "acc_2", until: nil, reason: "")),
        .chatSettingsChanged(ChatSettingsChanged(channelId: "chn_1", slowModeSeconds: 30, subscribersOnly: true, blockedTerms: ["spoiler", awkward])),
        .chatModeratorAdded(ChatModeratorChanged(channelId: "chn_1", userId: "acc_3", by: "acc_2")),
        .chatModeratorRemoved(ChatModeratorChanged(channelId: "chn_1", userId: "acc_3", by: "acc_2")),
        .pollOpened(PollOpened(pollId: "pol_1", channelId: "chn_1", streamId: "str_1", question: awkward, options: ["a", "b"], closesAt: t1)),
        .pollVoted(PollVoted(pollId: "pol_1", channelId: "chn_1", voterId: "acc_1", option: 1, counts: [0, 1])),
        .pollClosed(PollClosed(pollId: "pol_1", channelId: "chn_1", results: [3, 4])),
        .adCreated(AdCreated(adId: "ad_1", name: awkward, durationMs: 15_000, media: "https://ads.example/a.mp4")),
        .adBreakStarted(AdBreakStarted(breakId: "brk_1", channelId: "chn_1", streamId: "str_1", adId: "ad_1", durationMs: 15_000, by: nil, at: t0)),
        .adImpression(AdImpression(breakId: "brk_1", channelId: "chn_1", streamId: "str_1", adId: "ad_1", sessionId: "ses_1", viewerId: nil)),
        .appRegistered(AppRegistered(appId: "app_1", ownerId: "acc_1", name: awkward, redirectUris: ["https://a.example/cb", "http://127.0.0.1/cb"],
                                     scopes: ["chat:read", "gifts:read"], clientType: "confidential")),
        .appAuthorized(AppAuthorization(appId: "app_1", accountId: "acc_2", scopes: ["gifts:read"])),
        .appRevoked(AppAuthorization(appId: "app_1", accountId: "acc_2", scopes: [])),
        .accessTokenCreated(AccessTokenChanged(tokenId: "pat_1", accountId: "acc_1", name: awkward, scopes: ["events:read"])),
        .accessTokenRevoked(AccessTokenChanged(tokenId: "pat_1", accountId: "acc_1", name: "bot", scopes: ["events:read"])),
        .webhookEndpointCreated(WebhookEndpointChanged(endpointId: "whe_1", appId: nil, ownerId: "acc_1", url: "https://h.example/x?a=1",
                                                       eventTypes: ["*"], scopes: ["gifts:read"], enabled: true, reason: nil)),
        .webhookEndpointUpdated(WebhookEndpointChanged(endpointId: "whe_1", appId: "app_1", ownerId: "acc_1", url: "https://h.example/",
                                                       eventTypes: ["chat.*", "gift.sent"], scopes: ["chat:read"], enabled: true, reason: nil)),
        .webhookEndpointDisabled(WebhookEndpointChanged(endpointId: "whe_1", appId: "app_1", ownerId: "acc_1", url: "https://h.example/",
                                                        eventTypes: ["*"], scopes: [], enabled: false, reason: "gone")),
        .webhookEndpointEnabled(WebhookEndpointChanged(endpointId: "whe_1", appId: nil, ownerId: "acc_1", url: "https://h.example/",
                                                       eventTypes: ["*"], scopes: [], enabled: true, reason: "manual")),
        .webhookEndpointDeleted(WebhookEndpointChanged(endpointId: "whe_1", appId: nil, ownerId: "acc_1", url: "https://h.example/",
                                                       eventTypes: ["*"], scopes: [], enabled: false, reason: "deleted")),
        .webhookSecretRotated(WebhookSecretRotated(endpointId: "whe_1", appId: "app_1", ownerId: "acc_1", previousSecretExpiresAt: t0)),
    ]
    static let t0 = Timestamp(milliseconds: 1_767_225_600_123)
    static let t1 = Timestamp(milliseconds: 1_769_817_600_123)

    @Test func samplesCoverEveryCase() {
        #expect(Set(Self.samples.map(Self.caseName)).count == Self.caseCount)
    }

    @Test("encode → decode round-trips", arguments: samples)
    func roundTrip(event: DomainEvent) throws {
        let data = try event.encodedData()
        #expect(!data.isEmpty && data.first == UInt8(ascii: "{"))
        let decoded = try DomainEvent.decode(type: event.type, schema: event.schema, data: data)
        #expect(decoded == event)
        // and the bytes are stable through a second trip
        let again = try #require(decoded)
        #expect(try DomainEvent.decode(type: again.type, schema: again.schema, data: again.encodedData()) == event)
    }

    @Test("decoding under another type's name fails or yields a different event", arguments: samples)
    func typeMatters(event: DomainEvent) throws {
        let data = try event.encodedData()
        for (type, schema) in DomainEvent.catalog where type != event.type {
            let other = try? DomainEvent.decode(type: type, schema: schema, data: data)
            #expect(other != event, "\(event.type) payload decoded as \(type) gave back the same event")
        }
    }

    @Test func catalogListsExactlyTheEmittableTypes() {
        let catalogTypes = DomainEvent.catalog.map(\.type)
        #expect(catalogTypes.count == Set(catalogTypes).count, "duplicates in the catalog")
        #expect(Set(catalogTypes) == Set(Self.samples.map(\.type)))
        #expect(catalogTypes.count == Self.caseCount)
        // distinct cases have distinct type strings
        let typeByCase = Dictionary(Self.samples.map { (Self.caseName($0), $0.type) }, uniquingKeysWith: { a, b in
            #expect(a == b); return a
        })
        #expect(Set(typeByCase.values).count == Self.caseCount)
        for (type, schema) in DomainEvent.catalog {
            for sample in Self.samples where sample.type == type { #expect(sample.schema == schema, "\(type)") }
        }
    }

    @Test("type strings follow EVENTS.md", arguments: zip(
        ["accountRegistered", "accountRoleChanged", "accountSuspended", "accountReinstated", "channelCreated",
         "channelUpdated", "channelStreamKeyRotated", "tokensGranted", "giftSent"],
        ["account.registered", "account.role_changed", "account.suspended", "account.reinstated", "channel.created",
         "channel.updated", "channel.stream_key_rotated", "tokens.granted", "gift.sent"]))
    func typeNames(caseName: String, type: String) throws {
        let sample = try #require(Self.samples.first { Self.caseName($0) == caseName })
        #expect(sample.type == type)
    }

    @Test func everyCatalogTypeDecodes() throws {
        for (type, schema) in DomainEvent.catalog {
            let sample = try #require(Self.samples.first { $0.type == type }, "no sample for \(type)")
            #expect(try DomainEvent.decode(type: type, schema: schema, data: sample.encodedData()) == sample)
        }
    }

    @Test func unknownTypesDecodeToNil() throws {
        let data = Array(#"{"accountId":"acc_1"}"#.utf8)
        #expect(try DomainEvent.decode(type: "account.deleted", schema: 1, data: data) == nil)
        #expect(try DomainEvent.decode(type: "", schema: 1, data: data) == nil)
        #expect(try DomainEvent.decode(type: "Account.Registered", schema: 1, data: data) == nil)
    }

    @Test func malformedPayloadsThrow() {
        #expect(throws: (any Error).self) { try DomainEvent.decode(type: "account.registered", schema: 1, data: Array("{".utf8)) }
        #expect(throws: (any Error).self) {
            try DomainEvent.decode(type: "account.registered", schema: 1, data: Array(#"{"accountId":"a","handle":"h"}"#.utf8))
        }
        #expect(throws: (any Error).self) {
            try DomainEvent.decode(type: "account.registered", schema: 1,
                                   data: Array(#"{"accountId":"a","handle":"h","role":"superuser"}"#.utf8))
        }
        #expect(throws: (any Error).self) {
            try DomainEvent.decode(type: "tokens.granted", schema: 1,
                                   data: Array(#"{"accountId":"a","tokens":"10","grantedBy":"r","reason":"x"}"#.utf8))
        }
    }

    @Test func payloadUsesTheContractFieldNames() throws {
        let event = DomainEvent.tokensGranted(TokensGranted(accountId: "acc_1", tokens: 42, grantedBy: "acc_root", reason: "promo"))
        let json = String(decoding: try event.encodedData(), as: UTF8.self)
        for fragment in [#""accountId":"acc_1""#, #""tokens":42"#, #""grantedBy":"acc_root""#, #""reason":"promo""#] {
            #expect(json.contains(fragment), "\(json) lacks \(fragment)")
        }
        let roles = String(decoding: try DomainEvent.accountRegistered(
            AccountRegistered(accountId: "a", handle: "h", role: .moderator)).encodedData(), as: UTF8.self)
        #expect(roles.contains(#""role":"moderator""#))
    }

    /// `encodedData()` documents "explicit nulls"; the current MarqueeJSON facade drops nil keys.
    @Test func nilFieldsAreWrittenAsExplicitNulls() throws {
        let event = DomainEvent.giftSent(GiftSent(giftId: "gft_1", streamId: nil, channelId: "chn_1", fromAccountId: "a",
                                                  toAccountId: "b", gift: "rose", quantity: 1, tokens: 10, creatorTokens: 8,
                                                  feeTokens: 2, message: nil))
        let json = String(decoding: try event.encodedData(), as: UTF8.self)
        #expect(json.contains(#""streamId":null"#), "\(json)")
        #expect(json.contains(#""message":null"#), "\(json)")
    }

    /// `encodedData()` documents "declaration order"; Foundation's JSONEncoder on Linux writes
    /// keys in hash order, which changes from process to process.
    @Test func fieldsAreWrittenInDeclarationOrder() throws {
        let event = DomainEvent.giftSent(GiftSent(giftId: "gft_1", streamId: "str_1", channelId: "chn_1", fromAccountId: "a",
                                                  toAccountId: "b", gift: "rose", quantity: 1, tokens: 10, creatorTokens: 8,
                                                  feeTokens: 2, message: "m"))
        let json = String(decoding: try event.encodedData(), as: UTF8.self)
        let expected = #"{"giftId":"gft_1","streamId":"str_1","channelId":"chn_1","fromAccountId":"a","toAccountId":"b","#
            + #""gift":"rose","quantity":1,"tokens":10,"creatorTokens":8,"feeTokens":2,"message":"m"}"#
        #expect(json == expected)
    }

    @Test("each event names its aggregate stream (EVENTS.md brackets)", arguments: [
        (F.registered("acc_1", "alice", .viewer), "account-acc_1"),
        (F.roleChanged("acc_1", to: .admin), "account-acc_1"),
        (F.suspended("acc_1"), "account-acc_1"),
        (F.reinstated("acc_1"), "account-acc_1"),
        (F.channelCreated("chn_1", owner: "acc_1", slug: "s-1", title: "t"), "channel-chn_1"),
        (F.channelUpdated("chn_1"), "channel-chn_1"),
        (DomainEvent.channelStreamKeyRotated(ChannelStreamKeyRotated(channelId: "chn_1")), "channel-chn_1"),
        (F.granted("acc_1", 5, by: "acc_root"), "wallet-acc_1"),
        (F.giftSent(from: "acc_1", to: "acc_2", gift: "rose", quantity: 1, tokens: 10, creator: 8, fee: 2), "wallet-acc_1"),
    ])
    func streams(event: DomainEvent, stream: String) {
        #expect(event.stream == stream)
    }

    @Test("error kinds map to transport classes", arguments: [
        (DomainError.invalid(field: "f", reason: "r"), "invalid"),
        (.handleTaken("h"), "conflict"), (.slugTaken("s"), "conflict"), (.conflict("c"), "conflict"),
        (.unknownAccount("a"), "notFound"), (.unknownChannel("c"), "notFound"), (.unknownGift("g"), "notFound"),
        (.forbidden("f"), "forbidden"), (.accountSuspended("a"), "forbidden"),
        (.insufficientTokens(balance: 1, needed: 2), "unprocessable"),
    ])
    func errorKinds(error: DomainError, kind: String) {
        #expect("\(error.kind)" == kind)
    }

    @Test func errorDescriptionsCarryTheDetails() {
        #expect(DomainError.insufficientTokens(balance: 29, needed: 30).description
                == "insufficient tokens: the wallet holds 29, this needs 30")
        #expect(DomainError.invalid(field: "handle", reason: "must be 3 to 30 characters").description
                == "handle: must be 3 to 30 characters")
        #expect(DomainError.accountSuspended("vera").description == "the account 'vera' is suspended")
    }
}
