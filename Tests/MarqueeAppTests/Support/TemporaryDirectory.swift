import Foundation

/// A fresh directory under the system temporary directory, one per test, so tests that run in
/// parallel never share a data dir. Removed by `remove()` (tests call it with `defer`).
struct TemporaryDirectory: Sendable {
    let path: String

    init(_ label: String) throws {
        let base = NSTemporaryDirectory().hasSuffix("/") ? NSTemporaryDirectory() : NSTemporaryDirectory() + "/"
        let path = base + "marquee-apptests-\(label)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        self.path = path
    }

    func file(_ name: String) -> String { path + "/" + name }

    /// A sub-directory (created).
    func directory(_ name: String) throws -> String {
        let sub = file(name)
        try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
        return sub
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Waits until `condition` holds, checking every `interval`, failing after `timeout`.
/// For state that can be polled (a log line, a port answering); never a blind sleep.
func poll(timeout: Duration, interval: Duration = .milliseconds(20), _ what: String,
          _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try await condition() { return }
        guard ContinuousClock.now < deadline else { throw TestFailure("timed out after \(timeout) waiting for \(what)") }
        try await Task.sleep(for: interval)
    }
}

/// A test-side failure with a readable message.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
