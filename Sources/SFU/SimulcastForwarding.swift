import MediaWire

/// One video stream a publisher sends (a simulcast layer, or its only video): what the layer
/// choice and NACK answers need. Updated in place on the packet path (no allocation but the
/// cached packet).
struct PublisherLayer {
    let ssrc: UInt32
    /// Its rid and its rank among the negotiated rids (0 = best; unknown rids rank last).
    var rid: String
    var rank: Int
    var lastPacketAt: Int64
    /// Bytes since `measuredSince`, and the bitrate measured over the last window (bit/s).
    var bytes = 0
    var measuredSince: Int64
    var bitrate: UInt64 = 0
    var keyframeRequestedAt: Int64?
    /// Recent packets, for viewers' NACKs (sequence numbers are per SSRC).
    var cache = PacketCache()

    /// A layer silent this long was turned off by the sender (CPU or bandwidth adaptation).
    static let silenceMillis: Int64 = 1000
    /// The bitrate is measured over windows of about this length.
    static let windowMillis: Int64 = 1000

    init(ssrc: UInt32, rid: String, rank: Int, now: Int64) {
        self.ssrc = ssrc; self.rid = rid; self.rank = rank; self.lastPacketAt = now; self.measuredSince = now
    }

    func isActive(now: Int64) -> Bool { now - lastPacketAt <= Self.silenceMillis }

    /// Ends a measuring window once it is long enough (run from the timer).
    mutating func measure(now: Int64) {
        let elapsed = now - measuredSince
        guard elapsed >= Self.windowMillis else { return }
        let rate = UInt64(bytes) * 8000 / UInt64(elapsed)
        bitrate = bitrate == 0 ? rate : (bitrate + rate) / 2
        bytes = 0
        measuredSince = now
    }
}

/// One viewer's video: the layer chosen for it, the switch it waits for, and the VP8 numbering.
struct ViewerLayers {
    var selector = LayerSelector()
    /// The layer to switch to on its next keyframe (or the first layer, on its first packet).
    var pending: UInt32?
    var pendingDirection: LayerSelector.Direction?
    var vp8 = VP8DescriptorRewriter()
    /// The VP8 numbering as it was for the previous source (its retransmissions are numbered so).
    var previousVP8 = VP8DescriptorRewriter()
    /// Video payload bytes sent to the viewer (the selector's sent rate between reports).
    var sentBytes: UInt64 = 0
}

extension MediaRouter {
    /// The publisher's video layers as the selector takes them: best first, then by SSRC.
    func layerList(of publisher: MediaSession, now: Int64) -> [LayerSelector.Layer] {
        publisher.videoLayers.values.sorted { ($0.rank, $0.ssrc) < ($1.rank, $1.ssrc) }
            .map { LayerSelector.Layer(ssrc: $0.ssrc, bitrate: $0.bitrate, active: $0.isActive(now: now)) }
    }

    /// Records a video packet on its layer (new SSRCs are ranked by their rid).
    func recordLayer(_ packet: RTPPacket, _ plain: [UInt8], _ track: NegotiatedTrack, _ publisher: MediaSession, now: Int64) {
        if publisher.videoLayers[packet.ssrc] == nil {
            var rid = ""
            if let id = track.ridExtensionId, let value = packet.extensionValue(id: id) { rid = String(decoding: value, as: UTF8.self) }
            if !track.rids.contains(rid) { rid = "" }  // only negotiated rids (they label metrics)
            publisher.videoLayers[packet.ssrc] = PublisherLayer(ssrc: packet.ssrc, rid: rid, rank: track.rids.firstIndex(of: rid) ?? track.rids.count,
                                                                now: now)
        }
        publisher.videoLayers[packet.ssrc]?.lastPacketAt = now
        publisher.videoLayers[packet.ssrc]?.bytes += plain.count
        publisher.videoLayers[packet.ssrc]?.cache.store(packet.sequenceNumber, plain)
    }

    /// Asks the viewer's selector what it should get, and acts: a new target waits for its
    /// keyframe (asked of the publisher for that layer).
    func chooseLayer(for viewer: MediaSession, publisher: MediaSession, layers: [LayerSelector.Layer], now: Int64) -> [Datagram] {
        let decision = viewer.layers.selector.choose(layers: layers, now: now)
        let target: UInt32
        switch decision {
        case .keep: return []
        case .start(let ssrc):
            target = ssrc
            viewer.layers.pendingDirection = nil
        case .switchTo(let ssrc, let direction):
            target = ssrc
            viewer.layers.pendingDirection = direction
        }
        guard viewer.outbound[.video]?.sourceSSRC != target else {
            viewer.layers.pending = nil  // back to what it gets: nothing to wait for
            return []
        }
        viewer.layers.pending = target
        return requestKeyframe(publisher, ssrc: target, now: now, force: false)
    }

    /// The layer choice on the timer: bitrates measured, silent layers left, pending switches'
    /// keyframe requests repeated (coalesced per layer).
    func layerTick(now: Int64) -> [Datagram] {
        var out: [Datagram] = []
        for (channel, publisherId) in publisherOfChannel {
            guard let publisher = sessions[publisherId], publisher.mediaReady, !publisher.videoLayers.isEmpty else { continue }
            for ssrc in publisher.videoLayers.keys { publisher.videoLayers[ssrc]?.measure(now: now) }
            let layers = layerList(of: publisher, now: now)
            for viewer in viewersOfChannel[channel] ?? [] {
                guard viewer.mediaReady, viewer.outbound[.video] != nil else { continue }
                out += chooseLayer(for: viewer, publisher: publisher, layers: layers, now: now)
                if let pending = viewer.layers.pending {
                    out += requestKeyframe(publisher, ssrc: pending, now: now, force: false)
                }
            }
        }
        return out
    }

    /// A viewer's receiver report block on its video, its REMB, or its transport-wide feedback
    /// (through its bandwidth estimate): the selector hears it.
    func viewerFeedback(_ packets: [RTCPPacket], from viewer: MediaSession, now: Int64, micros: Int64) -> [Datagram] {
        guard let video = viewer.outbound[.video] else { return [] }
        var heard = false
        for packet in packets {
            switch packet {
            case .receiverReport(let report):
                for block in report.reports where block.ssrc == video.ssrc {
                    viewer.layers.selector.receiverReport(fractionLost: block.fractionLost, sentBytes: viewer.layers.sentBytes, now: now)
                    heard = true
                }
            case .senderReport(let report):
                for block in report.reports where block.ssrc == video.ssrc {
                    viewer.layers.selector.receiverReport(fractionLost: block.fractionLost, sentBytes: viewer.layers.sentBytes, now: now)
                    heard = true
                }
            case .receiverEstimatedMaximumBitrate(let remb):
                viewer.layers.selector.estimate(bitrate: remb.bitrate, now: now)
                heard = true
            case .transportWideFeedback(let feedback):
                if viewerTransportFeedback(feedback, from: viewer, now: now, micros: micros) { heard = true }
            default:
                break
            }
        }
        guard heard, let publisher = publisherOfChannel[viewer.channelId].flatMap({ sessions[$0] }), !publisher.videoLayers.isEmpty else { return [] }
        return chooseLayer(for: viewer, publisher: publisher, layers: layerList(of: publisher, now: now), now: now)
    }

    /// A PLI to the publisher for one of its video streams, at most one per layer per 500 ms
    /// unless forced (RFC 4585 §6.3.1).
    func requestKeyframe(_ publisher: MediaSession, ssrc media: UInt32, now: Int64, force: Bool) -> [Datagram] {
        guard let address = publisher.address, let srtpOut = publisher.srtpOut, publisher.videoLayers[media] != nil else { return [] }
        if !force, let last = publisher.videoLayers[media]?.keyframeRequestedAt, now - last < 500 { return [] }
        publisher.videoLayers[media]?.keyframeRequestedAt = now
        let sender = Self.serverSSRC
        var pli: [UInt8] = [0x81, 206, 0, 2,
                            UInt8(sender >> 24), UInt8((sender >> 16) & 0xff), UInt8((sender >> 8) & 0xff), UInt8(sender & 0xff),
                            UInt8(media >> 24), UInt8((media >> 16) & 0xff), UInt8((media >> 8) & 0xff), UInt8(media & 0xff)]
        do { try srtpOut.protect(rtcp: &pli) } catch { return [] }
        counters.keyframeRequests += 1
        return [(pli, address)]
    }

    /// What publishers send per layer (by rid, "" without one), bit/s, for /metrics.
    func layerBitrates() -> [String: UInt64] {
        var rates: [String: UInt64] = [:]
        for publisherId in publisherOfChannel.values {
            for layer in sessions[publisherId]?.videoLayers.values ?? [:].values { rates[layer.rid, default: 0] += layer.bitrate }
        }
        return rates
    }

    /// Viewers per forwarded layer (by rid, "" without one), for /metrics.
    func viewersByLayer() -> [String: Int] {
        var counts: [String: Int] = [:]
        for (channel, viewers) in viewersOfChannel {
            guard let publisher = publisherOfChannel[channel].flatMap({ sessions[$0] }) else { continue }
            for viewer in viewers {
                guard let source = viewer.outbound[.video]?.sourceSSRC, let layer = publisher.videoLayers[source] else { continue }
                counts[layer.rid, default: 0] += 1
            }
        }
        return counts
    }
}
