import Foundation
import MarqueeCore
import SQLiteDB
import Testing
import TestSupport
@testable import Webhooks

@Suite("delivery store")
struct DeliveryStoreTests {
    static let t0 = Timestamp(milliseconds: 1_790_000_000_000)
    static let ep = "whe_01ABC"

    func withStore<T>(_ body: (DeliveryStore, String) throws -> T) async throws -> T {
        try await withTemporaryDirectory(prefix: "marquee-webhooks") { dir in
            let path = dir + "/webhooks.sqlite"
            return try body(try DeliveryStore(path: path), path)
        }
    }

    func messages(_ seqs: ClosedRange<Int64>, endpoint: String = ep, type: String = "gift.sent") -> [NewMessage] {
        seqs.map { NewMessage(endpointId: endpoint, seq: $0, type: type) }
    }

    func failure(_ seq: Int64, at: Timestamp, retryAt: Timestamp?, endpoint: String = ep, status: Int? = 500) -> AttemptResult {
        AttemptResult(endpointId: endpoint, seq: seq, at: at, statusCode: status, latencyMillis: 12, responseExcerpt: "oops",
                      error: status == nil ? "connection refused by 127.0.0.1:9" : nil, succeeded: false, nextAttemptAt: retryAt)
    }

    func success(_ seq: Int64, at: Timestamp, endpoint: String = ep) -> AttemptResult {
        AttemptResult(endpointId: endpoint, seq: seq, at: at, statusCode: 204, latencyMillis: 7, responseExcerpt: "",
                      error: nil, succeeded: true, nextAttemptAt: nil)
    }

    @Test func messageIds() {
        #expect(DeliveryStore.messageId(endpointId: "whe_01ABC", seq: 42) == "msg_01ABC_42")
        #expect(WebhookMessage.id(endpointId: "plain", seq: 7) == "msg_plain_7")
        #expect(WebhookMessage.seq(fromId: "msg_01ABC_42", endpointId: "whe_01ABC") == 42)
        for bad in ["msg_01ABC_", "msg_01ABC_x", "msg_01ABC_042", "msg_01ABC_-1", "msg_OTHER_42", "msg_01ABC_4 2",
                    "msg_01ABC_99999999999999999999", "01ABC_42"] {
            #expect(WebhookMessage.seq(fromId: bad, endpointId: "whe_01ABC") == nil, "\(bad)")
        }
    }

    @Test func freshStoreIsEmpty() async throws {
        try await withStore { store, _ in
            #expect(try store.cursor() == 0)
            #expect(try store.due(endpointId: Self.ep, now: Self.t0, limit: 10, excluding: []).isEmpty)
            #expect(try store.nextDue(endpointId: Self.ep) == nil)
            #expect(try store.health(endpointId: Self.ep) == nil)
            let counts = try store.counts(endpointId: Self.ep)
            #expect(counts == (0, 0, 0))
            #expect(try store.connection.rows("PRAGMA journal_mode") == [[.text("wal")]])
        }
    }

    @Test func enqueueIsIdempotentAndMovesTheCursor() async throws {
        try await withStore { store, _ in
            try store.enqueue(messages(1...3) + messages(2...3, endpoint: "whe_B"), cursor: 10, at: Self.t0)
            #expect(try store.cursor() == 10)
            // The same events again (a rewound cursor after a crash): nothing doubles, nothing resets.
            try store.record([failure(1, at: Self.t0, retryAt: Self.t0.adding(seconds: 5))])
            try store.enqueue(messages(1...4), cursor: 12, at: Self.t0.adding(seconds: 1))
            #expect(try store.cursor() == 12)
            #expect(try store.counts(endpointId: Self.ep) == (4, 0, 0))
            #expect(try store.counts(endpointId: "whe_B") == (2, 0, 0))
            let one = try #require(try store.message(endpointId: Self.ep, seq: 1))
            #expect(one.attempts == 1 && one.nextAttemptAt == Self.t0.adding(seconds: 5), "kept, not reset")
            #expect(one.createdAt == Self.t0)
            let four = try #require(try store.message(endpointId: Self.ep, seq: 4))
            #expect(four.createdAt == Self.t0.adding(seconds: 1) && four.status == .pending && four.attempts == 0)
            // An empty batch still records the cursor (events that matched no endpoint).
            try store.enqueue([], cursor: 99, at: Self.t0)
            #expect(try store.cursor() == 99)
        }
    }

    @Test func dueOrdersByTimeThenSeqAndHonoursExclusionsAndLimits() async throws {
        try await withStore { store, _ in
            try store.enqueue(messages(1...5), cursor: 5, at: Self.t0)
            try store.enqueue(messages(6...6, endpoint: "whe_other"), cursor: 6, at: Self.t0)
            // seq 2 fails and is due later; seq 4 fails and is due earlier than the rest.
            try store.record([failure(2, at: Self.t0, retryAt: Self.t0.adding(seconds: 60)),
                              failure(4, at: Self.t0, retryAt: Self.t0.adding(milliseconds: -1))])
            let due = try store.due(endpointId: Self.ep, now: Self.t0, limit: 10, excluding: [])
            #expect(due.map(\.seq) == [4, 1, 3, 5])
            #expect(due.first == PendingMessage(endpointId: Self.ep, seq: 4, type: "gift.sent", attempts: 1))
            #expect(due.first?.messageId == "msg_01ABC_4")
            #expect(try store.due(endpointId: Self.ep, now: Self.t0, limit: 2, excluding: []).map(\.seq) == [4, 1])
            #expect(try store.due(endpointId: Self.ep, now: Self.t0, limit: 2, excluding: [4, 1]).map(\.seq) == [3, 5])
            #expect(try store.due(endpointId: Self.ep, now: Self.t0, limit: 10, excluding: [1, 3, 4, 5]).isEmpty)
            #expect(try store.due(endpointId: Self.ep, now: Self.t0, limit: 0, excluding: []).isEmpty)
            #expect(try store.due(endpointId: Self.ep, now: Self.t0.adding(seconds: 60), limit: 10, excluding: []).map(\.seq) == [4, 1, 3, 5, 2])
            #expect(try store.nextDue(endpointId: Self.ep) == Self.t0.adding(milliseconds: -1))
            #expect(try store.endpointsWithPending() == [Self.ep, "whe_other"])
        }
    }

    @Test func recordingRetriesThenGivingUp() async throws {
        try await withStore { store, _ in
            try store.enqueue(messages(1...1), cursor: 1, at: Self.t0)
            try store.record([failure(1, at: Self.t0, retryAt: Self.t0)])                        // "retries immediately"
            try store.record([failure(1, at: Self.t0.adding(seconds: 1), retryAt: Self.t0.adding(seconds: 6), status: nil)])
            var row = try #require(try store.message(endpointId: Self.ep, seq: 1))
            #expect(row.status == .pending && row.attempts == 2 && row.nextAttemptAt == Self.t0.adding(seconds: 6))
            #expect(row.lastStatusCode == 500, "a transport failure keeps the last status code")
            try store.record([failure(1, at: Self.t0.adding(seconds: 6), retryAt: nil, status: 503)])
            row = try #require(try store.message(endpointId: Self.ep, seq: 1))
            #expect(row.status == .failed && row.attempts == 3 && row.nextAttemptAt == nil && row.lastStatusCode == 503)
            #expect(try store.due(endpointId: Self.ep, now: Self.t0.adding(seconds: 1_000_000), limit: 10, excluding: []).isEmpty)
            #expect(try store.nextDue(endpointId: Self.ep) == nil)
            #expect(try store.counts(endpointId: Self.ep) == (0, 0, 1))

            let attempts = try store.attempts(endpointId: Self.ep, seq: 1, limit: 10)
            #expect(attempts.map(\.statusCode) == [503, nil, 500], "newest first")
            #expect(attempts[1] == AttemptRow(at: Self.t0.adding(seconds: 1), statusCode: nil, latencyMillis: 12, response: "oops",
                                              error: "connection refused by 127.0.0.1:9", succeeded: false))
            #expect(try store.attempts(endpointId: Self.ep, seq: 1, limit: 1).count == 1)
        }
    }

    @Test func successDeliversAndFailureNeverDemotes() async throws {
        try await withStore { store, _ in
            try store.enqueue(messages(1...1), cursor: 1, at: Self.t0)
            try store.record([success(1, at: Self.t0.adding(seconds: 2))])
            var row = try #require(try store.message(endpointId: Self.ep, seq: 1))
            #expect(row.status == .delivered && row.attempts == 1 && row.deliveredAt == Self.t0.adding(seconds: 2))
            #expect(row.lastStatusCode == 204 && row.nextAttemptAt == nil)
            // A duplicate attempt that failed (two in flight at once) does not undo the delivery.
            try store.record([failure(1, at: Self.t0.adding(seconds: 1), retryAt: nil)])
            row = try #require(try store.message(endpointId: Self.ep, seq: 1))
            #expect(row.status == .delivered && row.attempts == 1)
            #expect(try store.attempts(endpointId: Self.ep, seq: 1, limit: 10).count == 2, "both attempts are logged")
        }
    }

    @Test func batchOfManyResultsIsOneTransaction() async throws {
        try await withStore { store, path in
            try store.enqueue(messages(1...500), cursor: 500, at: Self.t0)
            let results = (Int64(1)...500).map { seq in
                seq % 5 == 0 ? failure(seq, at: Self.t0, retryAt: Self.t0.adding(seconds: 5)) : success(seq, at: Self.t0)
            }
            try store.record(results)
            #expect(try store.counts(endpointId: Self.ep) == (100, 400, 0))
            #expect(try store.connection.scalarInt("SELECT COUNT(*) FROM webhook_attempts") == 500)
            // A second connection sees it all at once (one commit) and nothing half-way.
            let reader = try Connection(path: path, mode: .readOnly)
            #expect(try reader.scalarInt("SELECT COUNT(*) FROM webhook_messages WHERE status = 'delivered'") == 400)

            // A failing statement inside the batch rolls the whole batch back.
            try store.connection.execute("""
                CREATE TRIGGER fail_on_777 BEFORE INSERT ON webhook_attempts WHEN NEW.seq = 777
                BEGIN SELECT RAISE(ABORT, 'boom'); END;
                """)
            try store.enqueue(messages(700...777), cursor: 777, at: Self.t0)
            #expect(throws: SQLiteError.self) {
                try store.record((Int64(700)...777).map { success($0, at: Self.t0) })
            }
            #expect(try store.message(endpointId: Self.ep, seq: 700)?.status == .pending, "rolled back")
            #expect(try store.connection.scalarInt("SELECT COUNT(*) FROM webhook_attempts WHERE seq >= 700") == 0)
        }
    }

    @Test func pendingSurvivesCloseAndReopen() async throws {
        try await withTemporaryDirectory(prefix: "marquee-webhooks") { dir in
            let path = dir + "/webhooks.sqlite"
            do {
                let store = try DeliveryStore(path: path)
                try store.enqueue(messages(1...3), cursor: 3, at: Self.t0)
                try store.record([success(1, at: Self.t0), failure(2, at: Self.t0, retryAt: Self.t0.adding(seconds: 300))])
            } // closed: the connection is released here, as in a crash after the commit
            let reopened = try DeliveryStore(path: path)
            #expect(try reopened.cursor() == 3)
            #expect(try reopened.counts(endpointId: Self.ep) == (2, 1, 0))
            #expect(try reopened.due(endpointId: Self.ep, now: Self.t0, limit: 10, excluding: []).map(\.seq) == [3])
            #expect(try reopened.nextDue(endpointId: Self.ep) == Self.t0)
            #expect(try reopened.message(endpointId: Self.ep, messageId: "msg_01ABC_2")?.attempts == 1)
            // Migrations ran once: the version table has one row.
            #expect(try reopened.connection.scalarInt("SELECT COUNT(*) FROM webhook_schema_migrations") == 1)
        }
    }

    @Test func uncommittedWorkIsNotVisibleAfterAnAbruptClose() async throws {
        try await withTemporaryDirectory(prefix: "marquee-webhooks") { dir in
            let path = dir + "/webhooks.sqlite"
            do {
                let store = try DeliveryStore(path: path)
                try store.enqueue(messages(1...2), cursor: 2, at: Self.t0)
                // A transaction left open when the process dies is never committed.
                try store.connection.execute("BEGIN IMMEDIATE")
                try store.connection.execute("UPDATE webhook_cursor SET seq = 50")
                try store.connection.execute("DELETE FROM webhook_messages")
            }
            let reopened = try DeliveryStore(path: path)
            #expect(try reopened.cursor() == 2)
            #expect(try reopened.counts(endpointId: Self.ep).pending == 2)
        }
    }

    @Test func listingPagesNewestFirstWithStatusFilter() async throws {
        try await withStore { store, _ in
            try store.enqueue(messages(1...25), cursor: 25, at: Self.t0)
            try store.record((Int64(1)...25).filter { $0 % 3 == 0 }.map { success($0, at: Self.t0) })
            var seen: [Int64] = []
            var before: Int64?
            while true {
                let page = try store.messages(endpointId: Self.ep, status: nil, beforeSeq: before, limit: 10)
                if page.isEmpty { break }
                seen += page.map(\.seq)
                before = page.last?.seq
            }
            #expect(seen == Array((Int64(1)...25).reversed()))
            let delivered = try store.messages(endpointId: Self.ep, status: .delivered, beforeSeq: nil, limit: 100)
            #expect(delivered.map(\.seq) == [24, 21, 18, 15, 12, 9, 6, 3])
            #expect(delivered.allSatisfy { $0.status == .delivered && $0.messageId == "msg_01ABC_\($0.seq)" })
            #expect(try store.messages(endpointId: Self.ep, status: .delivered, beforeSeq: 12, limit: 2).map(\.seq) == [9, 6])
            #expect(try store.messages(endpointId: Self.ep, status: .failed, beforeSeq: nil, limit: 10).isEmpty)
            #expect(try store.messages(endpointId: "whe_nobody", status: nil, beforeSeq: nil, limit: 10).isEmpty)
            #expect(try store.messages(endpointId: Self.ep, status: nil, beforeSeq: nil, limit: 0).isEmpty)
            #expect(try store.message(endpointId: Self.ep, messageId: "msg_01ABC_3")?.status == .delivered)
            #expect(try store.message(endpointId: Self.ep, messageId: "msg_01ABC_300") == nil)
            #expect(try store.message(endpointId: Self.ep, messageId: "msg_OTHER_3") == nil)
        }
    }

    @Test func messageRowsEncodeAsJSONWithRFC3339Times() async throws {
        try await withStore { store, _ in
            try store.enqueue(messages(1...1), cursor: 1, at: Self.t0)
            let row = try #require(try store.message(endpointId: Self.ep, seq: 1))
            let json = String(decoding: try JSONEncoder().encode(row), as: UTF8.self)
            #expect(json.contains(#""status":"pending""#))
            #expect(json.contains(#""createdAt":"2026-09-21T"#))
        }
    }

    @Test func manualRetryKeepsTheAttemptCount() async throws {
        try await withStore { store, _ in
            try store.enqueue(messages(1...1), cursor: 1, at: Self.t0)
            try store.record([failure(1, at: Self.t0, retryAt: nil)])
            #expect(try store.message(endpointId: Self.ep, seq: 1)?.status == .failed)
            let later = Self.t0.adding(seconds: 3600)
            #expect(try store.retryNow(endpointId: Self.ep, seq: 1, now: later))
            let row = try #require(try store.message(endpointId: Self.ep, seq: 1))
            #expect(row.status == .pending && row.attempts == 1 && row.nextAttemptAt == later)
            #expect(try store.due(endpointId: Self.ep, now: later, limit: 5, excluding: []).map(\.attempts) == [1])
            #expect(try store.attempts(endpointId: Self.ep, seq: 1, limit: 5).count == 1, "the attempt log stays")
            #expect(try store.retryNow(endpointId: Self.ep, seq: 2, now: later) == false)
            #expect(try store.retryNow(endpointId: "whe_nobody", seq: 1, now: later) == false)
        }
    }

    @Test func replayInsertsOrResets() async throws {
        try await withStore { store, _ in
            try store.enqueue(messages(1...2), cursor: 2, at: Self.t0)
            try store.record([success(1, at: Self.t0), failure(2, at: Self.t0, retryAt: nil)])
            let later = Self.t0.adding(seconds: 60)
            let count = try store.replay(endpointId: Self.ep, messages: messages(1...3, type: "chat.sent"), now: later)
            #expect(count == 3)
            for seq in Int64(1)...3 {
                let row = try #require(try store.message(endpointId: Self.ep, seq: seq))
                #expect(row.status == .pending && row.attempts == 0 && row.nextAttemptAt == later && row.deliveredAt == nil)
            }
            #expect(try store.message(endpointId: Self.ep, seq: 1)?.type == "gift.sent", "an existing message keeps its type")
            #expect(try store.message(endpointId: Self.ep, seq: 3)?.type == "chat.sent")
            #expect(try store.message(endpointId: Self.ep, seq: 3)?.createdAt == later)
            #expect(try store.attempts(endpointId: Self.ep, seq: 2, limit: 5).count == 1, "the attempt log stays")
            #expect(try store.cursor() == 2, "replay does not move the cursor")
            #expect(try store.replay(endpointId: Self.ep, messages: [], now: later) == 0)
        }
    }

    @Test func aBatchUpdatesHealthOncePerRunOfSuccessesWithTheSameOutcomeAsOneByOne() async throws {
        let t = { (s: Int64) in Self.t0.adding(seconds: s) }
        let other = "whe_02DEF"
        // Only the last of consecutive successes per endpoint; every failure; time order.
        let steps = DeliveryStore.healthSteps([success(3, at: t(3)), success(1, at: t(1)), success(9, at: t(2), endpoint: other),
                                               failure(4, at: t(4), retryAt: nil), success(5, at: t(5)), success(6, at: t(6))])
        #expect(steps.map(\.seq) == [3, 9, 4, 6], "a run keeps its first place: endpoints are independent")
        // Random batches: recorded at once and recorded one by one in time order agree.
        var rng = SplitMix64(seed: 0x4EA1)
        for round in 0..<40 {
            try await withTemporaryDirectory(prefix: "marquee-health") { dir in
                let batch = try DeliveryStore(path: dir + "/a.sqlite"), single = try DeliveryStore(path: dir + "/b.sqlite")
                var results: [AttemptResult] = []
                for seq in Int64(1)...Int64(2 + rng.next() % 12) {
                    let endpoint = rng.next() % 2 == 0 ? Self.ep : other
                    let at = t(Int64(rng.next() % 30))
                    results.append(rng.next() % 3 == 0 ? failure(seq, at: at, retryAt: nil, endpoint: endpoint) : success(seq, at: at, endpoint: endpoint))
                }
                // Earlier state in both, so late results meet a recorded success or failure.
                let before = [success(100, at: t(Int64(rng.next() % 30))), failure(101, at: t(Int64(rng.next() % 30)), retryAt: nil, endpoint: other)]
                for store in [batch, single] {
                    try store.enqueue(messages(1...101) + messages(1...101, endpoint: other), cursor: 101, at: Self.t0)
                    try store.record(before)
                }
                try batch.record(results)
                for result in results.sorted(by: { $0.at < $1.at }) { try single.record([result]) }
                for endpoint in [Self.ep, other] {
                    #expect(try batch.health(endpointId: endpoint) == single.health(endpointId: endpoint), "round \(round): \(results)")
                }
            }
        }
    }

    @Test func healthTracksContinuousFailure() async throws {
        try await withStore { store, _ in
            try store.enqueue(messages(1...9), cursor: 9, at: Self.t0)
            let t = { (s: Int64) in Self.t0.adding(seconds: s) }
            try store.record([failure(1, at: t(10), retryAt: t(20))])
            #expect(try store.health(endpointId: Self.ep) == EndpointHealth(endpointId: Self.ep, failingSince: t(10), lastSuccessAt: nil))
            try store.record([failure(2, at: t(20), retryAt: t(30)), failure(3, at: t(5), retryAt: t(30))])
            #expect(try store.health(endpointId: Self.ep)?.failingSince == t(5), "the earliest failure")
            try store.record([success(4, at: t(40))])
            #expect(try store.health(endpointId: Self.ep) == EndpointHealth(endpointId: Self.ep, failingSince: nil, lastSuccessAt: t(40)))
            // A failure that started before the latest success does not count.
            try store.record([failure(5, at: t(35), retryAt: t(60))])
            #expect(try store.health(endpointId: Self.ep)?.failingSince == nil)
            // Within one batch, results apply in time order: fail, succeed, fail.
            try store.record([failure(6, at: t(70), retryAt: nil), success(7, at: t(60)), failure(8, at: t(50), retryAt: nil)])
            #expect(try store.health(endpointId: Self.ep) == EndpointHealth(endpointId: Self.ep, failingSince: t(70), lastSuccessAt: t(60)))
            // An older success arriving late does not clear a later failure, nor move lastSuccessAt back.
            try store.record([success(9, at: t(55))])
            #expect(try store.health(endpointId: Self.ep) == EndpointHealth(endpointId: Self.ep, failingSince: t(70), lastSuccessAt: t(60)))
            // Other endpoints are separate; setHealth overwrites.
            #expect(try store.health(endpointId: "whe_other") == nil)
            try store.setHealth(EndpointHealth(endpointId: Self.ep, failingSince: nil, lastSuccessAt: t(100)))
            #expect(try store.health(endpointId: Self.ep) == EndpointHealth(endpointId: Self.ep, failingSince: nil, lastSuccessAt: t(100)))
        }
    }

    @Test func queriesUseTheirIndexes() async throws {
        try await withStore { store, _ in
            func plan(_ sql: String) throws -> String {
                try store.connection.rows("EXPLAIN QUERY PLAN " + sql).map { $0.last?.string ?? "" }.joined(separator: " | ")
            }
            let due = try plan("""
                SELECT seq, type, attempts FROM webhook_messages
                WHERE endpoint_id = 'e' AND status = 'pending' AND next_attempt_at <= 5 ORDER BY next_attempt_at, seq LIMIT 10
                """)
            #expect(due.contains("USING INDEX webhook_messages_due") && !due.contains("TEMP B-TREE"), "\(due)")
            let listing = try plan("SELECT seq FROM webhook_messages WHERE endpoint_id = 'e' AND seq < 9 ORDER BY seq DESC LIMIT 10")
            #expect(listing.contains("PRIMARY KEY") && !listing.contains("TEMP B-TREE"), "\(listing)")
            let byStatus = try plan("""
                SELECT seq FROM webhook_messages WHERE endpoint_id = 'e' AND seq < 9 AND status = 'failed' ORDER BY seq DESC LIMIT 10
                """)
            #expect(byStatus.contains("webhook_messages_by_status") && !byStatus.contains("TEMP B-TREE"), "\(byStatus)")
            let attempts = try plan("SELECT at FROM webhook_attempts WHERE endpoint_id = 'e' AND seq = 1 ORDER BY id DESC LIMIT 5")
            #expect(attempts.contains("webhook_attempts_by_message") && !attempts.contains("TEMP B-TREE"), "\(attempts)")
        }
    }

    @Test func excerptsAreBoundedValidUTF8() async throws {
        try await withStore { store, _ in
            try store.enqueue(messages(1...1), cursor: 1, at: Self.t0)
            var result = failure(1, at: Self.t0, retryAt: nil)
            result.responseExcerpt = String(repeating: "é", count: 2000) // 4000 bytes
            result.error = String(repeating: "x", count: 5000)
            try store.record([result])
            let row = try #require(try store.attempts(endpointId: Self.ep, seq: 1, limit: 1).first)
            #expect(row.response.utf8.count == 1024 && row.response.allSatisfy { $0 == "é" })
            #expect(row.error?.utf8.count == 1024)
        }
    }

    @Test func responseExcerptHelper() {
        #expect(ResponseExcerpt.make(Array("hello".utf8)) == "hello")
        #expect(ResponseExcerpt.make([UInt8](repeating: 65, count: 5000)).utf8.count == 1024)
        // A multi-byte character cut by the byte limit is dropped, not half-kept.
        let bytes = [UInt8](repeating: 65, count: 1023) + Array("é".utf8)
        #expect(ResponseExcerpt.make(bytes) == String(repeating: "A", count: 1023))
        // Invalid UTF-8 becomes U+FFFD, and the result still fits.
        let invalid = [UInt8](repeating: 0xFF, count: 2000)
        let text = ResponseExcerpt.make(invalid)
        #expect(text.utf8.count <= 1024 && text.unicodeScalars.allSatisfy { $0 == "\u{FFFD}" })
        #expect(ResponseExcerpt.truncate("abc", limit: 2) == "ab")
        #expect(ResponseExcerpt.truncate("a😀", limit: 4) == "a")
    }
}
