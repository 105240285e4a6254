// WHIP (RFC 9725): a publisher offers sendonly (or sendrecv) audio/video; the server answers
// recvonly with one codec per m-line and, for simulcast, `a=simulcast:recv` with the offered
// rids (RFC 8853 §5.3), or the browser sends only its first layer.

extension WebRTCNegotiator {
    /// Most rids accepted in one `a=simulcast` (browsers send 2–4 layers).
    public static let maximumSimulcastRids = 16

    /// Answers a publisher's offer.
    ///
    /// - Parameters:
    ///   - offer: the parsed offer from the WHIP POST body.
    ///   - server: the server's ICE-lite credentials, fingerprint and host candidates.
    ///   - codecs: the server's preference per kind; the first one the offer also has is chosen.
    ///   - sessionID: the answer's `o=` session id (a random 63-bit number from the caller).
    /// - Returns: the answer and, per accepted mid, what the SFU needs to receive it.
    /// - Throws: `WebRTCNegotiationError`; `.nothingInCommon` when no m-line can be received.
    public static func answerWHIP(
        offer: SDPSessionDescription, server: WebRTCServerTransport,
        codecs: WebRTCCodecPreferences = .standard, sessionID: UInt64
    ) throws(WebRTCNegotiationError) -> WebRTCAnswer {
        try negotiate(offer: offer, server: server, sessionID: sessionID, announceStreams: false) {
            (section, direction) throws(WebRTCNegotiationError) in
            try planPublisher(section, direction: direction, codecs: codecs)
        }
    }

    /// Parses `offer` and answers it; a parse failure is `.malformedOffer`.
    public static func answerWHIP(
        offer: String, server: WebRTCServerTransport,
        codecs: WebRTCCodecPreferences = .standard, sessionID: UInt64
    ) throws(WebRTCNegotiationError) -> WebRTCAnswer {
        let parsed: SDPSessionDescription
        do { parsed = try SDPSessionDescription(parsing: offer) } catch { throw .malformedOffer(error) }
        return try answerWHIP(offer: parsed, server: server, codecs: codecs, sessionID: sessionID)
    }

    private static func planPublisher(
        _ section: SDPMediaSection, direction: SDPDirection, codecs: WebRTCCodecPreferences
    ) throws(WebRTCNegotiationError) -> WebRTCMediaDecision {
        guard direction.sends else {
            return .reject("the client does not send on this m-line (a=\(direction.rawValue)); a WHIP server only receives")
        }
        let preferences = codecs.preferences(for: section.kind)
        var chosen: SDPRtpMap?
        let payloadTypes = section.payloadTypes
        search: for capability in preferences {
            for payloadType in payloadTypes {
                if let map = section.rtpMap(for: payloadType), capability.matches(map, fmtp: section.fmtp(for: payloadType)) {
                    chosen = map
                    break search
                }
            }
        }
        guard let map = chosen else {
            return .reject("no codec in common: the client offers \(offeredCodecs(section)); the server accepts "
                + preferences.map(\.description).joined(separator: ", "))
        }
        let extmaps = extmaps(section, allowed: WebRTCHeaderExtensionURI.forPublisher(section.kind), serverDirection: .recvonly)
        var plan = WebRTCMediaPlan(
            direction: .recvonly, payloadType: map.payloadType, map: map,
            fmtp: section.fmtp(for: map.payloadType)?.parameters ?? "",
            feedback: feedback(section, payloadType: map.payloadType, extmaps: extmaps),
            extmaps: extmaps, simulcast: nil, rids: [], track: nil, notes: [])
        try answerSimulcast(section, into: &plan)
        return .accept(plan)
    }

    /// RFC 8853 §5.3: answer `send` with `recv` and the same rids, each with `a=rid:<id> recv`.
    private static func answerSimulcast(_ section: SDPMediaSection, into plan: inout WebRTCMediaPlan) throws(WebRTCNegotiationError) {
        guard let simulcast = section.simulcast, !simulcast.send.isEmpty else {
            if !section.rids.isEmpty { plan.notes.append("a=rid without a=simulcast: rids ignored") }
            return
        }
        let mid = section.mid ?? ""
        guard simulcast.sendRids.count <= maximumSimulcastRids else {
            throw .invalidSimulcast(mid: mid, reason: "more than \(maximumSimulcastRids) rids")
        }
        let sendRids = Set(section.rids.filter { $0.direction == .send }.map(\.id))
        for rid in simulcast.sendRids where !sendRids.contains(rid) {
            throw .invalidSimulcast(mid: mid, reason: "rid '\(rid)' of a=simulcast has no a=rid:\(rid) send line (RFC 8853 §5.1)")
        }
        guard plan.extmaps.contains(where: { $0.uri == WebRTCHeaderExtensionURI.rtpStreamID }) else {
            plan.notes.append("simulcast not answered: the offer has no rtp-stream-id header extension to tell layers apart")
            return
        }
        // A rid restricted to payload types other than the chosen one cannot be received.
        let usable = Set(section.rids.filter { $0.payloadTypes.map { $0.contains(plan.payloadType) } ?? true }.map(\.id))
        let kept = simulcast.send.map { $0.filter { usable.contains($0.rid) } }.filter { !$0.isEmpty }
        let dropped = simulcast.sendRids.filter { !usable.contains($0) }
        if !dropped.isEmpty {
            plan.notes.append("rids \(dropped.joined(separator: ", ")) dropped: restricted to payload types other than \(plan.payloadType)")
        }
        guard !kept.isEmpty else {
            plan.notes.append("simulcast not answered: no rid can use the chosen codec")
            return
        }
        plan.simulcast = SDPSimulcast(recv: kept)
        plan.rids = kept.flatMap { $0.map { SDPRid(id: $0.rid, direction: .recv) } }
    }
}
