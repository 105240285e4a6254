#!/usr/bin/env python3
"""An outside WebRTC peer for Marquee's interop tests (PyPI aiortc, not our code).

    webrtc_peer.py publish URL KEY SECONDS [--codec vp8|h264]
        WHIP-publishes a synthetic video (and Opus audio) for SECONDS, prints "published" once
        connected, then what the server's feedback did ("rr KIND lost N fraction F rtt S" from
        its receiver reports, "target_bitrate B" as its REMB set the video encoder) and deletes
        the session.
    webrtc_peer.py watch URL TOKEN|- SECONDS MIN_FRAMES
        WHEP-watches for up to SECONDS and exits 0 once MIN_FRAMES video frames were decoded
        (prints "frames N", then "sr KIND packets N bytes B skew S" per stream from the server's
        sender reports, S being their NTP time minus the local clock); exits 1 otherwise.

    webrtc_peer.py watch-limited URL TOKEN|- SECONDS KBITS LIMITED_SECONDS
        WHEP-watches with its receive path shaped: a token bucket drops incoming RTP above KBITS
        kbit/s (as a slow link would) for LIMITED_SECONDS from the first packet, then lets
        everything through. Prints "frame T W" for each decoded video frame (T seconds since
        the first packet, W its width), "lifted T" when the limit goes, "dropped N" at the end.
        Stops after SECONDS, or once 20 frames wider than the last one decoded under the limit
        came after it lifted; exits 0 if frames decoded both under the limit and after it. Its jitter
        buffer decodes from a keyframe past a lost packet and asks for one when a gap stays for a
        second, as browsers do (aiortc's waits for 512 packets).

ICE is local only: no STUN servers, loopback candidates (aioice would otherwise skip them).
MARQUEE_ICE_CONSENT_INTERVAL (seconds, default aioice's 5) sets how often the peer sends its
consent checks (RFC 7675), for tests that run the server with short consent timeouts.
"""
import asyncio
import datetime
import fractions
import os
import sys
import time
import urllib.error
import urllib.request

import aioice.ice
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack
from aiortc.rtcrtpsender import RTCRtpSender
from av import VideoFrame

aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]
if os.environ.get("MARQUEE_ICE_CONSENT_INTERVAL"):
    aioice.ice.CONSENT_INTERVAL = float(os.environ["MARQUEE_ICE_CONSENT_INTERVAL"])


class Pattern(VideoStreamTrack):
    """A moving gradient, so frames differ and encoders produce real keyframes and deltas."""

    def __init__(self):
        super().__init__()
        self.n = 0

    async def recv(self):
        pts, time_base = await self.next_timestamp()
        video = VideoFrame(width=320, height=240, format="yuv420p")
        luma = bytes(((x + self.n) % 256) for x in range(320)) * 240
        video.planes[0].update(luma)
        video.planes[1].update(bytes([self.n % 256]) * (160 * 120))
        video.planes[2].update(bytes([128]) * (160 * 120))
        self.n += 4
        video.pts, video.time_base = pts, time_base
        return video


def post(url, token, sdp):
    request = urllib.request.Request(url, data=sdp.encode(), method="POST",
                                     headers={"Content-Type": "application/sdp", **({"Authorization": "Bearer " + token} if token else {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers["Location"], response.read().decode()
    except urllib.error.HTTPError as error:
        sys.exit(f"{url}: HTTP {error.code}: {error.read().decode()}")


def delete(base, location, token):
    url = urllib.parse.urljoin(base, location)
    request = urllib.request.Request(url, method="DELETE", headers={"Authorization": "Bearer " + token} if token else {})
    try:
        urllib.request.urlopen(request, timeout=10).read()
    except urllib.error.HTTPError:
        pass


async def wait_until(event, seconds):
    """Waits for `event`, at most `seconds`; the caller reports what it got either way."""
    try:
        await asyncio.wait_for(event.wait(), seconds)
    except asyncio.TimeoutError:
        pass


async def negotiate(pc, url, token):
    await pc.setLocalDescription(await pc.createOffer())
    status, location, answer = await asyncio.get_event_loop().run_in_executor(None, post, url, token, pc.localDescription.sdp)
    assert status == 201, status
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
    return location


async def publish(url, key, seconds, codec):
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    video = pc.addTransceiver(Pattern(), direction="sendonly")
    pc.addTransceiver(AudioStreamTrack(), direction="sendonly")
    if codec == "h264":
        video.setCodecPreferences([c for c in RTCRtpSender.getCapabilities("video").codecs if c.mimeType == "video/H264"])
    location = await negotiate(pc, url, key)
    for _ in range(100):
        if pc.connectionState == "connected":
            break
        await asyncio.sleep(0.1)
    print("published" if pc.connectionState == "connected" else "not connected: " + pc.connectionState, flush=True)
    # Publishes for `seconds`, or until the file MARQUEE_PEER_STOP_FILE names appears (a test
    # done with it), then reports and DELETEs.
    stop_file = os.environ.get("MARQUEE_PEER_STOP_FILE")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not (stop_file and os.path.exists(stop_file)):
        await asyncio.sleep(0.1)
    for transceiver in pc.getTransceivers():
        sender = transceiver.sender
        for stats in (await sender.getStats()).values():
            if stats.type == "remote-inbound-rtp":
                print(f"rr {stats.kind} lost {stats.packetsLost} fraction {stats.fractionLost} rtt {stats.roundTripTime}", flush=True)
        encoder = getattr(sender, "_RTCRtpSender__encoder", None)
        if transceiver.kind == "video" and encoder is not None and hasattr(encoder, "target_bitrate"):
            print(f"target_bitrate {encoder.target_bitrate}", flush=True)
    await asyncio.get_event_loop().run_in_executor(None, delete, url, location, key)
    await pc.close()


async def watch(url, token, seconds, minimum):
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTransceiver("video", direction="recvonly")
    pc.addTransceiver("audio", direction="recvonly")
    frames = {"video": 0, "audio": 0}
    done = asyncio.Event()

    @pc.on("track")
    def on_track(track):
        async def pull():
            while True:
                try:
                    await track.recv()
                except Exception:
                    return
                frames[track.kind] += 1
                if frames["video"] >= minimum:
                    done.set()
        asyncio.ensure_future(pull())

    location = await negotiate(pc, url, None if token == "-" else token)
    await wait_until(done, seconds)
    print(f"frames {frames['video']} audio {frames['audio']} state {pc.connectionState}", flush=True)
    # the server's sender reports (RFC 3550 6.4.1), as aiortc's receivers keep them; they come
    # about once a second, so wait a little for both kinds
    reports = {}
    for _ in range(30):
        for transceiver in pc.getTransceivers():
            for stats in (await transceiver.receiver.getStats()).values():
                if stats.type == "remote-outbound-rtp":
                    reports[stats.kind] = stats
        if len(reports) == 2 or frames["video"] < minimum:
            break
        await asyncio.sleep(0.1)
    now = datetime.datetime.now(datetime.timezone.utc)
    for kind, stats in sorted(reports.items()):
        skew = (stats.remoteTimestamp - now).total_seconds()
        print(f"sr {kind} packets {stats.packetsSent} bytes {stats.bytesSent} skew {skew:.3f}", flush=True)
    await asyncio.get_event_loop().run_in_executor(None, delete, url, location, None if token == "-" else token)
    await pc.close()
    return frames["video"] >= minimum


class TokenBucket:
    """Lets `kbits` kbit/s through on average, bursts up to half a second's worth."""

    def __init__(self, kbits):
        self.rate = kbits * 1000 / 8
        self.depth = self.rate / 2
        self.tokens = self.depth
        self.at = time.monotonic()

    def take(self, size):
        now = time.monotonic()
        self.tokens = min(self.depth, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < size:
            return False
        self.tokens -= size
        return True


async def watch_limited(url, token, seconds, kbits, limited_seconds):
    from aiortc.rtcdtlstransport import RTCDtlsTransport
    bucket = TokenBucket(kbits)
    state = {"start": None, "dropped": 0, "lifted": False}
    arrived = {}  # RTP bytes that arrived (before the bucket), per second
    original = RTCDtlsTransport._handle_rtp_data

    async def shaped(self, data, arrival_time_ms):
        now = time.monotonic()
        if state["start"] is None:
            state["start"] = now
        second = int(now - state["start"])
        arrived[second] = arrived.get(second, 0) + len(data)
        if now - state["start"] < limited_seconds and not bucket.take(len(data)):
            state["dropped"] += 1
            return
        await original(self, data, arrival_time_ms)

    RTCDtlsTransport._handle_rtp_data = shaped
    # aiortc's jitter buffer waits for a lost packet until 512 packets have passed (tens of
    # seconds on a low layer), even when a keyframe after the gap makes it moot. A browser
    # decodes from that keyframe, and asks for one when a gap stays: so does this viewer.
    from aiortc.codecs.vpx import VpxPayloadDescriptor
    from aiortc.jitterbuffer import JitterBuffer
    buffered = JitterBuffer.add

    def starts_keyframe(packet):
        try:
            descriptor, rest = VpxPayloadDescriptor.parse(packet.payload)
        except ValueError:
            return False
        return descriptor.partition_start and descriptor.partition_id == 0 and len(rest) > 0 and rest[0] & 1 == 0

    def add_like_a_browser(self, packet):
        try:
            return skip_to_keyframe(self, packet)
        except Exception as error:  # a bug here must show, not silence the video
            import traceback
            traceback.print_exc()
            raise

    def skip_to_keyframe(self, packet):
        pli, frame = buffered(self, packet)
        if frame is not None or not self._is_video or self._origin is None:
            self.gap_since = None
            return pli, frame
        slots = [self._packets[(self._origin + count) % self._capacity] for count in range(self._capacity)]
        gap = next((count for count, slot in enumerate(slots) if slot is None), None)
        later = [count for count in range(gap + 1, self._capacity) if slots[count] is not None] if gap is not None else []
        if not later:
            self.gap_since = None  # nothing missing, only waiting for the next packet
            return pli, frame
        keyframe = next((count for count in later if starts_keyframe(slots[count])), None)
        if keyframe is not None:
            self.remove(keyframe)
            self.gap_since = None
            return pli, self._remove_frame(packet.sequence_number)
        now = time.monotonic()
        if getattr(self, "gap_since", None) is None:
            self.gap_since = now
        elif now - self.gap_since > 1:
            self.gap_since = now
            pli = True
        return pli, frame

    JitterBuffer.add = add_like_a_browser
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTransceiver("video", direction="recvonly")
    pc.addTransceiver("audio", direction="recvonly")
    done = asyncio.Event()
    seen = {"limited": 0, "after": 0, "last_limited": 0, "wider_after": 0}

    @pc.on("track")
    def on_track(track):
        async def pull():
            while True:
                try:
                    frame = await track.recv()
                except Exception as error:
                    print(f"{track.kind} track ended: {error!r}", file=sys.stderr, flush=True)
                    return
                if track.kind != "video" or state["start"] is None:
                    continue
                t = time.monotonic() - state["start"]
                print(f"frame {t:.2f} {frame.width}", flush=True)
                if t < limited_seconds:
                    seen["limited"] += 1
                    seen["last_limited"] = frame.width
                else:
                    if not state["lifted"]:
                        state["lifted"] = True
                        print(f"lifted {t:.2f}", flush=True)
                    seen["after"] += 1
                    if frame.width > seen["last_limited"]:
                        seen["wider_after"] += 1
                        if seen["wider_after"] >= 20:
                            done.set()
        asyncio.ensure_future(pull())

    location = await negotiate(pc, url, None if token == "-" else token)
    await wait_until(done, seconds)
    print(f"dropped {state['dropped']} state {pc.connectionState}", flush=True)
    print("arrived kbit/s " + " ".join(f"{second}:{arrived[second] * 8 // 1000}" for second in sorted(arrived)), flush=True)
    await asyncio.get_event_loop().run_in_executor(None, delete, url, location, None if token == "-" else token)
    await pc.close()
    return seen["limited"] > 0 and seen["after"] > 0


def main():
    import urllib.parse  # noqa: F401
    mode = sys.argv[1]
    if mode == "publish":
        codec = sys.argv[5] if len(sys.argv) > 5 else "vp8"
        asyncio.run(publish(sys.argv[2], sys.argv[3], float(sys.argv[4]), codec))
    elif mode == "watch-limited":
        ok = asyncio.run(watch_limited(sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])))
        sys.exit(0 if ok else 1)
    elif mode == "watch":
        ok = asyncio.run(watch(sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5])))
        sys.exit(0 if ok else 1)
    else:
        sys.exit("usage: see the docstring")


if __name__ == "__main__":
    import urllib.parse
    main()
