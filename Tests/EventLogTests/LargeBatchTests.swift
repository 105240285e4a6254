import EventLog
import MarqueeCore
import Testing

/// A large batch is decided on the preparer thread and inserted on the writer thread. It must
/// behave exactly like one batch: one transaction, the chain and versions in order, rejections
/// answered alone, and a failure anywhere failing every caller of the batch.
@Suite("LogWriter: a large batch")
struct LargeBatchTests {
    /// Holds the writer in a gate command, queues `commands`, then releases it: the queued
    /// commands form one batch of `commands.count`.
    func oneBatch(_ log: TestLog, _ commands: [TestCommand]) async throws -> [Result<Appended<Decided>, any Error>] {
        // Read the gate's counter before the gate can enter, or a fast gate is missed and waited for forever.
        let entered = log.handler.gateEntered.head
        let gate = Task { try await log.writer.submit(.gate(stream: "gate")) }
        try await within(30, "the gate command") { await log.handler.gateEntered.wait(after: entered) }
        let queued = commands.map { enqueue(log.writer, $0) }
        try await waitUntilQueued(log.writer, commands.count)
        log.handler.gateRelease.signal()
        _ = try await within { try await gate.value }
        var results: [Result<Appended<Decided>, any Error>] = []
        for task in queued { results.append(try await within { await task.result }) }
        return results
    }

    @Test func aLargeBatchCommitsOnceWithTheChainInOrder() async throws {
        try await withTestLog { log in
            let commands: [TestCommand] = (0..<150).map { i in
                i % 37 == 5 ? .reject("no \(i)") : .append(stream: "s\(i % 9)", count: 1 + i % 3)
            }
            let before = log.writer.committedBatches
            let results = try await oneBatch(log, commands)
            #expect(log.writer.committedBatches == before + 2, "the gate's batch, then one for all 150")
            var expectedSeq: Int64 = 2 // seq 1 is the gate
            for (i, result) in results.enumerated() {
                if i % 37 == 5 {
                    #expect(result.failure as? Rejected == Rejected(reason: "no \(i)"))
                    continue
                }
                let events = try #require(result.success?.events, "command \(i): \(result)")
                #expect(events.map(\.seq) == Array(expectedSeq..<expectedSeq + Int64(1 + i % 3)), "command \(i)")
                #expect(result.success?.outcome.nextSeq == expectedSeq)
                expectedSeq += Int64(events.count)
            }
            let stored = try log.allEvents()
            #expect(stored.count == Int(expectedSeq - 1))
            expectValidChain(stored)
            for stream in Set(stored.map(\.stream)) {
                let versions = stored.filter { $0.stream == stream }.map(\.version)
                #expect(versions == Array(1...Int64(versions.count)), "stream \(stream)")
            }
        }
    }

    @Test(arguments: [3, 70, 140])
    func aFailureAnywhereFailsTheWholeBatchAndTheWriterRecovers(failingAt: Int) async throws {
        try await withTestLog { log in
            _ = try await log.writer.submit(.append(stream: "s0", count: 1)) // seq 1, s0 v1
            let commands: [TestCommand] = (0..<150).map { i in
                i == failingAt ? .failingSideWrite(stream: "doomed") : .append(stream: "s\(i % 5)", count: 1)
            }
            let results = try await oneBatch(log, commands)
            for (i, result) in results.enumerated() {
                #expect(isStorageError(result.failure), "command \(i) of the failed batch: \(result)")
            }
            let afterFailure = try log.allEvents()
            #expect(afterFailure.map(\.seq) == [1, 2], "only the first command and the gate")
            #expect(log.writer.head == 2)
            // Versions and the chain continue as if the batch never happened.
            for stream in 0..<5 {
                let next = try await within { try await log.writer.submit(.append(stream: "s\(stream)", count: 1)) }
                #expect(next.events.map(\.version) == [stream == 0 ? 2 : 1], "stream s\(stream)")
            }
            let stored = try log.allEvents()
            #expect(stored.count == 7)
            expectValidChain(stored)
        }
    }
}
