import Foundation
import MarqueeCore
import Testing

/// A small log with known balances at known seqs and times, written by an in-process server
/// with a manual clock, for the CLI tests:
///
///     T0 10:00:00  admin (bootstrap), carol (creator), victor, vera; channel carol-live
///     T1 10:01:00  grant victor 100, grant vera 50
///     T2 10:02:00  victor rose×3 (30: creator 24, fee 6); vera heart×5 (5: creator 4, fee 1)
///     T3 10:03:00  victor star×1 (50: creator 40, fee 10)
///
/// End: victor 20, vera 45, carol earnings 68, fees 17; 150 issued.
struct LedgerFixture: Sendable {
    static let t0 = Timestamp(rfc3339: "2026-11-22T10:00:00.000Z")!

    var dataDir: String
    var victorId: String
    var carolId: String
    var grantVictorSeq: Int64
    var grantVeraSeq: Int64
    var giftSeqs: [Int64]
    var giftIds: [String]

    static func make(in directory: TemporaryDirectory) async throws -> LedgerFixture {
        let dataDir = try directory.directory("data")
        let clock = ManualClock(t0)
        let fixture = try await LiveServer.run(dataDir: dataDir, clock: clock) { api, admin in
            let carol = try await api.account("carol", role: "creator")
            let victor = try await api.account("victor")
            let vera = try await api.account("vera")
            _ = try await api.createChannel("carol-live", title: "Carol live", token: carol.token)
            clock.advance(seconds: 60)
            func grant(_ handle: String, _ tokens: Int64) async throws -> Int64 {
                let reply = try await api.post("/api/v1/admin/grants", #"{"handle":"\#(handle)","tokens":\#(tokens)}"#, token: admin)
                try #require(reply.code == 201, "grant: \(reply)")
                return try #require(try reply.json()["seq"]?.int)
            }
            let grantVictor = try await grant("victor", 100)
            let grantVera = try await grant("vera", 50)
            clock.advance(seconds: 60)
            var seqs: [Int64] = []
            var ids: [String] = []
            func gift(_ token: String, _ name: String, _ quantity: Int) async throws {
                let reply = try await api.post("/api/v1/channels/carol-live/gifts", #"{"gift":"\#(name)","quantity":\#(quantity)}"#, token: token)
                try #require(reply.code == 201, "gift: \(reply)")
                seqs.append(try #require(try reply.json()["seq"]?.int))
                ids.append(try #require(try reply.json()["giftId"]?.string))
            }
            try await gift(victor.token, "rose", 3)
            try await gift(vera.token, "heart", 5)
            clock.advance(seconds: 60)
            try await gift(victor.token, "star", 1)
            return LedgerFixture(dataDir: dataDir, victorId: victor.id, carolId: carol.id, grantVictorSeq: grantVictor,
                                 grantVeraSeq: grantVera, giftSeqs: seqs, giftIds: ids)
        }
        return fixture
    }
}
