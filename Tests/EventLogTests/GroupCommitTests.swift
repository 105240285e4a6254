import EventLog
import MarqueeCore
import Testing

/// Group commit is real: commands that arrive while a commit fsyncs share the next transaction.
///
/// Nothing here slows the handler down. 200 callers submit at once; the first commit
/// (`synchronous=FULL`, so one fsync of the WAL on a real disk) takes far longer than queueing a
/// command, so later commands pile up and are committed together: fewer batches than commands.
@Suite("LogWriter group commit")
struct GroupCommitTests {
    @Test(arguments: [200])
    func concurrentSubmitsShareTransactions(commands: Int) async throws {
        try await withTestLog { log in
            let writer = log.writer
            let results = try await within(120, "\(commands) concurrent submits") {
                await withTaskGroup(of: Result<Appended<Decided>, any Error>.self) { group in
                    for i in 0..<commands {
                        group.addTask { await outcome { try await writer.submit(.append(stream: "s\(i % 7)", count: 1)) } }
                    }
                    var all: [Result<Appended<Decided>, any Error>] = []
                    for await result in group { all.append(result) }
                    return all
                }
            }
            let appended = results.compactMap(\.success)
            #expect(appended.count == commands, "every submit succeeded: \(results.compactMap(\.failure).prefix(3))")
            #expect(appended.flatMap { $0.events.map(\.seq) }.sorted() == Array(1...Int64(commands)))

            let stored = try log.allEvents()
            #expect(stored.count == commands)
            expectValidChain(stored)
            // Versions are gapless per stream as well.
            for stream in Set(stored.map(\.stream)) {
                let versions = stored.filter { $0.stream == stream }.map(\.version)
                #expect(versions == Array(1...Int64(versions.count)))
            }

            let batches = writer.committedBatches
            #expect(batches >= 1)
            #expect(batches < commands, "\(commands) commands in \(batches) transactions: no batching happened")
        }
    }
}
