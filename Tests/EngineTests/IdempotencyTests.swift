import Domain
import Engine
import EventLog
import MarqueeCore
import Testing

/// Idempotency-Key semantics (IETF draft "The Idempotency-Key HTTP Header Field"), as the
/// writer's handler applies them, on a real log.
@Suite("DomainHandler Idempotency-Key")
struct IdempotencyTests {
    static func keyed(_ actor: String?, _ key: String, _ hash: String) -> RequestMeta {
        RequestMeta(actor: actor, idempotencyKey: key, requestHash: hash)
    }

    @Test func sameKeyAndRequestReplaysTheFirstAnswer() async throws {
        try await withEngine { engine in
            let meta = Self.keyed(Cast.admin, "grant-1", "h-grant-1")
            let first = try await engine.grant(Cast.vera, 100, meta: meta)
            let seqs = first.events.map(\.seq)
            #expect(seqs.count == 1)
            let head = engine.head
            let state = engine.handler.state

            let second = try await engine.grant(Cast.vera, 100, meta: meta)
            #expect(second.outcome == .replayed(seqs: seqs))
            #expect(second.events.isEmpty)
            #expect(engine.head == head, "a replay appends nothing")
            #expect(engine.handler.state == state)
            #expect(engine.handler.state.wallet(Cast.vera).balance == 100)
            // The stored event carries the key, which is what lets a restart rebuild the index.
            let stored = try #require(try engine.reader().event(seq: seqs[0]))
            #expect(String(decoding: stored.meta, as: UTF8.self).contains(#""idempotencyKey":"grant-1""#))
        }
    }

    @Test func sameKeyWithAnotherRequestIsRefused() async throws {
        try await withEngine { engine in
            _ = try await engine.grant(Cast.vera, 100, meta: Self.keyed(Cast.admin, "k", "h1"))
            let head = engine.head
            await #expect(throws: EngineError.idempotencyKeyReused("k")) {
                try await engine.grant(Cast.vera, 999, meta: Self.keyed(Cast.admin, "k", "h2"))
            }
            // Also when the request hash is missing altogether.
            await #expect(throws: EngineError.idempotencyKeyReused("k")) {
                try await engine.grant(Cast.vera, 100, meta: RequestMeta(actor: Cast.admin, idempotencyKey: "k"))
            }
            #expect(engine.head == head)
            #expect(engine.handler.state.wallet(Cast.vera).balance == 100)
            // The original request still replays.
            let replay = try await engine.grant(Cast.vera, 100, meta: Self.keyed(Cast.admin, "k", "h1"))
            #expect(replay.outcome.replayedSeqs == [head])
        }
    }

    @Test func keysAreScopedByActor() async throws {
        try await withEngine { engine in
            _ = try await engine.grant(Cast.vera, 100)
            _ = try await engine.grant(Cast.walt, 100)
            let fromVera = try await engine.submit(EngineHarness.gift("gft_v", from: Cast.vera), meta: Self.keyed(Cast.vera, "same", "h-v"))
            let fromWalt = try await engine.submit(EngineHarness.gift("gft_w", from: Cast.walt), meta: Self.keyed(Cast.walt, "same", "h-w"))
            #expect(fromVera.outcome.appendedEvents?.count == 1)
            #expect(fromWalt.outcome.appendedEvents?.count == 1, "another actor's key is independent")
            #expect(fromVera.events[0].seq != fromWalt.events[0].seq)
            // Anonymous requests are one more scope.
            let anonymous = try await engine.submit(
                .registerAccount(RegisterAccount(accountId: "acc_anna", handle: "anna", role: .viewer, actorId: nil)),
                meta: Self.keyed(nil, "same", "h-anon"))
            #expect(anonymous.outcome.appendedEvents?.count == 1)
            // Each scope replays its own first answer.
            let veraAgain = try await engine.submit(EngineHarness.gift("gft_v", from: Cast.vera), meta: Self.keyed(Cast.vera, "same", "h-v"))
            #expect(veraAgain.outcome == .replayed(seqs: fromVera.events.map(\.seq)))
            let waltAgain = try await engine.submit(EngineHarness.gift("gft_w", from: Cast.walt), meta: Self.keyed(Cast.walt, "same", "h-w"))
            #expect(waltAgain.outcome == .replayed(seqs: fromWalt.events.map(\.seq)))
            #expect(engine.handler.state.wallet(Cast.vera).balance == 90)
            #expect(engine.handler.state.wallet(Cast.walt).balance == 90)
        }
    }

    @Test func replayIsDetectedAfterARestart() async throws {
        try await withEngine { engine in
            let meta = Self.keyed(Cast.admin, "grant-restart", "h")
            let first = try await engine.grant(Cast.vera, 40, meta: meta)
            _ = try await engine.grant(Cast.walt, 5) // something after it, without a key
            try engine.restart()
            let head = engine.head
            let again = try await engine.grant(Cast.vera, 40, meta: meta)
            #expect(again.outcome == .replayed(seqs: first.events.map(\.seq)))
            #expect(engine.head == head)
            await #expect(throws: EngineError.idempotencyKeyReused("grant-restart")) {
                try await engine.grant(Cast.vera, 41, meta: Self.keyed(Cast.admin, "grant-restart", "other"))
            }
            #expect(engine.handler.state.wallet(Cast.vera).balance == 40)
        }
    }

    @Test func keysAreForgottenAfterTheRetentionWindow() async throws {
        let clock = ManualClock()
        try await withEngine(clock: clock) { engine in
            let meta = Self.keyed(Cast.admin, "old", "h")
            let first = try await engine.grant(Cast.vera, 10, meta: meta)
            // Exactly at the end of the window the key is still remembered…
            clock.advance(milliseconds: DomainHandler.idempotencyRetentionMillis)
            let within = try await engine.grant(Cast.vera, 10, meta: meta)
            #expect(within.outcome == .replayed(seqs: first.events.map(\.seq)))
            // …one millisecond later it is forgotten: the same request is a new decision.
            clock.advance(milliseconds: 1)
            let after = try await engine.grant(Cast.vera, 10, meta: meta)
            #expect(after.outcome.appendedEvents?.count == 1)
            #expect(after.events.first?.seq == first.events.first.map { $0.seq + 1 })
            #expect(engine.handler.state.wallet(Cast.vera).balance == 20)
            // The key now points at the new decision.
            let replay = try await engine.grant(Cast.vera, 10, meta: meta)
            #expect(replay.outcome == .replayed(seqs: after.events.map(\.seq)))
            // A forgotten key may be used for a different request too.
            clock.advance(milliseconds: DomainHandler.idempotencyRetentionMillis + 10)
            let different = try await engine.grant(Cast.walt, 3, meta: Self.keyed(Cast.admin, "old", "h-other"))
            #expect(different.outcome.appendedEvents?.count == 1)
        }
    }

    @Test func aRestartAlsoForgetsExpiredKeys() async throws {
        let clock = ManualClock()
        try await withEngine(clock: clock) { engine in
            let meta = Self.keyed(Cast.admin, "expiring", "h")
            let fresh = Self.keyed(Cast.admin, "fresh", "h")
            _ = try await engine.grant(Cast.vera, 10, meta: meta)
            clock.advance(milliseconds: DomainHandler.idempotencyRetentionMillis / 2)
            let second = try await engine.grant(Cast.walt, 10, meta: fresh)
            clock.advance(milliseconds: DomainHandler.idempotencyRetentionMillis / 2 + 1)
            try engine.restart()
            let again = try await engine.grant(Cast.vera, 10, meta: meta)
            #expect(again.outcome.appendedEvents?.count == 1, "expired before the restart: a new decision")
            let stillKnown = try await engine.grant(Cast.walt, 10, meta: fresh)
            #expect(stillKnown.outcome == .replayed(seqs: second.events.map(\.seq)), "within the window: still replayed")
            #expect(engine.handler.state.wallet(Cast.vera).balance == 20)
            #expect(engine.handler.state.wallet(Cast.walt).balance == 10)
        }
    }

    @Test func aRejectedCommandIsNotRemembered() async throws {
        try await withEngine { engine in
            let meta = Self.keyed(Cast.vera, "gift-1", "h-gift")
            await #expect(throws: DomainError.insufficientTokens(balance: 0, needed: 10)) {
                try await engine.submit(EngineHarness.gift("gft_1", from: Cast.vera), meta: meta)
            }
            // Retrying the same request with the same key gets the same rejection, not a replay.
            await #expect(throws: DomainError.insufficientTokens(balance: 0, needed: 10)) {
                try await engine.submit(EngineHarness.gift("gft_1", from: Cast.vera), meta: meta)
            }
            // After a restart as well, and the key is not "reused" by another request either.
            try engine.restart()
            await #expect(throws: DomainError.insufficientTokens(balance: 0, needed: 50)) {
                try await engine.submit(EngineHarness.gift("gft_1", from: Cast.vera, "star"), meta: Self.keyed(Cast.vera, "gift-1", "h-other"))
            }
            _ = try await engine.grant(Cast.vera, 10)
            let accepted = try await engine.submit(EngineHarness.gift("gft_1", from: Cast.vera), meta: meta)
            #expect(accepted.outcome.appendedEvents?.count == 1)
            let replay = try await engine.submit(EngineHarness.gift("gft_1", from: Cast.vera), meta: meta)
            #expect(replay.outcome == .replayed(seqs: accepted.events.map(\.seq)))
            #expect(engine.handler.state.wallet(Cast.vera).balance == 0)
        }
    }

    @Test func concurrentDuplicatesAreDecidedOnce() async throws {
        try await withEngine { engine in
            _ = try await engine.grant(Cast.vera, 100)
            let writer = engine.writer
            let envelope = CommandEnvelope(.domain(EngineHarness.gift("gft_dup", from: Cast.vera)), meta: Self.keyed(Cast.vera, "dup", "h"))
            let outcomes = try await within(30, "concurrent duplicates") {
                try await withThrowingTaskGroup(of: EngineOutcome.self) { group in
                    for _ in 0..<8 { group.addTask { try await writer.submit(envelope).outcome } }
                    var all: [EngineOutcome] = []
                    for try await outcome in group { all.append(outcome) }
                    return all
                }
            }
            let decided = outcomes.compactMap(\.appendedEvents)
            #expect(decided.count == 1)
            let seq = try engine.allEvents().last?.seq
            #expect(outcomes.compactMap(\.replayedSeqs) == Array(repeating: [seq!], count: 7))
            #expect(engine.handler.state.wallet(Cast.vera).balance == 90)
        }
    }
}
