import Domain
import Foundation
import HTTPTypes
import MarqueeApp
import MarqueeCore
import Testing
import TestSupport

/// WHIP and WHEP against a real outside WebRTC stack (PyPI aiortc, Tests/webrtc_peer.py):
/// ICE-lite, DTLS-SRTP and forwarding through our SFU on loopback, and the log's story.
@Suite("SFU interop with aiortc", .timeLimit(.minutes(2)))
struct MediaInteropTests {
    static var script: String { SchemaTests.packageRoot.appendingPathComponent("Tests/webrtc_peer.py").path }

    static func requireAiortc(_ scratch: String) async throws -> String {
        let python = SchemaTests.python()
        let probe = try await runProgram(python, ["-c", "import aiortc, av"], scratch: scratch)
        try #require(probe.status == 0, "\(python) cannot import aiortc (make python-deps installs it): \(probe.stderr)")
        return python
    }

    @Test("an aiortc publisher (VP8 + Opus) over WHIP and an aiortc viewer over WHEP: frames decode, the log tells the story")
    func publishAndWatch() async throws {
        try await Self.publishAndWatch(codec: "vp8")
    }

    @Test("an aiortc publisher sending H.264 + Opus, as OBS does")
    func publishH264() async throws {
        try await Self.publishAndWatch(codec: "h264")
    }

    static func publishAndWatch(codec: String) async throws {
        let directory = try TemporaryDirectory("media-\(codec)")
        defer { directory.remove() }
        let dataDir = try directory.directory("data")
        let python = try await requireAiortc(directory.path)
        try await LiveServer.runParts(config: LiveServer.config(dataDir: dataDir), clock: SystemWallClock()) { api, admin, parts in
            let (carol, _) = try await api.carolAndVictor(admin: admin)
            let key = try #require(try await api.get("/api/v1/channels/carol-live", token: carol.token).json()["streamKey"]?.string)
            let port = try #require(api.port)
            let publisher = try ChildProcess(executable: python, arguments: [script, "publish", "http://127.0.0.1:\(port)/whip/carol-live", key, "12", codec],
                                             environment: ProcessInfo.processInfo.environment, outputPath: directory.file("pub.out"),
                                             errorPath: directory.file("pub.err"))
            defer { publisher.signal(SIGKILL) }
            // live once the publisher's DTLS is up and the log has stream.started
            var live = false
            for _ in 0..<100 where !live {
                try await Task.sleep(for: .milliseconds(100))
                live = try await api.get("/api/v1/channels/carol-live").json()["liveStreamId"]?.string != nil
            }
            try #require(live, "the channel never went live: \(publisher.output) \(publisher.errorOutput)")
            let viewer = try await runProgram(python, [script, "watch", "http://127.0.0.1:\(port)/whep/carol-live", "-", "15", "20"],
                                              scratch: directory.path, timeout: .seconds(40))
            #expect(viewer.status == 0, "the viewer decoded too few frames: \(viewer)")
            #expect(viewer.stdout.contains("frames"), "\(viewer)")
            let status = try await publisher.waitForExit(timeout: .seconds(30))
            #expect(status == 0, "publisher: \(publisher.output) \(publisher.errorOutput)")
            // the log: stream.started, viewer.joined, viewer.left, stream.ended
            var types: [String] = []
            for _ in 0..<50 {
                types = try await api.allEvents(admin: admin).compactMap { $0["type"]?.string }
                if types.contains("stream.ended") { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            for type in ["stream.started", "viewer.joined", "viewer.left", "stream.ended"] {
                #expect(types.contains(type), "no \(type) in \(types)")
            }
            _ = parts
        }
        expectLogAuditsAndReplays(dataDir: dataDir, scratch: try directory.directory("scratch"))
    }

    @Test func badOffersAndKeysGetClearErrors() async throws {
        let directory = try TemporaryDirectory("media-errors")
        defer { directory.remove() }
        try await LiveServer.runAndAudit(directory) { api, admin in
            let (carol, victor) = try await api.carolAndVictor(admin: admin)
            let key = try #require(try await api.get("/api/v1/channels/carol-live", token: carol.token).json()["streamKey"]?.string)
            let sdp: HTTPFields = [.contentType: "application/sdp"]
            var wrongKey = sdp; wrongKey[.authorization] = "Bearer sk_wrong"
            expectProblem(try await api.request(.post, "/whip/carol-live", body: "v=0", headers: wrongKey), 401)
            var rightKey = sdp; rightKey[.authorization] = "Bearer \(key)"
            expectProblem(try await api.request(.post, "/whip/carol-live", body: "not sdp at all", headers: rightKey), 400, "malformed-sdp")
            expectProblem(try await api.request(.post, "/whip/carol-live", body: "{}", headers: [.authorization: "Bearer \(key)", .contentType: "application/json"]), 415)
            expectProblem(try await api.request(.post, "/whep/carol-live", body: "v=0", headers: sdp), 409, "not-live")
            expectProblem(try await api.request(.post, "/whip/nobody", body: "v=0", headers: rightKey), 404)
            let options = try await api.request(.options, "/whip/carol-live")
            #expect(options.code == 204 && options.headers[HTTPField.Name("Accept-Post")!] == "application/sdp", "\(options)")
            _ = victor
        }
    }
}
