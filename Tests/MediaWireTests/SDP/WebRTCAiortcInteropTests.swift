import Foundation
import Testing
import TestSupport
@testable import MediaWire

/// Answers produced by Marquee are accepted by a real peer: aiortc creates an offer, the Swift
/// negotiator answers it, and aiortc's `setRemoteDescription(answer)` must succeed. No media flows.
///
/// Python comes from `MARQUEE_PYTHON`; without it, `<package>/.venv/bin/python`, then `python3`.
/// That Python needs aiortc (`pip install aiortc`); the test fails with that advice otherwise.
@Suite("aiortc interop", .serialized)
struct WebRTCAiortcInteropTests {
    static let script = #"""
    import asyncio, json, sys
    try:
        from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
        import aioice.ice
    except ImportError as error:
        print(json.dumps({"missing": str(error)}), flush=True)
        sys.exit(3)

    # No public STUN server and a loopback host candidate only (see TOOLCHAIN.md).
    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]

    async def main():
        mode = sys.argv[1]
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        direction = "sendonly" if mode == "whip" else "recvonly"
        pc.addTransceiver("audio", direction=direction)
        pc.addTransceiver("video", direction=direction)
        await pc.setLocalDescription(await pc.createOffer())
        print(json.dumps({"offer": pc.localDescription.sdp}), flush=True)
        answer = json.loads(sys.stdin.readline())["answer"]
        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
            result = {
                "ok": True,
                "directions": [t.currentDirection for t in pc.getTransceivers()],
                "codecs": [[c.mimeType for c in t._codecs] for t in pc.getTransceivers()],
            }
        except Exception as error:
            result = {"ok": False, "error": repr(error)}
        await pc.close()
        print(json.dumps(result), flush=True)

    asyncio.run(main())
    """#

    struct Outcome: Sendable {
        var ok: Bool
        var error: String?
        var directions: [String]
        var codecs: [[String]]
    }

    static func python() -> String {
        if let configured = ProcessInfo.processInfo.environment["MARQUEE_PYTHON"], !configured.isEmpty { return configured }
        // Tests/MediaWireTests/SDP/<this file> → package root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let venv = root.appendingPathComponent(".venv/bin/python").path
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : "python3"
    }

    struct InteropFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs the script in `mode`, answers its offer with `answer`, returns what aiortc made of it.
    static func run(mode: String, answer: @escaping @Sendable (String) throws -> String) async throws -> Outcome {
        try await withTemporaryDirectory(prefix: "marquee-aiortc") { directory in
            let scriptPath = directory + "/peer.py"
            try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
            return try await within(90, "aiortc \(mode) interop") {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Outcome, any Error>) in
                    // Blocking pipe reads run on a GCD thread, never on the cooperative pool.
                    DispatchQueue.global().async {
                        continuation.resume(with: Result { try converse(scriptPath: scriptPath, mode: mode, answer: answer) })
                    }
                }
            }
        }
    }

    private static func converse(scriptPath: String, mode: String, answer: (String) throws -> String) throws -> Outcome {
        let python = python()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, scriptPath, mode]
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        var buffer = Data()
        func readLine() -> [String: Any]? {
            while true {
                if let newline = buffer.firstIndex(of: 0x0A) {
                    let line = buffer[buffer.startIndex..<newline]
                    buffer = Data(buffer[(newline + 1)...])
                    return (try? JSONSerialization.jsonObject(with: line)) as? [String: Any]
                }
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { return nil }
                buffer.append(chunk)
            }
        }
        func failure(_ what: String) -> InteropFailure {
            let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            return InteropFailure(description: "\(what) (python: \(python))\n\(stderr.suffix(2000))")
        }

        guard let first = readLine() else { throw failure("the aiortc script printed no offer") }
        if let missing = first["missing"] as? String {
            throw InteropFailure(description: "aiortc is not importable by \(python) (\(missing)). "
                + "Install it (`pip install aiortc`) into that Python or set MARQUEE_PYTHON to a Python that has it.")
        }
        guard let offer = first["offer"] as? String else { throw failure("unexpected first line from the aiortc script") }
        let answerSDP = try answer(offer)
        let message = try JSONSerialization.data(withJSONObject: ["answer": answerSDP]) + Data([0x0A])
        input.fileHandleForWriting.write(message)
        guard let result = readLine() else { throw failure("the aiortc script printed no result") }
        process.waitUntilExit()
        return Outcome(ok: result["ok"] as? Bool ?? false, error: result["error"] as? String,
                       directions: result["directions"] as? [String] ?? [], codecs: result["codecs"] as? [[String]] ?? [])
    }

    static let server = WebRTCServerTransport(
        iceUfrag: "Interop1", icePwd: "interopPasswordForTests22", fingerprint: SDPTestValues.fingerprint,
        candidates: [WebRTCHostCandidate(address: "127.0.0.1", port: 9)])

    @Test func aiortcAcceptsAWHIPAnswer() async throws {
        let outcome = try await Self.run(mode: "whip") { offer in
            let result = try WebRTCNegotiator.answerWHIP(offer: offer, server: Self.server, sessionID: 1)
            guard result.media.count == 2 else { throw InteropFailure(description: "expected 2 accepted m-lines: \(result.rejected)") }
            return result.sdp
        }
        #expect(outcome.ok, "aiortc refused the WHIP answer: \(outcome.error ?? "")")
        #expect(outcome.directions == ["sendonly", "sendonly"])
        #expect(outcome.codecs == [["audio/opus"], ["video/VP8"]])
    }

    @Test func aiortcAcceptsAWHIPAnswerWithH264() async throws {
        let codecs = WebRTCCodecPreferences(audio: [.opus], video: [.h264(.constrainedBaseline)])
        let outcome = try await Self.run(mode: "whip") { offer in
            try WebRTCNegotiator.answerWHIP(offer: offer, server: Self.server, codecs: codecs, sessionID: 2).sdp
        }
        #expect(outcome.ok, "aiortc refused the WHIP answer: \(outcome.error ?? "")")
        #expect(outcome.codecs == [["audio/opus"], ["video/H264"]])
    }

    @Test func aiortcAcceptsAWHEPAnswer() async throws {
        let tracks = [SDPTestValues.videoTrack(SDPTestValues.h264("42e01f")), SDPTestValues.audioTrack()]
        let outcome = try await Self.run(mode: "whep") { offer in
            try WebRTCNegotiator.answerWHEP(offer: offer, server: Self.server, tracks: tracks, sessionID: 3).sdp
        }
        #expect(outcome.ok, "aiortc refused the WHEP answer: \(outcome.error ?? "")")
        #expect(outcome.directions == ["recvonly", "recvonly"])
        #expect(outcome.codecs == [["audio/opus"], ["video/H264"]])
    }
}
