import MarqueeCore

/// `poll.opened` [poll]
public struct PollOpened: Codable, Sendable, Equatable {
    public var pollId: String
    public var channelId: String
    public var streamId: String?
    public var question: String
    public var options: [String]
    public var closesAt: Timestamp
    public init(pollId: String, channelId: String, streamId: String?, question: String, options: [String], closesAt: Timestamp) {
        self.pollId = pollId; self.channelId = channelId; self.streamId = streamId; self.question = question
        self.options = options; self.closesAt = closesAt
    }
}

/// `poll.voted` [poll]: `option` is the chosen option's index; `counts` the tally after this vote
/// (so live results need no other event).
public struct PollVoted: Codable, Sendable, Equatable {
    public var pollId: String
    public var channelId: String
    public var voterId: String
    public var option: Int
    public var counts: [Int]
    public init(pollId: String, channelId: String, voterId: String, option: Int, counts: [Int]) {
        self.pollId = pollId; self.channelId = channelId; self.voterId = voterId; self.option = option; self.counts = counts
    }
}

/// `poll.closed` [poll]: `results` are the final counts per option, in the options' order.
public struct PollClosed: Codable, Sendable, Equatable {
    public var pollId: String
    public var channelId: String
    public var results: [Int]
    public init(pollId: String, channelId: String, results: [Int]) { self.pollId = pollId; self.channelId = channelId; self.results = results }
}
