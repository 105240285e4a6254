import Domain
import MarqueeCore
import Testing

private enum Chat {
    static func post(_ text: String, from: String = F.vera, id: String = "msg_1") -> Command {
        .postChatMessage(PostChatMessage(messageId: id, channelId: F.cleoChannel, authorId: from, text: text))
    }
    static func posted(_ text: String, from: String = F.vera, id: String = "msg_1", at: Timestamp = T.zero) -> DomainEvent {
        .chatMessagePosted(ChatMessagePosted(messageId: id, channelId: F.cleoChannel, streamId: nil, authorId: from,
                                             authorHandle: F.handle(from), text: text, at: at))
    }
    static func settings(slow: Int = 0, subscribersOnly: Bool = false, terms: [String] = []) -> DomainEvent {
        .chatSettingsChanged(ChatSettingsChanged(channelId: F.cleoChannel, slowModeSeconds: slow, subscribersOnly: subscribersOnly, blockedTerms: terms))
    }
    static func ban(_ user: String = F.vera, until: Timestamp? = nil, by: String = F.cleo) -> DomainEvent {
        .chatUserBanned(ChatBan(channelId: F.cleoChannel, userId: user, by: by, until: until, reason: "spam"))
    }
}

@Suite("Chat: posting, moderation and limits")
struct ChatTests {
    @Test func anyoneMayPostAndTheHandleIsRecorded() {
        given(F.world).when(Chat.post("hello!"), at: T.zero).then([Chat.posted("hello!")])
    }

    @Test func bannedAndTimedOutUsersCannotPost() {
        given(F.world + [Chat.ban()]).when(Chat.post("hi")).thenThrows(.forbidden("you are banned from this chat"))
        given(F.world + [Chat.ban(until: T.s(60))]).when(Chat.post("hi"), at: T.s(59))
            .thenThrows(.forbidden("you are timed out in this chat until \(T.s(60).rfc3339)"))
        given(F.world + [Chat.ban(until: T.s(60))]).when(Chat.post("hi"), at: T.s(60)).then([Chat.posted("hi", at: T.s(60))])
    }

    @Test func blockedTermsAreRejectedWithTheTermBeforeAnythingIsAppended() {
        given(F.world + [Chat.settings(terms: ["spoiler"])]).when(Chat.post("big SPOILER ahead"))
            .thenThrows(.invalid(field: "text", reason: "contains the blocked term 'spoiler'"))
    }

    @Test func slowModeAndTheRateLimitApplyToViewersButNotModerators() {
        let history = F.world + [Chat.settings(slow: 30), Chat.posted("one", at: T.zero)]
        given(history).when(Chat.post("two", id: "msg_2"), at: T.s(10))
            .thenThrows(.rateLimited("slow mode: one message every 30 s", retryAfterSeconds: 20))
        given(history).when(Chat.post("two", id: "msg_2"), at: T.s(30)).then([Chat.posted("two", id: "msg_2", at: T.s(30))])
        // five messages in ten seconds, then the sixth waits
        let burst = F.world + (1...5).map { Chat.posted("m\($0)", id: "msg_\($0)", at: T.s(Int64($0))) }
        given(burst).when(Chat.post("six", id: "msg_6"), at: T.s(6))
            .thenThrows(.rateLimited("at most 5 messages per 10 s", retryAfterSeconds: 5))
        given(burst).when(Chat.post("six", id: "msg_6"), at: T.s(11)).then([Chat.posted("six", id: "msg_6", at: T.s(11))])
        let ownerBurst = F.world + (1...5).map { Chat.posted("m\($0)", from: F.cleo, id: "msg_\($0)", at: T.s(Int64($0))) }
        given(ownerBurst).when(Chat.post("six", from: F.cleo, id: "msg_6"), at: T.s(6)).then([Chat.posted("six", from: F.cleo, id: "msg_6", at: T.s(6))])
    }

    @Test func subscribersOnlyChat() {
        given(F.world + [Chat.settings(subscribersOnly: true)]).when(Chat.post("hi"))
            .thenThrows(.forbidden("this chat is for subscribers of the channel"))
    }

    @Test func deletingBanningAndChoosingModerators() {
        let history = F.world + [Chat.posted("rude")]
        let deleted = DomainEvent.chatMessageDeleted(ChatMessageDeleted(channelId: F.cleoChannel, messageId: "msg_1", by: F.cleo, reason: "rude"))
        given(history).when(.deleteChatMessage(DeleteChatMessage(channelId: F.cleoChannel, messageId: "msg_1", actorId: F.cleo, reason: "rude")))
            .then([deleted])
        given(history).when(.deleteChatMessage(DeleteChatMessage(channelId: F.cleoChannel, messageId: "msg_1", actorId: F.carl, reason: "")))
            .thenThrows(.forbidden("only the author and the chat's moderators may delete a message"))
        given(history + [deleted]).when(.deleteChatMessage(DeleteChatMessage(channelId: F.cleoChannel, messageId: "msg_1", actorId: F.cleo, reason: "")))
            .thenNothingHappens()
        // the owner makes Carl a moderator; Carl may then ban, but not ban the owner
        let added = DomainEvent.chatModeratorAdded(ChatModeratorChanged(channelId: F.cleoChannel, userId: F.carl, by: F.cleo))
        given(F.world).when(.setChatModerator(SetChatModerator(channelId: F.cleoChannel, userId: F.carl, actorId: F.cleo, moderator: true)))
            .then([added])
        given(F.world + [added]).when(.banChatUser(BanChatUser(channelId: F.cleoChannel, userId: F.vera, actorId: F.carl, until: nil, reason: "spam")))
            .then([Chat.ban(by: F.carl)])
        given(F.world + [added]).when(.banChatUser(BanChatUser(channelId: F.cleoChannel, userId: F.cleo, actorId: F.carl, until: nil, reason: "")))
            .thenThrows(.forbidden("the channel's owner and chat moderators cannot be banned"))
        given(F.world).when(.banChatUser(BanChatUser(channelId: F.cleoChannel, userId: F.vera, actorId: F.carl, until: nil, reason: "")))
            .thenThrows(.forbidden("only the channel's owner and its chat moderators may do that"))
        given(F.world).when(.banChatUser(BanChatUser(channelId: F.cleoChannel, userId: F.vera, actorId: F.cleo, until: T.zero, reason: "")), at: T.s(1))
            .thenThrows(.invalid(field: "until", reason: "a timeout must end in the future and within a year (omit it for a permanent ban)"))
    }
}

@Suite("Polls: 2–10 options, one vote per account, closed at the deadline")
struct PollTests {
    static let opened = DomainEvent.pollOpened(PollOpened(pollId: "pol_1", channelId: F.cleoChannel, streamId: nil, question: "Next song?",
                                                          options: ["jazz", "blues", "funk"], closesAt: T.s(60)))
    static func vote(_ voter: String, _ option: Int) -> Command { .votePoll(VotePoll(pollId: "pol_1", voterId: voter, option: option)) }

    @Test func openVoteAndClose() {
        given(F.world).when(.openPoll(OpenPoll(pollId: "pol_1", channelId: F.cleoChannel, actorId: F.cleo, question: "Next song?",
                                               options: ["jazz", "blues", "funk"], durationSeconds: 60)), at: T.zero)
            .then([Self.opened])
        let voted = DomainEvent.pollVoted(PollVoted(pollId: "pol_1", channelId: F.cleoChannel, voterId: F.vera, option: 1, counts: [0, 1, 0]))
        given(F.world + [Self.opened]).when(Self.vote(F.vera, 1), at: T.s(5)).then([voted])
        given(F.world + [Self.opened, voted]).when(Self.vote(F.vera, 2), at: T.s(6)).thenThrows(.conflict("you already voted in this poll"))
        given(F.world + [Self.opened]).when(Self.vote(F.vera, 3)).thenThrows(.invalid(field: "option", reason: "must be an option's index, 0 to 2"))
        given(F.world + [Self.opened, voted]).when(.tick, at: T.s(59)).thenNothingHappens()
        let closed = given(F.world + [Self.opened, voted]).when(.tick, at: T.s(60))
            .then([.pollClosed(PollClosed(pollId: "pol_1", channelId: F.cleoChannel, results: [0, 1, 0]))])
        #expect(closed.openPollByChannel.isEmpty)
        given(F.world + [Self.opened]).when(Self.vote(F.vera, 0), at: T.s(60)).thenThrows(.conflict("the poll pol_1 is closed"))
    }

    @Test func pollRules() {
        func open(_ options: [String], duration: Int64 = 60, actor: String = F.cleo, id: String = "pol_2") -> Command {
            .openPoll(OpenPoll(pollId: id, channelId: F.cleoChannel, actorId: actor, question: "Q?", options: options, durationSeconds: duration))
        }
        given(F.world).when(open(["only"])).thenThrows(.invalid(field: "options", reason: "a poll has 2 to 10 options"))
        given(F.world).when(open((0...10).map(String.init))).thenThrows(.invalid(field: "options", reason: "a poll has 2 to 10 options"))
        given(F.world).when(open(["a", "a"])).thenThrows(.invalid(field: "options", reason: "options must differ"))
        given(F.world).when(open(["a", "b"], duration: 5)).thenThrows(.invalid(field: "durationSeconds", reason: "must be 10 to 86400"))
        given(F.world).when(open(["a", "b"], actor: F.vera)).thenThrows(.forbidden("only the channel's owner and its chat moderators may do that"))
        given(F.world + [Self.opened]).when(open(["a", "b"])).thenThrows(.conflict("the poll pol_1 is still open on this channel"))
    }
}

@Suite("Ads: non-paying sessions get one impression per break, paying ones none")
struct AdTests {
    static let ad = DomainEvent.adCreated(AdCreated(adId: "ad_1", name: "Soda", durationMs: 15_000, media: "https://ads.example/soda.mp4"))
    static let started = DomainEvent.streamStarted(StreamStarted(streamId: "str_1", channelId: F.cleoChannel, title: "Cleo Live", access: .public,
                                                                 pricePerMinute: 0, codecs: [], simulcastLayers: [], startedAt: T.zero))
    static func joined(_ session: String, _ viewer: String?) -> DomainEvent {
        .viewerJoined(ViewerJoined(streamId: "str_1", channelId: F.cleoChannel, sessionId: session, viewerId: viewer, transport: .webrtc,
                                   pricePerMinute: 0, at: T.zero))
    }
    static let fanSub = DomainEvent.subscriptionStarted(SubscriptionCharged(
        subscriptionId: "sub_1", viewerId: F.carl, channelId: F.cleoChannel, creatorId: F.cleo, tier: "fan", tokens: 10, creatorTokens: 8,
        feeTokens: 2, periodStart: T.zero, periodEnd: T.s(86_400)))
    static func impression(_ session: String, _ viewer: String?) -> DomainEvent {
        .adImpression(AdImpression(breakId: "brk_1", channelId: F.cleoChannel, streamId: "str_1", adId: "ad_1", sessionId: session, viewerId: viewer))
    }

    @Test func aBreakShowsTheAdToNonPayingSessionsOnly() {
        let history = F.world + [Self.ad, F.granted(F.carl, 10), Self.fanSub, Self.started,
                                 Self.joined("ses_a", nil), Self.joined("ses_v", F.vera), Self.joined("ses_c", F.carl), Self.joined("ses_o", F.cleo)]
        let breakStarted = DomainEvent.adBreakStarted(AdBreakStarted(breakId: "brk_1", channelId: F.cleoChannel, streamId: "str_1", adId: "ad_1",
                                                                      durationMs: 15_000, by: F.cleo, at: T.s(100)))
        let state = given(history).when(.startAdBreak(StartAdBreak(breakId: "brk_1", channelId: F.cleoChannel, actorId: F.cleo)), at: T.s(100))
            .then([breakStarted, Self.impression("ses_a", nil), Self.impression("ses_v", F.vera)])
        #expect(state.adBreaks["str_1"]?.shown == ["ses_a", "ses_v"])
        // a session joining during the break gets it too; after the break, nobody does
        let during = history + [breakStarted, Self.impression("ses_a", nil), Self.impression("ses_v", F.vera)]
        let late = DomainEvent.viewerJoined(ViewerJoined(streamId: "str_1", channelId: F.cleoChannel, sessionId: "ses_l", viewerId: F.mona,
                                                         transport: .webrtc, pricePerMinute: 0, at: T.s(105)))
        given(during).when(.joinViewer(JoinViewer(sessionId: "ses_l", channelId: F.cleoChannel, viewerId: F.mona)), at: T.s(105))
            .then([late])  // Mona is a platform moderator: staff watch ad-free
        let lateViewer = DomainEvent.viewerJoined(ViewerJoined(streamId: "str_1", channelId: F.cleoChannel, sessionId: "ses_r", viewerId: F.root2,
                                                               transport: .webrtc, pricePerMinute: 0, at: T.s(105)))
        _ = lateViewer
        let anon = DomainEvent.viewerJoined(ViewerJoined(streamId: "str_1", channelId: F.cleoChannel, sessionId: "ses_x", viewerId: nil,
                                                         transport: .hls, pricePerMinute: 0, at: T.s(105)))
        given(during).when(.joinViewer(JoinViewer(sessionId: "ses_x", channelId: F.cleoChannel, viewerId: nil, transport: .hls)), at: T.s(105))
            .then([anon, Self.impression("ses_x", nil)])
        given(during).when(.joinViewer(JoinViewer(sessionId: "ses_x", channelId: F.cleoChannel, viewerId: nil, transport: .hls)), at: T.s(115))
            .then([.viewerJoined(ViewerJoined(streamId: "str_1", channelId: F.cleoChannel, sessionId: "ses_x", viewerId: nil, transport: .hls,
                                              pricePerMinute: 0, at: T.s(115)))])
        given(during).when(.startAdBreak(StartAdBreak(breakId: "brk_2", channelId: F.cleoChannel, actorId: F.cleo)), at: T.s(110))
            .thenThrows(.conflict("an ad break is running until \(T.s(115).rfc3339)"))
    }

    @Test func scheduledBreaksFollowTheConfiguredInterval() {
        var config = DomainConfig.test
        config.adBreakIntervalMillis = 600_000
        let history = F.world + [Self.ad, Self.started, Self.joined("ses_v", F.vera)]
        #expect(given(history, config: config).state.nextDue(config) == T.s(600))
        given(history, config: config).when(.tick, at: T.s(599)).thenNothingHappens()
        given(history, config: config).when(.tick, at: T.s(600))
            .then([.adBreakStarted(AdBreakStarted(breakId: "brk_1n1", channelId: F.cleoChannel, streamId: "str_1", adId: "ad_1",
                                                  durationMs: 15_000, by: nil, at: T.s(600))),
                   .adImpression(AdImpression(breakId: "brk_1n1", channelId: F.cleoChannel, streamId: "str_1", adId: "ad_1",
                                              sessionId: "ses_v", viewerId: F.vera))])
    }

    @Test func onlyAdminsManageAds() {
        given(F.world).when(.createAd(CreateAd(adId: "ad_1", actorId: F.cleo, name: "x", durationMs: 15_000, media: "https://a.example/x")))
            .thenThrows(.forbidden("only an admin may manage ads"))
        given(F.world).when(.createAd(CreateAd(adId: "ad_1", actorId: F.root, name: "x", durationMs: 15_000, media: "javascript:alert(1)")))
            .thenThrows(.invalid(field: "media", reason: "must be an http(s) URL of at most 2000 characters"))
    }
}
