import Domain
import MarqueeCore
import Testing

/// Emmett-style decider specs: `given(history).when(command).then(events)` or `.thenThrows(error)`.
///
/// `given` folds the history through `DomainState.evolved(with:)` (the decider's `evolve`),
/// `when` runs `Decider.decide` once, and `then` compares the emitted events exactly and returns
/// the state with them applied, so a test can go on to check what the events did.
func given(_ history: [DomainEvent], config: DomainConfig = .test) -> Given {
    Given(history: history, config: config)
}

struct Given {
    let history: [DomainEvent]
    let config: DomainConfig
    let state: DomainState

    init(history: [DomainEvent], config: DomainConfig) {
        self.history = history
        self.config = config
        self.state = history.reduce(Decider.initialState) { Decider.evolve($0, $1) }
    }

    func when(_ command: Command, at now: Timestamp = T.zero) -> When {
        let result: Result<[DomainEvent], DomainError>
        do { result = .success(try Decider.decide(command, state: state, config: config, now: now)) } catch {
            result = .failure(error)
        }
        return When(before: state, command: command, result: result)
    }
}

struct When {
    let before: DomainState
    let command: Command
    let result: Result<[DomainEvent], DomainError>

    /// Expects exactly `expected` (in order) and returns the state with them applied.
    @discardableResult
    func then(_ expected: [DomainEvent], sourceLocation: SourceLocation = #_sourceLocation) -> DomainState {
        switch result {
        case .success(let events):
            #expect(events == expected, sourceLocation: sourceLocation)
            return events.reduce(before) { $0.evolved(with: $1) }
        case .failure(let error):
            Issue.record("expected \(expected), but \(command) was rejected: \(error)", sourceLocation: sourceLocation)
            return before
        }
    }

    /// Expects the command to be accepted without any event (an idempotent no-op).
    @discardableResult
    func thenNothingHappens(sourceLocation: SourceLocation = #_sourceLocation) -> DomainState {
        then([], sourceLocation: sourceLocation)
    }

    /// Expects the command to be rejected with exactly `expected`.
    func thenThrows(_ expected: DomainError, sourceLocation: SourceLocation = #_sourceLocation) {
        switch result {
        case .success(let events):
            Issue.record("expected \(expected), but \(command) was accepted with \(events)", sourceLocation: sourceLocation)
        case .failure(let error):
            #expect(error == expected, sourceLocation: sourceLocation)
        }
    }

    /// The single event emitted, for tests that look at one field at a time.
    func onlyEvent(sourceLocation: SourceLocation = #_sourceLocation) throws -> DomainEvent {
        let events = try #require(try? result.get(), "\(command) was rejected: \(result)", sourceLocation: sourceLocation)
        try #require(events.count == 1, "expected one event, got \(events)", sourceLocation: sourceLocation)
        return events[0]
    }
}

/// Times in specs: `T.zero` is a fixed instant, `T.s(61)` is 61 s later.
enum T {
    static let zero = Timestamp(milliseconds: 1_767_225_600_000)  // 2026-01-01T00:00:00Z
    static func s(_ seconds: Int64) -> Timestamp { zero.adding(seconds: seconds) }
    static func ms(_ milliseconds: Int64) -> Timestamp { zero.adding(milliseconds: milliseconds) }
}
