import Domain
import MediaCrypto
import MediaWire
import NIOCore

/// What the media side tells the log (through `ViewingSessions`), outside the packet path.
public enum MediaAction: Sendable, Equatable {
    case publisherConnected(sessionId: String, channelId: String, ownerId: String, codecs: [String], layers: [String])
    case publisherGone(sessionId: String, streamId: String?, reason: StreamEndReason)
    case viewerConnected(sessionId: String, channelId: String, accountId: String?)
    case viewerDisconnected(logId: String)
    case viewerReconnected(logId: String)
    case viewerGone(sessionId: String, logId: String?, reason: ViewerLeftReason)
}

/// Counters for /metrics (drops by reason, forwarded packets).
public struct MediaCounters: Sendable {
    public var forwarded = 0
    public var retransmitted = 0
    public var dropped: [String: Int] = [:]
    /// RTCP the SFU originated, by kind (sender_report, receiver_report, remb, transport_feedback).
    public var rtcpSent: [String: Int] = [:]
    /// Simulcast layer switches done for viewers (on the target's keyframe), by direction (up, down).
    public var layerSwitches: [String: Int] = [:]
    /// Keyframe requests (PLI) sent to publishers, after coalescing.
    public var keyframeRequests = 0
    /// Transport-wide feedback packets received from viewers.
    public var transportFeedbackReceived = 0
    /// Sessions whose SRTP started, by protection profile (its DTLS-SRTP name).
    public var srtpSessions: [String: Int] = [:]
    mutating func drop(_ reason: String) { dropped[reason, default: 0] += 1 }
}

/// The SFU's state and packet logic (mediasoup's Router → Producer → Consumer, reduced to one
/// producer per channel): confined to the media event loop; every method is synchronous and
/// returns what to send (or, for a fan-out's copies, sends them through `fanOut`, whose helper
/// threads each touch only the viewers of the chunks they claimed, and are done before the
/// method returns), so the packet path has no Task, actor hop or lock.
final class MediaRouter: @unchecked Sendable {
    typealias Datagram = (bytes: [UInt8], to: SocketAddress)

    /// Who makes a fan-out's copies and where they go: the server's pool sends on the media
    /// socket (the loop's thread and helpers); without one (tests) copies are collected on the
    /// loop's thread and returned with the rest.
    var fanOut: FanOutPool

    let config: MediaConfig
    private let responder = STUNResponder(software: "marquee")
    private(set) var sessions: [String: MediaSession] = [:]
    private var byAddress: [SocketAddress: String] = [:]
    private var byUfrag: [String: String] = [:]
    private(set) var publisherOfChannel: [String: String] = [:]
    /// A channel's viewers, in the order they came: the fan-out walks this array.
    private(set) var viewersOfChannel: [String: [MediaSession]] = [:]
    private(set) var actions: [MediaAction] = []
    var counters = MediaCounters()
    static let serverSSRC: UInt32 = 0x4D51_5545  // "MQUE": our RTCP sender SSRC

    init(config: MediaConfig, fanOut: FanOutPool? = nil) {
        self.config = config
        self.fanOut = fanOut ?? FanOutPool(descriptor: nil, threads: 1, parallelFrom: 1)
    }

    var sessionCount: Int { sessions.count }

    func takeActions() -> [MediaAction] {
        defer { actions.removeAll() }
        return actions
    }

    // MARK: signaling

    func add(_ session: MediaSession) throws(MediaRouterError) {
        guard sessions.count < config.maxSessions else { throw .full }
        if session.role == .publisher, let existing = publisherOfChannel[session.channelId], sessions[existing] != nil {
            throw .alreadyPublishing
        }
        sessions[session.id] = session
        byUfrag[session.credentials.localUfrag] = session.id
        switch session.role {
        case .publisher: publisherOfChannel[session.channelId] = session.id
        case .viewer: viewersOfChannel[session.channelId, default: []].append(session)
        }
    }

    func setLogId(_ logId: String, of sessionId: String) { sessions[sessionId]?.logId = logId }

    func session(_ id: String) -> MediaSession? { sessions[id] }

    func sessions(where predicate: (MediaSession) -> Bool) -> [MediaSession] { sessions.values.filter(predicate) }

    /// Ends a session (DELETE, consent lost, a ban, an empty wallet…): DTLS close_notify goes
    /// out, state is freed, and the log hears about it unless `tellLog` is false.
    func close(_ id: String, streamReason: StreamEndReason = .publisherLeft, viewerReason: ViewerLeftReason = .closed,
               tellLog: Bool = true) -> [Datagram] {
        guard let session = sessions.removeValue(forKey: id) else { return [] }
        session.closed = true
        var out: [Datagram] = []
        if let address = session.address { out = session.dtls.close().datagrams.map { ($0, address) } }
        if let address = session.address { byAddress[address] = nil }
        byUfrag[session.credentials.localUfrag] = nil
        switch session.role {
        case .publisher:
            if publisherOfChannel[session.channelId] == id { publisherOfChannel[session.channelId] = nil }
            if tellLog { actions.append(.publisherGone(sessionId: id, streamId: session.logId, reason: streamReason)) }
        case .viewer:
            viewersOfChannel[session.channelId]?.removeAll { $0 === session }
            if viewersOfChannel[session.channelId]?.isEmpty == true { viewersOfChannel[session.channelId] = nil }
            if tellLog { actions.append(.viewerGone(sessionId: id, logId: session.logId, reason: viewerReason)) }
        }
        return out
    }

    // MARK: packets

    /// One datagram from `address` at `now` (ms); `arrivalMicros` is the same instant in µs
    /// (transport-wide feedback counts 250 µs ticks), `now` × 1000 when not given.
    func receive(_ bytes: [UInt8], from address: SocketAddress, now: Int64, arrivalMicros: Int64? = nil) -> [Datagram] {
        let micros = arrivalMicros ?? now * 1000
        guard bytes.count >= 2 else { counters.drop("short"); return [] }
        switch MediaDemux.classify(firstByte: bytes[0], secondByte: bytes[1]) {
        case .stun: return stun(bytes, from: address, now: now)
        case .unknown: counters.drop("not_media"); return []
        case .dtls:
            guard let session = known(address) else { counters.drop("unknown_address"); return [] }
            return dtls(bytes, session, now: now)
        case .rtp:
            guard let session = known(address), session.srtpIn != nil else { counters.drop("unknown_address"); return [] }
            return rtp(bytes, session, now: now, micros: micros)
        case .rtcp:
            guard let session = known(address), session.srtpIn != nil else { counters.drop("unknown_address"); return [] }
            return rtcp(bytes, session, now: now, micros: micros)
        }
    }

    /// Media from `address` belongs to session `id` from now on.
    func attach(_ id: String, to address: SocketAddress) {
        guard let session = sessions[id] else { return }
        if let old = session.address { byAddress[old] = nil }
        session.address = address
        session.packedAddress = PackedSocketAddress(address)
        byAddress[address] = id
    }

    private func known(_ address: SocketAddress) -> MediaSession? { byAddress[address].flatMap { sessions[$0] } }

    private func stun(_ bytes: [UInt8], from address: SocketAddress, now: Int64) -> [Datagram] {
        guard let source = STUNTransportAddress(address) else { counters.drop("bad_address"); return [] }
        let action = responder.respond(to: bytes, from: source) { localUfrag, remoteUfrag in
            guard let id = self.byUfrag[String(localUfrag)], let session = self.sessions[id], session.remoteUfrag == remoteUfrag else { return nil }
            return session.credentials
        }
        switch action {
        case .success(let response, let request):
            guard let id = byUfrag[request.localUfrag], let session = sessions[id] else { return [] }
            session.lastConsentAt = now
            if session.address != address {
                // first check, or the peer moved (network change, ICE restart): the session follows it
                attach(id, to: address)
                session.transportAddress = source
            }
            if session.disconnected, let logId = session.logId {
                session.disconnected = false
                if session.role == .viewer { actions.append(.viewerReconnected(logId: logId)) }
            }
            session.disconnected = false
            return [(response, address)]
        case .error(let response, _, _):
            counters.drop("stun_rejected")
            return [(response, address)]
        case .drop:
            counters.drop("stun_dropped")
            return []
        }
    }

    private func dtls(_ bytes: [UInt8], _ session: MediaSession, now: Int64) -> [Datagram] {
        guard let address = session.address else { return [] }
        let wasReady = session.mediaReady
        let output = session.dtls.receive(bytes)
        var out = output.datagrams.map { ($0, address) }
        switch output.state {
        case .connected(let keys) where !wasReady:
            do {
                session.srtpIn = try SRTPSession(profile: keys.profile, key: keys.remoteKey, salt: keys.remoteSalt, direction: .inbound)
                session.srtpOut = try SRTPSession(profile: keys.profile, key: keys.localKey, salt: keys.localSalt, direction: .outbound)
                counters.srtpSessions[keys.profile.openSSLName, default: 0] += 1
            } catch {
                counters.drop("srtp_setup")
                return out + close(session.id, streamReason: .publisherLeft, viewerReason: .closed)
            }
            switch session.role {
            case .publisher:
                actions.append(.publisherConnected(sessionId: session.id, channelId: session.channelId, ownerId: session.accountId ?? "",
                                                   codecs: session.tracks.map(\.codec.name), layers: session.track(.video)?.rids ?? []))
            case .viewer:
                actions.append(.viewerConnected(sessionId: session.id, channelId: session.channelId, accountId: session.accountId))
                if let publisher = publisherOfChannel[session.channelId].flatMap({ sessions[$0] }), !publisher.videoLayers.isEmpty {
                    out += chooseLayer(for: session, publisher: publisher, layers: layerList(of: publisher, now: now), now: now)
                }
            }
        case .failed:
            counters.drop("dtls_failed")
            out += close(session.id)
        case .closed:
            out += close(session.id)
        default:
            break
        }
        return out
    }

    /// Publisher media → every connected viewer of the channel, rewritten per viewer (`forward`),
    /// on the fan-out pool's threads.
    private func rtp(_ bytes: [UInt8], _ session: MediaSession, now: Int64, micros: Int64) -> [Datagram] {
        guard session.role == .publisher, let srtpIn = session.srtpIn else { counters.drop("rtp_from_viewer"); return [] }
        var plain = bytes
        do { try srtpIn.unprotect(rtp: &plain) } catch { counters.drop("srtp_auth"); return [] }
        guard let packet = try? RTPPacket(parsing: plain) else { counters.drop("rtp_unknown_payload"); return [] }
        var out: [Datagram] = []
        // every packet on the transport is numbered (padding probes too): its arrival is fed back
        if let id = session.transportCCExtensionId, let value = packet.extensionValue(id: id), value.count == 2,
           session.transportFeedback?.record(sequence: UInt16(value[value.startIndex]) << 8 | UInt16(value[value.startIndex + 1]),
                                             arrivalMicros: micros, ssrc: packet.ssrc) == true {
            out += transportFeedback(to: session, nowMicros: micros, force: true)  // many waiting: do not wait for the timer
        }
        guard let track = session.track(payloadType: packet.payloadType) else { counters.drop("rtp_unknown_payload"); return out }
        // every layer is reported on (receiver reports, bandwidth estimate), forwarded or not
        session.received[packet.ssrc, default: ReceiveStatistics(clockRate: Int(track.codec.clockRate))]
            .record(sequence: packet.sequenceNumber, timestamp: packet.timestamp, arrivalMillis: now, bytes: bytes.count)
        let video = track.kind == .video
        var keyframe = false
        if video {
            recordLayer(packet, plain, track, session, now: now)
            keyframe = Self.isKeyframe(packet, track.payloadFormat)
        } else {
            session.cache[track.kind, default: PacketCache()].store(packet.sequenceNumber, plain)
        }
        let viewers = viewersOfChannel[session.channelId] ?? []
        if video {
            // a viewer that has had no video yet gets its first layer now (once), before the
            // fan-out: choosing may ask the publisher for a keyframe, which is the loop's business
            var layers: [LayerSelector.Layer]?
            for viewer in viewers where viewer.awaitsFirstLayer {
                if layers == nil { layers = layerList(of: session, now: now) }
                out += chooseLayer(for: viewer, publisher: session, layers: layers ?? [], now: now)
            }
        }
        let copy = FanOutCopy(plain: plain, packet: packet, kind: track.kind, keyframe: keyframe,
                              isVP8: video && track.payloadFormat == .vp8, now: now, micros: micros)
        let fanOut = fanOut
        fanOut.run(viewers: viewers.count) { buffer, chunk in
            let target = fanOut.buffers[buffer]
            let range = chunk * FanOutPool.chunkSize ..< min(viewers.count, (chunk + 1) * FanOutPool.chunkSize)
            for index in range { Self.forward(copy, to: viewers[index], into: target) }
            target.flush()  // before the chunk counts as done: a viewer's next copy must not overtake this one
        }
        return out + collectFanOut()
    }

    /// Merges what the fan-out threads counted into the counters; returns the copies collected
    /// (when there is no socket).
    func collectFanOut() -> [Datagram] {
        var out: [Datagram] = []
        for buffer in fanOut.buffers {
            let tally = buffer.tally
            buffer.tally = FanOutTally()
            counters.forwarded += tally.forwarded
            if tally.protectFailures > 0 { counters.dropped["srtp_protect", default: 0] += tally.protectFailures }
            if tally.sendFailures > 0 { counters.dropped["send_buffer_full", default: 0] += tally.sendFailures }
            if tally.tooLong > 0 { counters.dropped["too_long", default: 0] += tally.tooLong }
            if tally.switchesUp > 0 { counters.layerSwitches[LayerSelector.Direction.up.rawValue, default: 0] += tally.switchesUp }
            if tally.switchesDown > 0 { counters.layerSwitches[LayerSelector.Direction.down.rawValue, default: 0] += tally.switchesDown }
            if buffer.descriptor == nil { out += buffer.takeCollected() }
        }
        return out
    }

    /// One viewer's copy of a publisher packet, written into `buffer` and encrypted there; or
    /// nothing (not connected, or on a layer switch waiting for the target's keyframe). Video
    /// goes to each viewer from the layer chosen for it; a switch happens on the target layer's
    /// keyframe, the old layer flowing until then. Touches only the viewer and `buffer`, so a
    /// fan-out's viewers can be served on several threads at once.
    static func forward(_ copy: FanOutCopy, to viewer: MediaSession, into buffer: SendBuffer) {
        let packet = copy.packet
        guard viewer.mediaReady, !viewer.disconnected, viewer.address != nil,
              let srtpOut = viewer.srtpOut, var rewrite = viewer.outbound[copy.kind] else { return }
        if rewrite.sourceSSRC != packet.ssrc {
            if copy.kind == .video {
                // the first layer starts at once (the viewer's decoder waits for a keyframe, asked
                // for on the choice); a switch waits for the target's keyframe
                guard viewer.layers.pending == packet.ssrc, copy.keyframe || rewrite.sourceSSRC == nil else { return }
                if let old = rewrite.sourceSSRC, let oldOffset = rewrite.sequenceOffset {
                    if viewer.layers.pendingDirection == .up { buffer.tally.switchesUp += 1 } else { buffer.tally.switchesDown += 1 }
                    rewrite.previous = MediaSession.PreviousSource(ssrc: old, sequenceOffset: oldOffset, timestampOffset: rewrite.timestampOffset,
                                                                   first: rewrite.sourceStart, last: rewrite.lastSent)
                    viewer.layers.previousVP8 = viewer.layers.vp8
                    // the new layer's clock starts where the old one's would be now
                    let elapsed = UInt32(clamping: max(copy.now - rewrite.sent.lastSentMillis, 1) * Int64(rewrite.clockRate) / 1000)
                    rewrite.timestampOffset = rewrite.sent.lastTimestamp &+ max(elapsed, 1) &- packet.timestamp
                    viewer.layers.vp8.newSource()
                }
                viewer.layers.pending = nil
                viewer.layers.pendingDirection = nil
            }
            // a new source (first packet, or another layer): keep the viewer's numbering continuous
            let next = rewrite.sequenceOffset == nil ? UInt16.random(in: 0...UInt16.max) : rewrite.lastSent &+ 1
            rewrite.sequenceOffset = next &- packet.sequenceNumber
            rewrite.sourceSSRC = packet.ssrc
            if copy.kind == .video { viewer.videoStarted = true }
            rewrite.sourceStart = next
            rewrite.lastSent = next &- 1
        }
        let sequence = packet.sequenceNumber &+ (rewrite.sequenceOffset ?? 0)
        if sequence &- rewrite.lastSent < 0x8000 { rewrite.lastSent = sequence }  // the newest, not a late one
        let slot = buffer.nextSlot()
        let length = copy.isVP8
            ? seal(into: slot, copy.plain, packet, rewrite, sequence: sequence, srtpOut, &viewer.transportHistory, micros: copy.micros) {
                viewer.layers.vp8.write(payload: $0, into: $1).length
            }
            : seal(into: slot, copy.plain, packet, rewrite, sequence: sequence, srtpOut, &viewer.transportHistory, micros: copy.micros,
                   payload: copyPayload)
        if let length {
            buffer.commit(length: length, to: viewer.packedAddress, address: viewer.address!)  // (read only when collecting)
            buffer.tally.forwarded += 1
            rewrite.sent.sent(timestamp: packet.timestamp &+ rewrite.timestampOffset, payloadBytes: packet.payloadRange.count, nowMillis: copy.now)
            if copy.kind == .video { viewer.layers.sentBytes &+= UInt64(length) }  // as the layers' bitrates count: whole packets
        } else {
            buffer.tally.protectFailures += 1
        }
        viewer.outbound[copy.kind] = rewrite
    }

    /// Viewer feedback: keyframe requests go (coalesced) to the publisher; the rest is consumed
    /// here. From a publisher only its sender reports matter (for our receiver and sender reports).
    private func rtcp(_ bytes: [UInt8], _ session: MediaSession, now: Int64, micros: Int64) -> [Datagram] {
        guard let srtpIn = session.srtpIn else { return [] }
        var plain = bytes
        do { try srtpIn.unprotect(rtcp: &plain) } catch { counters.drop("srtcp_auth"); return [] }
        guard let packets = try? RTCPPacket.parseCompound(plain) else { counters.drop("rtcp_malformed"); return [] }
        guard session.role == .viewer else {
            for case .senderReport(let report) in packets { publisherSenderReport(report, from: session, now: now) }
            return []
        }
        var wantsKeyframe = false
        var out: [Datagram] = []
        for packet in packets {
            switch packet {
            case .pictureLossIndication, .fullIntraRequest: wantsKeyframe = true
            case .genericNACK(let nack): out += answerNACK(nack, from: session, micros: micros)
            default: break
            }
        }
        out += viewerFeedback(packets, from: session, now: now, micros: micros)
        if wantsKeyframe, let publisher = publisherOfChannel[session.channelId].flatMap({ sessions[$0] }) {
            // the layer the viewer decodes, and the one it waits to switch to
            for ssrc in [session.outbound[.video]?.sourceSSRC, session.layers.pending].compactMap({ $0 }) {
                out += requestKeyframe(publisher, ssrc: ssrc, now: now, force: false)
            }
        }
        return out
    }

    // MARK: timers

    /// DTLS retransmissions, consent freshness, half-open sessions, and the viewers' layers.
    func tick(now: Int64) -> [Datagram] {
        var out: [Datagram] = []
        for session in Array(sessions.values) {
            if !session.mediaReady {
                if now - session.createdAt > config.setupTimeoutMillis {
                    counters.drop("setup_timeout")
                    out += close(session.id, streamReason: .publisherLeft, viewerReason: .timeout, tellLog: false)
                    continue
                }
                if let address = session.address, session.dtls.timeoutMillis == 0 {
                    out += session.dtls.handleTimeout().datagrams.map { ($0, address) }
                }
                continue
            }
            let silent = now - session.lastConsentAt
            if silent > config.consentTimeoutMillis {
                out += close(session.id, streamReason: .publisherLeft, viewerReason: .timeout)
            } else if silent > config.consentDisconnectMillis && !session.disconnected {
                session.disconnected = true
                if session.role == .viewer, let logId = session.logId { actions.append(.viewerDisconnected(logId: logId)) }
            }
        }
        return out + layerTick(now: now)
    }
}

/// What every viewer's copy of one publisher packet is made from (read by every fan-out thread).
struct FanOutCopy {
    let plain: [UInt8]
    let packet: RTPPacket
    let kind: NegotiatedTrack.Kind
    let keyframe: Bool
    let isVP8: Bool
    let now: Int64
    let micros: Int64
}

public enum MediaRouterError: Error, Equatable, Sendable {
    case full
    case alreadyPublishing
}

extension STUNTransportAddress {
    init?(_ address: SocketAddress) {
        guard let port = address.port else { return nil }
        switch address {
        case .v4(let v4):
            self.init(ip: .v4(UInt32(bigEndian: v4.address.sin_addr.s_addr)), port: UInt16(port))
        case .v6(let v6):
            var a = v6.address.sin6_addr
            let bytes = withUnsafeBytes(of: &a) { Array($0) }
            self.init(addressBytes: bytes, port: UInt16(port))
        default:
            return nil
        }
    }
}
