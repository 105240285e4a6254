import MediaWire

/// The RTCP the SFU originates, besides keyframe requests and NACK answers: sender reports on
/// every stream it sends a viewer, receiver reports and a bandwidth estimate (REMB) to every
/// publisher. Run from the media loop's timer, never per packet.
extension MediaRouter {
    /// A publisher's sender report: kept with its stream's statistics, for the LSR/DLSR of our
    /// receiver reports and for mapping its RTP clock to wall-clock time in our sender reports.
    func publisherSenderReport(_ report: RTCPSenderReport, from publisher: MediaSession, now: Int64) {
        guard publisher.received[report.ssrc] != nil else { return }  // no media on that SSRC yet
        publisher.received[report.ssrc]?.senderReport(report, arrivalMillis: now)
        publisher.newestSenderReport = (report.ntpTimestamp, now)
    }

    /// Every session's reports that are due (about one per `config.reportIntervalMillis`), as
    /// SRTCP datagrams. `ntpNow` is the wall clock at `now`, as an NTP timestamp.
    func reports(now: Int64, ntpNow: UInt64) -> [Datagram] {
        var out: [Datagram] = []
        for session in sessions.values where session.mediaReady && !session.disconnected && now >= session.nextReportAt {
            guard let address = session.address, let srtpOut = session.srtpOut else { continue }
            let packets: [RTCPPacket]
            switch session.role {
            case .viewer: packets = senderReports(for: session, now: now, ntpNow: ntpNow)
            case .publisher: packets = receiverReports(for: session, now: now)
            }
            // nothing to report yet (no media): look again on the next tick
            guard !packets.isEmpty, var bytes = try? RTCPPacket.serializeCompound(packets) else { continue }
            session.nextReportAt = now + config.reportIntervalMillis
            session.lastReportAt = now
            do { try srtpOut.protect(rtcp: &bytes) } catch { counters.drop("srtcp_protect"); continue }
            out.append((bytes, address))
            for packet in packets {
                switch packet {
                case .senderReport: counters.rtcpSent["sender_report", default: 0] += 1
                case .receiverReport: counters.rtcpSent["receiver_report", default: 0] += 1
                case .receiverEstimatedMaximumBitrate: counters.rtcpSent["remb", default: 0] += 1
                default: break
                }
            }
        }
        return out
    }

    /// One SR per stream the viewer has been sent (RFC 3550 §6.4.1), with no report blocks (the
    /// SFU receives nothing from a viewer but RTCP).
    func senderReports(for viewer: MediaSession, now: Int64, ntpNow: UInt64) -> [RTCPPacket] {
        let publisher = publisherOfChannel[viewer.channelId].flatMap { sessions[$0] }
        var packets: [RTCPPacket] = []
        for kind in [NegotiatedTrack.Kind.video, .audio] {
            guard let stream = viewer.outbound[kind], let source = stream.sourceSSRC, stream.sent.packets > 0 else { continue }
            let rtp = Self.rtpTimestamp(at: now, of: stream, sourceReport: publisher?.received[source]?.lastSenderReport,
                                        newestReport: publisher?.newestSenderReport)
            packets.append(.senderReport(RTCPSenderReport(ssrc: stream.ssrc, ntpTimestamp: ntpNow, rtpTimestamp: rtp,
                                                          packetCount: stream.sent.packets, octetCount: stream.sent.octets)))
        }
        return packets
    }

    /// The RTP timestamp of `now` in the viewer's (rewritten) timeline.
    ///
    /// With a sender report from the publisher for the forwarded source, its NTP ↔ RTP pair is
    /// carried forward to the publisher's wall clock now (estimated from its newest report of
    /// any stream, so audio and video map through the same clock and stay in sync), then the
    /// viewer's timestamp offset is applied. Without one, the newest packet sent is
    /// extrapolated at the stream's clock rate.
    static func rtpTimestamp(at now: Int64, of stream: MediaSession.Outbound, sourceReport: ReceiveStatistics.SenderReport?,
                             newestReport: (ntp: UInt64, arrivalMillis: Int64)?) -> UInt32 {
        let rate = Int64(stream.clockRate)
        guard let report = sourceReport else {
            let ticks = (now - stream.sent.lastSentMillis) * rate / 1000
            return stream.sent.lastTimestamp &+ UInt32(truncatingIfNeeded: ticks)
        }
        let anchor = newestReport ?? (report.ntp, report.arrivalMillis)
        let publisherNowMicros = NTPTime.microseconds(anchor.ntp) + (now - anchor.arrivalMillis) * 1000
        let ticks = (publisherNowMicros - NTPTime.microseconds(report.ntp)) * rate / 1_000_000
        return report.rtpTimestamp &+ UInt32(truncatingIfNeeded: ticks) &+ stream.timestampOffset
    }

    /// RRs with one block per stream received from the publisher (every simulcast layer), then
    /// a REMB for all of them.
    func receiverReports(for publisher: MediaSession, now: Int64) -> [RTCPPacket] {
        guard !publisher.received.isEmpty else { return [] }
        var blocks: [RTCPReportBlock] = []
        var bytes = 0
        let ssrcs = publisher.received.keys.sorted()
        for ssrc in ssrcs {
            guard var stream = publisher.received[ssrc] else { continue }
            blocks.append(stream.reportBlock(ssrc: ssrc, nowMillis: now))
            bytes += stream.bytesSinceReport
            stream.bytesSinceReport = 0
            publisher.received[ssrc] = stream
        }
        var packets: [RTCPPacket] = stride(from: 0, to: blocks.count, by: 31).map {
            .receiverReport(RTCPReceiverReport(ssrc: Self.serverSSRC, reports: Array(blocks[$0..<min($0 + 31, blocks.count)])))
        }
        let bitrate = Self.estimatedBitrate(receivedBytes: bytes, overMillis: now - (publisher.lastReportAt ?? publisher.createdAt),
                                            floor: config.publisherBitrateFloor, ceiling: config.publisherBitrateCeiling)
        packets.append(.receiverEstimatedMaximumBitrate(RTCPReceiverEstimatedMaximumBitrate(senderSSRC: Self.serverSSRC, bitrate: bitrate,
                                                                                           ssrcs: Array(ssrcs.prefix(255)))))
        return packets
    }

    /// The bandwidth the publisher may use: what it sent over the last interval with 50 %
    /// headroom, so a sender that is not limited by its network keeps climbing; never under
    /// `floor` (a browser then starts its upper simulcast layers at once instead of ramping for
    /// seconds) and never over `ceiling`. Congestion is left to the sender's own loss-based
    /// control, fed by the receiver reports; this estimate is an upper bound, as REMB is.
    static func estimatedBitrate(receivedBytes: Int, overMillis: Int64, floor: UInt64, ceiling: UInt64) -> UInt64 {
        let rate = overMillis > 0 ? UInt64(max(receivedBytes, 0)) * 8_000 / UInt64(overMillis) : 0
        return min(max(rate * 3 / 2, floor), ceiling)
    }
}
