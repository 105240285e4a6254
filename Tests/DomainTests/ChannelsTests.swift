import Domain
import Testing

@Suite("Channels: creation")
struct ChannelCreationTests {
    @Test func creatorCreatesAChannelWithDefaults() throws {
        let state = given(F.world)
            .when(F.createChannel("chn_new", owner: F.carl, slug: "carl-plays", title: "Carl plays"))
            .then([F.channelCreated("chn_new", owner: F.carl, slug: "carl-plays", title: "Carl plays")])
        let channel = try #require(state.channel(slug: "carl-plays"))
        #expect(channel.id == "chn_new")
        #expect(channel.ownerId == F.carl)
        #expect(channel.title == "Carl plays")
        #expect(channel.access == .public)
        #expect(channel.pricePerMinute == 0)
        #expect(channel.ageRestricted == false)
        #expect(channel.liveStreamId == nil)
    }

    @Test func adminMayCreateAChannel() {
        given(F.world)
            .when(F.createChannel("chn_new", owner: F.root, slug: "news", title: "Platform news"))
            .then([F.channelCreated("chn_new", owner: F.root, slug: "news", title: "Platform news")])
    }

    @Test("viewers and moderators cannot create channels", arguments: [F.vera, F.mona])
    func nonCreatorsCannot(owner: String) {
        given(F.world)
            .when(F.createChannel("chn_new", owner: owner, slug: "my-show", title: "My show"))
            .thenThrows(.forbidden("only creators may create channels; register with role 'creator'"))
    }

    @Test func aViewerPromotedToCreatorMay() {
        given(F.world + [F.roleChanged(F.vera, to: .creator)])
            .when(F.createChannel("chn_new", owner: F.vera, slug: "vera-tv", title: "Vera TV"))
            .then([F.channelCreated("chn_new", owner: F.vera, slug: "vera-tv", title: "Vera TV")])
    }

    @Test func unknownOrSuspendedOwner() {
        given(F.world).when(F.createChannel("chn_new", owner: "acc_ghost", slug: "ghost", title: "Boo"))
            .thenThrows(.unknownAccount("acc_ghost"))
        given(F.world + [F.suspended(F.carl)]).when(F.createChannel("chn_new", owner: F.carl, slug: "carl", title: "Carl"))
            .thenThrows(.accountSuspended("carl"))
    }

    @Test("valid slugs", arguments: ["abc", "123", "my-show-2", "a-b", .repeating("z", 40)])
    func validSlugs(slug: String) {
        given(F.world)
            .when(F.createChannel("chn_new", owner: F.carl, slug: slug, title: "T"))
            .then([F.channelCreated("chn_new", owner: F.carl, slug: slug, title: "T")])
    }

    @Test("invalid slugs are rejected with the reason", arguments: [
        ("", "must be 3 to 40 characters"),
        ("ab", "must be 3 to 40 characters"),
        (String.repeating("z", 41), "must be 3 to 40 characters"),
        ("My-Show", "may contain only lowercase letters, digits and '-'"),
        ("my_show", "may contain only lowercase letters, digits and '-'"),
        ("my show", "may contain only lowercase letters, digits and '-'"),
        ("café", "may contain only lowercase letters, digits and '-'"),
        ("-show", "must not start or end with '-'"),
        ("show-", "must not start or end with '-'"),
        ("---", "must not start or end with '-'"),
    ])
    func invalidSlugs(slug: String, reason: String) {
        given(F.world)
            .when(F.createChannel("chn_new", owner: F.carl, slug: slug, title: "Title"))
            .thenThrows(.invalid(field: "slug", reason: reason))
    }

    @Test("title rules", arguments: [
        ("", "must not be empty"),
        (String.repeating("t", 141), "must be at most 140 characters"),
        ("two\nlines", "must not contain control characters"),
        ("nul\u{0}", "must not contain control characters"),
        ("bell\u{7}", "must not contain control characters"),
        ("del\u{7f}", "must not contain control characters"),
        ("c1\u{9f}", "must not contain control characters"),
    ])
    func invalidTitles(title: String, reason: String) {
        given(F.world)
            .when(F.createChannel("chn_new", owner: F.carl, slug: "carl", title: title))
            .thenThrows(.invalid(field: "title", reason: reason))
    }

    @Test("titles count characters, not bytes", arguments: [String.repeating("t", 140), .repeating("🎬", 140), "Ünïcödé ✓"])
    func validTitles(title: String) {
        given(F.world)
            .when(F.createChannel("chn_new", owner: F.carl, slug: "carl", title: title))
            .then([F.channelCreated("chn_new", owner: F.carl, slug: "carl", title: title)])
    }

    @Test func takenSlugIsRejected() {
        given(F.world)
            .when(F.createChannel("chn_new", owner: F.carl, slug: "cleo-live", title: "Mine"))
            .thenThrows(.slugTaken("cleo-live"))
    }

    @Test func existingChannelIdIsAConflict() {
        given(F.world)
            .when(F.createChannel(F.cleoChannel, owner: F.carl, slug: "carl", title: "Mine"))
            .thenThrows(.conflict("channel id chn_cleo already exists"))
    }
}

@Suite("Channels: update")
struct ChannelUpdateTests {
    @Test func ownerChangesTheTitleAndTheEventIsAFullSnapshot() throws {
        let state = given(F.world)
            .when(F.updateChannel(title: "Cleo at night"))
            .then([F.channelUpdated(title: "Cleo at night", access: .public, price: 0, ageRestricted: false)])
        let channel = try #require(state.channels[F.cleoChannel])
        #expect(channel.title == "Cleo at night")
        #expect(channel.slug == "cleo-live")
    }

    @Test func partialUpdatesKeepTheOtherFields() throws {
        let paid = F.channelUpdated(title: "Premium", access: .paid, price: 5, ageRestricted: true)
        given(F.world + [paid])
            .when(F.updateChannel(title: "Premium 2"))
            .then([F.channelUpdated(title: "Premium 2", access: .paid, price: 5, ageRestricted: true)])
        given(F.world + [paid])
            .when(F.updateChannel(price: 9))
            .then([F.channelUpdated(title: "Premium", access: .paid, price: 9, ageRestricted: true)])
        given(F.world + [paid])
            .when(F.updateChannel(ageRestricted: false))
            .then([F.channelUpdated(title: "Premium", access: .paid, price: 5, ageRestricted: false)])
        let state = given(F.world + [paid])
            .when(F.updateChannel(access: .subscribers))
            .then([F.channelUpdated(title: "Premium", access: .subscribers, price: 5, ageRestricted: true)])
        let channel = try #require(state.channels[F.cleoChannel])
        #expect(channel.access == .subscribers)
        #expect(channel.pricePerMinute == 5)
        #expect(channel.ageRestricted)
    }

    @Test func adminMayUpdateAnyChannel() {
        given(F.world)
            .when(F.updateChannel(actor: F.root, ageRestricted: true))
            .then([F.channelUpdated(ageRestricted: true)])
    }

    @Test("only the owner or an admin", arguments: [F.vera, F.carl, F.mona])
    func othersCannot(actor: String) {
        given(F.world)
            .when(F.updateChannel(actor: actor, title: "Hijacked"))
            .thenThrows(.forbidden("only the channel's owner may change it"))
    }

    @Test func unknownChannelOrActor() {
        given(F.world).when(F.updateChannel("chn_ghost", title: "x")).thenThrows(.unknownChannel("chn_ghost"))
        given(F.world).when(F.updateChannel(actor: "acc_ghost", title: "x")).thenThrows(.unknownAccount("acc_ghost"))
        given(F.world + [F.suspended(F.root, by: F.root2)]).when(F.updateChannel(actor: F.root, title: "x"))
            .thenThrows(.accountSuspended("root"))
    }

    @Test func paidNeedsAPriceOfAtLeastOne() {
        let reason = "a paid channel needs a price of at least 1 token per minute"
        given(F.world).when(F.updateChannel(access: .paid)).thenThrows(.invalid(field: "pricePerMinute", reason: reason))
        given(F.world).when(F.updateChannel(access: .paid, price: 0)).thenThrows(.invalid(field: "pricePerMinute", reason: reason))
        given(F.world).when(F.updateChannel(access: .paid, price: 1))
            .then([F.channelUpdated(access: .paid, price: 1)])
        // lowering an already paid channel's price to 0 is the same mistake
        given(F.world + [F.channelUpdated(access: .paid, price: 5)]).when(F.updateChannel(price: 0))
            .thenThrows(.invalid(field: "pricePerMinute", reason: reason))
        // a price set earlier carries over when switching to paid
        given(F.world + [F.channelUpdated(access: .subscribers, price: 3)]).when(F.updateChannel(access: .paid))
            .then([F.channelUpdated(access: .paid, price: 3)])
        // leaving paid at the same time as dropping the price is fine
        given(F.world + [F.channelUpdated(access: .paid, price: 5)]).when(F.updateChannel(access: .public, price: 0))
            .then([F.channelUpdated(access: .public, price: 0)])
    }

    @Test("price bounds", arguments: [Int64.min, -1, 1_000_001, Int64.max])
    func priceOutOfBounds(price: Int64) {
        given(F.world).when(F.updateChannel(price: price))
            .thenThrows(.invalid(field: "pricePerMinute", reason: "must be between 0 and 1000000 tokens"))
    }

    @Test("prices within bounds", arguments: [Int64(1), 999_999, 1_000_000])
    func priceWithinBounds(price: Int64) {
        #expect(Decider.maxPricePerMinute == 1_000_000)
        given(F.world).when(F.updateChannel(access: .paid, price: price))
            .then([F.channelUpdated(access: .paid, price: price)])
    }

    @Test func invalidTitleOnUpdate() {
        given(F.world).when(F.updateChannel(title: "")).thenThrows(.invalid(field: "title", reason: "must not be empty"))
        given(F.world).when(F.updateChannel(title: "a\rb"))
            .thenThrows(.invalid(field: "title", reason: "must not contain control characters"))
    }

    @Test func noOpUpdatesEmitNothing() {
        let history = F.world + [F.channelUpdated(title: "Cleo Live", access: .paid, price: 4, ageRestricted: true)]
        given(history).when(F.updateChannel()).thenNothingHappens()
        given(history).when(F.updateChannel(title: "Cleo Live")).thenNothingHappens()
        given(history).when(F.updateChannel(title: "Cleo Live", access: .paid, price: 4, ageRestricted: true))
            .thenNothingHappens()
        // one real change among unchanged fields is an update
        given(history).when(F.updateChannel(title: "Cleo Live", access: .paid, price: 4, ageRestricted: false))
            .then([F.channelUpdated(title: "Cleo Live", access: .paid, price: 4, ageRestricted: false)])
    }
}

@Suite("Channels: stream key rotation")
struct StreamKeyTests {
    @Test func ownerRotatesAndStateIsUnchanged() {
        let before = given(F.world).state
        let after = given(F.world).when(F.rotateKey())
            .then([.channelStreamKeyRotated(ChannelStreamKeyRotated(channelId: F.cleoChannel))])
        #expect(after == before)
    }

    @Test("only the owner, not even an admin", arguments: [F.root, F.vera, F.carl, F.mona])
    func othersCannot(actor: String) {
        given(F.world).when(F.rotateKey(actor: actor))
            .thenThrows(.forbidden("only the channel's owner may rotate its stream key"))
    }

    @Test func unknownChannelOrActor() {
        given(F.world).when(F.rotateKey("chn_ghost")).thenThrows(.unknownChannel("chn_ghost"))
        given(F.world).when(F.rotateKey(actor: "acc_ghost")).thenThrows(.unknownAccount("acc_ghost"))
    }
}
