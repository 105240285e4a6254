// Real SDP offers used as test fixtures. Written with LF line ends; tests also feed them with
// CRLF (`SDPFixtures.crlf`), which is what every one of these clients sends.
//
// Provenance (fixture text written for these tests, modelled on captured offers; ICE
// credentials, fingerprints, SSRCs and ids are replaced):
// - chromiumSimulcast: Chromium (M12x) `addTransceiver(track, {direction: "sendonly",
//   sendEncodings: [{rid: "q", scaleResolutionDownBy: 4}, {rid: "h", …: 2}, {rid: "f"}]})`
//   as sent to a WHIP endpoint: codec list and extmap ids as Chromium writes them (compare the
//   captured Chromium offers in millicast/flutter-sdk test/mocks/sdp_mock.dart and
//   GetStream/stream-video-js packages/client/src/rtc/helpers/__tests__); with rid-based
//   simulcast Chromium writes no a=ssrc lines for the video section.
// - chromiumRecvOnly: Chromium WHEP player, `addTransceiver("video"/"audio", {direction: "recvonly"})`.
// - aiortcSendOnly / aiortcRecvOnly: captured on this machine from aiortc 1.16.0
//   (`RTCPeerConnection().addTransceiver(kind, direction=…)`, then `createOffer()`).
// - obsWHIP: OBS Studio 30 WHIP output (libdatachannel): session-level ICE/DTLS attributes,
//   `a=group:LS`, `ice-options:ice2,trickle`, H.264 42e01f packetization-mode=1 + Opus stereo;
//   compare the OBS offers in the Janus WHIP test script (Elixir) and sdp2's streamer-offer tests.
// - firefox: Firefox 128 publishing camera + microphone: fingerprint at session level, fmtp
//   before rtpmap, alphabetical attribute order, `a=extmap:N/recvonly`, braces in msid/cname.
enum SDPFixtures {
    static let chromiumSimulcast = """
v=0
o=- 6929311223487358736 2 IN IP4 127.0.0.1
s=-
t=0 0
a=group:BUNDLE 0 1
a=extmap-allow-mixed
a=msid-semantic: WMS 9a4d7c2e-51b3-4f08-8e6a-3c2d1b0f9e87
m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126
c=IN IP4 0.0.0.0
a=rtcp:9 IN IP4 0.0.0.0
a=ice-ufrag:Jx3c
a=ice-pwd:q2Yf0H7vLbK8wq1nPz9mYtRg
a=ice-options:trickle
a=fingerprint:sha-256 8C:71:B2:5E:0F:4A:9D:33:E6:1B:C7:58:A0:2D:94:F3:6E:15:BB:C9:70:4D:E2:8A:13:5F:A6:0C:D9:47:B1:3E
a=setup:actpass
a=mid:0
a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level
a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time
a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01
a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid
a=sendonly
a=msid:9a4d7c2e-51b3-4f08-8e6a-3c2d1b0f9e87 6f1e2d3c-4b5a-4987-a6b5-c4d3e2f1a0b9
a=rtcp-mux
a=rtcp-rsize
a=rtpmap:111 opus/48000/2
a=rtcp-fb:111 transport-cc
a=fmtp:111 minptime=10;useinbandfec=1
a=rtpmap:63 red/48000/2
a=fmtp:63 111/111
a=rtpmap:9 G722/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:13 CN/8000
a=rtpmap:110 telephone-event/48000
a=rtpmap:126 telephone-event/8000
a=ssrc:3735928559 cname:Fq3VbKpU1ZL2x9Qe
a=ssrc:3735928559 msid:9a4d7c2e-51b3-4f08-8e6a-3c2d1b0f9e87 6f1e2d3c-4b5a-4987-a6b5-c4d3e2f1a0b9
m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 100 101 102 103 104 105 106 107 108 109 127 125 39 40 45 46 112 113 114 115 116
c=IN IP4 0.0.0.0
a=rtcp:9 IN IP4 0.0.0.0
a=ice-ufrag:Jx3c
a=ice-pwd:q2Yf0H7vLbK8wq1nPz9mYtRg
a=ice-options:trickle
a=fingerprint:sha-256 8C:71:B2:5E:0F:4A:9D:33:E6:1B:C7:58:A0:2D:94:F3:6E:15:BB:C9:70:4D:E2:8A:13:5F:A6:0C:D9:47:B1:3E
a=setup:actpass
a=mid:1
a=extmap:14 urn:ietf:params:rtp-hdrext:toffset
a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time
a=extmap:13 urn:3gpp:video-orientation
a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01
a=extmap:5 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay
a=extmap:6 http://www.webrtc.org/experiments/rtp-hdrext/video-content-type
a=extmap:7 http://www.webrtc.org/experiments/rtp-hdrext/video-timing
a=extmap:8 http://www.webrtc.org/experiments/rtp-hdrext/color-space
a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid
a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id
a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id
a=sendonly
a=msid:9a4d7c2e-51b3-4f08-8e6a-3c2d1b0f9e87 0b8c7d6e-5f4a-4b3c-9d2e-1f0a9b8c7d6e
a=rtcp-mux
a=rtcp-rsize
a=rtpmap:96 VP8/90000
a=rtcp-fb:96 goog-remb
a=rtcp-fb:96 transport-cc
a=rtcp-fb:96 ccm fir
a=rtcp-fb:96 nack
a=rtcp-fb:96 nack pli
a=rtpmap:97 rtx/90000
a=fmtp:97 apt=96
a=rtpmap:98 VP9/90000
a=rtcp-fb:98 goog-remb
a=rtcp-fb:98 transport-cc
a=rtcp-fb:98 ccm fir
a=rtcp-fb:98 nack
a=rtcp-fb:98 nack pli
a=fmtp:98 profile-id=0
a=rtpmap:99 rtx/90000
a=fmtp:99 apt=98
a=rtpmap:100 VP9/90000
a=rtcp-fb:100 goog-remb
a=rtcp-fb:100 transport-cc
a=rtcp-fb:100 ccm fir
a=rtcp-fb:100 nack
a=rtcp-fb:100 nack pli
a=fmtp:100 profile-id=2
a=rtpmap:101 rtx/90000
a=fmtp:101 apt=100
a=rtpmap:102 H264/90000
a=rtcp-fb:102 goog-remb
a=rtcp-fb:102 transport-cc
a=rtcp-fb:102 ccm fir
a=rtcp-fb:102 nack
a=rtcp-fb:102 nack pli
a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f
a=rtpmap:103 rtx/90000
a=fmtp:103 apt=102
a=rtpmap:104 H264/90000
a=rtcp-fb:104 goog-remb
a=rtcp-fb:104 transport-cc
a=rtcp-fb:104 ccm fir
a=rtcp-fb:104 nack
a=rtcp-fb:104 nack pli
a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f
a=rtpmap:105 rtx/90000
a=fmtp:105 apt=104
a=rtpmap:106 H264/90000
a=rtcp-fb:106 goog-remb
a=rtcp-fb:106 transport-cc
a=rtcp-fb:106 ccm fir
a=rtcp-fb:106 nack
a=rtcp-fb:106 nack pli
a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f
a=rtpmap:107 rtx/90000
a=fmtp:107 apt=106
a=rtpmap:108 H264/90000
a=rtcp-fb:108 goog-remb
a=rtcp-fb:108 transport-cc
a=rtcp-fb:108 ccm fir
a=rtcp-fb:108 nack
a=rtcp-fb:108 nack pli
a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f
a=rtpmap:109 rtx/90000
a=fmtp:109 apt=108
a=rtpmap:127 H264/90000
a=rtcp-fb:127 goog-remb
a=rtcp-fb:127 transport-cc
a=rtcp-fb:127 ccm fir
a=rtcp-fb:127 nack
a=rtcp-fb:127 nack pli
a=fmtp:127 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f
a=rtpmap:125 rtx/90000
a=fmtp:125 apt=127
a=rtpmap:39 H264/90000
a=rtcp-fb:39 goog-remb
a=rtcp-fb:39 transport-cc
a=rtcp-fb:39 ccm fir
a=rtcp-fb:39 nack
a=rtcp-fb:39 nack pli
a=fmtp:39 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=4d001f
a=rtpmap:40 rtx/90000
a=fmtp:40 apt=39
a=rtpmap:45 AV1/90000
a=rtcp-fb:45 goog-remb
a=rtcp-fb:45 transport-cc
a=rtcp-fb:45 ccm fir
a=rtcp-fb:45 nack
a=rtcp-fb:45 nack pli
a=fmtp:45 level-idx=5;profile=0;tier=0
a=rtpmap:46 rtx/90000
a=fmtp:46 apt=45
a=rtpmap:112 H264/90000
a=rtcp-fb:112 goog-remb
a=rtcp-fb:112 transport-cc
a=rtcp-fb:112 ccm fir
a=rtcp-fb:112 nack
a=rtcp-fb:112 nack pli
a=fmtp:112 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=64001f
a=rtpmap:113 rtx/90000
a=fmtp:113 apt=112
a=rtpmap:114 red/90000
a=rtpmap:115 rtx/90000
a=fmtp:115 apt=114
a=rtpmap:116 ulpfec/90000
a=rid:q send
a=rid:h send
a=rid:f send
a=simulcast:send q;h;f
"""

    static let chromiumRecvOnly = """
v=0
o=- 2850148211069427152 2 IN IP4 127.0.0.1
s=-
t=0 0
a=group:BUNDLE 0 1
a=extmap-allow-mixed
a=msid-semantic: WMS
m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 100 101 102 103 104 105 106 107 108 109 127 125 39 40 45 46 112 113 114 115 116
c=IN IP4 0.0.0.0
a=rtcp:9 IN IP4 0.0.0.0
a=ice-ufrag:Ue7K
a=ice-pwd:9vXr2QmT4sLp8wKz1yNc6bHd
a=ice-options:trickle
a=fingerprint:sha-256 8C:71:B2:5E:0F:4A:9D:33:E6:1B:C7:58:A0:2D:94:F3:6E:15:BB:C9:70:4D:E2:8A:13:5F:A6:0C:D9:47:B1:3E
a=setup:actpass
a=mid:0
a=extmap:14 urn:ietf:params:rtp-hdrext:toffset
a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time
a=extmap:13 urn:3gpp:video-orientation
a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01
a=extmap:5 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay
a=extmap:6 http://www.webrtc.org/experiments/rtp-hdrext/video-content-type
a=extmap:7 http://www.webrtc.org/experiments/rtp-hdrext/video-timing
a=extmap:8 http://www.webrtc.org/experiments/rtp-hdrext/color-space
a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid
a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id
a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id
a=recvonly
a=rtcp-mux
a=rtcp-rsize
a=rtpmap:96 VP8/90000
a=rtcp-fb:96 goog-remb
a=rtcp-fb:96 transport-cc
a=rtcp-fb:96 ccm fir
a=rtcp-fb:96 nack
a=rtcp-fb:96 nack pli
a=rtpmap:97 rtx/90000
a=fmtp:97 apt=96
a=rtpmap:98 VP9/90000
a=rtcp-fb:98 goog-remb
a=rtcp-fb:98 transport-cc
a=rtcp-fb:98 ccm fir
a=rtcp-fb:98 nack
a=rtcp-fb:98 nack pli
a=fmtp:98 profile-id=0
a=rtpmap:99 rtx/90000
a=fmtp:99 apt=98
a=rtpmap:100 VP9/90000
a=rtcp-fb:100 goog-remb
a=rtcp-fb:100 transport-cc
a=rtcp-fb:100 ccm fir
a=rtcp-fb:100 nack
a=rtcp-fb:100 nack pli
a=fmtp:100 profile-id=2
a=rtpmap:101 rtx/90000
a=fmtp:101 apt=100
a=rtpmap:102 H264/90000
a=rtcp-fb:102 goog-remb
a=rtcp-fb:102 transport-cc
a=rtcp-fb:102 ccm fir
a=rtcp-fb:102 nack
a=rtcp-fb:102 nack pli
a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f
a=rtpmap:103 rtx/90000
a=fmtp:103 apt=102
a=rtpmap:104 H264/90000
a=rtcp-fb:104 goog-remb
a=rtcp-fb:104 transport-cc
a=rtcp-fb:104 ccm fir
a=rtcp-fb:104 nack
a=rtcp-fb:104 nack pli
a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f
a=rtpmap:105 rtx/90000
a=fmtp:105 apt=104
a=rtpmap:106 H264/90000
a=rtcp-fb:106 goog-remb
a=rtcp-fb:106 transport-cc
a=rtcp-fb:106 ccm fir
a=rtcp-fb:106 nack
a=rtcp-fb:106 nack pli
a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f
a=rtpmap:107 rtx/90000
a=fmtp:107 apt=106
a=rtpmap:108 H264/90000
a=rtcp-fb:108 goog-remb
a=rtcp-fb:108 transport-cc
a=rtcp-fb:108 ccm fir
a=rtcp-fb:108 nack
a=rtcp-fb:108 nack pli
a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f
a=rtpmap:109 rtx/90000
a=fmtp:109 apt=108
a=rtpmap:127 H264/90000
a=rtcp-fb:127 goog-remb
a=rtcp-fb:127 transport-cc
a=rtcp-fb:127 ccm fir
a=rtcp-fb:127 nack
a=rtcp-fb:127 nack pli
a=fmtp:127 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f
a=rtpmap:125 rtx/90000
a=fmtp:125 apt=127
a=rtpmap:39 H264/90000
a=rtcp-fb:39 goog-remb
a=rtcp-fb:39 transport-cc
a=rtcp-fb:39 ccm fir
a=rtcp-fb:39 nack
a=rtcp-fb:39 nack pli
a=fmtp:39 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=4d001f
a=rtpmap:40 rtx/90000
a=fmtp:40 apt=39
a=rtpmap:45 AV1/90000
a=rtcp-fb:45 goog-remb
a=rtcp-fb:45 transport-cc
a=rtcp-fb:45 ccm fir
a=rtcp-fb:45 nack
a=rtcp-fb:45 nack pli
a=fmtp:45 level-idx=5;profile=0;tier=0
a=rtpmap:46 rtx/90000
a=fmtp:46 apt=45
a=rtpmap:112 H264/90000
a=rtcp-fb:112 goog-remb
a=rtcp-fb:112 transport-cc
a=rtcp-fb:112 ccm fir
a=rtcp-fb:112 nack
a=rtcp-fb:112 nack pli
a=fmtp:112 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=64001f
a=rtpmap:113 rtx/90000
a=fmtp:113 apt=112
a=rtpmap:114 red/90000
a=rtpmap:115 rtx/90000
a=fmtp:115 apt=114
a=rtpmap:116 ulpfec/90000
m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126
c=IN IP4 0.0.0.0
a=rtcp:9 IN IP4 0.0.0.0
a=ice-ufrag:Ue7K
a=ice-pwd:9vXr2QmT4sLp8wKz1yNc6bHd
a=ice-options:trickle
a=fingerprint:sha-256 8C:71:B2:5E:0F:4A:9D:33:E6:1B:C7:58:A0:2D:94:F3:6E:15:BB:C9:70:4D:E2:8A:13:5F:A6:0C:D9:47:B1:3E
a=setup:actpass
a=mid:1
a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level
a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time
a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01
a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid
a=recvonly
a=rtcp-mux
a=rtcp-rsize
a=rtpmap:111 opus/48000/2
a=rtcp-fb:111 transport-cc
a=fmtp:111 minptime=10;useinbandfec=1
a=rtpmap:63 red/48000/2
a=fmtp:63 111/111
a=rtpmap:9 G722/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:13 CN/8000
a=rtpmap:110 telephone-event/48000
a=rtpmap:126 telephone-event/8000
"""

    static let aiortcSendOnly = """
v=0
o=- 4004318359 4004318359 IN IP4 0.0.0.0
s=-
t=0 0
a=group:BUNDLE 0 1
a=msid-semantic:WMS *
m=audio 51936 UDP/TLS/RTP/SAVPF 96 9 0 8
c=IN IP4 127.0.0.1
a=sendonly
a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid
a=extmap:2 urn:ietf:params:rtp-hdrext:ssrc-audio-level
a=mid:0
a=msid:a72a510a-da51-4e1e-8528-583aa170e128 c3218dfd-dc8d-4519-b066-ac58fd4d510f
a=rtcp:9 IN IP4 0.0.0.0
a=rtcp-mux
a=ssrc:1574509059 cname:52d973ee-b19e-43c9-9a78-5d817bdb6b1b
a=rtpmap:96 opus/48000/2
a=rtpmap:9 G722/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=candidate:16572de626da4e5384a0ce2d0d93678a 1 udp 2130706431 127.0.0.1 51936 typ host
a=end-of-candidates
a=ice-ufrag:rBAG
a=ice-pwd:cKiSFBucID38l2P181HMof
a=fingerprint:sha-256 B7:13:D0:3F:50:AD:DB:9A:A9:D6:8F:81:E9:A9:F0:57:A4:BD:3D:62:B2:BD:F8:ED:03:76:AA:3D:FF:9A:60:85
a=fingerprint:sha-384 1B:A8:40:CC:4D:5E:0E:FF:F6:15:47:66:63:D2:0C:FE:72:DD:E1:5E:DA:3C:31:C6:15:EA:39:36:C2:C8:FA:64:E1:36:7E:01:B6:F3:39:8A:E1:52:4D:1E:4B:78:E5:7D
a=fingerprint:sha-512 BA:3B:F6:61:30:7C:A6:A8:18:4B:CD:AB:7B:E4:38:19:D1:E8:9C:33:4B:B5:ED:17:FA:3A:57:11:7B:66:AA:84:C1:43:76:64:00:D9:05:1A:48:3B:C3:52:EF:62:1D:79:56:5D:11:73:19:A0:C0:00:E0:8C:80:8C:5F:DB:E9:01
a=setup:actpass
m=video 43837 UDP/TLS/RTP/SAVPF 97 98 99 100 101 102
c=IN IP4 127.0.0.1
a=sendonly
a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid
a=extmap:3 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time
a=mid:1
a=msid:a72a510a-da51-4e1e-8528-583aa170e128 f364088f-c50b-4e4e-b784-47ceed2faae8
a=rtcp:9 IN IP4 0.0.0.0
a=rtcp-mux
a=ssrc-group:FID 3805690958 2394262044
a=ssrc:3805690958 cname:52d973ee-b19e-43c9-9a78-5d817bdb6b1b
a=ssrc:2394262044 cname:52d973ee-b19e-43c9-9a78-5d817bdb6b1b
a=rtpmap:97 VP8/90000
a=rtcp-fb:97 nack
a=rtcp-fb:97 nack pli
a=rtcp-fb:97 goog-remb
a=rtpmap:98 rtx/90000
a=fmtp:98 apt=97
a=rtpmap:99 H264/90000
a=rtcp-fb:99 nack
a=rtcp-fb:99 nack pli
a=rtcp-fb:99 goog-remb
a=fmtp:99 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f
a=rtpmap:100 rtx/90000
a=fmtp:100 apt=99
a=rtpmap:101 H264/90000
a=rtcp-fb:101 nack
a=rtcp-fb:101 nack pli
a=rtcp-fb:101 goog-remb
a=fmtp:101 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f
a=rtpmap:102 rtx/90000
a=fmtp:102 apt=101
a=candidate:16572de626da4e5384a0ce2d0d93678a 1 udp 2130706431 127.0.0.1 43837 typ host
a=end-of-candidates
a=ice-ufrag:rBAG
a=ice-pwd:cKiSFBucID38l2P181HMof
a=fingerprint:sha-256 B7:13:D0:3F:50:AD:DB:9A:A9:D6:8F:81:E9:A9:F0:57:A4:BD:3D:62:B2:BD:F8:ED:03:76:AA:3D:FF:9A:60:85
a=fingerprint:sha-384 1B:A8:40:CC:4D:5E:0E:FF:F6:15:47:66:63:D2:0C:FE:72:DD:E1:5E:DA:3C:31:C6:15:EA:39:36:C2:C8:FA:64:E1:36:7E:01:B6:F3:39:8A:E1:52:4D:1E:4B:78:E5:7D
a=fingerprint:sha-512 BA:3B:F6:61:30:7C:A6:A8:18:4B:CD:AB:7B:E4:38:19:D1:E8:9C:33:4B:B5:ED:17:FA:3A:57:11:7B:66:AA:84:C1:43:76:64:00:D9:05:1A:48:3B:C3:52:EF:62:1D:79:56:5D:11:73:19:A0:C0:00:E0:8C:80:8C:5F:DB:E9:01
a=setup:actpass

"""

    static let aiortcRecvOnly = """
v=0
o=- 4004318360 4004318360 IN IP4 0.0.0.0
s=-
t=0 0
a=group:BUNDLE 0 1
a=msid-semantic:WMS *
m=audio 34321 UDP/TLS/RTP/SAVPF 96 9 0 8
c=IN IP4 127.0.0.1
a=recvonly
a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid
a=extmap:2 urn:ietf:params:rtp-hdrext:ssrc-audio-level
a=mid:0
a=msid:d918a672-5496-437a-a5be-ba9c1c78e3fa 290253c4-f97d-4aa5-b390-8e5089e2c8fe
a=rtcp:9 IN IP4 0.0.0.0
a=rtcp-mux
a=ssrc:1706486171 cname:33b6c109-536b-40ea-8b22-d93bcba57fb0
a=rtpmap:96 opus/48000/2
a=rtpmap:9 G722/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=candidate:16572de626da4e5384a0ce2d0d93678a 1 udp 2130706431 127.0.0.1 34321 typ host
a=end-of-candidates
a=ice-ufrag:7Y4h
a=ice-pwd:M3WssAFRFKne3MtUbDfkHh
a=fingerprint:sha-256 69:1F:31:D4:8C:24:FE:C0:39:5C:BB:63:B9:D6:FA:53:4F:59:47:D1:C8:06:59:BF:29:46:4A:5D:6A:06:95:5A
a=fingerprint:sha-384 20:FA:F2:FB:FD:0F:E6:54:41:E9:C3:B3:D0:36:69:26:B3:8C:10:32:8C:82:CF:84:E4:80:77:F3:65:82:12:B1:EE:21:15:03:F1:33:01:A1:CE:96:12:A5:40:1F:94:8E
a=fingerprint:sha-512 40:AF:AD:E4:28:42:D8:B5:BA:95:09:BD:E8:4F:28:18:25:E2:14:1C:7C:7F:38:DB:8C:27:6E:A8:2D:BE:82:42:1E:8D:A6:57:48:22:30:A1:5A:C7:3C:41:7A:A4:25:CE:84:6A:30:C2:1E:15:7B:98:55:C7:78:1D:1F:D8:EE:F5
a=setup:actpass
m=video 44619 UDP/TLS/RTP/SAVPF 97 98 99 100 101 102
c=IN IP4 127.0.0.1
a=recvonly
a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid
a=extmap:3 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time
a=mid:1
a=msid:d918a672-5496-437a-a5be-ba9c1c78e3fa 507925bc-e1d8-457a-b76d-551d86727b0b
a=rtcp:9 IN IP4 0.0.0.0
a=rtcp-mux
a=ssrc-group:FID 3301598653 2710299881
a=ssrc:3301598653 cname:33b6c109-536b-40ea-8b22-d93bcba57fb0
a=ssrc:2710299881 cname:33b6c109-536b-40ea-8b22-d93bcba57fb0
a=rtpmap:97 VP8/90000
a=rtcp-fb:97 nack
a=rtcp-fb:97 nack pli
a=rtcp-fb:97 goog-remb
a=rtpmap:98 rtx/90000
a=fmtp:98 apt=97
a=rtpmap:99 H264/90000
a=rtcp-fb:99 nack
a=rtcp-fb:99 nack pli
a=rtcp-fb:99 goog-remb
a=fmtp:99 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f
a=rtpmap:100 rtx/90000
a=fmtp:100 apt=99
a=rtpmap:101 H264/90000
a=rtcp-fb:101 nack
a=rtcp-fb:101 nack pli
a=rtcp-fb:101 goog-remb
a=fmtp:101 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f
a=rtpmap:102 rtx/90000
a=fmtp:102 apt=101
a=candidate:16572de626da4e5384a0ce2d0d93678a 1 udp 2130706431 127.0.0.1 44619 typ host
a=end-of-candidates
a=ice-ufrag:7Y4h
a=ice-pwd:M3WssAFRFKne3MtUbDfkHh
a=fingerprint:sha-256 69:1F:31:D4:8C:24:FE:C0:39:5C:BB:63:B9:D6:FA:53:4F:59:47:D1:C8:06:59:BF:29:46:4A:5D:6A:06:95:5A
a=fingerprint:sha-384 20:FA:F2:FB:FD:0F:E6:54:41:E9:C3:B3:D0:36:69:26:B3:8C:10:32:8C:82:CF:84:E4:80:77:F3:65:82:12:B1:EE:21:15:03:F1:33:01:A1:CE:96:12:A5:40:1F:94:8E
a=fingerprint:sha-512 40:AF:AD:E4:28:42:D8:B5:BA:95:09:BD:E8:4F:28:18:25:E2:14:1C:7C:7F:38:DB:8C:27:6E:A8:2D:BE:82:42:1E:8D:A6:57:48:22:30:A1:5A:C7:3C:41:7A:A4:25:CE:84:6A:30:C2:1E:15:7B:98:55:C7:78:1D:1F:D8:EE:F5
a=setup:actpass

"""

    static let obsWHIP = """
v=0
o=rtc 2747361598 0 IN IP4 127.0.0.1
s=-
t=0 0
a=group:BUNDLE 0 1
a=group:LS 0 1
a=msid-semantic:WMS *
a=setup:actpass
a=ice-ufrag:Vb4t
a=ice-pwd:p1Wq8zR3kT6nY0cLx5dHaF
a=ice-options:ice2,trickle
a=fingerprint:sha-256 3D:A0:52:7E:C1:88:4B:F6:19:E2:5D:07:AC:93:6F:B4:21:58:CE:0A:97:E3:4D:72:B6:1F:85:C9:3A:60:DE:14
m=audio 51234 UDP/TLS/RTP/SAVPF 111
c=IN IP4 192.168.1.40
a=mid:0
a=sendonly
a=ssrc:2401193521 cname:Hj3kQ8vWmZ1pL5xR
a=ssrc:2401193521 msid:Tg7sLq2VwN9cX4bE Tg7sLq2VwN9cX4bE-audio
a=msid:Tg7sLq2VwN9cX4bE Tg7sLq2VwN9cX4bE-audio
a=rtcp-mux
a=rtpmap:111 opus/48000/2
a=fmtp:111 minptime=10;maxaveragebitrate=96000;stereo=1;sprop-stereo=1;useinbandfec=1
a=candidate:1 1 UDP 2015363327 192.168.1.40 51234 typ host
a=candidate:2 1 UDP 2015363583 fe80::1c2b:3d4e:5f60:7182 51235 typ host
a=end-of-candidates
m=video 51234 UDP/TLS/RTP/SAVPF 96
c=IN IP4 192.168.1.40
a=mid:1
a=sendonly
a=ssrc:2401193522 cname:Hj3kQ8vWmZ1pL5xR
a=ssrc:2401193522 msid:Tg7sLq2VwN9cX4bE Tg7sLq2VwN9cX4bE-video
a=msid:Tg7sLq2VwN9cX4bE Tg7sLq2VwN9cX4bE-video
a=rtcp-mux
a=rtpmap:96 H264/90000
a=rtcp-fb:96 nack
a=rtcp-fb:96 nack pli
a=rtcp-fb:96 goog-remb
a=fmtp:96 profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1
"""

    static let firefox = """
v=0
o=mozilla...THIS_IS_SDPARTA-128.0 5186584356436577426 0 IN IP4 0.0.0.0
s=-
t=0 0
a=fingerprint:sha-256 A7:3E:51:C2:08:9F:D4:6B:E0:27:84:1D:F9:5A:C3:70:2E:B8:65:0D:4F:93:A1:C6:7B:18:E5:2F:90:D3:4C:86
a=group:BUNDLE 0 1
a=ice-options:trickle
a=msid-semantic:WMS *
m=audio 9 UDP/TLS/RTP/SAVPF 109 9 0 8 101
c=IN IP4 0.0.0.0
a=sendonly
a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level
a=extmap:2/recvonly urn:ietf:params:rtp-hdrext:csrc-audio-level
a=extmap:3 urn:ietf:params:rtp-hdrext:sdes:mid
a=fmtp:109 maxplaybackrate=48000;stereo=1;useinbandfec=1
a=fmtp:101 0-15
a=ice-pwd:3f7c1e9a2b4d6f8091a3c5e7b9d1f3a5
a=ice-ufrag:8a1b2c3d
a=mid:0
a=msid:{5f3c8a21-7d4e-4b6f-9a10-2c8e7d6b5a43} {e1d2c3b4-a596-4877-8c69-5a4b3c2d1e0f}
a=rtcp-mux
a=rtpmap:109 opus/48000/2
a=rtpmap:9 G722/8000/1
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=setup:actpass
a=ssrc:2245366172 cname:{0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e5f}
m=video 9 UDP/TLS/RTP/SAVPF 120 124 121 125 126 127 97 98 123 122 119
c=IN IP4 0.0.0.0
a=sendonly
a=extmap:3 urn:ietf:params:rtp-hdrext:sdes:mid
a=extmap:4 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time
a=extmap:5 urn:ietf:params:rtp-hdrext:toffset
a=extmap:6/recvonly http://www.webrtc.org/experiments/rtp-hdrext/playout-delay
a=extmap:7 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01
a=fmtp:126 profile-level-id=42e01f;level-asymmetry-allowed=1;packetization-mode=1
a=fmtp:97 profile-level-id=42e01f;level-asymmetry-allowed=1
a=fmtp:120 max-fs=12288;max-fr=60
a=fmtp:124 apt=120
a=fmtp:121 max-fs=12288;max-fr=60
a=fmtp:125 apt=121
a=fmtp:127 apt=126
a=fmtp:98 apt=97
a=fmtp:119 apt=122
a=ice-pwd:3f7c1e9a2b4d6f8091a3c5e7b9d1f3a5
a=ice-ufrag:8a1b2c3d
a=mid:1
a=msid:{5f3c8a21-7d4e-4b6f-9a10-2c8e7d6b5a43} {9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d}
a=rtcp-fb:120 nack
a=rtcp-fb:120 nack pli
a=rtcp-fb:120 ccm fir
a=rtcp-fb:120 goog-remb
a=rtcp-fb:120 transport-cc
a=rtcp-fb:121 nack
a=rtcp-fb:121 nack pli
a=rtcp-fb:121 ccm fir
a=rtcp-fb:121 goog-remb
a=rtcp-fb:121 transport-cc
a=rtcp-fb:126 nack
a=rtcp-fb:126 nack pli
a=rtcp-fb:126 ccm fir
a=rtcp-fb:126 goog-remb
a=rtcp-fb:126 transport-cc
a=rtcp-fb:97 nack
a=rtcp-fb:97 nack pli
a=rtcp-fb:97 ccm fir
a=rtcp-fb:97 goog-remb
a=rtcp-fb:97 transport-cc
a=rtcp-fb:123 nack
a=rtcp-fb:123 nack pli
a=rtcp-fb:123 ccm fir
a=rtcp-fb:123 goog-remb
a=rtcp-fb:123 transport-cc
a=rtcp-mux
a=rtcp-rsize
a=rtpmap:120 VP8/90000
a=rtpmap:124 rtx/90000
a=rtpmap:121 VP9/90000
a=rtpmap:125 rtx/90000
a=rtpmap:126 H264/90000
a=rtpmap:127 rtx/90000
a=rtpmap:97 H264/90000
a=rtpmap:98 rtx/90000
a=rtpmap:123 ulpfec/90000
a=rtpmap:122 red/90000
a=rtpmap:119 rtx/90000
a=setup:actpass
a=ssrc:3014985327 cname:{0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e5f}
a=ssrc:1795463946 cname:{0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e5f}
a=ssrc-group:FID 3014985327 1795463946
"""

    /// Every publisher offer (WHIP) fixture, by name.
    static let publisherOffers: [(name: String, sdp: String)] = [
        ("chromium simulcast", chromiumSimulcast), ("aiortc", aiortcSendOnly), ("OBS", obsWHIP), ("Firefox", firefox),
    ]

    /// Every fixture, by name.
    static let all: [(name: String, sdp: String)] = publisherOffers + [
        ("chromium recvonly", chromiumRecvOnly), ("aiortc recvonly", aiortcRecvOnly),
    ]

    /// The same text with CRLF line ends.
    static func crlf(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n")
    }
}
