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
    /// RTCP the SFU originated, by kind (sender_report, receiver_report, remb).
    public var rtcpSent: [String: Int] = [:]
    mutating func drop(_ reason: String) { dropped[reason, default: 0] += 1 }
}

/// The SFU's state and packet logic (mediasoup's Router → Producer → Consumer, reduced to one
/// producer per channel): confined to the media event loop; every method is synchronous and
/// returns what to send, so the packet path has no Task, actor hop or lock.
final class MediaRouter: @unchecked Sendable {
    typealias Datagram = (bytes: [UInt8], to: SocketAddress)

    let config: MediaConfig
    private let responder = STUNResponder(software: "marquee")
    private(set) var sessions: [String: MediaSession] = [:]
    private var byAddress: [SocketAddress: String] = [:]
    private var byUfrag: [String: String] = [:]
    private(set) var publisherOfChannel: [String: String] = [:]
    private var viewersOfChannel: [String: Set<String>] = [:]
    private(set) var actions: [MediaAction] = []
    var counters = MediaCounters()
    static let serverSSRC: UInt32 = 0x4D51_5545  // "MQUE": our RTCP sender SSRC

    init(config: MediaConfig) { self.config = config }

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
        case .viewer: viewersOfChannel[session.channelId, default: []].insert(session.id)
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
            viewersOfChannel[session.channelId]?.remove(id)
            if tellLog { actions.append(.viewerGone(sessionId: id, logId: session.logId, reason: viewerReason)) }
        }
        return out
    }

    // MARK: packets

    func receive(_ bytes: [UInt8], from address: SocketAddress, now: Int64) -> [Datagram] {
        guard bytes.count >= 2 else { counters.drop("short"); return [] }
        switch MediaDemux.classify(firstByte: bytes[0], secondByte: bytes[1]) {
        case .stun: return stun(bytes, from: address, now: now)
        case .unknown: counters.drop("not_media"); return []
        case .dtls:
            guard let session = known(address) else { counters.drop("unknown_address"); return [] }
            return dtls(bytes, session, now: now)
        case .rtp:
            guard let session = known(address), session.srtpIn != nil else { counters.drop("unknown_address"); return [] }
            return rtp(bytes, session, now: now)
        case .rtcp:
            guard let session = known(address), session.srtpIn != nil else { counters.drop("unknown_address"); return [] }
            return rtcp(bytes, session, now: now)
        }
    }

    /// Media from `address` belongs to session `id` from now on.
    func attach(_ id: String, to address: SocketAddress) {
        guard let session = sessions[id] else { return }
        if let old = session.address { byAddress[old] = nil }
        session.address = address
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
                out += requestKeyframe(channel: session.channelId, now: now, force: true)
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

    /// Publisher media → every connected viewer of the channel, rewritten per viewer.
    private func rtp(_ bytes: [UInt8], _ session: MediaSession, now: Int64) -> [Datagram] {
        guard session.role == .publisher, let srtpIn = session.srtpIn else { counters.drop("rtp_from_viewer"); return [] }
        var plain = bytes
        do { try srtpIn.unprotect(rtp: &plain) } catch { counters.drop("srtp_auth"); return [] }
        guard let packet = try? RTPPacket(parsing: plain), let track = session.track(payloadType: packet.payloadType) else {
            counters.drop("rtp_unknown_payload"); return []
        }
        // every layer is reported on (receiver reports, bandwidth estimate), forwarded or not
        session.received[packet.ssrc, default: ReceiveStatistics(clockRate: Int(track.codec.clockRate))]
            .record(sequence: packet.sequenceNumber, timestamp: packet.timestamp, arrivalMillis: now, bytes: bytes.count)
        let forwardedBefore = session.forwardedVideoSSRC
        if track.kind == .video && !selectLayer(packet, track, session, now: now) { return [] }
        session.cache[track.kind, default: PacketCache()].store(packet.sequenceNumber, plain)
        var out: [Datagram] = []
        if track.kind == .video, let before = forwardedBefore, before != packet.ssrc {
            // another layer from now on: viewers can only decode it from its next keyframe
            out += requestKeyframe(channel: session.channelId, now: now, force: true)
        }
        // straight over the channel's set: no array is built per packet
        for viewerId in viewersOfChannel[session.channelId] ?? [] {
            guard let viewer = sessions[viewerId], viewer.mediaReady, !viewer.disconnected, let address = viewer.address,
                  let srtpOut = viewer.srtpOut, var rewrite = viewer.outbound[track.kind] else { continue }
            if rewrite.sourceSSRC != packet.ssrc {
                // a new source (first packet, or another layer): keep the viewer's numbering continuous
                let next = rewrite.sequenceOffset == nil ? UInt16.random(in: 0...UInt16.max) : rewrite.lastSent &+ 1
                rewrite.sequenceOffset = next &- packet.sequenceNumber
                rewrite.sourceSSRC = packet.ssrc
            }
            let sequence = packet.sequenceNumber &+ (rewrite.sequenceOffset ?? 0)
            rewrite.lastSent = sequence
            if let datagram = rewritten(plain, packet, rewrite, sequence: sequence, to: address, srtpOut) {
                out.append(datagram)
                counters.forwarded += 1
                rewrite.sent.sent(timestamp: packet.timestamp &+ rewrite.timestampOffset, payloadBytes: packet.payloadRange.count, nowMillis: now)
            }
            viewer.outbound[track.kind] = rewrite
        }
        return out
    }

    /// One viewer's copy: its SSRC, payload type, sequence number and timestamp, no header
    /// extensions (their ids are per negotiation) or CSRCs, then the payload; encrypted with the
    /// viewer's keys.
    private func rewritten(_ plain: [UInt8], _ packet: RTPPacket, _ rewrite: MediaSession.Outbound, sequence: UInt16,
                           to address: SocketAddress, _ srtpOut: SRTPSession) -> Datagram? {
        var copy: [UInt8] = []
        copy.reserveCapacity(12 + plain.count - packet.payloadRange.lowerBound + 16)
        copy.append(0x80 | (plain[0] & 0x20))
        copy.append((plain[1] & 0x80) | rewrite.payloadType)
        copy.append(UInt8(sequence >> 8)); copy.append(UInt8(sequence & 0xff))
        let timestamp = packet.timestamp &+ rewrite.timestampOffset
        copy.append(UInt8(timestamp >> 24)); copy.append(UInt8((timestamp >> 16) & 0xff))
        copy.append(UInt8((timestamp >> 8) & 0xff)); copy.append(UInt8(timestamp & 0xff))
        let ssrc = rewrite.ssrc
        copy.append(UInt8(ssrc >> 24)); copy.append(UInt8((ssrc >> 16) & 0xff)); copy.append(UInt8((ssrc >> 8) & 0xff)); copy.append(UInt8(ssrc & 0xff))
        copy.append(contentsOf: plain[packet.payloadRange.lowerBound...])
        do { try srtpOut.protect(rtp: &copy) } catch { counters.drop("srtp_protect"); return nil }
        return (copy, address)
    }

    /// A viewer's NACK: the lost packets come from the publisher's cache, rewritten as they were
    /// first sent (same sequence number), never asked of the publisher again.
    private func answerNACK(_ nack: RTCPGenericNACK, from viewer: MediaSession) -> [Datagram] {
        guard let kind = viewer.outbound.first(where: { $0.value.ssrc == nack.mediaSSRC })?.key,
              let rewrite = viewer.outbound[kind], let offset = rewrite.sequenceOffset,
              let address = viewer.address, let srtpOut = viewer.srtpOut,
              let publisherId = publisherOfChannel[viewer.channelId], let publisher = sessions[publisherId],
              let cache = publisher.cache[kind] else { return [] }
        var out: [Datagram] = []
        for lost in nack.lostSequenceNumbers.prefix(64) {
            guard let plain = cache.packet(lost &- offset), let packet = try? RTPPacket(parsing: plain),
                  packet.ssrc == rewrite.sourceSSRC else { counters.drop("nack_miss"); continue }
            if let datagram = rewritten(plain, packet, rewrite, sequence: lost, to: address, srtpOut) {
                out.append(datagram)
                counters.retransmitted += 1
            }
        }
        return out
    }

    /// Simulcast: forward one layer, the best one seen (rids are ordered best first).
    private func selectLayer(_ packet: RTPPacket, _ track: NegotiatedTrack, _ session: MediaSession, now: Int64) -> Bool {
        if session.videoSSRCs[packet.ssrc] == nil {
            var rid = ""
            if let id = track.ridExtensionId, let value = packet.extensionValue(id: id) { rid = String(decoding: value, as: UTF8.self) }
            session.videoSSRCs[packet.ssrc] = rid
        }
        let rid = session.videoSSRCs[packet.ssrc] ?? ""
        guard let current = session.forwardedVideoSSRC else {
            session.forwardedVideoSSRC = packet.ssrc; session.forwardedVideoRid = rid; session.forwardedVideoAt = now
            return true
        }
        if current == packet.ssrc { session.forwardedVideoAt = now; return true }
        // a better layer appeared, or the forwarded one went silent (the sender dropped it under
        // CPU or bandwidth pressure): switch (the keyframe request makes the switch clean)
        let rank = { (r: String) in track.rids.firstIndex(of: r) ?? Int.max }
        if rank(rid) < rank(session.forwardedVideoRid ?? "") || now - session.forwardedVideoAt > 1000 {
            session.forwardedVideoSSRC = packet.ssrc; session.forwardedVideoRid = rid; session.forwardedVideoAt = now
            return true
        }
        return false
    }

    /// Viewer feedback: keyframe requests go (coalesced) to the publisher; the rest is consumed
    /// here. From a publisher only its sender reports matter (for our receiver and sender reports).
    private func rtcp(_ bytes: [UInt8], _ session: MediaSession, now: Int64) -> [Datagram] {
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
            case .genericNACK(let nack): out += answerNACK(nack, from: session)
            default: break
            }
        }
        return out + (wantsKeyframe ? requestKeyframe(channel: session.channelId, now: now, force: false) : [])
    }

    /// A PLI to the channel's publisher for the forwarded video, at most one per 500 ms unless forced.
    func requestKeyframe(channel: String, now: Int64, force: Bool) -> [Datagram] {
        guard let id = publisherOfChannel[channel], let publisher = sessions[id], let address = publisher.address,
              let srtpOut = publisher.srtpOut, let media = publisher.forwardedVideoSSRC else { return [] }
        guard force || now - publisher.lastKeyframeRequestAt >= 500 else { return [] }
        publisher.lastKeyframeRequestAt = now
        let sender = Self.serverSSRC
        var pli: [UInt8] = [0x81, 206, 0, 2,
                            UInt8(sender >> 24), UInt8((sender >> 16) & 0xff), UInt8((sender >> 8) & 0xff), UInt8(sender & 0xff),
                            UInt8(media >> 24), UInt8((media >> 16) & 0xff), UInt8((media >> 8) & 0xff), UInt8(media & 0xff)]
        do { try srtpOut.protect(rtcp: &pli) } catch { return [] }
        return [(pli, address)]
    }

    // MARK: timers

    /// DTLS retransmissions, consent freshness and half-open sessions.
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
        return out
    }
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
