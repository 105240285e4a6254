import Testing
@testable import MediaWire

@Suite("SDP parsing and serialization")
struct SDPParserTests {
    @Test("every fixture parses, and parse → serialize → parse is stable", arguments: SDPFixtures.all.map(\.name))
    func roundTrip(name: String) throws {
        let text = try #require(SDPFixtures.all.first { $0.name == name }).sdp
        let parsed = try SDPSessionDescription(parsing: text)
        let written = parsed.serialized()
        let reparsed = try SDPSessionDescription(parsing: written)
        #expect(reparsed == parsed)
        #expect(reparsed.serialized() == written)
        // LF and CRLF line ends give the same value.
        #expect(try SDPSessionDescription(parsing: SDPFixtures.crlf(text)) == parsed)
        #expect(written.hasSuffix("\r\n"))
    }

    @Test func chromiumSimulcastFields() throws {
        let sdp = try SDPSessionDescription(parsing: SDPFixtures.chromiumSimulcast)
        #expect(sdp.origin.sessionID == "6929311223487358736")
        #expect(sdp.bundleGroup == SDPGroup(semantics: "BUNDLE", mids: ["0", "1"]))
        #expect(sdp.msidSemantic?.semantic == "WMS")
        #expect(sdp.otherAttributes == [SDPAttribute(name: "extmap-allow-mixed")])
        #expect(sdp.media.count == 2)

        let audio = sdp.media[0]
        #expect(audio.kind == .audio)
        #expect(audio.port == 9)
        #expect(audio.payloadTypes == [111, 63, 9, 0, 8, 13, 110, 126])
        #expect(audio.mid == "0")
        #expect(audio.direction == .sendonly)
        #expect(audio.rtcpMux && audio.rtcpRsize)
        #expect(audio.iceUfrag == "Jx3c")
        #expect(audio.setup == .actpass)
        #expect(audio.rtpMap(for: 111) == SDPRtpMap(payloadType: 111, encodingName: "opus", clockRate: 48000, encodingParameters: 2))
        #expect(audio.fmtp(for: 111)?.parameter("useinbandfec") == "1")
        #expect(audio.ssrcIDs == [3_735_928_559])
        #expect(audio.cname == "Fq3VbKpU1ZL2x9Qe")
        #expect(audio.otherAttributes == [SDPAttribute(name: "rtcp", value: "9 IN IP4 0.0.0.0")])

        let video = sdp.media[1]
        #expect(video.extmaps.count == 11)
        #expect(video.extmaps.first { $0.uri == WebRTCHeaderExtensionURI.rtpStreamID }?.id == 10)
        #expect(video.rtcpFeedback(for: 96).map(\.kind) == ["goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"])
        #expect(video.fmtp(for: 97)?.parameter("apt") == "96")
        #expect(video.fmtp(for: 106)?.parameter("profile-level-id") == "42e01f")
        #expect(video.rids.map(\.id) == ["q", "h", "f"])
        #expect(video.rids.allSatisfy { $0.direction == .send })
        #expect(video.simulcast?.sendRids == ["q", "h", "f"])
        #expect(video.simulcast?.recv == [])
        #expect(video.ssrcs.isEmpty)
        #expect(video.msids == [SDPMsid(streamID: "9a4d7c2e-51b3-4f08-8e6a-3c2d1b0f9e87", trackID: "0b8c7d6e-5f4a-4b3c-9d2e-1f0a9b8c7d6e")])
    }

    @Test func obsSessionLevelTransportAndCandidates() throws {
        let sdp = try SDPSessionDescription(parsing: SDPFixtures.obsWHIP)
        #expect(sdp.setup == .actpass)
        #expect(sdp.iceUfrag == "Vb4t")
        #expect(sdp.iceOptions == ["ice2,trickle"])
        #expect(sdp.fingerprints.first?.isSHA256 == true)
        #expect(sdp.groups.map(\.semantics) == ["BUNDLE", "LS"])
        #expect(sdp.media[0].iceUfrag == nil)
        #expect(sdp.media[0].candidates.count == 2)
        let ipv6 = sdp.media[0].candidates[1]
        #expect(ipv6.address == "fe80::1c2b:3d4e:5f60:7182")
        #expect(ipv6.transport == "UDP")
        #expect(ipv6.port == 51235)
        #expect(ipv6.type == "host")
        #expect(sdp.media[0].endOfCandidates)
        #expect(sdp.media[1].connection == SDPConnection(address: "192.168.1.40"))
    }

    @Test func firefoxOrderingAndExtmapDirection() throws {
        let sdp = try SDPSessionDescription(parsing: SDPFixtures.firefox)
        #expect(sdp.fingerprints.count == 1)
        #expect(sdp.media[0].fingerprints.isEmpty)
        #expect(sdp.media[0].extmaps[1] == SDPExtmap(id: 2, direction: .recvonly, uri: "urn:ietf:params:rtp-hdrext:csrc-audio-level"))
        // fmtp lines come before rtpmap in Firefox; the model orders them by the m= line.
        #expect(sdp.media[1].fmtps.map(\.payloadType) == [120, 124, 121, 125, 126, 127, 97, 98, 119])
        #expect(sdp.media[1].rtpMap(for: 126)?.encodingName == "H264")
        #expect(sdp.media[1].ssrcGroups == [SDPSsrcGroup(semantics: "FID", ssrcs: [3_014_985_327, 1_795_463_946])])
        #expect(sdp.media[0].msids.first?.streamID == "{5f3c8a21-7d4e-4b6f-9a10-2c8e7d6b5a43}")
        #expect(sdp.media[0].rtpMap(for: 9)?.encodingParameters == 1)
    }

    @Test func aiortcCandidatesAndFingerprints() throws {
        let sdp = try SDPSessionDescription(parsing: SDPFixtures.aiortcSendOnly)
        #expect(sdp.media[0].fingerprints.map(\.algorithm) == ["sha-256", "sha-384", "sha-512"])
        #expect(sdp.media[0].candidates.first?.address == "127.0.0.1")
        #expect(sdp.media[1].ssrcGroups.first?.semantics == "FID")
        #expect(sdp.media[1].otherAttributes.map(\.name) == ["rtcp"])
    }

    @Test func unknownAttributesAndLinesAreKeptInOrder() throws {
        let text = """
        v=0
        o=- 1 2 IN IP4 127.0.0.1
        s=-
        b=AS:300
        t=0 0
        a=x-first:1
        a=group:BUNDLE 0
        a=x-second
        m=video 9 UDP/TLS/RTP/SAVPF 96
        c=IN IP4 0.0.0.0
        b=TIAS:2000000
        a=x-google-flag:conference
        a=mid:0
        a=bundle-only
        a=rtpmap:96 VP8/90000
        a=x-google-flag:second
        a=framerate:30
        """
        let sdp = try SDPSessionDescription(parsing: text)
        #expect(sdp.otherAttributes == [SDPAttribute(name: "x-first", value: "1"), SDPAttribute(name: "x-second")])
        #expect(sdp.otherLines == [SDPLine(type: "b", value: "AS:300")])
        #expect(sdp.media[0].otherAttributes.map(\.sdpLine)
            == ["a=x-google-flag:conference", "a=bundle-only", "a=x-google-flag:second", "a=framerate:30"])
        #expect(sdp.media[0].otherLines == [SDPLine(type: "b", value: "TIAS:2000000")])
        let written = sdp.serialized()
        #expect(written.contains("a=x-google-flag:conference\r\na=bundle-only\r\na=x-google-flag:second\r\na=framerate:30\r\n"))
        #expect(try SDPSessionDescription(parsing: written) == sdp)
    }

    @Test func typedAttributesParseTheirGrammar() throws {
        let candidate = try SDPCandidate(parsing: ArraySlice(
            "842163049 1 udp 1677729535 203.0.113.7 62793 typ srflx raddr 0.0.0.0 rport 0 generation 0 network-cost 999".utf8))
        #expect(candidate.relatedAddress == "0.0.0.0")
        #expect(candidate.relatedPort == 0)
        #expect(candidate.extensions == [SDPCandidateExtension(name: "generation", value: "0"),
                                         SDPCandidateExtension(name: "network-cost", value: "999")])
        let rid = try SDPRid(parsing: ArraySlice("h send pt=96,97;max-width=640".utf8))
        #expect(rid.payloadTypes == [96, 97])
        #expect(rid.restrictions.last == SDPParameter(name: "max-width", value: "640"))
        let simulcast = try SDPSimulcast(parsing: ArraySlice("recv ~a,b;c send x".utf8))
        #expect(simulcast.send == [[SDPSimulcastStream(rid: "x")]])
        #expect(simulcast.recv == [[SDPSimulcastStream(rid: "a", paused: true), SDPSimulcastStream(rid: "b")], [SDPSimulcastStream(rid: "c")]])
        #expect(simulcast.sdpValue == "send x recv ~a,b;c")
        let feedback = try SDPRtcpFeedback(parsing: ArraySlice("* ccm fir".utf8))
        #expect(feedback.payloadType == nil && feedback.kind == "ccm fir")
        let extmap = try SDPExtmap(parsing: ArraySlice("12/sendonly urn:x:y attr1 attr2".utf8))
        #expect(extmap == SDPExtmap(id: 12, direction: .sendonly, uri: "urn:x:y", attributes: "attr1 attr2"))
        #expect(SDPFingerprint(digest: [0x00, 0xAB, 0x0F]).value == "00:AB:0F")
        #expect(SDPFingerprint(algorithm: "sha-256", value: "00:ab:0f").digest == [0x00, 0xAB, 0x0F])
    }

    @Test("H.264 profile-level-id classification (RFC 6184 §8.1)", arguments: [
        ("42e01f", WebRTCH264Profile.constrainedBaseline), ("42c01f", .constrainedBaseline), ("4de01f", .constrainedBaseline),
        ("42001f", .baseline), ("4d001f", .main), ("640c1f", .constrainedHigh), ("64001f", .high), ("640032", .high),
    ])
    func h264Profiles(profileLevelID: String, profile: WebRTCH264Profile) {
        #expect(WebRTCH264Profile(profileLevelID: profileLevelID) == profile)
    }

    @Test func h264ProfileEdgeCases() {
        #expect(WebRTCH264Profile(profileLevelID: nil) == .baseline)  // RFC 6184: default 42000a
        #expect(WebRTCH264Profile(profileLevelID: "f4001f") == nil)
        #expect(WebRTCH264Profile(profileLevelID: "42e0") == nil)
        #expect(WebRTCH264Profile(profileLevelID: "zzzzzz") == nil)
    }
}
