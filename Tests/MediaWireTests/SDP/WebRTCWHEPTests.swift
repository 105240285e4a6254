import Testing
@testable import MediaWire

@Suite("WHEP offer/answer")
struct WebRTCWHEPTests {
    typealias V = SDPTestValues

    func answer(_ offer: String, tracks: [WebRTCOutgoingTrack]) throws -> WebRTCAnswer {
        try WebRTCNegotiator.answerWHEP(offer: offer, server: V.server, tracks: tracks, sessionID: 7)
    }

    @Test func chromiumRecvOnlyViewer() throws {
        let result = try answer(SDPFixtures.chromiumRecvOnly, tracks: [V.audioTrack(), V.videoTrack()])
        let sdp = result.answer
        #expect(sdp.iceLite)
        #expect(sdp.msidSemantic == SDPMsidSemantic(semantic: "WMS", identifiers: ["*"]))
        #expect(sdp.bundleGroup?.mids == ["0", "1"])
        // The viewer's m-line order (video first) is kept; tracks are bound by kind.
        #expect(sdp.media.map(\.kind) == [.video, .audio])
        #expect(result.media.map(\.payloadType) == [96, 111])
        #expect(result.media.map(\.outgoingTrack?.trackID) == ["video-1", "audio-1"])
        for section in sdp.media {
            #expect(section.direction == .sendonly)
            #expect(section.setup == .passive)
            #expect(section.rtcpMux && section.rtcpRsize)
            #expect(section.simulcast == nil && section.rids.isEmpty)
        }
        let video = sdp.media[0]
        #expect(video.formats == ["96"])
        #expect(video.msids == [SDPMsid(streamID: "stream-1", trackID: "video-1")])
        #expect(video.ssrcs == [SDPSsrcAttribute(ssrc: 2222, attribute: "cname", value: "marquee-cname"),
                                SDPSsrcAttribute(ssrc: 2222, attribute: "msid", value: "stream-1 video-1")])
        // No rid extensions toward viewers; the viewer's ids are kept.
        // transport-wide CC (3) is kept: the SFU numbers what it sends the viewer and reads its feedback
        #expect(video.extmaps.map(\.id) == [2, 3, 4])
        #expect(result.media[0].headerExtensions[WebRTCHeaderExtensionURI.rtpStreamID] == nil)
        #expect(result.media[0].headerExtensionID(WebRTCHeaderExtensionURI.transportWideCC) == 3)
        #expect(result.media[0].rtcpFeedback == ["goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"])
        let audio = sdp.media[1]
        #expect(audio.rtpMaps.map(\.sdpValue) == ["111 opus/48000/2"])
        #expect(audio.fmtp(for: 111)?.parameters == "minptime=10;useinbandfec=1")
        #expect(audio.extmaps.map(\.id) == [1, 2, 3, 4])
        #expect(audio.ssrcs.first?.ssrc == 1111)
        #expect(!result.sdp.contains("rtx"))
        #expect(result.remote.iceUfrag == "Ue7K")
        #expect(try SDPSessionDescription(parsing: result.sdp) == sdp)
    }

    @Test("the viewer's payload type for the publisher's H.264 profile and mode", arguments: [
        ("42e01f", 106), ("42001f", 102), ("4d001f", 127), ("64001f", 112), ("42e034", 106),
    ])
    func h264Matching(profileLevelID: String, expected: Int) throws {
        let result = try answer(SDPFixtures.chromiumRecvOnly, tracks: [V.videoTrack(V.h264(profileLevelID))])
        #expect(result.media.count == 1)
        #expect(Int(result.media[0].payloadType) == expected)
        #expect(result.answer.media[0].fmtp(for: UInt8(expected))?.parameter("packetization-mode") == "1")
    }

    @Test func packetizationModeZeroMatchesOnlyModeZero() throws {
        let result = try answer(SDPFixtures.chromiumRecvOnly, tracks: [V.videoTrack(V.h264("42e01f", mode: 0))])
        #expect(result.media[0].payloadType == 108)
    }

    @Test func profileTheViewerLacksRejectsTheMLine() throws {
        // Constrained High (640c1f) is not in this Chromium's offer.
        let result = try answer(SDPFixtures.chromiumRecvOnly, tracks: [V.audioTrack(), V.videoTrack(V.h264("640c1f"))])
        #expect(result.media.map(\.kind) == [.audio])
        #expect(result.answer.media[0].port == 0)
        #expect(result.answer.bundleGroup?.mids == ["1"])
        #expect(result.rejected.first?.reason.contains("which the viewer does not offer") == true)
    }

    @Test func audioOnlyStreamRejectsVideo() throws {
        let result = try answer(SDPFixtures.chromiumRecvOnly, tracks: [V.audioTrack()])
        #expect(result.rejected.map(\.reason) == ["the stream has no video track for this m-line"])
        #expect(result.answer.media[0].port == 0 && result.answer.media[0].direction == .inactive)
        #expect(result.answer.media[1].port == 8443)
    }

    @Test func nothingInCommon() {
        #expect(throws: WebRTCNegotiationError.self) {
            try answer(SDPFixtures.chromiumRecvOnly, tracks: [V.videoTrack(WebRTCCodecDescription(name: "AV1X", clockRate: 90000))])
        }
        do {
            _ = try WebRTCNegotiator.answerWHEP(offer: SDPFixtures.chromiumRecvOnly, server: V.server, tracks: [], sessionID: 1)
            Issue.record("expected nothingInCommon")
        } catch {
            guard case .nothingInCommon(let rejected) = error else { Issue.record("unexpected \(error)"); return }
            #expect(rejected.count == 2)
            #expect(error.detail.contains("nothing in common"))
        }
    }

    @Test func sendonlyViewerMLineIsRejected() throws {
        let offer = V.offer([V.audioSection(mid: "0", direction: "recvonly"), V.videoSection(mid: "1", direction: "sendonly")])
        let result = try answer(offer, tracks: [V.audioTrack(), V.videoTrack()])
        #expect(result.media.map(\.mid) == ["0"])
        #expect(result.rejected.first?.reason.contains("does not receive") == true)
    }

    @Test func sendrecvViewerIsAnsweredSendonly() throws {
        let offer = V.offer([V.videoSection(mid: "0", direction: "sendrecv")])
        let result = try answer(offer, tracks: [V.videoTrack()])
        #expect(result.answer.media[0].direction == .sendonly)
    }

    @Test func secondMLineOfAKindTakesTheNextTrack() throws {
        let offer = V.offer([V.videoSection(mid: "0", direction: "recvonly"), V.videoSection(mid: "1", direction: "recvonly"),
                             V.videoSection(mid: "2", direction: "recvonly")])
        var second = V.videoTrack()
        second.ssrc = 3333
        second.trackID = "video-2"
        let result = try answer(offer, tracks: [V.videoTrack(), second])
        #expect(result.media.map(\.outgoingTrack?.ssrc) == [2222, 3333])
        #expect(result.rejected.map(\.mid) == ["2"])
    }

    @Test func viewerSimulcastIsIgnored() throws {
        let section = V.videoSection(mid: "0", direction: "recvonly", extra: [
            "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id", "a=rid:q recv", "a=simulcast:recv q",
        ])
        let result = try answer(V.offer([section]), tracks: [V.videoTrack()])
        #expect(result.answer.media[0].simulcast == nil)
        #expect(result.answer.media[0].extmaps.isEmpty)
        #expect(!result.media[0].notes.isEmpty)
    }

    @Test func aiortcRecvOnlyViewer() throws {
        let result = try answer(SDPFixtures.aiortcRecvOnly, tracks: [V.audioTrack(), V.videoTrack()])
        #expect(result.media.map(\.payloadType) == [96, 97])
        // it offers no transport-cc: it keeps REMB, and gets no transport-wide numbering
        #expect(result.media.allSatisfy { $0.headerExtensionID(WebRTCHeaderExtensionURI.transportWideCC) == nil })
        #expect(result.media.allSatisfy { !$0.rtcpFeedback.contains("transport-cc") })
        #expect(result.media[1].rtcpFeedback.contains("goog-remb"))
    }

    @Test func publisherNegotiationFeedsTheViewer() throws {
        // The codec a WHIP answer reports is what a WHEP answer serves.
        let published = try WebRTCNegotiator.answerWHIP(offer: SDPFixtures.obsWHIP, server: V.server, sessionID: 1)
        let tracks = published.media.enumerated().map { index, media in
            WebRTCOutgoingTrack(kind: media.kind, codec: media.codec, ssrc: UInt32(9000 + index), cname: "c", streamID: "s", trackID: "t\(index)")
        }
        let viewer = try answer(SDPFixtures.chromiumRecvOnly, tracks: tracks)
        #expect(viewer.media.map(\.payloadType) == [106, 111])
    }

    @Test func trackFieldsAreValidated() {
        var track = V.videoTrack()
        track.cname = "has space"
        #expect(throws: WebRTCNegotiationError.self) { try answer(SDPFixtures.chromiumRecvOnly, tracks: [track]) }
    }

    @Test func passiveViewerIsRefused() {
        let transport = [V.transport[0], V.transport[1], V.transport[2], "a=setup:passive"]
        #expect(throws: WebRTCNegotiationError.unsupportedSetupRole(.passive)) {
            try answer(V.offer([V.videoSection(mid: "0", direction: "recvonly", transport: transport)]), tracks: [V.videoTrack()])
        }
    }
}
