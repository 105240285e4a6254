import HTTPAPI
import MediaWire

/// Turns WHIP/WHEP offers into answers with MediaWire's negotiator, and into what the router
/// needs per session.
enum Negotiation {
    struct Result {
        var answer: String
        var tracks: [NegotiatedTrack]
        var remoteUfrag: String
        var remoteFingerprint: String?
        /// Viewer: our SSRC per kind (announced in the answer's a=ssrc).
        var outboundSSRCs: [NegotiatedTrack.Kind: UInt32]
    }

    static func answer(role: MediaSession.Role, offer: String, ufrag: String, password: String, fingerprint: String,
                       candidates: [String], port: Int, publisherTracks: [NegotiatedTrack]) throws(MediaSignalingError) -> Result {
        let server = WebRTCServerTransport(iceUfrag: ufrag, icePwd: password, fingerprint: SDPFingerprint(algorithm: "sha-256", value: fingerprint),
                                           candidates: candidates.map { WebRTCHostCandidate(address: $0, port: UInt16(clamping: port)) })
        let sessionID = UInt64.random(in: 1...(UInt64(Int64.max)))
        let answer: WebRTCAnswer
        var ssrcs: [NegotiatedTrack.Kind: UInt32] = [:]
        do {
            switch role {
            case .publisher:
                answer = try WebRTCNegotiator.answerWHIP(offer: offer, server: server, sessionID: sessionID)
            case .viewer:
                guard !publisherTracks.isEmpty else { throw MediaSignalingError.conflict("the channel's publisher is not connected yet; try again in a moment") }
                let cname = MediaServer.random(16), stream = MediaServer.random(12)
                let outgoing = publisherTracks.map { track -> WebRTCOutgoingTrack in
                    let ssrc = UInt32.random(in: 1...UInt32.max)
                    ssrcs[track.kind] = ssrc
                    return WebRTCOutgoingTrack(kind: track.kind == .audio ? .audio : .video, codec: track.codec, ssrc: ssrc, cname: cname,
                                               streamID: stream, trackID: "\(track.kind.rawValue)-\(MediaServer.random(8))")
                }
                answer = try WebRTCNegotiator.answerWHEP(offer: offer, server: server, tracks: outgoing, sessionID: sessionID)
            }
        } catch let error as MediaSignalingError {
            throw error
        } catch let error as WebRTCNegotiationError {
            switch error {
            case .malformedOffer, .noMediaSections, .missingMid, .duplicateMid, .missingICECredentials, .invalidICECredentials,
                 .missingFingerprint, .inconsistentTransport, .invalidSimulcast:
                throw .malformedOffer(error.detail)
            default:
                throw .nothingInCommon(error.detail)
            }
        } catch {
            throw .malformedOffer("\(error)")
        }
        let tracks = answer.media.compactMap { media -> NegotiatedTrack? in
            let kind: NegotiatedTrack.Kind
            switch media.kind {
            case .audio: kind = .audio
            case .video: kind = .video
            default: return nil
            }
            return NegotiatedTrack(kind: kind, mid: media.mid, payloadType: media.payloadType, codec: media.codec,
                                   rids: Array(media.rids.reversed()),
                                   ridExtensionId: media.headerExtensionID(WebRTCHeaderExtensionURI.rtpStreamID).map { UInt8(clamping: $0) },
                                   transportCCExtensionId: media.headerExtensionID(WebRTCHeaderExtensionURI.transportWideCC).map { UInt8(clamping: $0) })
        }
        let remoteFingerprint = answer.remote.fingerprints.first { $0.algorithm.lowercased() == "sha-256" }?.value
        return Result(answer: answer.sdp, tracks: tracks, remoteUfrag: answer.remote.iceUfrag, remoteFingerprint: remoteFingerprint,
                      outboundSSRCs: ssrcs)
    }
}
