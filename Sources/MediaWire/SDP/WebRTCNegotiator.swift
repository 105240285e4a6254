// Offer/answer for WHIP (RFC 9725) and WHEP as pure functions: an offer and the server's inputs
// in, an answer and a report of what was negotiated out. Rules shared by both directions live
// here; the per-direction choices are in WebRTCNegotiator+WHIP.swift and +WHEP.swift.
//
// Shared rules (JSEP RFC 8829 §5.3, BUNDLE RFC 8843, MEDIA.md "SDP"):
// - every m-line is answered, in order, with its mid; unusable ones with port 0;
// - accepted m-lines share one transport: one BUNDLE group, the server's ICE-lite credentials,
//   fingerprint and host candidates, `a=setup:passive` (the client is the DTLS client);
// - `a=rtcp-mux` is required, `a=rtcp-rsize` is echoed when offered;
// - payload types and header extension ids are the client's, never renumbered;
// - no RTX: `apt=` codecs are never accepted, so retransmissions travel on the media SSRC in
//   both directions (RFC 4588 not negotiated; MEDIA.md "RTX").

/// Answers WHIP and WHEP offers.
public enum WebRTCNegotiator {}

/// An accepted m-line, before the shared transport checks.
struct WebRTCMediaPlan {
    var direction: SDPDirection
    var payloadType: UInt8
    var map: SDPRtpMap
    var fmtp: String
    var feedback: [String]
    var extmaps: [SDPExtmap]
    var simulcast: SDPSimulcast?
    var rids: [SDPRid]
    var track: WebRTCOutgoingTrack?
    var notes: [String]
}

enum WebRTCMediaDecision {
    case accept(WebRTCMediaPlan)
    case reject(String)
}

extension WebRTCNegotiator {
    static let supportedProtocols: Set<String> = ["UDP/TLS/RTP/SAVPF", "UDP/TLS/RTP/SAVP"]

    /// Runs the shared steps around a direction-specific `plan` for each usable m-line.
    static func negotiate(
        offer: SDPSessionDescription,
        server: WebRTCServerTransport,
        sessionID: UInt64,
        announceStreams: Bool,
        plan: (SDPMediaSection, SDPDirection) throws(WebRTCNegotiationError) -> WebRTCMediaDecision
    ) throws(WebRTCNegotiationError) -> WebRTCAnswer {
        try validate(server)
        guard !offer.media.isEmpty else { throw .noMediaSections }
        var mids = Set<String>()
        for (index, section) in offer.media.enumerated() {
            guard let mid = section.mid else { throw .missingMid(mLineIndex: index) }
            guard mids.insert(mid).inserted else { throw .duplicateMid(mid) }
        }

        var plans: [Int: WebRTCMediaPlan] = [:]
        var rejected: [WebRTCRejectedMedia] = []
        for (index, section) in offer.media.enumerated() {
            let decision = try decide(section, offer: offer, plan: plan)
            switch decision {
            case .accept(let accepted): plans[index] = accepted
            case .reject(let reason):
                rejected.append(WebRTCRejectedMedia(mLineIndex: index, mid: section.mid, kind: section.kind, reason: reason))
            }
        }
        guard !plans.isEmpty else { throw .nothingInCommon(rejected) }

        let acceptedIndices = plans.keys.sorted()
        for index in acceptedIndices where !offer.media[index].rtcpMux {
            throw .rtcpMuxRequired(mid: offer.media[index].mid ?? "\(index)")
        }
        let remote = try remoteTransport(offer: offer, accepted: acceptedIndices)
        let acceptedMids = acceptedIndices.compactMap { offer.media[$0].mid }
        if let bundle = offer.bundleGroup {
            guard acceptedMids.allSatisfy(bundle.mids.contains) else { throw .bundleRequired(mids: acceptedMids) }
        } else if acceptedMids.count > 1 {
            throw .bundleRequired(mids: acceptedMids)
        }

        var answer = SDPSessionDescription(origin: SDPOrigin(sessionID: String(sessionID)))
        if offer.bundleGroup != nil { answer.groups = [SDPGroup(semantics: "BUNDLE", mids: acceptedMids)] }
        answer.iceLite = true
        if announceStreams { answer.msidSemantic = SDPMsidSemantic(semantic: "WMS", identifiers: ["*"]) }
        var negotiated: [WebRTCNegotiatedMedia] = []
        for (index, section) in offer.media.enumerated() {
            if let accepted = plans[index] {
                answer.media.append(acceptedSection(section, accepted, server: server))
                negotiated.append(report(section, index: index, accepted))
            } else {
                answer.media.append(rejectedSection(section))
            }
        }
        return WebRTCAnswer(answer: answer, sdp: answer.serialized(), media: negotiated, rejected: rejected, remote: remote)
    }

    private static func decide(
        _ section: SDPMediaSection, offer: SDPSessionDescription,
        plan: (SDPMediaSection, SDPDirection) throws(WebRTCNegotiationError) -> WebRTCMediaDecision
    ) throws(WebRTCNegotiationError) -> WebRTCMediaDecision {
        guard section.kind == .audio || section.kind == .video else {
            return .reject("only audio and video are supported (\(section.kind) m-lines such as data channels are not)")
        }
        let bundleOnly = section.otherAttributes.contains { $0.name == "bundle-only" }
        guard section.port != 0 || bundleOnly else { return .reject("the offer disables this m-line (port 0)") }
        guard supportedProtocols.contains(section.proto.uppercased()) else {
            return .reject("protocol \(section.proto) is not supported (UDP/TLS/RTP/SAVPF is)")
        }
        return try plan(section, section.direction ?? offer.direction ?? .sendrecv)
    }

    // MARK: - Transport

    private static func remoteTransport(offer: SDPSessionDescription, accepted: [Int]) throws(WebRTCNegotiationError) -> WebRTCRemoteTransport {
        var reference: (ufrag: String, pwd: String, fingerprints: [SDPFingerprint], setup: SDPSetupRole)?
        var candidates: [SDPCandidate] = []
        var seenCandidates = Set<SDPCandidate>()
        var iceOptions: [String] = []
        var seenOptions = Set<String>()
        for option in offer.iceOptions ?? [] where seenOptions.insert(option).inserted { iceOptions.append(option) }
        for index in accepted {
            let section = offer.media[index]
            guard let ufrag = section.iceUfrag ?? offer.iceUfrag, let pwd = section.icePwd ?? offer.icePwd else {
                throw .missingICECredentials
            }
            let fingerprints = section.fingerprints.isEmpty ? offer.fingerprints : section.fingerprints
            let setup = section.setup ?? offer.setup ?? .active
            if let reference {
                guard reference.ufrag == ufrag, reference.pwd == pwd else {
                    throw .inconsistentTransport("ICE credentials of mid \(section.mid ?? "?") differ")
                }
                guard Set(reference.fingerprints) == Set(fingerprints) else {
                    throw .inconsistentTransport("fingerprints of mid \(section.mid ?? "?") differ")
                }
                guard reference.setup == setup else { throw .inconsistentTransport("a=setup of mid \(section.mid ?? "?") differs") }
            } else {
                reference = (ufrag, pwd, fingerprints, setup)
            }
            for candidate in section.candidates where seenCandidates.insert(candidate).inserted { candidates.append(candidate) }
            for option in section.iceOptions ?? [] where seenOptions.insert(option).inserted { iceOptions.append(option) }
        }
        guard let reference else { throw .missingICECredentials }
        guard isICEString(reference.ufrag, length: 4...256) else {
            throw .invalidICECredentials("ice-ufrag must be 4–256 letters, digits, '+' or '/' (RFC 8839 §5.4)")
        }
        guard isICEString(reference.pwd, length: 22...256) else {
            throw .invalidICECredentials("ice-pwd must be 22–256 letters, digits, '+' or '/' (RFC 8839 §5.4)")
        }
        guard !reference.fingerprints.isEmpty else { throw .missingFingerprint }
        guard reference.setup == .actpass || reference.setup == .active else { throw .unsupportedSetupRole(reference.setup) }
        return WebRTCRemoteTransport(iceUfrag: reference.ufrag, icePwd: reference.pwd, fingerprints: reference.fingerprints,
                                     setup: reference.setup, serverSetup: .passive, iceOptions: iceOptions, candidates: candidates)
    }

    static func isICEString(_ text: String, length: ClosedRange<Int>) -> Bool {
        length.contains(text.utf8.count) && text.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2B || byte == 0x2F
        }
    }

    private static func validate(_ server: WebRTCServerTransport) throws(WebRTCNegotiationError) {
        guard isICEString(server.iceUfrag, length: 4...256) else { throw .invalidServerConfiguration("ice-ufrag must be 4–256 ice-chars") }
        guard isICEString(server.icePwd, length: 22...256) else { throw .invalidServerConfiguration("ice-pwd must be 22–256 ice-chars") }
        guard (try? SDPFingerprint(parsing: ArraySlice(server.fingerprint.sdpValue.utf8))) == server.fingerprint else {
            throw .invalidServerConfiguration("fingerprint is not '<hash> <hex:hex:…>'")
        }
        guard !server.candidates.isEmpty else { throw .invalidServerConfiguration("an ICE-lite answer needs at least one host candidate") }
        for candidate in server.candidates where !SDPText.isField(candidate.address) {
            throw .invalidServerConfiguration("candidate address '\(candidate.address)' is empty or has spaces")
        }
    }

    // MARK: - Choosing

    /// Offered feedback for `payloadType` that Marquee honours, as `type[ parameter]` strings.
    static func feedback(_ section: SDPMediaSection, payloadType: UInt8, extmaps: [SDPExtmap]) -> [String] {
        let hasTransportCC = extmaps.contains { $0.uri == WebRTCHeaderExtensionURI.transportWideCC }
        var kept: [String] = []
        for item in section.rtcpFeedback(for: payloadType) where WebRTCFeedbackSupport.supported.contains(item.kind) {
            if item.kind == "transport-cc", !hasTransportCC { continue }
            if !kept.contains(item.kind) { kept.append(item.kind) }
        }
        return kept
    }

    /// Offered header extensions among `allowed`, with the answer's direction (RFC 8285 §6).
    static func extmaps(_ section: SDPMediaSection, allowed: [String], serverDirection: SDPDirection) -> [SDPExtmap] {
        section.extmaps.compactMap { offered in
            guard allowed.contains(offered.uri) else { return nil }
            guard let direction = offered.direction else { return SDPExtmap(id: offered.id, uri: offered.uri) }
            // The client's direction must be the mirror of the server's (or sendrecv).
            guard direction == .sendrecv || direction == serverDirection.reversed else { return nil }
            return SDPExtmap(id: offered.id, direction: serverDirection, uri: offered.uri)
        }
    }

    /// `name/clock` of every offered codec, for rejection reasons.
    static func offeredCodecs(_ section: SDPMediaSection) -> String {
        var names: [String] = []
        for map in section.rtpMaps {
            var name = "\(map.encodingName)/\(map.clockRate)"
            if let profile = section.fmtp(for: map.payloadType)?.parameter("profile-level-id") { name += " \(profile)" }
            if !names.contains(name) { names.append(name) }
        }
        return names.isEmpty ? "none" : names.joined(separator: ", ")
    }

    // MARK: - Writing the answer

    private static func acceptedSection(_ offered: SDPMediaSection, _ plan: WebRTCMediaPlan, server: WebRTCServerTransport) -> SDPMediaSection {
        let first = server.candidates[0]
        var section = SDPMediaSection(kind: offered.kind, port: first.port, proto: offered.proto, formats: [String(plan.payloadType)])
        section.connection = SDPConnection(address: first.address)
        section.mid = offered.mid
        section.iceUfrag = server.iceUfrag
        section.icePwd = server.icePwd
        section.fingerprints = [server.fingerprint]
        section.setup = .passive
        section.extmaps = plan.extmaps
        section.direction = plan.direction
        section.rtcpMux = true
        section.rtcpRsize = offered.rtcpRsize
        section.rtpMaps = [plan.map]
        section.rtcpFeedback = plan.feedback.map { kind in
            let parts = kind.split(separator: " ", maxSplits: 1).map(String.init)
            return SDPRtcpFeedback(payloadType: plan.payloadType, type: parts[0], parameter: parts.count > 1 ? parts[1] : nil)
        }
        if !plan.fmtp.isEmpty { section.fmtps = [SDPFmtp(payloadType: plan.payloadType, parameters: plan.fmtp)] }
        if let track = plan.track {
            section.msids = [SDPMsid(streamID: track.streamID, trackID: track.trackID)]
            section.ssrcs = [
                SDPSsrcAttribute(ssrc: track.ssrc, attribute: "cname", value: track.cname),
                SDPSsrcAttribute(ssrc: track.ssrc, attribute: "msid", value: "\(track.streamID) \(track.trackID)"),
            ]
        }
        section.rids = plan.rids
        section.simulcast = plan.simulcast
        section.candidates = server.candidates.enumerated().map { index, candidate in
            // RFC 8445 §5.1.2.1: type preference 126 for host, local preference falling with rank.
            let priority = UInt32(126) << 24 | UInt32(65535 - min(index, 65535)) << 8 | UInt32(256 - 1)
            return SDPCandidate(foundation: String(index + 1), priority: priority, address: candidate.address, port: candidate.port)
        }
        section.endOfCandidates = true
        return section
    }

    /// RFC 3264 §6: a rejected stream keeps its media type, protocol and formats, with port 0.
    private static func rejectedSection(_ offered: SDPMediaSection) -> SDPMediaSection {
        var section = SDPMediaSection(kind: offered.kind, port: 0, proto: offered.proto, formats: offered.formats)
        section.connection = SDPConnection(address: "0.0.0.0")
        section.mid = offered.mid
        if offered.isRTP { section.direction = .inactive }
        return section
    }

    private static func report(_ offered: SDPMediaSection, index: Int, _ plan: WebRTCMediaPlan) -> WebRTCNegotiatedMedia {
        var extensions: [String: UInt16] = [:]
        for extmap in plan.extmaps { extensions[extmap.uri] = extmap.id }
        let msid = offered.msids.first ?? offered.ssrcs.first { $0.attribute == "msid" }?.value.flatMap { value in
            try? SDPMsid(parsing: ArraySlice(value.utf8))
        }
        return WebRTCNegotiatedMedia(
            mid: offered.mid ?? "", mLineIndex: index, kind: offered.kind, direction: plan.direction,
            payloadType: plan.payloadType,
            codec: WebRTCCodecDescription(name: plan.map.encodingName, clockRate: plan.map.clockRate,
                                          channels: plan.map.encodingParameters, fmtp: plan.fmtp),
            rtcpFeedback: plan.feedback, headerExtensions: extensions, rtcpReducedSize: offered.rtcpRsize,
            rids: plan.rids.map(\.id), remoteSSRCs: offered.ssrcIDs, remoteSSRCGroups: offered.ssrcGroups,
            remoteMsid: msid, remoteCName: offered.cname, outgoingTrack: plan.track, notes: plan.notes)
    }
}
