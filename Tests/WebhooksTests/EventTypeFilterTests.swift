import Testing
import Webhooks

@Suite("event type filters")
struct EventTypeFilterTests {
    static let known: Set<String> = ["chat.message.sent", "chat.message.deleted", "gift.sent", "stream.started", "stream.ended", "ping"]

    func filter(_ patterns: [String]) throws(WebhookInputError) -> EventTypeFilter {
        try EventTypeFilter(patterns: patterns, knownTypes: Self.known)
    }

    @Test func starMatchesEverything() throws {
        let all = try filter(["*"])
        for type in Self.known { #expect(all.matches(type)) }
        #expect(all.matches("a.type.added.later"))
    }

    @Test func categoryMatchesTheFirstSegment() throws {
        let chat = try filter(["chat.*"])
        #expect(chat.matches("chat.message.sent"))
        #expect(chat.matches("chat.message.deleted"))
        #expect(chat.matches("chat.new"))
        #expect(!chat.matches("chatter.message"))
        #expect(!chat.matches("gift.sent"))
        #expect(!chat.matches("chat"), "a type without a dot has no category")
        #expect(!chat.matches("stream.chat.x"))
    }

    @Test func exactTypes() throws {
        let f = try filter(["gift.sent", "stream.started", "ping"])
        #expect(f.matches("gift.sent"))
        #expect(f.matches("stream.started"))
        #expect(f.matches("ping"))
        #expect(!f.matches("stream.ended"))
        #expect(!f.matches("gift.sent.extra"))
        #expect(!f.matches("gift"))
    }

    @Test func mixedPatternsKeepOrderAndDropDuplicates() throws {
        let f = try filter(["gift.sent", "chat.*", "gift.sent", "chat.*", "stream.ended"])
        #expect(f.patterns == ["gift.sent", "chat.*", "stream.ended"])
        #expect(f.matches("chat.message.sent") && f.matches("gift.sent") && f.matches("stream.ended"))
        #expect(!f.matches("stream.started"))
        #expect(f == (try filter(["gift.sent", "chat.*", "stream.ended"])))
    }

    @Test func refusals() {
        #expect(throws: WebhookInputError.noEventTypes) { try filter([]) }
        for bad in ["gift.*.x", "gifts.*", "gift.sen", "", ".*", "*.*", "chat.message.*", "ping.*", "GIFT.SENT", "gift.*.*", " gift.sent", "**"] {
            #expect(throws: WebhookInputError.unknownEventType(bad), "\(bad)") { try filter(["*", bad]) }
        }
        #expect(throws: WebhookInputError.unknownEventType("x")) { try EventTypeFilter(patterns: ["x"], knownTypes: []) }
        #expect((try? EventTypeFilter(patterns: ["*"], knownTypes: [])) != nil, "'*' needs no known type")
    }

    @Test func errorsReadWell() {
        #expect(WebhookInputError.unknownEventType("gifts.*").description.contains("'gifts.*' is not a known event type"))
        #expect(WebhookInputError.noEventTypes.description == "Choose at least one event type ('*' for all).")
    }
}
