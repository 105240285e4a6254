import Foundation
import HummingbirdTesting
#if canImport(Glibc)
import Glibc
#endif

/// The `marquee` executable built with the tests: next to the test bundle
/// (`<build dir>/<config>/marquee`), else `$MARQUEE_BIN`.
enum MarqueeBinary {
    static let path: String? = locate()

    static func locate() -> String? {
        var starts = [Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
        starts.append(Bundle.main.executableURL?.deletingLastPathComponent() ?? Bundle.main.bundleURL)
        for start in starts {
            var directory = start.standardizedFileURL
            for _ in 0..<4 {
                let candidate = directory.appendingPathComponent("marquee").path
                if isExecutableFile(candidate) { return candidate }
                directory = directory.deletingLastPathComponent()
            }
        }
        if let fromEnvironment = ProcessInfo.processInfo.environment["MARQUEE_BIN"], isExecutableFile(fromEnvironment) {
            return fromEnvironment
        }
        return nil
    }

    static func isExecutableFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
            && FileManager.default.isExecutableFile(atPath: path)
    }

    static func require() throws -> String {
        guard let path else {
            throw TestFailure("cannot find the marquee executable next to the test bundle (\(Bundle.main.bundleURL.path)) nor in $MARQUEE_BIN; build it with `swift build --build-tests`")
        }
        return path
    }
}

/// The environment of a child process: ours without any MARQUEE_* setting (so the developer's
/// shell cannot change what a test runs), bcrypt cost 4, then `extra`.
func childEnvironment(_ extra: [String: String]) -> [String: String] {
    var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("MARQUEE_") }
    environment["MARQUEE_BCRYPT_COST"] = "4"
    // Parallel tests must not fight over the SFU's default port 8189.
    environment["MARQUEE_MEDIA_UDP"] = "127.0.0.1:0"
    for (key, value) in extra { environment[key] = value }
    return environment
}

/// A child process whose standard output and error go to files (no pipe can fill up and
/// block it), with bounded waits.
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    let outputPath: String
    let errorPath: String

    init(executable: String, arguments: [String], environment: [String: String], outputPath: String, errorPath: String? = nil) throws {
        self.outputPath = outputPath
        self.errorPath = errorPath ?? outputPath
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        if let errorPath { _ = FileManager.default.createFile(atPath: errorPath, contents: nil) }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardOutput = output
        process.standardError = errorPath == nil ? output : try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath!))
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    func signal(_ signal: Int32) { _ = kill(process.processIdentifier, signal) }

    /// Waits for the exit (polling, bounded); on timeout kills the child and throws.
    @discardableResult
    func waitForExit(timeout: Duration) async throws -> Int32 {
        do {
            try await poll(timeout: timeout, interval: .milliseconds(10), "\(process.arguments ?? []) to exit") { !process.isRunning }
        } catch {
            signal(SIGKILL)
            try? await poll(timeout: .seconds(5), "the killed child to exit") { !process.isRunning }
            throw error
        }
        return process.terminationStatus
    }

    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
    var errorOutput: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }
}

/// The result of one finished `marquee` command.
struct CommandResult: Sendable, CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String
    var output: String { stdout + stderr }
    var description: String { "exit \(status)\nstdout: \(stdout.prefix(2000))\nstderr: \(stderr.prefix(2000))" }
}

/// Runs `marquee ARGUMENTS` to completion (bounded by `timeout`).
func runMarquee(_ arguments: [String], environment: [String: String] = [:], scratch: String,
                timeout: Duration = .seconds(60)) async throws -> CommandResult {
    let id = UUID().uuidString.prefix(8)
    let child = try ChildProcess(executable: try MarqueeBinary.require(), arguments: arguments, environment: childEnvironment(environment),
                                 outputPath: scratch + "/cmd-\(id).out", errorPath: scratch + "/cmd-\(id).err")
    let status = try await child.waitForExit(timeout: timeout)
    let result = CommandResult(status: status, stdout: child.output, stderr: child.errorOutput)
    unlink(child.outputPath)
    unlink(child.errorPath)
    return result
}

/// Runs any program (python3) to completion, bounded.
func runProgram(_ executable: String, _ arguments: [String], scratch: String, timeout: Duration = .seconds(60)) async throws -> CommandResult {
    let id = UUID().uuidString.prefix(8)
    let child = try ChildProcess(executable: executable, arguments: arguments, environment: ProcessInfo.processInfo.environment,
                                 outputPath: scratch + "/prog-\(id).out", errorPath: scratch + "/prog-\(id).err")
    let status = try await child.waitForExit(timeout: timeout)
    return CommandResult(status: status, stdout: child.output, stderr: child.errorOutput)
}

/// `marquee serve` as a child process on 127.0.0.1 with a port the kernel picks; the port is
/// read from Hummingbird's "Server started and listening on 127.0.0.1:PORT" log line.
final class ServerProcess: @unchecked Sendable {
    let child: ChildProcess
    let port: Int
    static let adminPassword = "admin-password-123"

    private init(child: ChildProcess, port: Int) {
        self.child = child
        self.port = port
    }

    static func start(dataDir: String, logPath: String, timeout: Duration = .seconds(60)) async throws -> ServerProcess {
        try await start(arguments: ["serve", "--data-dir", dataDir, "--http", "127.0.0.1:0"],
                        environment: ["MARQUEE_ADMIN_PASSWORD": adminPassword], logPath: logPath, timeout: timeout)
    }

    /// `marquee ARGUMENTS` (a `serve` that must listen on 127.0.0.1), with `environment` added.
    static func start(arguments: [String], environment: [String: String], logPath: String,
                      timeout: Duration = .seconds(60)) async throws -> ServerProcess {
        let child = try ChildProcess(executable: try MarqueeBinary.require(), arguments: arguments,
                                     environment: childEnvironment(environment), outputPath: logPath)
        var port: Int?
        do {
            try await poll(timeout: timeout, "marquee serve to listen (log \(logPath))") {
                if let found = listeningPort(in: child.output) { port = found; return true }
                if !child.isRunning { throw TestFailure("marquee serve exited with \(child.process.terminationStatus):\n\(child.output)") }
                return false
            }
        } catch {
            if child.isRunning { child.signal(SIGKILL) }
            throw error
        }
        return ServerProcess(child: child, port: port!)
    }

    static func listeningPort(in log: String) -> Int? {
        let marker = "Server started and listening on 127.0.0.1:"
        guard let range = log.range(of: marker) else { return nil }
        let digits = log[range.upperBound...].prefix { $0.isNumber }
        return Int(digits)
    }

    /// Runs `body` with an API client on its own connection.
    func withAPI<Value: Sendable>(timeout: Duration = .seconds(30), _ body: @escaping @Sendable (API) async throws -> Value) async throws -> Value {
        try await TestClient.withClient(host: "127.0.0.1", port: port, configuration: .init(timeout: timeout)) { client in
            try await body(API(client, port: self.port))
        }
    }

    func client(timeout: Duration = .seconds(20)) -> TestClient {
        let client = TestClient(host: "127.0.0.1", port: port, configuration: .init(timeout: timeout))
        client.connect()
        return client
    }

    /// SIGTERM and wait for a graceful exit; returns the exit status.
    func stop(timeout: Duration = .seconds(30)) async throws -> Int32 {
        child.signal(SIGTERM)
        return try await child.waitForExit(timeout: timeout)
    }

    /// SIGKILL (no graceful anything) and wait until the process is gone.
    func crash() async throws {
        child.signal(SIGKILL)
        try await child.waitForExit(timeout: .seconds(30))
    }

    var log: String { child.output }
}
