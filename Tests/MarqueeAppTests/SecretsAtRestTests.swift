import EventLog
import Foundation
import MarqueeApp
import SQLiteDB
import Testing

/// Passwords are stored as bcrypt hashes, session tokens as SHA-256 hashes, and no secret
/// (password, token, hash, stream key) enters the log that is exported (issue 2, item 6).
@Suite("Secrets at rest", .timeLimit(.minutes(4)))
struct SecretsAtRestTests {
    static func contains(_ haystack: Data, _ needle: String) -> Bool {
        haystack.range(of: Data(needle.utf8)) != nil
    }

    @Test("no plaintext password or token in any file; bcrypt and SHA-256 in the secret tables; nothing secret in the export")
    func secretsAtRest() async throws {
        let directory = try TemporaryDirectory("secrets")
        defer { directory.remove() }
        let dataDir = try directory.directory("data")
        let password = "correct-horse-battery-\(UUID().uuidString.prefix(6))"
        struct Secrets: Sendable { var accountId: String; var token: String; var streamKey: String; var adminToken: String; var eventsAPI: String }
        let secrets = try await LiveServer.run(dataDir: dataDir) { api, admin in
            let registered = try await api.register("carol", password: password, role: "creator")
            let token = try await api.login("carol", password: password)
            let channel = try await api.createChannel("carol-live", token: token)
            let events = try await api.get("/api/v1/events?limit=1000", token: admin)
            return Secrets(accountId: try #require(registered["id"]?.string), token: token,
                           streamKey: try #require(channel["streamKey"]?.string), adminToken: admin, eventsAPI: events.body)
        }

        for name in try FileManager.default.contentsOfDirectory(atPath: dataDir) {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: dataDir + "/" + name))
            #expect(!Self.contains(bytes, password), "the plaintext password is in \(name)")
            #expect(!Self.contains(bytes, secrets.token), "the plaintext session token is in \(name)")
            #expect(!Self.contains(bytes, LiveServer.adminPassword), "the admin password is in \(name)")
            if name.hasPrefix("readmodels") {
                #expect(!Self.contains(bytes, secrets.streamKey), "the stream key is in the read models (\(name))")
            }
        }

        let connection = try Connection(path: MarqueeServer.logPath(dataDir), mode: .readOnly)
        let hash = try #require(try connection.rows("SELECT value FROM credentials WHERE kind = 'password' AND subject = ?1",
                                                    [.text(secrets.accountId)]).first?.first?.string)
        #expect(hash.hasPrefix("$2"), "a bcrypt hash ($2a$/$2b$…): \(hash.prefix(7))")
        let sessions = try connection.rows("SELECT token_hash FROM sessions").compactMap { $0.first?.string }
        #expect(sessions.contains(Digest.sha256Hex(secrets.token)), "the session is stored as SHA-256 of the token")

        let export = try await runMarquee(["events", "export", "--data-dir", dataDir], scratch: directory.path)
        #expect(export.status == 0, "\(export)")
        for (what, secret) in [("password", password), ("password hash", hash), ("session token", secrets.token),
                               ("admin token", secrets.adminToken), ("stream key", secrets.streamKey)] {
            #expect(!export.stdout.contains(secret), "the \(what) is in `events export`")
            #expect(!secrets.eventsAPI.contains(secret), "the \(what) is in GET /api/v1/events")
        }
    }
}
