import MediaWire

/// Transport-wide congestion control (draft-holmer-rmcat-transport-wide-cc-extensions-01) at
/// both ends: feedback to publishers, whose browsers take their bandwidth estimate from it,
/// and viewers' feedback turned into their bandwidth estimate for the layer choice.
extension MediaRouter {
    /// Every publisher's transport-wide feedback that is due (run from a timer of about the
    /// recorder's interval), as SRTCP datagrams.
    func transportFeedback(nowMicros: Int64) -> [Datagram] {
        var out: [Datagram] = []
        for publisherId in publisherOfChannel.values {
            guard let publisher = sessions[publisherId], publisher.transportFeedback?.hasPending == true else { continue }
            out += transportFeedback(to: publisher, nowMicros: nowMicros, force: false)
        }
        return out
    }

    /// One publisher's feedback: due ones, or all pending with `force`. Each feedback packet
    /// goes in its own compound packet after an empty receiver report (RFC 3550 §6.1: valid
    /// whether or not reduced-size RTCP was negotiated), protected with the publisher's SRTCP.
    func transportFeedback(to publisher: MediaSession, nowMicros: Int64, force: Bool) -> [Datagram] {
        guard publisher.mediaReady, !publisher.disconnected, let address = publisher.address, let srtpOut = publisher.srtpOut,
              publisher.transportFeedback != nil else { return [] }
        let feedback = force ? publisher.transportFeedback!.flush(nowMicros: nowMicros)
                             : publisher.transportFeedback!.feedback(nowMicros: nowMicros)
        var out: [Datagram] = []
        for packet in feedback {
            let header = RTCPReceiverReport(ssrc: Self.serverSSRC, reports: [])
            guard var bytes = try? RTCPPacket.serializeCompound([.receiverReport(header), .transportWideFeedback(packet)]) else {
                counters.drop("rtcp_unencodable"); continue
            }
            do { try srtpOut.protect(rtcp: &bytes) } catch { counters.drop("srtcp_protect"); continue }
            out.append((bytes, address))
            counters.rtcpSent["transport_feedback", default: 0] += 1
        }
        return out
    }

    /// A viewer's transport-wide feedback: what arrived of what was sent to it feeds its
    /// bandwidth estimate, which its layer selector takes as it takes a REMB. Returns whether
    /// the estimate moved the selector's inputs.
    func viewerTransportFeedback(_ feedback: RTCPTransportWideFeedback, from viewer: MediaSession, now: Int64, micros: Int64) -> Bool {
        guard viewer.transportHistory != nil else { return false }
        counters.transportFeedbackReceived += 1
        guard let results = viewer.transportHistory?.results(of: feedback), !results.isEmpty else { return false }
        guard let estimate = viewer.bandwidth.update(results, nowMicros: micros) else { return false }
        viewer.layers.selector.estimate(bitrate: estimate, now: now)
        return true
    }
}
