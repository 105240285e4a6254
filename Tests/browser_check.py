#!/usr/bin/env python3
"""Drives Debian's Chromium (headless, fake camera and microphone) through Marquee's pages.

    browser_check.py BASE_URL SLUG CREATOR_TOKEN|- PROFILE_DIR [PUBLISH_SECONDS]

With "-" instead of a token, step 1 is skipped: someone else (an aiortc "OBS") publishes.
With PUBLISH_SECONDS, only step 1 runs: the studio publishes for that long, printing every 5 s
"studio bwe BITS layers RID:TARGET:LIMITATION,…" (Chromium's send-side bandwidth estimate and
each layer's encoder target and limitation), then the script exits 0 (someone else watches).

1. /studio/SLUG, logged in as the creator (token in sessionStorage), clicks "Go live": the
   page publishes over WHIP with three simulcast layers.
2. /watch/SLUG in a second, anonymous browser context: the page plays over WHEP.
3. Reads getStats() in the player: exits 0 once video frames decode and audio packets arrive
   (prints "framesDecoded N audioPackets M"), 1 otherwise.
Uses PyPI playwright with executable_path=/usr/bin/chromium (no browser download).
"""
import os
import sys
import time

MIN_FRAMES = 10

from playwright.sync_api import sync_playwright

base, slug, token, profile = sys.argv[1:5]
for name in ["HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR", "TMPDIR"]:
    os.environ[name] = profile
flags = ["--no-sandbox", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
         "--allow-loopback-in-peer-connection", "--disable-gpu", "--autoplay-policy=no-user-gesture-required"]

STATS = """async () => {
  if (typeof pc === 'undefined' || !pc) return [0, 0, 'no peer connection'];
  const stats = await pc.getStats();
  let video = 0, audio = 0;
  stats.forEach(r => {
    if (r.type === 'inbound-rtp' && r.kind === 'video') video = r.framesDecoded || 0;
    if (r.type === 'inbound-rtp' && r.kind === 'audio') audio = r.packetsReceived || 0;
  });
  return [video, audio, pc.connectionState];
}"""

PUBLISHING = """async () => {
  if (typeof pc === 'undefined' || !pc) return [0, 'no peer connection'];
  const stats = await pc.getStats();
  let bwe = 0; const layers = [];
  stats.forEach(r => {
    if (r.type === 'candidate-pair' && r.nominated && r.availableOutgoingBitrate) bwe = Math.round(r.availableOutgoingBitrate);
    if (r.type === 'outbound-rtp' && r.kind === 'video')
      layers.push(`${r.rid || '-'}:${r.targetBitrate || 0}:${r.qualityLimitationReason || '?'}`);
  });
  return [bwe, layers.sort().join(',')];
}"""

with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=flags)
    if token != "-":
        studio = browser.new_context().new_page()
        studio.on("console", lambda m: print("studio console:", m.text, file=sys.stderr))
        studio.goto(f"{base}/studio/{slug}")
        studio.evaluate(f"sessionStorage.setItem('marquee.token', {token!r})")
        studio.reload()
        studio.click("#go-live")
        studio.wait_for_function("document.getElementById('status').textContent.includes('connected')", timeout=30000)
        print("studio:", studio.text_content("#status"), flush=True)
        if len(sys.argv) > 5:
            # every 5 s, Chromium's own send-side estimate (availableOutgoingBitrate, from our
            # transport-wide feedback) and what limits each layer's encoder (cpu, bandwidth, none)
            end = time.time() + float(sys.argv[5])
            while time.time() < end:
                studio.wait_for_timeout(min(5.0, max(0.0, end - time.time())) * 1000)
                bwe, layers = studio.evaluate(PUBLISHING)
                print(f"studio bwe {bwe} layers {layers}", flush=True)
            print("studio:", studio.text_content("#status"), flush=True)
            browser.close()
            sys.exit(0)

    viewer = browser.new_context().new_page()
    viewer.on("console", lambda m: print("watch console:", m.text, file=sys.stderr))
    viewer.goto(f"{base}/watch/{slug}")
    # A loaded machine (CI, a build beside the tests) starves Chromium's software encoder, which
    # then sends a few frames a second: enough frames to prove decoding, over a longer wait.
    deadline = time.time() + 55
    video = audio = 0
    state = ""
    while time.time() < deadline:
        video, audio, state = viewer.evaluate(STATS)
        if video >= MIN_FRAMES and audio > 0:
            break
        time.sleep(0.5)
    codec = viewer.evaluate("""async () => {
      const stats = await pc.getStats(); let mime = '';
      stats.forEach(r => { if (r.type === 'codec' && r.mimeType && r.mimeType.startsWith('video/')) mime = r.mimeType; });
      return mime; }""")
    print(f"framesDecoded {video} audioPackets {audio} state {state} codec {codec} status {viewer.text_content('#status')}", flush=True)
    browser.close()
    sys.exit(0 if video >= MIN_FRAMES and audio > 0 else 1)
