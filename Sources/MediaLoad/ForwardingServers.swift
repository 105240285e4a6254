import Foundation
import Glibc
import MediaWire

/// A media server under test, run as a child process so that its CPU time is its own:
/// signaling for one publisher and many viewers, and the process to measure.
protocol ForwardingServer: AnyObject {
    var label: String { get }
    var pid: Int32 { get }
    /// The address the harness's sockets bind to and announce.
    var harnessIP: String { get }
    func publish(_ peer: LoadPeer, ssrc: UInt32, fingerprint: String) throws(LoadError)
    func watch(_ peer: LoadPeer, fingerprint: String) throws(LoadError)
    func stop()
}

/// Starts a child with stdout and stderr in `log`, and stops it with SIGTERM (SIGKILL after 5 s).
final class ChildServer {
    let process = Process()

    init(executable: String, arguments: [String], environment: [String: String] = [:], log: String) throws(LoadError) {
        FileManager.default.createFile(atPath: log, contents: nil)
        guard let output = FileHandle(forWritingAtPath: log) else { throw LoadError("cannot write \(log)") }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = output
        process.standardError = output
        do { try process.run() } catch { throw LoadError("cannot start \(executable): \(error)") }
    }

    var pid: Int32 { process.processIdentifier }

    func stop() {
        guard process.isRunning else { return }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { usleep(50_000) }
        if process.isRunning { kill(pid, SIGKILL); process.waitUntilExit() }
    }

    /// Retries `probe` every 100 ms until it returns true or `seconds` pass.
    func waitUntil(seconds: Double, _ what: String, _ probe: () -> Bool) throws(LoadError) {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            guard process.isRunning else { throw LoadError("the server exited (\(process.terminationStatus)) before \(what)") }
            if probe() { return }
            usleep(100_000)
        }
        throw LoadError("timed out waiting for \(what)")
    }
}

/// Marquee itself: `marquee serve` on a fresh data directory, a creator with a public channel,
/// the publisher over WHIP with the stream key, viewers anonymously over WHEP.
final class MarqueeForwarding: ForwardingServer {
    let label: String
    let harnessIP = "127.0.0.1"
    private let child: ChildServer
    private var httpPort: UInt16 = 0
    private var streamKey = ""

    /// Port 0: the kernel picks (the HTTP port is then read from the server's log; the media
    /// port reaches the harness in the SDP answers' candidates).
    /// `threads`: the server's fan-out threads (`MARQUEE_MEDIA_THREADS`), its default when nil.
    init(binary: String, dir: String, httpPort: UInt16, mediaPort: UInt16, threads: Int? = nil) throws(LoadError) {
        label = threads.map { "Marquee (\($0) fan-out thread\($0 == 1 ? "" : "s"))" } ?? "Marquee"
        let data = dir + "/marquee-data"
        let log = dir + "/marquee.log"
        try? FileManager.default.removeItem(atPath: data)
        var environment = ["MARQUEE_ADMIN_PASSWORD": "bench-admin-password-1"]
        if let threads { environment["MARQUEE_MEDIA_THREADS"] = String(threads) }
        child = try ChildServer(executable: binary,
                                arguments: ["serve", "--data-dir", data, "--http", "127.0.0.1:\(httpPort)", "--media-udp", "127.0.0.1:\(mediaPort)"],
                                environment: environment, log: log)
        var port = httpPort
        try child.waitUntil(seconds: 60, "GET /healthz") {
            if port == 0 { port = Self.listeningPort(log: log) ?? 0 }
            return port != 0 && (try? HTTPLite.request("GET", port: port, "/healthz").status) == 200
        }
        self.httpPort = port
        let credentials: [String: Any] = ["handle": "benchcreator", "password": "bench-creator-password"]
        let account = try post("/api/v1/accounts", credentials.merging(["role": "creator"]) { $1 })
        guard account.status == 201 else { throw LoadError("creating the creator: HTTP \(account.status) \(account.text)") }
        guard let token = try post("/api/v1/sessions", credentials).json()["token"] as? String else { throw LoadError("no session token") }
        let channel = try post("/api/v1/channels", ["slug": "bench", "title": "Forwarding benchmark"], token: token)
        guard let key = try channel.json()["streamKey"] as? String else { throw LoadError("no stream key: \(channel.text)") }
        streamKey = key
    }

    var pid: Int32 { child.pid }

    /// From Hummingbird's "Server started and listening on 127.0.0.1:PORT".
    static func listeningPort(log: String) -> UInt16? {
        guard let text = try? String(contentsOfFile: log, encoding: .utf8),
              let range = text.range(of: "listening on 127.0.0.1:") else { return nil }
        return UInt16(text[range.upperBound...].prefix { $0.isNumber })
    }

    private func post(_ path: String, _ body: [String: Any], token: String? = nil) throws(LoadError) -> HTTPLite.Response {
        var headers = ["Content-Type": "application/json"]
        if let token { headers["Authorization"] = "Bearer \(token)" }
        return try HTTPLite.request("POST", port: httpPort, path, headers: headers, body: HTTPLite.json(body))
    }

    private func exchange(_ path: String, offer: String, bearer: String?) throws(LoadError) -> RemoteTransport {
        var headers = ["Content-Type": "application/sdp"]
        if let bearer { headers["Authorization"] = "Bearer \(bearer)" }
        let response = try HTTPLite.request("POST", port: httpPort, path, headers: headers, body: Data(offer.utf8))
        guard response.status == 201 else { throw LoadError("POST \(path): HTTP \(response.status) \(response.text.prefix(400))") }
        do { return try RemoteTransport(SDPSessionDescription(parsing: response.text)) } catch let error as LoadError { throw error } catch {
            throw LoadError("POST \(path): the answer does not parse: \(error)")
        }
    }

    func publish(_ peer: LoadPeer, ssrc: UInt32, fingerprint: String) throws(LoadError) {
        let remote = try exchange("/whip/bench", offer: LoadSDP.offer(peer, ip: harnessIP, fingerprint: fingerprint, sendingSSRC: ssrc), bearer: streamKey)
        try peer.configure(remote: remote, weOffered: true, controlling: true)  // Marquee is ICE-lite
    }

    func watch(_ peer: LoadPeer, fingerprint: String) throws(LoadError) {
        let remote = try exchange("/whep/bench", offer: LoadSDP.offer(peer, ip: harnessIP, fingerprint: fingerprint, sendingSSRC: nil), bearer: nil)
        try peer.configure(remote: remote, weOffered: true, controlling: true)
    }

    func stop() { child.stop() }
}

/// Debian's Janus (1.1.x) with the VideoRoom plugin and only the HTTP transport, configured
/// from scratch in `dir` (defaults otherwise, or `event_loops` when given): the publisher joins
/// room 1234 with `joinandconfigure`, each viewer attaches its own handle and subscribes.
final class JanusForwarding: ForwardingServer {
    let label: String
    /// libnice never gathers loopback addresses, so Janus and the harness use the host's first
    /// IPv4 address; the kernel still carries the traffic over the loopback device.
    let harnessIP: String
    private let child: ChildServer
    private let port: UInt16
    private var session: Int64 = 0
    private var publisherID: Int64 = 0
    private var transactions = 0

    /// Port 0: a free one is picked (Janus has no "any port" setting).
    init(dir: String, port: UInt16, eventLoops: Int?) throws(LoadError) {
        let port = port != 0 ? port : try Self.freeTCPPort()
        self.port = port
        guard let ip = Self.hostIPv4() else { throw LoadError("no non-loopback IPv4 address for Janus's ICE candidates") }
        harnessIP = ip
        label = eventLoops.map { "Janus 1.1 (event_loops=\($0))" } ?? "Janus 1.1 (defaults)"
        let conf = dir + "/janus-conf"
        try? FileManager.default.createDirectory(atPath: conf, withIntermediateDirectories: true)
        let lib = ["/usr/lib/x86_64-linux-gnu/janus", "/usr/lib/aarch64-linux-gnu/janus", "/usr/lib/janus"]
            .first { FileManager.default.fileExists(atPath: $0 + "/plugins/libjanus_videoroom.so") }
        guard let lib else { throw LoadError("Janus's VideoRoom plugin is not installed (apt-get install janus)") }
        func others(_ folder: String, keep: String) -> String {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: lib + "/" + folder)) ?? []
            return names.filter { $0.hasSuffix(".so") && $0 != keep }.sorted().joined(separator: ",")
        }
        let files = [
            "janus.jcfg": """
            general: {
            \tconfigs_folder = "\(conf)"
            \tplugins_folder = "\(lib)/plugins"
            \ttransports_folder = "\(lib)/transports"
            \tevents_folder = "\(lib)/events"
            \tloggers_folder = "\(lib)/loggers"
            \tsession_timeout = 0
            \(eventLoops.map { "\tevent_loops = \($0)" } ?? "")
            }
            media: {
            }
            nat: {
            \tnice_debug = false
            \tice_enforce_list = "\(ip)"
            }
            plugins: {
            \tdisable = "\(others("plugins", keep: "libjanus_videoroom.so"))"
            }
            transports: {
            \tdisable = "\(others("transports", keep: "libjanus_http.so"))"
            }
            events: {
            \tbroadcast = false
            }
            loggers: {
            \tdisable = "\(others("loggers", keep: ""))"
            }
            """,
            "janus.transport.http.jcfg": """
            general: {
            \tjson = "plain"
            \tbase_path = "/janus"
            \thttp = true
            \tport = \(port)
            \tip = "127.0.0.1"
            \thttps = false
            }
            admin: {
            \tadmin_http = false
            }
            """,
            "janus.plugin.videoroom.jcfg": """
            general: {
            }
            room-1234: {
            \tdescription = "bench"
            \tpublishers = 1
            \tbitrate = 0
            \tfir_freq = 0
            \tvideocodec = "vp8"
            }
            """,
        ]
        for (name, text) in files {
            FileManager.default.createFile(atPath: conf + "/" + name, contents: Data((text + "\n").utf8))
        }
        let binary = ["/usr/bin/janus", "/usr/local/bin/janus"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let binary else { throw LoadError("janus is not installed (apt-get install janus)") }
        child = try ChildServer(executable: binary, arguments: ["-C", conf + "/janus.jcfg", "-F", conf, "-o"], log: dir + "/janus.log")
        var created: Int64?
        try child.waitUntil(seconds: 30, "Janus's HTTP API") {
            created = try? (janus("/janus", ["janus": "create"]).json()["data"] as? [String: Any])?["id"] as? Int64
            return created != nil
        }
        session = created ?? 0
    }

    var pid: Int32 { child.pid }

    static func freeTCPPort() throws(LoadError) -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = try LoadSocket.address("127.0.0.1", port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { throw LoadError("no free TCP port: errno \(errno)") }
        return UInt16(bigEndian: address.sin_port)
    }

    static func hostIPv4() -> String? {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return nil }
        defer { freeifaddrs(list) }
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let address = entry.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET),
                  entry.pointee.ifa_flags & UInt32(IFF_LOOPBACK) == 0, entry.pointee.ifa_flags & UInt32(IFF_UP) != 0 else { continue }
            var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
            var inet = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
            guard inet_ntop(AF_INET, &inet, &text, socklen_t(text.count)) != nil else { continue }
            return String(cString: text)
        }
        return nil
    }

    private func janus(_ path: String, _ body: [String: Any]) throws(LoadError) -> HTTPLite.Response {
        transactions += 1
        let message = body.merging(["transaction": "t\(transactions)"]) { $1 }
        return try HTTPLite.request("POST", port: port, path, headers: ["Content-Type": "application/json"], body: HTTPLite.json(message))
    }

    private func attach() throws(LoadError) -> Int64 {
        let response = try janus("/janus/\(session)", ["janus": "attach", "plugin": "janus.plugin.videoroom"])
        guard let id = (try response.json()["data"] as? [String: Any])?["id"] as? Int64 else { throw LoadError("attach: \(response.text)") }
        return id
    }

    /// Sends a plugin message and long-polls the session until the event that answers it.
    private func message(_ handle: Int64, _ body: [String: Any], jsep: [String: Any]? = nil) throws(LoadError) -> [String: Any] {
        var request: [String: Any] = ["janus": "message", "body": body]
        if let jsep { request["jsep"] = jsep }
        let response = try janus("/janus/\(session)/\(handle)", request)
        let first = try response.json()
        let transaction = "t\(transactions)"
        if first["janus"] as? String == "event" { return first }
        guard first["janus"] as? String == "ack" else { throw LoadError("Janus: \(response.text.prefix(400))") }
        for _ in 0..<1_000 {
            let poll = try HTTPLite.request("GET", port: port, "/janus/\(session)?maxev=1").json()
            if poll["transaction"] as? String == transaction, poll["janus"] as? String == "event" { return poll }
        }
        throw LoadError("Janus never answered \(body)")
    }

    private static func plugin(_ event: [String: Any]) -> [String: Any] {
        (event["plugindata"] as? [String: Any])?["data"] as? [String: Any] ?? [:]
    }

    private static func remote(_ event: [String: Any]) throws(LoadError) -> (SDPSessionDescription, RemoteTransport) {
        guard let sdp = (event["jsep"] as? [String: Any])?["sdp"] as? String else {
            throw LoadError("Janus sent no SDP: \(plugin(event))")
        }
        if ProcessInfo.processInfo.environment["MARQUEE_BENCH_DEBUG"] != nil { FileHandle.standardError.write(Data(sdp.utf8)) }
        do {
            let parsed = try SDPSessionDescription(parsing: sdp)
            return (parsed, try RemoteTransport(parsed))
        } catch let error as LoadError { throw error } catch { throw LoadError("Janus's SDP does not parse: \(error)") }
    }

    func publish(_ peer: LoadPeer, ssrc: UInt32, fingerprint: String) throws(LoadError) {
        let handle = try attach()
        let offer = LoadSDP.offer(peer, ip: harnessIP, fingerprint: fingerprint, sendingSSRC: ssrc)
        let event = try message(handle, ["request": "joinandconfigure", "room": 1234, "ptype": "publisher", "display": "bench",
                                         "audio": false, "video": true],
                                jsep: ["type": "offer", "sdp": offer])
        guard let id = Self.plugin(event)["id"] as? Int64 else { throw LoadError("Janus join: \(Self.plugin(event))") }
        publisherID = id
        try peer.configure(remote: try Self.remote(event).1, weOffered: true, controlling: true)
    }

    func watch(_ peer: LoadPeer, fingerprint: String) throws(LoadError) {
        let handle = try attach()
        // the feed is listed once Janus has the publisher's media, which can trail our side of
        // its DTLS handshake on a busy box: "No such feed" (428) is retried for up to 15 s
        var event = try message(handle, ["request": "join", "room": 1234, "ptype": "subscriber", "feed": publisherID])
        for _ in 0..<75 where Self.plugin(event)["error_code"] as? Int == 428 {
            usleep(200_000)
            event = try message(handle, ["request": "join", "room": 1234, "ptype": "subscriber", "feed": publisherID])
        }
        let (offer, remote) = try Self.remote(event)
        let answer = try LoadSDP.answer(to: offer, peer, ip: harnessIP, fingerprint: fingerprint)
        _ = try message(handle, ["request": "start", "room": 1234], jsep: ["type": "answer", "sdp": answer])
        // Janus offered, so it is the controlling agent (full ICE on both sides)
        try peer.configure(remote: remote, weOffered: false, controlling: false)
    }

    func stop() { child.stop() }
}
