import Foundation
import Testing

/// `Tests/webhook_receiver.py` as a child process: a real HTTP receiver that verifies every
/// delivery with the official Standard Webhooks library and logs one JSON line per request.
final class WebhookReceiver: @unchecked Sendable {
    let child: ChildProcess
    let port: Int
    let logPath: String
    let secretsPath: String

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("webhook_receiver.py").path
    }

    /// Starts the receiver (`port` 0: any free one) with `arguments` such as `--fail-first 3`.
    static func start(in directory: TemporaryDirectory, name: String = "receiver", port: Int = 0, arguments: [String] = []) async throws -> WebhookReceiver {
        let logPath = directory.file("\(name).jsonl")
        let secretsPath = directory.file("\(name).secrets")
        if !FileManager.default.fileExists(atPath: secretsPath) { _ = FileManager.default.createFile(atPath: secretsPath, contents: Data()) }
        let child = try ChildProcess(executable: SchemaTests.python(),
                                     arguments: [script, "--port", String(port), "--secrets-file", secretsPath, "--log", logPath] + arguments,
                                     environment: ProcessInfo.processInfo.environment, outputPath: directory.file("\(name).out"),
                                     errorPath: directory.file("\(name).err"))
        var found: Int?
        try await poll(timeout: .seconds(20), "the webhook receiver to listen") {
            if let line = child.output.split(separator: "\n").first(where: { $0.hasPrefix("PORT ") }) { found = Int(line.dropFirst(5)) }
            if found == nil && !child.isRunning { throw TestFailure("webhook_receiver.py exited: \(child.errorOutput)") }
            return found != nil
        }
        return WebhookReceiver(child: child, port: found!, logPath: logPath, secretsPath: secretsPath)
    }

    private init(child: ChildProcess, port: Int, logPath: String, secretsPath: String) {
        self.child = child; self.port = port; self.logPath = logPath; self.secretsPath = secretsPath
    }

    var url: String { "http://127.0.0.1:\(port)/hook" }

    /// The secrets a delivery may be signed with (re-read by the receiver on every request).
    func trust(_ secrets: [String]) throws {
        try (secrets.joined(separator: "\n") + "\n").write(toFile: secretsPath, atomically: true, encoding: .utf8)
    }

    struct Delivery: Sendable {
        var id: String
        var status: Int
        var valid: Bool
        var type: String?
        var seq: Int64?
        var payload: ResponseJSON?
        var receivedAt: Double
    }

    var deliveries: [Delivery] {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return ((try? parseJSONLines(text)) ?? []).map { line in
            Delivery(id: line["id"]?.string ?? "", status: Int(line["status"]?.int ?? 0), valid: line["valid"]?.bool ?? false,
                     type: line["type"]?.string, seq: line["seq"]?.int, payload: line["payload"],
                     receivedAt: line["receivedAt"]?.double ?? 0)
        }
    }

    /// The seqs answered with 2xx after a valid signature.
    var acknowledged: Set<Int64> { Set(deliveries.filter { $0.valid && (200..<300).contains($0.status) }.compactMap(\.seq)) }

    func waitFor(_ seqs: Set<Int64>, timeout: Duration = .seconds(40)) async throws {
        try await poll(timeout: timeout, interval: .milliseconds(50), "deliveries of \(seqs.sorted()) (have \(acknowledged.sorted()))") {
            seqs.isSubset(of: acknowledged)
        }
    }

    /// SIGKILL now, without waiting (for `defer`: a receiver never outlives its test, even with
    /// handler threads asleep in a keep-alive connection).
    func terminate() { child.signal(SIGKILL) }

    func stop() async {
        child.signal(SIGTERM)
        _ = try? await child.waitForExit(timeout: .seconds(10))
    }
}
