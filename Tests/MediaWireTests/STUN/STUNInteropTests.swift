import Foundation
import Testing
import TestSupport
@testable import MediaWire

/// Interop with aioice (the ICE/STUN stack of aiortc): requests built by aioice are answered
/// by `STUNResponder`, and aioice parses and authenticates the answers.
///
/// Python comes from `MARQUEE_PYTHON` (the main repo's test command points it at its venv),
/// else this package's `.venv/bin/python`. Set up with:
/// `python3 -m venv .venv && .venv/bin/pip install aioice`.
@Suite("STUN interop with aioice")
struct STUNInteropTests {
    static let serverUfrag = "srvU"
    static let serverPassword = "server-pwd-abcdefghijklmnop"
    static let clientUfrag = "cliU"

    /// Builds requests with aioice and prints one JSON object per line.
    static let makeScript = #"""
import json, sys
try:
    from aioice import stun
except ImportError as e:
    print("AIOICE-MISSING: " + str(e)); sys.exit(3)
spwd = sys.argv[1].encode()
def req(username, key, use_candidate):
    m = stun.Message(message_method=stun.Method.BINDING, message_class=stun.Class.REQUEST)
    m.attributes["USERNAME"] = username
    m.attributes["PRIORITY"] = 1853824767
    m.attributes["ICE-CONTROLLING"] = 0x1122334455667788
    if use_candidate:
        m.attributes["USE-CANDIDATE"] = None
    m.add_message_integrity(key)
    return m
cases = [
    ("nominating", req(sys.argv[2], spwd, True)),
    ("consent", req(sys.argv[2], spwd, False)),
    ("bad-password", req(sys.argv[2], b"wrong", True)),
    ("unknown-user", req("srvU:nobody", spwd, True)),
]
# A response built by aioice, for the Swift side to verify.
r = stun.Message(message_method=stun.Method.BINDING, message_class=stun.Class.RESPONSE)
r.attributes["XOR-MAPPED-ADDRESS"] = ("198.51.100.9", 61000)
r.add_message_integrity(spwd)
cases.append(("aioice-response", r))
for name, m in cases:
    print(json.dumps({"name": name, "hex": bytes(m).hex(), "tid": m.transaction_id.hex()}))
"""#

    /// Reads `[{"name","hex","response","ip","port"}]` on stdin and checks each answer.
    static let checkScript = #"""
import json, sys
from aioice import stun
spwd = sys.argv[1].encode()
expect = {"nominating": (stun.Class.RESPONSE, None), "consent": (stun.Class.RESPONSE, None),
          "bad-password": (stun.Class.ERROR, 401), "unknown-user": (stun.Class.ERROR, 401)}
checked = 0
for case in json.load(sys.stdin):
    req = stun.parse_message(bytes.fromhex(case["hex"]))
    res = stun.parse_message(bytes.fromhex(case["response"]))  # verifies FINGERPRINT
    cls, code = expect[case["name"]]
    assert res.message_class == cls, (case["name"], res)
    assert res.message_method == stun.Method.BINDING
    assert res.transaction_id == req.transaction_id, case["name"]
    assert "FINGERPRINT" in res.attributes, case["name"]
    if cls == stun.Class.RESPONSE:
        assert res.check_message_integrity(spwd), case["name"] + ": integrity"
        assert res.attributes["XOR-MAPPED-ADDRESS"] == (case["ip"], case["port"]), res.attributes
    else:
        assert res.attributes["ERROR-CODE"][0] == code, res.attributes
    checked += 1
print("CHECKED", checked)
"""#

    struct Case: Codable {
        var name: String
        var hex: String
        var tid: String?
        var response: String?
        var ip: String?
        var port: Int?
    }

    static func python() throws -> String {
        if let configured = ProcessInfo.processInfo.environment["MARQUEE_PYTHON"], !configured.isEmpty {
            return configured
        }
        // Tests/MediaWireTests/STUN/<this file> → package root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let venv = root.appendingPathComponent(".venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: venv) else {
            throw InteropSetupError(message: """
                No Python with aioice: set MARQUEE_PYTHON to a Python that has aioice installed, \
                or create \(venv) with `python3 -m venv .venv && .venv/bin/pip install aioice`.
                """)
        }
        return venv
    }

    struct InteropSetupError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    static func run(_ python: String, script: String, arguments: [String], stdin: Data = Data()) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script] + arguments
        let input = Pipe(), output = Pipe(), error = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try process.run()
        input.fileHandleForWriting.write(stdin)
        try input.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    @Test func aioiceRequestsAndResponses() async throws {
        let python = try Self.python()
        try await within(60, "aioice interop") {
            let made = try Self.run(python, script: Self.makeScript,
                                    arguments: [Self.serverPassword, "\(Self.serverUfrag):\(Self.clientUfrag)"])
            if made.status == 3 || made.out.hasPrefix("AIOICE-MISSING") {
                throw InteropSetupError(message: "aioice is not installed for \(python) (\(made.out.trimmingCharacters(in: .whitespacesAndNewlines))): run `\(python) -m pip install aioice`, or point MARQUEE_PYTHON at a venv that has it.")
            }
            guard made.status == 0 else {
                throw InteropSetupError(message: "aioice script failed (\(made.status)): \(made.err)")
            }
            var cases = try made.out.split(separator: "\n").map { try JSONDecoder().decode(Case.self, from: Data($0.utf8)) }
            #expect(cases.count == 5)

            let responder = STUNResponder(software: "marquee-test")
            let credentials = STUNResponder.Credentials(localUfrag: Self.serverUfrag, localPassword: Self.serverPassword)
            let source = STUNTransportAddress(ipv4: 192, 0, 2, 77, port: 54_321)
            var toCheck: [Case] = []
            for var c in cases {
                let bytes = try #require(Self.bytes(hex: c.hex))
                if c.name == "aioice-response" {
                    // aioice's response verifies with our code.
                    let m = try STUNMessage(parsing: bytes)
                    #expect(try m.xorMappedAddress == STUNTransportAddress(ipv4: 198, 51, 100, 9, port: 61_000))
                    try STUNMessage.verifyMessageIntegrity(in: bytes, key: Array(Self.serverPassword.utf8))
                    try STUNMessage.verifyFingerprint(in: bytes)
                    #expect(responder.respond(to: bytes, from: source) { _, _ in credentials } == .drop(.notARequest(.successResponse)))
                    continue
                }
                try STUNMessage.verifyFingerprint(in: bytes)
                let action = responder.respond(to: bytes, from: source) { local, remote in
                    local == Self.serverUfrag && remote == Self.clientUfrag ? credentials : nil
                }
                switch action {
                case .success(let response, let info):
                    #expect(info.useCandidate == (c.name == "nominating"))
                    #expect(info.iceControlling == 0x1122_3344_5566_7788)
                    #expect(info.priority == 1_853_824_767)
                    c.response = Self.hex(response)
                case .error(let response, _, _):
                    c.response = Self.hex(response)
                case .drop(let why):
                    Issue.record("\(c.name): dropped (\(why))")
                    continue
                }
                c.ip = "192.0.2.77"
                c.port = 54_321
                toCheck.append(c)
            }
            cases = toCheck
            let checked = try Self.run(python, script: Self.checkScript, arguments: [Self.serverPassword],
                                       stdin: try JSONEncoder().encode(cases))
            #expect(checked.status == 0, "aioice rejected our responses: \(checked.err)")
            #expect(checked.out.contains("CHECKED 4"), "aioice said: \(checked.out) \(checked.err)")
        }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    static func bytes(hex: String) -> [UInt8]? {
        let chars = Array(hex.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        for i in stride(from: 0, to: chars.count, by: 2) {
            guard let b = UInt8(String(decoding: chars[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(b)
        }
        return out
    }
}
