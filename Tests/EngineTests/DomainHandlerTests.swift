import Domain
import Engine
import EventLog
import MarqueeCore
import Foundation
import SQLiteDB
import Testing

@Suite("DomainHandler on a real log: decisions, events, state")
struct DomainHandlerTests {
    @Test func registersGrantsAndGiftsThroughTheWriter() async throws {
        try await withEngine(seed: false) { engine in
            let bootstrap = try await engine.submit(
                .registerAccount(RegisterAccount(accountId: Cast.admin, handle: "root", role: .admin, actorId: nil)),
                meta: RequestMeta(clientIp: "192.0.2.1"))
            #expect(bootstrap.outcome == .appended([.accountRegistered(AccountRegistered(accountId: Cast.admin, handle: "root", role: .admin))]))
            #expect(bootstrap.events.map(\.stream) == ["account-acc_admin"])
            #expect(bootstrap.events.map(\.type) == ["account.registered"])

            // A second admin cannot bootstrap itself.
            await #expect(throws: DomainError.self) {
                try await engine.submit(.registerAccount(RegisterAccount(accountId: "acc_evil", handle: "evil", role: .admin, actorId: nil)),
                                        meta: RequestMeta())
            }
            try await engine.submit(.registerAccount(RegisterAccount(accountId: Cast.vera, handle: "vera", role: .viewer, actorId: nil)),
                                    meta: RequestMeta())
            try await engine.submit(.registerAccount(RegisterAccount(accountId: Cast.cleo, handle: "cleo", role: .creator, actorId: nil)),
                                    meta: RequestMeta())
            try await engine.submit(.createChannel(CreateChannel(channelId: Cast.channel, ownerId: Cast.cleo, slug: "cleo-live",
                                                                 title: "Cleo Live")), meta: RequestMeta(actor: Cast.cleo))
            let grant = try await engine.grant(Cast.vera, 100)
            #expect(grant.outcome == .appended([.tokensGranted(TokensGranted(accountId: Cast.vera, tokens: 100, grantedBy: Cast.admin,
                                                                              reason: "test grant"))]))
            #expect(grant.events.map(\.stream) == ["wallet-acc_vera"])

            let gift = try await engine.submit(EngineHarness.gift("gft_1", from: Cast.vera, "rose", quantity: 2),
                                               meta: RequestMeta(actor: Cast.vera, correlationId: "req-1"))
            let sent = try #require(gift.outcome.appendedEvents?.first)
            guard case .giftSent(let e) = sent else { Issue.record("expected gift.sent, got \(sent)"); return }
            #expect(e.tokens == 20 && e.feeTokens == 4 && e.creatorTokens == 16)
            #expect(e.fromAccountId == Cast.vera && e.toAccountId == Cast.cleo)

            let state = engine.handler.state
            #expect(state.wallet(Cast.vera).balance == 80)
            #expect(state.wallet(Cast.cleo).earnings == 16)
            #expect(state.platformFees == 4)
            #expect(state.tokensIssued == 100)
            #expect(state.account(handle: "cleo")?.role == .creator)
            #expect(state.accounts["acc_evil"] == nil)

            // What is stored is what was answered, seq by seq, and decodes back to the domain event.
            let stored = try engine.allEvents()
            #expect(stored.map(\.seq) == Array(1...6))
            #expect(stored.last == gift.events.last)
            #expect(try DomainEvent.decode(type: stored[5].type, schema: stored[5].schema, data: stored[5].data) == sent)
            let meta = try JSONDecoder().decode(RequestMeta.self, from: Data(stored[5].meta))
            #expect(meta == RequestMeta(actor: Cast.vera, correlationId: "req-1"))
            #expect(try JSONDecoder().decode(RequestMeta.self, from: Data(stored[0].meta)) == RequestMeta(clientIp: "192.0.2.1"))
        }
    }

    @Test func rejectedCommandsAppendNothingAndLeaveStateAlone() async throws {
        try await withEngine { engine in
            let before = engine.handler.state
            let head = engine.head
            await #expect(throws: DomainError.insufficientTokens(balance: 0, needed: 10)) {
                try await engine.submit(EngineHarness.gift("gft_x", from: Cast.vera), meta: RequestMeta(actor: Cast.vera))
            }
            await #expect(throws: DomainError.handleTaken("vera")) {
                try await engine.submit(.registerAccount(RegisterAccount(accountId: "acc_other", handle: "vera", role: .viewer, actorId: nil)),
                                        meta: RequestMeta())
            }
            await #expect(throws: DomainError.forbidden("only an admin may grant tokens")) {
                try await engine.submit(.grantTokens(GrantTokens(accountId: Cast.vera, tokens: 5, reason: "self", actorId: Cast.vera)),
                                        meta: RequestMeta(actor: Cast.vera))
            }
            #expect(engine.head == head)
            #expect(engine.handler.state == before)
        }
    }

    @Test func stateAfterRestartEqualsStateBefore() async throws {
        try await withEngine { engine in
            _ = try await engine.grant(Cast.vera, 500)
            _ = try await engine.grant(Cast.walt, 30)
            try await engine.submit(EngineHarness.gift("gft_1", from: Cast.vera, "star", quantity: 3), meta: RequestMeta(actor: Cast.vera))
            try await engine.submit(EngineHarness.gift("gft_2", from: Cast.walt, "heart", quantity: 7), meta: RequestMeta(actor: Cast.walt))
            try await engine.submit(.updateChannel(UpdateChannel(channelId: Cast.channel, actorId: Cast.cleo, title: "Cleo Tonight",
                                                                 access: .paid, pricePerMinute: 3)), meta: RequestMeta(actor: Cast.cleo))
            try await engine.submit(.suspendAccount(SuspendAccount(accountId: Cast.walt, reason: "spam", actorId: Cast.admin)),
                                    meta: RequestMeta(actor: Cast.admin))
            let before = engine.handler.state
            #expect(before.wallet(Cast.vera).balance == 350)
            #expect(before.wallet(Cast.walt).balance == 23)
            #expect(before.wallet(Cast.cleo).earnings == 120 + 6)
            #expect(before.handles == ["root": Cast.admin, "vera": Cast.vera, "walt": Cast.walt, "cleo": Cast.cleo])

            let head = engine.head
            try engine.restart()
            #expect(engine.head == head)
            #expect(engine.handler.state == before)
            #expect(engine.handler.state.accounts[Cast.walt]?.suspended == true)
            #expect(engine.handler.state.channel(slug: "cleo-live")?.pricePerMinute == 3)

            // And the reloaded state decides like the old one: walt is suspended, vera can still pay.
            await #expect(throws: DomainError.accountSuspended("walt")) {
                try await engine.submit(EngineHarness.gift("gft_3", from: Cast.walt, "heart"), meta: RequestMeta(actor: Cast.walt))
            }
            let next = try await engine.submit(EngineHarness.gift("gft_4", from: Cast.vera, "rose"), meta: RequestMeta(actor: Cast.vera))
            #expect(next.events.first?.seq == head + 1)
            #expect(engine.handler.state.wallet(Cast.vera).balance == 340)
        }
    }

    @Test func theChainStaysValidAcrossRestarts() async throws {
        try await withEngine { engine in
            _ = try await engine.grant(Cast.vera, 10)
            try engine.restart()
            _ = try await engine.grant(Cast.vera, 10)
            let stored = try engine.allEvents()
            var previous = HashChain.genesis
            for (index, event) in stored.enumerated() {
                #expect(event.seq == Int64(index + 1))
                #expect(event.prevHash == previous)
                #expect(HashChain.hash(prevHash: previous, event: event) == event.hash)
                previous = event.hash
            }
            #expect(try engine.reader().streamVersions()["wallet-acc_vera"] == 2)
        }
    }
}
