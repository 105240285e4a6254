import MarqueeCore

/// Polls: opened by the chat's moderators with 2–10 options and a duration, one vote per
/// account, closed by the scheduler at the deadline with the results.
extension Decider {
    static func decideOpenPoll(_ c: OpenPoll, _ state: DomainState, _ now: Timestamp) throws(DomainError) -> [DomainEvent] {
        let (_, channel) = try moderator(c.actorId, of: c.channelId, state)
        try requireText(c.question, field: "question", min: 1, max: 200)
        guard (2...10).contains(c.options.count) else { throw .invalid(field: "options", reason: "a poll has 2 to 10 options") }
        for (index, option) in c.options.enumerated() { try requireText(option, field: "options[\(index)]", min: 1, max: 100) }
        guard Set(c.options).count == c.options.count else { throw .invalid(field: "options", reason: "options must differ") }
        guard (10...86_400).contains(c.durationSeconds) else { throw .invalid(field: "durationSeconds", reason: "must be 10 to 86400") }
        if let open = state.openPollByChannel[channel.id] { throw .conflict("the poll \(open) is still open on this channel") }
        try requireFreshId(c.pollId, state)
        return [.pollOpened(PollOpened(pollId: c.pollId, channelId: channel.id, streamId: channel.liveStreamId, question: c.question,
                                       options: c.options, closesAt: now.adding(milliseconds: c.durationSeconds * 1000)))]
    }

    static func decideVote(_ c: VotePoll, _ state: DomainState, _ now: Timestamp) throws(DomainError) -> [DomainEvent] {
        guard let poll = state.polls[c.pollId] else { throw .unknownPoll(c.pollId) }
        let voter = try activeActor(c.voterId, state)
        guard let channel = state.channels[poll.channelId] else { throw .unknownChannel(poll.channelId) }
        guard poll.open, poll.closesAt > now else { throw .conflict("the poll \(poll.id) is closed") }
        try requireChatAccess(voter, channel, state, now)
        guard poll.options.indices.contains(c.option) else {
            throw .invalid(field: "option", reason: "must be an option's index, 0 to \(poll.options.count - 1)")
        }
        guard !poll.voters.contains(voter.id) else { throw .conflict("you already voted in this poll") }
        var counts = poll.counts
        counts[c.option] += 1
        return [.pollVoted(PollVoted(pollId: poll.id, channelId: poll.channelId, voterId: voter.id, option: c.option, counts: counts))]
    }

    /// Polls whose deadline has passed, closed in a stable order.
    static func closePolls(_ state: inout DomainState, _ now: Timestamp) -> [DomainEvent] {
        let due = state.openPollByChannel.values.compactMap { state.polls[$0] }.filter { $0.closesAt <= now }.sorted { $0.id < $1.id }
        return due.map { poll in
            let event = DomainEvent.pollClosed(PollClosed(pollId: poll.id, channelId: poll.channelId, results: poll.counts))
            state.apply(event)
            return event
        }
    }
}
