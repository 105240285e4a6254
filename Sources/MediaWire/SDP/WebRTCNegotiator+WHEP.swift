// WHEP: a viewer offers recvonly (browsers) or sendrecv m-lines; the server answers sendonly with
// the codec the publisher's stream has, under the viewer's payload type number, and its own
// SSRC/msid/cname per track. No simulcast toward viewers: the SFU picks the layer.

extension WebRTCNegotiator {
    /// Answers a viewer's offer.
    ///
    /// m-lines take the stream's tracks of their kind in order (first video m-line → first video
    /// track). An m-line with no track left or no compatible codec is answered with port 0 and
    /// listed in `rejected`.
    ///
    /// - Parameters:
    ///   - offer: the parsed offer from the WHEP POST body.
    ///   - server: the server's ICE-lite credentials, fingerprint and host candidates.
    ///   - tracks: what the stream carries, with the server's SSRC/msid/cname per track.
    ///   - sessionID: the answer's `o=` session id (a random 63-bit number from the caller).
    /// - Throws: `WebRTCNegotiationError`; `.nothingInCommon` when no m-line can be served.
    public static func answerWHEP(
        offer: SDPSessionDescription, server: WebRTCServerTransport,
        tracks: [WebRTCOutgoingTrack], sessionID: UInt64
    ) throws(WebRTCNegotiationError) -> WebRTCAnswer {
        for track in tracks {
            guard SDPText.isField(track.cname), SDPText.isField(track.streamID), SDPText.isField(track.trackID) else {
                throw .invalidServerConfiguration("track cname, stream id and track id must be non-empty and without spaces")
            }
        }
        var used = Set<Int>()
        return try negotiate(offer: offer, server: server, sessionID: sessionID, announceStreams: true) {
            (section, direction) throws(WebRTCNegotiationError) in
            planViewer(section, direction: direction, tracks: tracks, used: &used)
        }
    }

    /// Parses `offer` and answers it; a parse failure is `.malformedOffer`.
    public static func answerWHEP(
        offer: String, server: WebRTCServerTransport,
        tracks: [WebRTCOutgoingTrack], sessionID: UInt64
    ) throws(WebRTCNegotiationError) -> WebRTCAnswer {
        let parsed: SDPSessionDescription
        do { parsed = try SDPSessionDescription(parsing: offer) } catch { throw .malformedOffer(error) }
        return try answerWHEP(offer: parsed, server: server, tracks: tracks, sessionID: sessionID)
    }

    private static func planViewer(
        _ section: SDPMediaSection, direction: SDPDirection, tracks: [WebRTCOutgoingTrack], used: inout Set<Int>
    ) -> WebRTCMediaDecision {
        guard direction.receives else {
            return .reject("the viewer does not receive on this m-line (a=\(direction.rawValue)); a WHEP server only sends")
        }
        guard let trackIndex = tracks.indices.first(where: { tracks[$0].kind == section.kind && !used.contains($0) }) else {
            return .reject("the stream has no \(section.kind) track for this m-line")
        }
        let track = tracks[trackIndex]
        var chosen: SDPRtpMap?
        for payloadType in section.payloadTypes {
            if let map = section.rtpMap(for: payloadType), track.codec.isCompatible(with: map, fmtp: section.fmtp(for: payloadType)) {
                chosen = map
                break
            }
        }
        guard let map = chosen else {
            return .reject("the stream's \(section.kind) is \(track.codec), which the viewer does not offer (it offers \(offeredCodecs(section)))")
        }
        used.insert(trackIndex)
        let extmaps = extmaps(section, allowed: WebRTCHeaderExtensionURI.forViewer(section.kind), serverDirection: .sendonly)
        var notes: [String] = []
        if section.simulcast != nil { notes.append("the viewer's a=simulcast is ignored: no simulcast toward viewers") }
        return .accept(WebRTCMediaPlan(
            direction: .sendonly, payloadType: map.payloadType, map: map,
            fmtp: section.fmtp(for: map.payloadType)?.parameters ?? "",
            feedback: feedback(section, payloadType: map.payloadType, extmaps: extmaps),
            extmaps: extmaps, simulcast: nil, rids: [], track: track, notes: notes))
    }
}
