"""An alert's clip plays in the browser: the triage page's player decodes real frames.

Alert clips are H.264 in MP4 (``privacy.video``); MPEG-4 Part 2, which OpenCV writes, does not
play in Chromium, Firefox or Safari. Debian's Chromium answers "probably" to
``canPlayType('video/mp4; codecs="avc1.42E01E"')`` and "" to ``mp4v``.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.slow]

ALERT_TIMEOUT = 120.0

PLAY_AND_GRAB = """
async () => {
  const video = document.getElementById("alert-clip");
  video.muted = true;
  await video.play();
  const started = performance.now();
  while (video.currentTime < 0.5 && !video.ended && performance.now() - started < 15000) {
    await new Promise((done) => setTimeout(done, 50));
  }
  const canvas = document.createElement("canvas");
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  const context = canvas.getContext("2d");
  context.drawImage(video, 0, 0);
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
  let sum = 0, squares = 0, count = 0;
  for (let i = 0; i < pixels.length; i += 16) {
    const grey = (pixels[i] + pixels[i + 1] + pixels[i + 2]) / 3;
    sum += grey; squares += grey * grey; count += 1;
  }
  const mean = sum / count;
  return {
    width: video.videoWidth,
    height: video.videoHeight,
    currentTime: video.currentTime,
    duration: video.duration,
    error: video.error ? video.error.code : null,
    decodedFrames: video.getVideoPlaybackQuality().totalVideoFrames,
    mean: mean,
    std: Math.sqrt(Math.max(0, squares / count - mean * mean)),
    h264: video.canPlayType('video/mp4; codecs="avc1.42E01E"'),
  };
}
"""


def test_a_guard_plays_an_alerts_clip_on_its_triage_page(veil, people, orm):
    from analytics.models import Alert

    guard = people.open(veil.guard_a, "guard-a")
    alert = wait_until(
        lambda: Alert.objects.filter(camera=veil.camera).exclude(clip="").first(),
        page=guard,
        timeout=ALERT_TIMEOUT,
        message="no alert with a clip from the stream",
    )
    clip = guard.request.get(f"/analytics/alerts/{alert.pk}/clip.mp4")
    assert clip.ok and clip.headers["content-type"] == "video/mp4"
    assert clip.body()[4:8] == b"ftyp"

    guard.goto(f"/analytics/alerts/{alert.pk}/")
    played = guard.evaluate(PLAY_AND_GRAB)

    assert played["h264"] == "probably"
    assert played["error"] is None, played
    assert (played["width"], played["height"]) == (640, 360), played
    assert played["currentTime"] >= 0.5, played  # it plays: time advances
    assert played["decodedFrames"] >= 2, played
    # A picture, not a black or grey frame: the scene's wall, floor and people vary.
    assert 20 < played["mean"] < 235 and played["std"] > 10, played
