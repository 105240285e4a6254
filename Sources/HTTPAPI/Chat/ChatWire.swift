import Domain
import MarqueeJSON

/// What the chat socket sends for each committed event (pure: event in, deliveries out).
/// Messages are JSON objects with a `type`; the log's `seq` lets a client resume from history.
public enum ChatWire {
    public enum Audience: Sendable, Equatable {
        /// Every socket of the channel.
        case channel(String)
        /// The sockets of one viewing session, or of one account on the channel.
        case viewer(channelId: String, sessionId: String, accountId: String?)
    }

    public enum Delivery: Sendable, Equatable {
        case send(Audience, String)
        /// Close the sockets of `accountId` (on `channelId`, or everywhere when nil), saying why.
        case close(accountId: String, channelId: String?, reason: String)
    }

    struct Author: Encodable { var id: String; var handle: String }
    struct Message: Encodable { var type = "message"; var seq: Int64; var id: String; var channelId: String; var author: Author; var text: String; var at: String }
    struct Deleted: Encodable { var type = "message_deleted"; var seq: Int64; var id: String; var by: String; var reason: String }
    struct Banned: Encodable { var type: String; var seq: Int64; var userId: String; var until: String?; var reason: String }
    struct Settings: Encodable { var type = "settings"; var seq: Int64; var slowModeSeconds: Int; var subscribersOnly: Bool }
    struct Poll: Encodable { var type: String; var seq: Int64; var pollId: String; var question: String?; var options: [String]?; var counts: [Int]; var closesAt: String?; var open: Bool }
    struct Gift: Encodable { var type = "gift"; var seq: Int64; var giftId: String; var fromAccountId: String; var gift: String; var quantity: Int; var tokens: Int64; var message: String? }
    struct Stream: Encodable { var type = "stream"; var seq: Int64; var streamId: String; var live: Bool }
    struct Ad: Encodable { var type = "ad"; var seq: Int64; var breakId: String; var adId: String; var sessionId: String; var media: String?; var durationMs: Int64? }

    /// `ad` looks an ad's media and duration up (the inventory is in the read models).
    public static func deliveries(seq: Int64, event: DomainEvent, ad: (String) -> (media: String, durationMs: Int64)? = { _ in nil }) -> [Delivery] {
        func text<T: Encodable>(_ value: T) -> String { (try? String(decoding: JSONEncoding.encode(value, nulls: .explicit), as: UTF8.self)) ?? "{}" }
        switch event {
        case .chatMessagePosted(let e):
            return [.send(.channel(e.channelId), text(Message(seq: seq, id: e.messageId, channelId: e.channelId,
                                                              author: Author(id: e.authorId, handle: e.authorHandle), text: e.text, at: e.at.rfc3339)))]
        case .chatMessageDeleted(let e):
            return [.send(.channel(e.channelId), text(Deleted(seq: seq, id: e.messageId, by: e.by, reason: e.reason)))]
        case .chatUserBanned(let e):
            let reason = e.until.map { "timed out until \($0.rfc3339)" } ?? "banned from this chat"
            return [.close(accountId: e.userId, channelId: e.channelId, reason: reason),
                    .send(.channel(e.channelId), text(Banned(type: "user_banned", seq: seq, userId: e.userId, until: e.until?.rfc3339, reason: e.reason)))]
        case .chatUserUnbanned(let e):
            return [.send(.channel(e.channelId), text(Banned(type: "user_unbanned", seq: seq, userId: e.userId, until: nil, reason: e.reason)))]
        case .chatSettingsChanged(let e):
            return [.send(.channel(e.channelId), text(Settings(seq: seq, slowModeSeconds: e.slowModeSeconds, subscribersOnly: e.subscribersOnly)))]
        case .pollOpened(let e):
            return [.send(.channel(e.channelId), text(Poll(type: "poll", seq: seq, pollId: e.pollId, question: e.question, options: e.options,
                                                          counts: Array(repeating: 0, count: e.options.count), closesAt: e.closesAt.rfc3339, open: true)))]
        case .pollVoted(let e):
            return [.send(.channel(e.channelId), text(Poll(type: "poll_results", seq: seq, pollId: e.pollId, question: nil, options: nil,
                                                          counts: e.counts, closesAt: nil, open: true)))]
        case .pollClosed(let e):
            return [.send(.channel(e.channelId), text(Poll(type: "poll_closed", seq: seq, pollId: e.pollId, question: nil, options: nil,
                                                          counts: e.results, closesAt: nil, open: false)))]
        case .giftSent(let e):
            return [.send(.channel(e.channelId), text(Gift(seq: seq, giftId: e.giftId, fromAccountId: e.fromAccountId, gift: e.gift,
                                                          quantity: e.quantity, tokens: e.tokens, message: e.message)))]
        case .streamStarted(let e):
            return [.send(.channel(e.channelId), text(Stream(seq: seq, streamId: e.streamId, live: true)))]
        case .streamEnded(let e):
            return [.send(.channel(e.channelId), text(Stream(seq: seq, streamId: e.streamId, live: false)))]
        case .adImpression(let e):
            let found = ad(e.adId)
            return [.send(.viewer(channelId: e.channelId, sessionId: e.sessionId, accountId: e.viewerId),
                          text(Ad(seq: seq, breakId: e.breakId, adId: e.adId, sessionId: e.sessionId, media: found?.media, durationMs: found?.durationMs)))]
        case .accountSuspended(let e):
            return [.close(accountId: e.accountId, channelId: nil, reason: "the account is suspended")]
        default:
            return []
        }
    }
}
