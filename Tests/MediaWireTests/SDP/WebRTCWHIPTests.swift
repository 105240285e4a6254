import Foundation
import Testing
@testable import MediaWire

@Suite("WHIP offer/answer")
struct WebRTCWHIPTests {
    typealias V = SDPTestValues

    func answer(_ offer: String, codecs: WebRTCCodecPreferences = .standard) throws -> WebRTCAnswer {
        try WebRTCNegotiator.answerWHIP(offer: offer, server: V.server, codecs: codecs, sessionID: 42)
    }

    @Test func chromiumSimulcastAnswer() throws {
        let result = try answer(SDPFixtures.chromiumSimulcast)
        let sdp = result.answer
        // Session: ICE-lite, BUNDLE of the answered mids, our origin.
        #expect(sdp.iceLite)
        #expect(sdp.origin.sessionID == "42")
        #expect(sdp.bundleGroup?.mids == ["0", "1"])
        #expect(sdp.media.map(\.mid) == ["0", "1"])
        #expect(sdp.media.map(\.kind) == [.audio, .video])
        for section in sdp.media {
            #expect(section.direction == .recvonly)
            #expect(section.setup == .passive)
            #expect(section.rtcpMux && section.rtcpRsize)
            #expect(section.iceUfrag == "Mq7Rserv" && section.icePwd == "s3rverPassw0rdForTests1")
            #expect(section.fingerprints == [V.fingerprint])
            #expect(section.port == 8443)
            #expect(section.connection == SDPConnection(address: "192.0.2.10"))
            #expect(section.candidates.map(\.address) == ["192.0.2.10", "2001:db8::10"])
            #expect(section.candidates.allSatisfy { $0.type == "host" && $0.transport == "udp" && $0.component == 1 })
            #expect(section.candidates[0].priority > section.candidates[1].priority)
            #expect(section.endOfCandidates)
        }
        // Audio: Opus with the offer's payload type and fmtp; kept extensions with their ids.
        let audio = sdp.media[0]
        #expect(audio.formats == ["111"])
        #expect(audio.rtpMaps == [SDPRtpMap(payloadType: 111, encodingName: "opus", clockRate: 48000, encodingParameters: 2)])
        #expect(audio.fmtp(for: 111)?.parameters == "minptime=10;useinbandfec=1")
        #expect(audio.extmaps.map(\.id) == [1, 2, 3, 4])  // 3, transport-wide CC: audio shares the transport's numbering
        #expect(audio.rtcpFeedback.map(\.sdpValue) == ["111 transport-cc"])
        // Video: VP8 (the standard preference), no RTX, only the header extensions MEDIA.md keeps.
        let video = sdp.media[1]
        #expect(video.formats == ["96"])
        #expect(video.rtpMaps.map(\.encodingName) == ["VP8"])
        #expect(video.fmtps.isEmpty)
        #expect(Set(video.extmaps.map(\.uri)) == [
            WebRTCHeaderExtensionURI.absSendTime, WebRTCHeaderExtensionURI.mid,
            WebRTCHeaderExtensionURI.rtpStreamID, WebRTCHeaderExtensionURI.repairedRtpStreamID, WebRTCHeaderExtensionURI.transportWideCC,
        ])
        #expect(video.extmaps.map(\.id) == [2, 3, 4, 10, 11])
        // transport-cc with its extension: the SFU sends transport-wide feedback, from which the
        // browser takes its loss and delay figures (REMB still caps its estimate)
        #expect(video.rtcpFeedback.map(\.sdpValue) == ["96 goog-remb", "96 transport-cc", "96 ccm fir", "96 nack", "96 nack pli"])
        // Simulcast answered recv with every rid.
        #expect(video.simulcast == SDPSimulcast(recv: [[SDPSimulcastStream(rid: "q")], [SDPSimulcastStream(rid: "h")], [SDPSimulcastStream(rid: "f")]]))
        #expect(video.rids == [SDPRid(id: "q", direction: .recv), SDPRid(id: "h", direction: .recv), SDPRid(id: "f", direction: .recv)])
        #expect(result.sdp.contains("a=simulcast:recv q;h;f\r\n"))
        #expect(result.sdp.contains("a=rid:q recv\r\na=rid:h recv\r\na=rid:f recv\r\n"))
        #expect(!result.sdp.contains("rtx"))
        #expect(result.rejected.isEmpty)

        // The report.
        #expect(result.media.count == 2)
        let reportedVideo = result.media[1]
        #expect(reportedVideo.mid == "1" && reportedVideo.kind == .video && reportedVideo.direction == .recvonly)
        #expect(reportedVideo.payloadType == 96)
        #expect(reportedVideo.codec == WebRTCCodecDescription(name: "VP8", clockRate: 90000))
        #expect(reportedVideo.rids == ["q", "h", "f"])
        #expect(reportedVideo.headerExtensionID(WebRTCHeaderExtensionURI.rtpStreamID) == 10)
        #expect(reportedVideo.headerExtensionID(WebRTCHeaderExtensionURI.mid) == 4)
        #expect(reportedVideo.headerExtensionID("urn:ietf:params:rtp-hdrext:toffset") == nil)
        #expect(reportedVideo.rtcpFeedback == ["goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"])
        #expect(reportedVideo.headerExtensionID(WebRTCHeaderExtensionURI.transportWideCC) == 3)
        #expect(reportedVideo.remoteMsid?.trackID == "0b8c7d6e-5f4a-4b3c-9d2e-1f0a9b8c7d6e")
        #expect(reportedVideo.rtcpReducedSize)
        let reportedAudio = result.media[0]
        #expect(reportedAudio.codec == WebRTCCodecDescription(name: "opus", clockRate: 48000, channels: 2, fmtp: "minptime=10;useinbandfec=1"))
        #expect(reportedAudio.remoteSSRCs == [3_735_928_559])
        #expect(reportedAudio.remoteCName == "Fq3VbKpU1ZL2x9Qe")
        #expect(reportedAudio.headerExtensionID(WebRTCHeaderExtensionURI.audioLevel) == 1)
        #expect(reportedAudio.rids.isEmpty)
        #expect(result.remote.iceUfrag == "Jx3c")
        #expect(result.remote.icePwd == "q2Yf0H7vLbK8wq1nPz9mYtRg")
        #expect(result.remote.setup == .actpass && result.remote.serverSetup == .passive)
        #expect(result.remote.fingerprints.map(\.isSHA256) == [true])
        #expect(result.remote.iceOptions == ["trickle"])
        // The answer is valid SDP that survives a round trip.
        #expect(try SDPSessionDescription(parsing: result.sdp) == sdp)
    }

    @Test("H.264 preference order is configurable; constrained baseline first", arguments: [
        ([WebRTCCodecCapability.h264(.constrainedBaseline), .h264(.baseline), .vp8], 106),
        ([.h264(.baseline), .h264(.constrainedBaseline)], 102),
        ([.h264(.main)], 127),
        ([.h264(.high), .vp8], 112),
        ([.h264(.constrainedHigh), .vp8], 96),
    ])
    func h264Preferences(video: [WebRTCCodecCapability], expected: Int) throws {
        let result = try answer(SDPFixtures.chromiumSimulcast, codecs: WebRTCCodecPreferences(audio: [.opus], video: video))
        #expect(Int(result.media[1].payloadType) == expected)
        // Packetization mode 0 variants (104, 108, 39) are never chosen.
        #expect(![UInt8(104), 108, 39].contains(result.media[1].payloadType))
    }

    @Test func h264AnswerEchoesTheOfferedFmtp() throws {
        let result = try answer(SDPFixtures.chromiumSimulcast, codecs: WebRTCCodecPreferences(audio: [.opus], video: [.h264(.constrainedBaseline)]))
        #expect(result.answer.media[1].fmtp(for: 106)?.parameters == "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f")
        #expect(result.media[1].codec.h264Profile == .constrainedBaseline)
    }

    @Test func obsOffer() throws {
        let result = try answer(SDPFixtures.obsWHIP)
        #expect(result.media.map(\.payloadType) == [111, 96])
        #expect(result.media[1].codec.name == "H264")
        #expect(result.media[1].codec.h264Profile == .constrainedBaseline)
        #expect(result.media[0].codec.fmtp == "minptime=10;maxaveragebitrate=96000;stereo=1;sprop-stereo=1;useinbandfec=1")
        #expect(result.media[1].rtcpFeedback == ["nack", "nack pli", "goog-remb"])
        #expect(result.media[1].headerExtensions.isEmpty)
        #expect(result.media[1].remoteSSRCs == [2_401_193_522])
        #expect(result.media[1].remoteMsid == SDPMsid(streamID: "Tg7sLq2VwN9cX4bE", trackID: "Tg7sLq2VwN9cX4bE-video"))
        // Transport attributes come from the session level.
        #expect(result.remote.iceUfrag == "Vb4t")
        #expect(result.remote.icePwd == "p1Wq8zR3kT6nY0cLx5dHaF")
        #expect(result.remote.setup == .actpass)
        #expect(result.remote.iceOptions == ["ice2,trickle"])
        #expect(result.remote.candidates.count == 2)
        // Not offered, so not answered.
        #expect(result.answer.media.allSatisfy { !$0.rtcpRsize })
        #expect(result.answer.bundleGroup?.mids == ["0", "1"])
        #expect(!result.answer.groups.contains { $0.semantics == "LS" })
    }

    @Test func firefoxOffer() throws {
        let result = try answer(SDPFixtures.firefox)
        #expect(result.media.map(\.payloadType) == [109, 120])
        // 2/recvonly (csrc-audio-level) is not on the list; mid, abs-send-time and transport-wide CC keep their ids.
        #expect(result.media[0].headerExtensions == [WebRTCHeaderExtensionURI.audioLevel: 1, WebRTCHeaderExtensionURI.mid: 3])
        #expect(result.media[1].headerExtensions == [
            WebRTCHeaderExtensionURI.mid: 3, WebRTCHeaderExtensionURI.absSendTime: 4, WebRTCHeaderExtensionURI.transportWideCC: 7,
        ])
        #expect(result.media[1].remoteSSRCGroups == [SDPSsrcGroup(semantics: "FID", ssrcs: [3_014_985_327, 1_795_463_946])])
        #expect(result.remote.fingerprints.count == 1)  // from the session level
        #expect(result.remote.iceUfrag == "8a1b2c3d")
    }

    @Test func aiortcOffer() throws {
        let result = try answer(SDPFixtures.aiortcSendOnly)
        #expect(result.media.map(\.payloadType) == [96, 97])
        #expect(result.media[1].rtcpFeedback == ["nack", "nack pli", "goog-remb"])
        #expect(result.remote.fingerprints.map(\.algorithm) == ["sha-256", "sha-384", "sha-512"])
    }

    @Test func extmapDirectionsAreMirrored() throws {
        let offer = V.offer([V.videoSection(mid: "0", extra: [
            "a=extmap:1/sendonly urn:ietf:params:rtp-hdrext:sdes:mid",
            "a=extmap:2/recvonly http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
            "a=extmap:3/sendrecv urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
        ])])
        let result = try answer(offer)
        #expect(result.answer.media[0].extmaps == [
            SDPExtmap(id: 1, direction: .recvonly, uri: WebRTCHeaderExtensionURI.mid),
            SDPExtmap(id: 3, direction: .recvonly, uri: WebRTCHeaderExtensionURI.rtpStreamID),
        ])
    }

    @Test func transportCCIsAcceptedWithItsHeaderExtension() throws {
        // without the extension there is nothing to give feedback on: not answered
        let offer = V.offer([V.videoSection(mid: "0", codecs: ["a=rtpmap:96 VP8/90000", "a=rtcp-fb:96 transport-cc", "a=rtcp-fb:96 nack"])])
        #expect(try answer(offer).media[0].rtcpFeedback == ["nack"])
        // with it: both answered, under the offer's id
        let withExtension = V.offer([V.videoSection(mid: "0", codecs: ["a=rtpmap:96 VP8/90000", "a=rtcp-fb:96 transport-cc", "a=rtcp-fb:96 nack"],
                                                    extra: ["a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"])])
        let result = try answer(withExtension)
        #expect(result.media[0].rtcpFeedback == ["transport-cc", "nack"])
        #expect(result.answer.media[0].extmaps == [SDPExtmap(id: 3, uri: WebRTCHeaderExtensionURI.transportWideCC)])
        #expect(result.media[0].headerExtensionID(WebRTCHeaderExtensionURI.transportWideCC) == 3)
        #expect(result.sdp.contains("a=rtcp-fb:96 transport-cc\r\n"))
    }

    @Test func setupActiveIsAnsweredPassive() throws {
        let transport = [V.transport[0], V.transport[1], V.transport[2], "a=setup:active"]
        let result = try answer(V.offer([V.audioSection(mid: "0", transport: transport)]))
        #expect(result.answer.media[0].setup == .passive)
        #expect(result.remote.setup == .active)
    }

    @Test("passive and holdconn offers are refused", arguments: [SDPSetupRole.passive, .holdconn])
    func setupPassiveIsRefused(role: SDPSetupRole) {
        let transport = [V.transport[0], V.transport[1], V.transport[2], "a=setup:\(role.rawValue)"]
        #expect(throws: WebRTCNegotiationError.unsupportedSetupRole(role)) {
            try answer(V.offer([V.audioSection(mid: "0", transport: transport)]))
        }
    }

    @Test func rtcpMuxIsRequired() {
        let section = V.audioSection(mid: "0").filter { $0 != "a=rtcp-mux" }
        #expect(throws: WebRTCNegotiationError.rtcpMuxRequired(mid: "0")) { try answer(V.offer([section])) }
        #expect(WebRTCNegotiationError.rtcpMuxRequired(mid: "0").detail.contains("rtcp-mux"))
    }

    @Test func recvonlyMLineIsRejectedWithPortZero() throws {
        let result = try answer(V.offer([V.audioSection(mid: "0"), V.videoSection(mid: "1", direction: "recvonly")]))
        #expect(result.media.map(\.mid) == ["0"])
        #expect(result.rejected.count == 1)
        #expect(result.rejected[0].mid == "1")
        #expect(result.rejected[0].reason.contains("recvonly"))
        let rejected = result.answer.media[1]
        #expect(rejected.port == 0 && rejected.mid == "1" && rejected.direction == .inactive)
        #expect(rejected.formats == ["96"])
        #expect(result.answer.bundleGroup?.mids == ["0"])
    }

    @Test func bundleOnlyPortZeroIsAcceptedButPlainPortZeroIsNot() throws {
        var bundleOnly = V.videoSection(mid: "1") + ["a=bundle-only"]
        bundleOnly[0] = bundleOnly[0].replacingOccurrences(of: "video 9", with: "video 0")
        var disabled = V.videoSection(mid: "2")
        disabled[0] = disabled[0].replacingOccurrences(of: "video 9", with: "video 0")
        let result = try answer(V.offer([V.audioSection(mid: "0"), bundleOnly, disabled]))
        #expect(result.media.map(\.mid) == ["0", "1"])
        #expect(result.answer.media[1].port == 8443)
        #expect(result.rejected.map(\.reason) == ["the offer disables this m-line (port 0)"])
    }

    @Test func noCommonCodecRejectsTheMLine() throws {
        let vp9 = ["a=rtpmap:98 VP9/90000", "a=fmtp:98 profile-id=0", "a=rtpmap:104 H264/90000",
                   "a=fmtp:104 packetization-mode=0;profile-level-id=42e01f"]
        let result = try answer(V.offer([V.audioSection(mid: "0"), V.videoSection(mid: "1", codecs: vp9)]))
        #expect(result.media.map(\.mid) == ["0"])
        #expect(result.rejected.first?.reason.contains("no codec in common") == true)
        #expect(result.rejected.first?.reason.contains("VP9/90000") == true)
    }

    @Test func nothingInCommonFails() {
        let vp9 = ["a=rtpmap:98 VP9/90000"]
        let offer = V.offer([V.videoSection(mid: "0", codecs: vp9), V.audioSection(mid: "1", direction: "inactive")])
        do {
            _ = try WebRTCNegotiator.answerWHIP(offer: offer, server: V.server, sessionID: 42)
            Issue.record("expected nothingInCommon")
        } catch {
            guard case .nothingInCommon(let rejected) = error else { Issue.record("unexpected \(error)"); return }
            #expect(rejected.map(\.mid) == ["0", "1"])
            #expect(error.detail.hasPrefix("nothing in common: m-line 0 (video, mid 0): no codec in common"))
        }
    }

    @Test func dataChannelIsRejected() throws {
        let application = ["m=application 9 UDP/DTLS/SCTP webrtc-datachannel", "c=IN IP4 0.0.0.0", "a=mid:1", "a=sctp-port:5000"] + V.transport
        let result = try answer(V.offer([V.audioSection(mid: "0"), application]))
        #expect(result.answer.media[1].port == 0)
        #expect(result.answer.media[1].mediaLineValue == "application 0 UDP/DTLS/SCTP webrtc-datachannel")
        #expect(result.rejected.first?.kind == .application)
    }

    @Test func midsAreRequiredAndUnique() {
        let noMid = V.audioSection(mid: "0").filter { $0 != "a=mid:0" }
        #expect(throws: WebRTCNegotiationError.missingMid(mLineIndex: 0)) { try answer(V.offer([noMid])) }
        #expect(throws: WebRTCNegotiationError.duplicateMid("a")) {
            try answer(V.offer([V.audioSection(mid: "a"), V.videoSection(mid: "a")], bundle: false))
        }
    }

    @Test func bundleIsRequiredForSeveralMLines() throws {
        #expect(throws: WebRTCNegotiationError.bundleRequired(mids: ["0", "1"])) {
            try answer(V.offer([V.audioSection(mid: "0"), V.videoSection(mid: "1")], bundle: false))
        }
        // One m-line needs no group, and the answer adds none.
        let single = try answer(V.offer([V.audioSection(mid: "0")], bundle: false))
        #expect(single.answer.groups.isEmpty)
    }

    @Test func transportAttributesAreChecked() {
        let noCredentials = V.audioSection(mid: "0", transport: [V.transport[2], V.transport[3]])
        #expect(throws: WebRTCNegotiationError.missingICECredentials) { try answer(V.offer([noCredentials])) }
        let noFingerprint = V.audioSection(mid: "0", transport: [V.transport[0], V.transport[1], V.transport[3]])
        #expect(throws: WebRTCNegotiationError.missingFingerprint) { try answer(V.offer([noFingerprint])) }
        let shortUfrag = V.audioSection(mid: "0", transport: ["a=ice-ufrag:ab", V.transport[1], V.transport[2], V.transport[3]])
        #expect(throws: (any Error).self) { try answer(V.offer([shortUfrag])) }
        let otherUfrag = V.videoSection(mid: "1", transport: ["a=ice-ufrag:wxyz", V.transport[1], V.transport[2], V.transport[3]])
        #expect(throws: WebRTCNegotiationError.inconsistentTransport("ICE credentials of mid 1 differ")) {
            try answer(V.offer([V.audioSection(mid: "0"), otherUfrag]))
        }
    }

    @Test func simulcastNeedsRidLines() {
        let section = V.videoSection(mid: "0", extra: [
            "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id", "a=rid:q send", "a=simulcast:send q;h",
        ])
        #expect(throws: WebRTCNegotiationError.invalidSimulcast(mid: "0", reason: "rid 'h' of a=simulcast has no a=rid:h send line (RFC 8853 §5.1)")) {
            try answer(V.offer([section]))
        }
    }

    @Test func simulcastWithoutRidExtensionIsNotAnswered() throws {
        let section = V.videoSection(mid: "0", extra: ["a=rid:q send", "a=rid:h send", "a=simulcast:send q;h"])
        let result = try answer(V.offer([section]))
        #expect(result.answer.media[0].simulcast == nil)
        #expect(result.answer.media[0].rids.isEmpty)
        #expect(result.media[0].notes.first?.contains("rtp-stream-id") == true)
    }

    @Test func ridsRestrictedToOtherPayloadTypesAreDropped() throws {
        let codecs = ["a=rtpmap:96 VP8/90000", "a=rtpmap:98 VP9/90000"]
        let section = V.videoSection(mid: "0", codecs: codecs, extra: [
            "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
            "a=rid:a send pt=98", "a=rid:b send pt=96,98", "a=rid:c send", "a=simulcast:send a;b;~c",
        ])
        let result = try answer(V.offer([section]))
        #expect(result.answer.media[0].simulcast?.sdpValue == "recv b;~c")
        #expect(result.media[0].rids == ["b", "c"])
        #expect(result.media[0].notes.contains { $0.contains("rids a dropped") })
    }

    @Test func malformedOfferTextIsReported() {
        #expect(throws: WebRTCNegotiationError.malformedOffer(.missingVersion)) { try answer("o=- 1 1 IN IP4 0.0.0.0\n") }
        #expect(WebRTCNegotiationError.malformedOffer(.missingVersion).detail == "malformed SDP offer: SDP must start with a v= line")
    }

    @Test func serverConfigurationIsValidated() {
        var server = V.server
        server.candidates = []
        #expect(throws: WebRTCNegotiationError.invalidServerConfiguration("an ICE-lite answer needs at least one host candidate")) {
            try WebRTCNegotiator.answerWHIP(offer: SDPFixtures.obsWHIP, server: server, sessionID: 1)
        }
        server = V.server
        server.icePwd = "short"
        #expect(throws: (any Error).self) { try WebRTCNegotiator.answerWHIP(offer: SDPFixtures.obsWHIP, server: server, sessionID: 1) }
    }
}
