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
    try:
        await asyncio.wait_for(done.wait(), seconds)
    except asyncio.TimeoutError:
        pass
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


def main():
    import urllib.parse  # noqa: F401
    mode = sys.argv[1]
    if mode == "publish":
        codec = sys.argv[5] if len(sys.argv) > 5 else "vp8"
        asyncio.run(publish(sys.argv[2], sys.argv[3], float(sys.argv[4]), codec))
    elif mode == "watch":
        ok = asyncio.run(watch(sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5])))
        sys.exit(0 if ok else 1)
    else:
        sys.exit("usage: see the docstring")


if __name__ == "__main__":
    import urllib.parse
    main()
