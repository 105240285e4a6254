import Foundation
import Glibc
@testable import MediaLoad
import MediaCrypto
import MediaWire
import Testing

/// The forwarding benchmark's load generator, piece by piece: its VP8 stream (checked with the
/// SFU's own VP8 parser), its SDP against what Janus 1.1.2 really sent (captured from
/// `marquee bench media` with MARQUEE_BENCH_DEBUG=1), its HTTP parsing, and its sockets' kernel
/// receive stamps on loopback.
@Suite("Media load generator")
struct MediaLoadTests {
    /// Janus's SDP answer to the harness's publisher offer.
    static let janusAnswer = [
        "v=0",
        "o=- 2570064930 2 IN IP4 192.0.2.2",
        "s=VideoRoom 1234",
        "t=0 0",
        "a=group:BUNDLE 0",
        "a=ice-options:trickle",
        "a=fingerprint:sha-256 64:BE:0C:85:22:DA:00:87:1D:37:AE:D7:9B:AF:9E:DD:C2:E7:2F:3D:FB:47:3E:4F:2E:2B:F2:DF:1D:D4:29:B0",
        "a=extmap-allow-mixed",
        "a=msid-semantic: WMS *",
        "m=video 9 UDP/TLS/RTP/SAVPF 96",
        "c=IN IP4 192.0.2.2",
        "a=recvonly",
        "a=mid:0",
        "a=rtcp-mux",
        "a=ice-ufrag:1dL1",
        "a=ice-pwd:8fEPOjjWBOs1rHfNzvHxHd",
        "a=ice-options:trickle",
        "a=setup:active",
        "a=rtpmap:96 VP8/90000",
        "a=rtcp-fb:96 ccm fir",
        "a=rtcp-fb:96 nack",
        "a=rtcp-fb:96 nack pli",
        "a=rtcp-fb:96 goog-remb",
        "a=rtcp-fb:96 transport-cc",
        "a=msid:janus janus0",
        "a=ssrc:2098775175 cname:janus",
        "a=candidate:1 1 udp 2015363327 192.0.2.2 38691 typ host",
        "a=end-of-candidates",
    ].joined(separator: "\r\n") + "\r\n"

    /// Janus's SDP offer to a VideoRoom subscriber.
    static let janusOffer = [
        "v=0",
        "o=- 1795357362132002 1 IN IP4 192.0.2.2",
        "s=VideoRoom 1234",
        "t=0 0",
        "a=group:BUNDLE 0",
        "a=ice-options:trickle",
        "a=fingerprint:sha-256 64:BE:0C:85:22:DA:00:87:1D:37:AE:D7:9B:AF:9E:DD:C2:E7:2F:3D:FB:47:3E:4F:2E:2B:F2:DF:1D:D4:29:B0",
        "a=extmap-allow-mixed",
        "a=msid-semantic: WMS *",
        "m=video 9 UDP/TLS/RTP/SAVPF 96 97",
        "c=IN IP4 192.0.2.2",
        "a=sendonly",
        "a=mid:0",
        "a=rtcp-mux",
        "a=ice-ufrag:plRp",
        "a=ice-pwd:EiPZLQCQkJ4Boi+YL93VzX",
        "a=ice-options:trickle",
        "a=setup:actpass",
        "a=rtpmap:96 VP8/90000",
        "a=rtcp-fb:96 ccm fir",
        "a=rtcp-fb:96 nack",
        "a=rtcp-fb:96 nack pli",
        "a=rtcp-fb:96 goog-remb",
        "a=rtcp-fb:96 transport-cc",
        "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
        "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
        "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
        "a=rtpmap:97 rtx/90000",
        "a=fmtp:97 apt=96",
        "a=ssrc-group:FID 485562857 226302879",
        "a=msid:janus janus0",
        "a=ssrc:485562857 cname:janus",
        "a=ssrc:226302879 cname:janus",
        "a=candidate:1 1 udp 2015363327 192.0.2.2 43774 typ host",
        "a=end-of-candidates",
    ].joined(separator: "\r\n") + "\r\n"

    @Test func theSourceSendsFramesOfFivePacketsAtOnePointTwoMegabits() throws {
        var source = VP8Source(ssrc: 0x1234_5678)
        #expect(source.bitsPerSecond == 1_200_000)
        #expect(source.packetsPerSecond == 150)
        var packets: [RTPPacket] = []
        var raw: [[UInt8]] = []
        for i in 0..<10 {
            let bytes = source.next(sendNanos: 1_000_000 + Int64(i))
            raw.append(bytes)
            packets.append(try RTPPacket(parsing: bytes))
        }
        #expect(raw.allSatisfy { $0.count == 12 + 1_000 })
        #expect(packets.map(\.marker) == [false, false, false, false, true, false, false, false, false, true])
        #expect(packets.allSatisfy { $0.ssrc == 0x1234_5678 && $0.payloadType == 96 })
        for pair in zip(packets, packets.dropFirst()) { #expect(pair.1.sequenceNumber == pair.0.sequenceNumber &+ 1) }
        #expect(packets[5].timestamp == packets[4].timestamp &+ 3_000)
        #expect(packets[4].timestamp == packets[0].timestamp)
        for (i, bytes) in raw.enumerated() {
            let stamp = bytes.withUnsafeBytes { VP8Source.stamp($0) }
            #expect(stamp?.counter == UInt32(i))
            #expect(stamp?.sendNanos == 1_000_000 + Int64(i))
        }
    }

    @Test func keyFramesComeFirstAndOnRequestAsTheSFUSeesThem() throws {
        var source = VP8Source(ssrc: 7)
        func frame() throws -> [Bool] {
            try (0..<5).map { _ in
                let packet = try RTPPacket(parsing: source.next(sendNanos: 0))
                return packet.withUnsafePayload { VP8PayloadDescriptor.isKeyframeStart(payload: $0) }
            }
        }
        #expect(try frame() == [true, false, false, false, false])
        #expect(try frame() == [false, false, false, false, false])
        source.keyFrameRequested = true
        #expect(try frame() == [true, false, false, false, false])
        #expect(try frame() == [false, false, false, false, false])
    }

    @Test func aPacketWithoutTheStampIsNotCounted() {
        var packet = [UInt8](repeating: 0, count: 100)
        packet[0] = 0x80
        #expect(packet.withUnsafeBytes { VP8Source.stamp($0) } == nil)
        #expect([UInt8](repeating: 0, count: 20).withUnsafeBytes { VP8Source.stamp($0) } == nil)
    }

    static func peer() throws -> LoadPeer {
        let context = try DTLSContext(certificate: DTLSCertificate(commonName: "test"))
        return LoadPeer(index: 1, kind: .viewer, socket: try LoadSocket(bindTo: "127.0.0.1"), dtlsContext: context)
    }

    @Test func janusAnswerGivesItsCandidateCredentialsAndRole() throws {
        let remote = try RemoteTransport(SDPSessionDescription(parsing: Self.janusAnswer))
        let sdp = try SDPSessionDescription(parsing: Self.janusAnswer)
        let candidate = try #require(sdp.media.first?.candidates.first)
        #expect(remote.ip == candidate.address && remote.port == candidate.port)
        #expect(remote.ufrag == sdp.media.first?.iceUfrag && remote.password == sdp.media.first?.icePwd)
        #expect(remote.fingerprint == sdp.fingerprints.first?.value)
        #expect(remote.setup == .active)
    }

    @Test func theAnswerToJanusAcceptsVP8ReceiveOnlyAsTheDTLSClient() throws {
        let peer = try Self.peer()
        defer { peer.socket.close() }
        let offer = try SDPSessionDescription(parsing: Self.janusOffer)
        let text = try LoadSDP.answer(to: offer, peer, ip: "127.0.0.1", fingerprint: "AA:BB")
        let answer = try SDPSessionDescription(parsing: text)
        let section = try #require(answer.media.first)
        #expect(answer.media.count == offer.media.count)
        #expect(section.mid == offer.media.first?.mid)
        #expect(section.direction == .recvonly)
        #expect(section.setup == .active)
        #expect(section.iceUfrag == peer.localUfrag && section.icePwd == peer.localPassword)
        #expect(section.payloadTypes == [96])
        #expect(section.rtpMaps.map(\.encodingName) == ["VP8"])
        #expect(section.candidates.map(\.port) == [peer.socket.port])
        #expect(answer.bundleGroup?.mids ?? [] == ["0"])
    }

    @Test func anOfferWithoutVP8IsRefused() throws {
        let peer = try Self.peer()
        defer { peer.socket.close() }
        let audioOnly = Self.janusOffer.replacingOccurrences(of: "m=video", with: "m=audio")
        #expect(throws: LoadError.self) { try LoadSDP.answer(to: SDPSessionDescription(parsing: audioOnly), peer, ip: "127.0.0.1", fingerprint: "AA") }
    }

    @Test func thePublisherOfferIsOneSendOnlyVP8SectionWithItsSSRC() throws {
        let peer = try Self.peer()
        defer { peer.socket.close() }
        let offer = try SDPSessionDescription(parsing: LoadSDP.offer(peer, ip: "127.0.0.1", fingerprint: "AA:BB", sendingSSRC: 99))
        let section = try #require(offer.media.first)
        #expect(offer.media.count == 1)
        #expect(section.direction == .sendonly && section.setup == .actpass && section.rtcpMux)
        #expect(section.ssrcIDs == [99])
        #expect(section.candidates.first?.address == "127.0.0.1" && section.candidates.first?.port == peer.socket.port)
    }

    @Test func httpResponsesWithLengthOrChunksParse() throws {
        let plain = try HTTPLite.parse(Data("HTTP/1.1 201 Created\r\nContent-Type: application/sdp\r\nContent-Length: 3\r\n\r\nv=0".utf8))
        #expect(plain.status == 201 && plain.text == "v=0" && plain.headers["content-type"] == "application/sdp")
        let chunked = try HTTPLite.parse(Data("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3;x=y\r\n:1}\r\n0\r\n\r\n".utf8))
        #expect(chunked.text == "{\"a\":1}")
        #expect(try chunked.json()["a"] as? Int == 1)
        #expect(throws: LoadError.self) { try HTTPLite.parse(Data("garbage".utf8)) }
        #expect(throws: LoadError.self) { try HTTPLite.parse(Data("HTTP/1.1 abc\r\n\r\n".utf8)) }
    }

    @Test func receivedDatagramsCarryTheKernelsArrivalStampAndSource() throws {
        let a = try LoadSocket(bindTo: "127.0.0.1"), b = try LoadSocket(bindTo: "127.0.0.1")
        defer { a.close(); b.close() }
        let before = LoadClock.realtimeNanos()
        for i in 0..<40 { #expect(a.send([UInt8(i), 1, 2, 3], to: try LoadSocket.address("127.0.0.1", port: b.port))) }
        let batch = ReceiveBatch()
        var got: [(UInt8, Int64, UInt16)] = []
        let deadline = LoadClock.monotonicNanos() + 2_000_000_000
        while got.count < 40, LoadClock.monotonicNanos() < deadline {
            _ = batch.drain(b.fd) { bytes, arrival, source in got.append((bytes[0], arrival, UInt16(bigEndian: source.sin_port))) }
        }
        let after = LoadClock.realtimeNanos()
        #expect(got.map(\.0) == (0..<40).map { UInt8($0) })
        #expect(got.allSatisfy { $0.1 >= before && $0.1 <= after && $0.2 == a.port })
    }
}
