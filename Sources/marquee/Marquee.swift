import ArgumentParser
import EventLog
import Foundation
import Logging
import MarqueeApp

/// The `marquee` command: wiring only; every command's logic lives in MarqueeApp.
@main
struct Marquee: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "marquee",
        abstract: "Marquee: self-hosted live streaming on one box, with an auditable event log.",
        subcommands: [Serve.self, AuditCommand.self, ReplayCommand.self, EventsCommand.self, BenchCommand.self])
}

/// `--data-dir`, defaulting to MARQUEE_DATA_DIR, then ./data.
struct DataDirOption: ParsableArguments {
    @Option(name: .long, help: "The data directory (default: $MARQUEE_DATA_DIR or ./data).")
    var dataDir: String?

    var resolved: String { dataDir ?? ProcessInfo.processInfo.environment["MARQUEE_DATA_DIR"] ?? "./data" }
    var logPath: String { MarqueeServer.logPath(resolved) }

    func openLog() throws -> EventStore {
        guard FileManager.default.fileExists(atPath: logPath) else {
            throw ValidationError("no event log at \(logPath); is --data-dir right?")
        }
        return try EventStore(path: logPath, writable: false)
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server (HTTP API, writer, projections).")

    @Option(name: .long, help: "The data directory (default: $MARQUEE_DATA_DIR or ./data).")
    var dataDir: String?

    @Option(name: .long, help: "HTTP listen address HOST:PORT (default: $MARQUEE_HTTP or 0.0.0.0:8080).")
    var http: String?

    @Option(name: .long, help: "The SFU's UDP socket HOST:PORT for WHIP/WHEP media, or 'off' (default: $MARQUEE_MEDIA_UDP or 0.0.0.0:8189).")
    var mediaUdp: String?

    @Option(name: .long, help: "Address(es) to advertise in ICE candidates, comma-separated (default: $MARQUEE_PUBLIC_IP, else the bound or all interface addresses).")
    var publicIp: String?

    func run() async throws {
        let config: ServerConfig
        do {
            config = try ServerConfig.resolve(dataDir: dataDir, http: http, mediaUDP: mediaUdp, publicIP: publicIp,
                                              environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError("\(error)")
        }
        let level = config.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "marquee")
        do {
            let (app, _) = try await MarqueeServer.make(config: config, logger: logger)
            logger.notice("marquee serving", metadata: ["http": "\(config.httpHost):\(config.httpPort)", "dataDir": "\(config.dataDir)"])
            try await app.runService()
        } catch let error as DataDirLock.LockError {
            throw CommandFailure(description: error.description)
        } catch let error as ServerConfig.Invalid {
            throw CommandFailure(description: error.description)
        }
    }
}

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Verify the log and answer balance questions.",
                                                    subcommands: [Verify.self, Balance.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Walk the hash chain and re-derive the ledger from the log alone.")
        @OptionGroup var data: DataDirOption

        func run() throws {
            let store = try data.openLog()
            do {
                print(try Audit.verify(store: store).summary)
            } catch let failure as Audit.Failure {
                print(failure.description)
                throw ExitCode(1)
            }
        }
    }

    struct Balance: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "An account's balance and earnings, now or at a point in the log.")
        @Argument(help: "Account handle or id.") var account: String
        @Option(name: .long, help: "A seq number or an RFC 3339 time.") var at: String?
        @OptionGroup var data: DataDirOption

        func run() throws {
            let store = try data.openLog()
            let seq: Int64
            do { seq = try Audit.resolveAt(at, store: store) } catch { throw ValidationError("\(error)") }
            guard let balance = try Audit.balance(store: store, account: account, through: seq) else {
                print("no account '\(account)' as of seq \(seq)")
                throw ExitCode(1)
            }
            print("\(balance.handle ?? balance.accountId) (\(balance.accountId)) at seq \(balance.atSeq): balance \(balance.balance), earnings \(balance.earnings)")
        }
    }
}

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "replay", abstract: "Rebuild read models from the log.")

    @Flag(name: .long, help: "Rebuild every read model into a temporary file and compare with the live one.")
    var check = false
    @Option(name: .long, help: "Rebuild up to this seq (with --out).") var to: Int64?
    @Option(name: .long, help: "Where to write the rebuilt read models (with --to).") var out: String?
    @OptionGroup var data: DataDirOption

    func validate() throws {
        if check == (to != nil) { throw ValidationError("use either --check, or --to SEQ --out FILE") }
        if to != nil && out == nil { throw ValidationError("--to needs --out FILE") }
        if let to, to < 0 { throw ValidationError("--to must be 0 or more") }
    }

    func run() throws {
        _ = try data.openLog()
        if check {
            let (checkpoint, difference) = try Replay.check(dataDir: data.resolved, temporaryDir: NSTemporaryDirectory())
            if let difference {
                print("replay check FAILED at checkpoint \(checkpoint): \(difference)")
                throw ExitCode(1)
            }
            print("replay check ok: read models rebuilt from the log through seq \(checkpoint) are identical to the live ones")
        } else if let to, let out {
            let reached = try Replay.to(dataDir: data.resolved, seq: to, out: out)
            print("read models through seq \(reached) written to \(out)")
        }
    }
}

struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "events", abstract: "Read the event log as JSON Lines.",
                                                    subcommands: [Export.self, Tail.self])

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write events as JSON Lines to standard output.")
        @Option(name: .long, help: "First seq (inclusive).") var from: Int64 = 1
        @Option(name: .long, help: "Last seq (inclusive).") var to: Int64?
        @Option(name: .long, help: "Only this event type (repeatable).") var type: [String] = []
        @OptionGroup var data: DataDirOption

        func run() throws {
            let store = try data.openLog()
            var out = StandardOutput()
            try store.scan(after: max(0, from - 1), through: to, types: type.isEmpty ? nil : type) { row in
                out.writeLine(ExportFormat.line(row.recorded()))
                return true
            }
            out.flush()
        }
    }

    struct Tail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print new events as they are appended (Ctrl-C to stop).")
        @Option(name: .long, help: "Start after this seq (default: the current head).") var after: Int64?
        @OptionGroup var data: DataDirOption

        func run() async throws {
            let store = try data.openLog()
            var position = try after ?? store.head().seq
            var out = StandardOutput()
            while !Task.isCancelled {
                try store.scan(after: position, limit: 1000) { row in
                    out.writeLine(ExportFormat.line(row.recorded()))
                    position = row.seq
                    return true
                }
                out.flush()
                // Another process appends, so there is no in-process notification: poll briefly.
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }
}

/// A runtime failure reported as one line (no usage text), exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
}

/// Buffered standard output for JSON Lines.
struct StandardOutput {
    private var buffer: [UInt8] = []

    mutating func writeLine(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        buffer.append(10)
        if buffer.count > 1 << 16 { flush() }
    }

    mutating func flush() {
        FileHandle.standardOutput.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}
