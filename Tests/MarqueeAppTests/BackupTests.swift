import Foundation
import Testing

/// Deploy/backup.sh: an online backup taken while the server appends, verified with
/// `marquee audit verify`, from which a server restores with the same balances.
@Suite("Deploy/backup.sh")
struct BackupTests {
    @Test("a backup taken during writes verifies, and a server restored from it answers the same balances")
    func backupWhileWriting() async throws {
        let directory = try TemporaryDirectory("backup")
        defer { directory.remove() }
        let dataDir = try directory.directory("data")
        let destination = try directory.directory("backups")
        let script = SchemaTests.packageRoot.appendingPathComponent("Deploy/backup.sh").path
        let marquee = try MarqueeBinary.require()

        let server = try await ServerProcess.start(dataDir: dataDir, logPath: directory.file("serve.log"))
        let backup: CommandResult
        do {
            backup = try await server.withAPI { api in
                let admin = try await api.login("admin", password: ServerProcess.adminPassword)
                let (_, victor) = try await api.carolAndVictor(admin: admin)
                // Appends keep going while the backup runs.
                async let writes: Void = {
                    for i in 0..<40 {
                        let reply = try await api.post("/api/v1/channels/carol-live/gifts", #"{"gift":"heart","quantity":1}"#,
                                                        token: victor.token, headers: [.init("Idempotency-Key")!: "backup-\(i)"])
                        try #require(reply.code == 201, "\(reply)")
                    }
                }()
                let result = try await runProgram("/bin/bash", [script, dataDir, destination, marquee], scratch: directory.path,
                                                  timeout: .seconds(60))
                try await writes
                return result
            }
        } catch {
            _ = try? await server.stop()
            throw error
        }
        #expect(try await server.stop() == 0)
        #expect(backup.status == 0, "\(backup)")

        // The script prints the folder; it holds only the log, which verifies on its own.
        let folders = try FileManager.default.contentsOfDirectory(atPath: destination).filter { $0.hasPrefix("marquee-") }
        let folder = destination + "/" + (try #require(folders.first, "a marquee-… folder in \(destination): \(backup)"))
        #expect(folders.count == 1)
        #expect(backup.stdout.contains(folder), "\(backup)")
        #expect(FileManager.default.fileExists(atPath: folder + "/events.sqlite"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/readmodels.sqlite"))
        let verify = try await runMarquee(["audit", "verify", "--data-dir", folder], scratch: directory.path)
        #expect(verify.status == 0 && verify.stdout.contains("audit ok"), "\(verify)")

        // Restore: a server on the backup rebuilds its read models and agrees with the log as of the backup.
        let restored = try await ServerProcess.start(dataDir: folder, logPath: directory.file("restored.log"))
        let victorAtBackup = try await runMarquee(["audit", "balance", "victor", "--data-dir", folder], scratch: directory.path)
        let balance = try await restored.withAPI { api in
            try await api.wallet(try await api.login("victor"))
        }
        #expect(try await restored.stop() == 0)
        #expect(victorAtBackup.stdout.contains("balance \(balance.balance),"), "audit says \(victorAtBackup.stdout), API says \(balance)")
        #expect(balance.balance <= 100 && balance.balance >= 60, "between 0 and 40 hearts were in the backup: \(balance)")
    }

    @Test("a missing data directory is a clear failure, and nothing that looks like a backup is left")
    func failsClearly() async throws {
        let directory = try TemporaryDirectory("backup-fail")
        defer { directory.remove() }
        let destination = try directory.directory("backups")
        let script = SchemaTests.packageRoot.appendingPathComponent("Deploy/backup.sh").path
        let result = try await runProgram("/bin/bash", [script, directory.path + "/nope", destination, try MarqueeBinary.require()],
                                          scratch: directory.path)
        #expect(result.status != 0, "\(result)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: destination).filter { $0.hasPrefix("marquee-") }.isEmpty)
    }
}
