import Glibc
import MediaCrypto
import MediaWire

/// What the far end announced in its SDP: ICE credentials, DTLS fingerprint and role, and the
/// UDP IPv4 candidate to send to.
public struct RemoteTransport: Sendable {
    public var ufrag: String
    public var password: String
    public var fingerprint: String
    public var setup: SDPSetupRole?
    public var ip: String
    public var port: UInt16

    /// From a parsed description: session-level values, else the first section's.
    public init(_ sdp: SDPSessionDescription) throws(LoadError) {
        let first = sdp.media.first
        guard let ufrag = sdp.iceUfrag ?? first?.iceUfrag, let password = sdp.icePwd ?? first?.icePwd else {
            throw LoadError("the remote SDP has no ICE credentials")
        }
        guard let fingerprint = (sdp.fingerprints + (first?.fingerprints ?? [])).first(where: { $0.algorithm.lowercased() == "sha-256" }) else {
            throw LoadError("the remote SDP has no sha-256 fingerprint")
        }
        let candidates = sdp.media.flatMap(\.candidates).filter { $0.transport.lowercased() == "udp" && $0.component == 1 }
        guard let candidate = candidates.first(where: { (try? LoadSocket.address($0.address, port: $0.port)) != nil }) else {
            throw LoadError("the remote SDP has no UDP IPv4 candidate")
        }
        self.ufrag = ufrag
        self.password = password
        self.fingerprint = fingerprint.value
        self.setup = first?.setup ?? sdp.setup
        self.ip = candidate.address
        self.port = candidate.port
    }
}

/// One simulated WebRTC endpoint of the load generator: ICE (as the controlling agent that
/// nominates, or the controlled one that answers), DTLS over the peer's own socket, then SRTP.
/// Driven by one thread (the loop's): datagrams in, `tick` for timers. No decoding: a viewer
/// only authenticates and decrypts what it receives and reads the harness's stamp.
final class LoadPeer: @unchecked Sendable {  // built on the signaling thread, then owned by the loop thread alone
    enum Kind { case publisher, viewer }

    let index: Int
    let kind: Kind
    let socket: LoadSocket
    let localUfrag: String
    let localPassword: String
    private(set) var remote: RemoteTransport?
    private var remoteAddress = sockaddr_in()
    /// Where packets to the server go (set by `configure`, before the peer is shared).
    var remoteSocketAddress: sockaddr_in { remoteAddress }
    /// Controlling agents send checks with USE-CANDIDATE (toward an ICE-lite server, or as the
    /// offerer toward a full one); controlled ones answer and wait to be nominated.
    private var controlling = true
    private var dtlsRole: DTLSEndpoint.Role = .client
    private let dtlsContext: DTLSContext
    private var dtls: DTLSEndpoint?
    private(set) var srtpIn: SRTPSession?
    private(set) var srtpOut: SRTPSession?
    private(set) var iceDone = false
    private(set) var failure: String?
    private var pendingChecks: Set<STUNTransactionID> = []
    private var nextCheckAt: Int64 = 0
    private var dtlsDeadline: Int64?
    private let tiebreaker = UInt64.random(in: 1...UInt64.max)
    private let responder = STUNResponder(software: "marquee-load")
    var sendFailures = 0
    /// A viewer has received media (the loop's own flag, so it tells the measuring thread once).
    var hadMedia = false
    var reportedConnected = false

    var connected: Bool { srtpIn != nil }

    init(index: Int, kind: Kind, socket: LoadSocket, dtlsContext: DTLSContext) {
        self.index = index
        self.kind = kind
        self.socket = socket
        self.dtlsContext = dtlsContext
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        localUfrag = String((0..<8).map { _ in alphabet.randomElement()! })
        localPassword = String((0..<24).map { _ in alphabet.randomElement()! })
    }

    /// `weOffered`: our SDP was the offer (with `a=setup:actpass`), so the answer's setup picks
    /// our DTLS role; otherwise we answered `active` and are the DTLS client.
    /// `controlling`: whether we nominate (RFC 8445 §6.1.1: the offerer, or whoever faces a lite agent).
    func configure(remote: RemoteTransport, weOffered: Bool, controlling: Bool) throws(LoadError) {
        self.remote = remote
        remoteAddress = try LoadSocket.address(remote.ip, port: remote.port)
        self.controlling = controlling
        dtlsRole = weOffered ? (remote.setup == .active ? .server : .client) : .client
        do {
            dtls = try DTLSEndpoint(context: dtlsContext, role: dtlsRole, expectedPeerFingerprint: remote.fingerprint)
        } catch { throw LoadError("DTLS: \(error)") }
    }

    // MARK: - Timers

    func tick(now: Int64) {
        guard remote != nil, failure == nil else { return }
        if controlling, now >= nextCheckAt {
            sendCheck()
            // quick checks until ICE is done, then consent freshness (RFC 7675: ~5 s; 2 s here)
            nextCheckAt = now + (iceDone ? 2_000_000_000 : 50_000_000)
        }
        if let deadline = dtlsDeadline, now >= deadline, let dtls {
            dtlsDeadline = nil
            apply(dtls.handleTimeout(), now: now)
        }
    }

    // MARK: - Datagrams

    /// Handles one datagram; RTP and RTCP are decrypted in place and handed to `media` (not
    /// when they fail authentication), everything else is consumed here.
    func receive(_ bytes: UnsafeMutableRawBufferPointer, from source: sockaddr_in, now: Int64,
                 media: (_ packet: UnsafeRawBufferPointer, _ isRTCP: Bool) -> Void) {
        guard let first = bytes.first else { return }
        switch first {
        case 0...3: stun(UnsafeRawBufferPointer(bytes), from: source, now: now)
        case 20...63:
            guard let dtls else { return }
            apply(dtls.receive(Array(bytes)), now: now)
        case 128...191:
            guard bytes.count >= 12, let srtpIn else { return }
            let isRTCP = (192...223).contains(bytes[1])
            if isRTCP {
                var packet = Array(bytes)
                guard (try? srtpIn.unprotect(rtcp: &packet)) != nil else { return }
                packet.withUnsafeBytes { media($0, true) }
            } else {
                guard let length = try? srtpIn.unprotect(rtp: bytes.baseAddress!, length: bytes.count) else { return }
                media(UnsafeRawBufferPointer(rebasing: bytes[0..<length]), false)
            }
        default: return
        }
    }

    func send(_ bytes: [UInt8]) {
        if !socket.send(bytes, to: remoteAddress) { sendFailures += 1 }
    }

    private func stun(_ bytes: UnsafeRawBufferPointer, from source: sockaddr_in, now: Int64) {
        guard let header = try? STUNMessage.Header(parsing: bytes) else { return }
        if header.type.messageClass == .request {
            let from = STUNTransportAddress(addressBytes: withUnsafeBytes(of: source.sin_addr.s_addr) { Array($0) },
                                            port: UInt16(bigEndian: source.sin_port))
            guard let from else { return }
            let action = responder.respond(to: bytes, from: from, localUfrag: localUfrag, localPassword: localPassword) { [remote] ufrag in
                remote?.ufrag == String(ufrag)
            }
            if case .success(let response, let request) = action {
                socket.send(response, to: source)
                // a controlled agent is done when nominated (or, aggressively, on any check)
                if !controlling, !iceDone || request.useCandidate { iceConnected(now: now) }
            }
        } else if header.type == .bindingSuccess, pendingChecks.remove(header.transactionID) != nil {
            iceConnected(now: now)
        }
    }

    private func iceConnected(now: Int64) {
        guard !iceDone else { return }
        iceDone = true
        pendingChecks.removeAll()
        nextCheckAt = now + 2_000_000_000
        if dtlsRole == .client, let dtls { apply(dtls.start(), now: now) }
    }

    private func sendCheck() {
        guard let remote else { return }
        var id = STUNTransactionID(high: UInt64.random(in: 0...UInt64.max), low: UInt32.random(in: 0...UInt32.max))
        if pendingChecks.count > 64 { pendingChecks.removeAll() }
        while pendingChecks.contains(id) { id.low &+= 1 }
        pendingChecks.insert(id)
        var attributes: [STUNAttribute] = [.username("\(remote.ufrag):\(localUfrag)"), .priority(0x6E00_1EFF)]
        attributes.append(controlling ? .iceControlling(tiebreaker) : .iceControlled(tiebreaker))
        if controlling { attributes.append(.useCandidate) }
        let message = STUNMessage(type: .bindingRequest, transactionID: id, attributes: attributes)
        send(message.serialized(integrityKey: Array(remote.password.utf8)))
    }

    private func apply(_ output: DTLSEndpoint.Output, now: Int64) {
        for datagram in output.datagrams { send(datagram) }
        switch output.state {
        case .handshaking:
            dtlsDeadline = dtls?.timeoutMillis.map { now + Int64($0) * 1_000_000 }
        case .connected(let keys):
            dtlsDeadline = nil
            guard srtpIn == nil else { return }
            do {
                srtpOut = try SRTPSession(profile: keys.profile, key: keys.localKey, salt: keys.localSalt, direction: .outbound)
                srtpIn = try SRTPSession(profile: keys.profile, key: keys.remoteKey, salt: keys.remoteSalt, direction: .inbound)
            } catch { failure = "SRTP: \(error)" }
        case .closed: failure = "DTLS closed by the peer"
        case .failed(let why): failure = "DTLS: \(why)"
        }
    }
}
