"""Recording, end to end: a real analytics worker records the demo RTSP camera continuously
(switched on by saving the camera: the configuration event reaches the worker), and a guard
plays the anonymised recording in Chromium.

* The playback page's timeline shows the footage and the alerts of those seconds; its player
  (Media Source Extensions over the sealed segments) decodes real frames, at 2× through
  segment boundaries; every frame grabbed from the player is examined like the "no unblurred
  frame" test does (no face found by CenterFace, facial detail under 15 % of the original's,
  no plate characters), and at least one of them had a face to hide.
* Seeking: clicking an alert's mark plays from just before it.
* A whole segment as the browser gets it is anonymised frame by frame; the original track has
  no URL here (404), and a guard of another site gets 404 for the page and the segments.
* The media store after the session holds no JPEG/MP4/H.264 signature and no camera secret.
"""

from __future__ import annotations

import base64
import os

import pytest

from tests.browser.conftest import ARTIFACTS, save_screenshot, wait_until
from tests.browser.frames import FaceCheck

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.slow]

SEGMENT_SECONDS = "5"
RECORD_TIMEOUT = 150.0
LOBBY_PLATE = "VE11 DMO"
FRAMES_GRABBED = 8


@pytest.fixture(scope="module", autouse=True)
def _short_segments():
    """Segments of 5 s for this module's worker (it reads the variable when it starts)."""
    before = os.environ.get("VMS_RECORDING_SEGMENT_SECONDS")
    os.environ["VMS_RECORDING_SEGMENT_SECONDS"] = SEGMENT_SECONDS
    yield
    if before is None:
        os.environ.pop("VMS_RECORDING_SEGMENT_SECONDS", None)
    else:
        os.environ["VMS_RECORDING_SEGMENT_SECONDS"] = before


GRAB = """
async () => {
  const video = document.getElementById("playback-video");
  const canvas = document.createElement("canvas");
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext("2d").drawImage(video, 0, 0);
  const root = document.getElementById("playback");
  return {
    png: canvas.toDataURL("image/png"),
    position: Number(root.dataset.position),
    width: video.videoWidth,
    height: video.videoHeight,
    decoded: video.getVideoPlaybackQuality().totalVideoFrames,
    error: video.error ? video.error.code : null,
    rate: video.playbackRate,
  };
}
"""


def _state(page) -> dict:
    return page.evaluate(
        """() => {
          const root = document.getElementById("playback");
          const video = document.getElementById("playback-video");
          return {state: root.dataset.state, position: Number(root.dataset.position),
                  segments: Number(root.dataset.segments || 0), ready: video.readyState,
                  paused: video.paused};
        }"""
    )


def test_a_recorded_minute_plays_anonymised_with_its_alerts_and_seeks(
    veil, people, orm, demo_media
):
    from analytics.models import Alert
    from cameras.models import Camera
    from privacy.models import RecordingSegment

    camera = Camera.objects.get(pk=veil.camera.pk)
    camera.recording_mode = "continuous"
    camera.save()  # the worker hears of it as of any configuration change

    guard = people.open(veil.guard_a, "guard-a")
    anonymised = RecordingSegment.objects.filter(camera=camera, track="anonymised")
    wait_until(
        lambda: (
            anonymised.count() >= 5
            and Alert.objects.filter(
                camera=camera, occurred_at__gte=anonymised.order_by("started_at")[0].started_at
            ).exists()
        ),
        page=guard,
        timeout=RECORD_TIMEOUT,
        message="no 25 s of recording with an alert in it",
    )
    segments = list(anonymised.order_by("started_at"))
    first, last = segments[0], segments[-1]
    assert RecordingSegment.objects.filter(camera=camera, track="original").count() >= 5
    alerts = list(
        Alert.objects.filter(
            camera=camera, occurred_at__gte=first.started_at, occurred_at__lt=last.ended_at
        ).order_by("occurred_at")
    )
    assert alerts

    guard.goto(
        f"/analytics/cameras/{camera.pk}/recordings/?at={first.started_at.timestamp() + 3:.3f}"
    )
    wait_until(
        lambda: _state(guard)["state"] == "ready",
        page=guard,
        timeout=30,
        message="the player did not get ready",
    )
    assert _state(guard)["segments"] >= len(segments)
    # The timeline: footage drawn, and a mark for each alert of those seconds.
    assert guard.locator("#playback-coverage .timeline-range").count() >= 1
    marks = guard.locator("#playback-alerts .timeline-alert")
    marked = {int(marks.nth(i).get_attribute("data-alert-id")) for i in range(marks.count())}
    assert {alert.pk for alert in alerts} <= marked

    # Play at 2× through the segments, grabbing decoded frames as it goes.
    guard.select_option("#playback-speed", "2")
    guard.click("#playback-play")
    positions, pictures = [], []
    for number in range(FRAMES_GRABBED):
        target = first.started_at.timestamp() + 3 + 1.5 * (number + 1)
        wait_until(
            lambda target=target: _state(guard)["position"] >= target,
            page=guard,
            timeout=30,
            message=f"playback did not reach {target:.1f} (state {_state(guard)})",
            interval=0.1,
        )
        grabbed = guard.evaluate(GRAB)
        assert grabbed["error"] is None, grabbed
        assert (grabbed["width"], grabbed["height"]) == (640, 360), grabbed
        assert grabbed["rate"] == 2
        positions.append(grabbed["position"])
        pictures.append(base64.b64decode(grabbed["png"].split(",", 1)[1]))
    save_screenshot(guard, "recording-playback")
    # Frames from every second and a half of footage, across segment boundaries.
    steps = [b - a for a, b in zip(positions, positions[1:], strict=False)]
    assert all(1.0 < step < 3.0 for step in steps), positions
    # Examined once grabbed (the detectors take longer than the playing does).
    check = FaceCheck(demo_media.streams["lobby"], plate_text=LOBBY_PLATE)
    for position, png in zip(positions, pictures, strict=True):
        check.examine_bytes(png, f"playback frame at {position:.2f}")
    assert len(check.examined) >= FRAMES_GRABBED - 1  # decoded pictures that differ
    report = "\n".join(record.describe() for record in check.examined)
    print(f"\n{len(check.examined)} played frames examined at {positions}\n{report}")
    if check.problems():
        saved = check.save_problems(ARTIFACTS)
        pytest.fail("\n".join(check.problems() + ["saved:", *saved]))
    assert check.face_bearing, "no played frame came from a frame with a detectable face"

    # Seeking: an alert's mark plays from just before the alert (zoomed in, as close alerts'
    # marks overlap on a longer span).
    guard.click("[data-span='600']")
    alert = alerts[-1]
    guard.locator(f"#playback-alerts .timeline-alert[data-alert-id='{alert.pk}']").click()
    wanted = alert.occurred_at.timestamp() - 3
    wait_until(
        lambda: abs(_state(guard)["position"] - wanted) < 4 and _state(guard)["ready"] >= 2,
        page=guard,
        timeout=20,
        message=f"seeking to the alert at {wanted:.1f} failed ({_state(guard)})",
        interval=0.1,
    )
    decoded = guard.evaluate(GRAB)
    assert decoded["error"] is None and decoded["decoded"] > 0

    # A whole segment the browser fetched, frame by frame: anonymised too.
    segment_check = FaceCheck(demo_media.streams["lobby"])
    fetched = guard.request.get(f"/analytics/recordings/segments/{segments[1].pk}.mp4")
    assert fetched.ok and fetched.body()[4:8] == b"ftyp"
    segment_check.examine_video(fetched.body(), f"segment {segments[1].pk}", every=3)
    assert not segment_check.problems(), segment_check.problems()
    assert segment_check.face_bearing, "no face to hide in the segment examined"

    # The original track has no URL here; another site's guard sees nothing of this camera.
    from privacy.models import RecordingSegment as Segment

    original = Segment.objects.filter(camera=camera, track="original").first()
    assert guard.request.get(f"/analytics/recordings/segments/{original.pk}.mp4").status == 404
    stranger = people.open(veil.guard_b, "guard-b")
    for path in (
        f"/analytics/recordings/segments/{segments[1].pk}.mp4",
        f"/analytics/cameras/{camera.pk}/recordings/",
    ):
        assert stranger.request.get(path).status == 404, path

    # The media store the worker and daphne wrote: ciphertext only.
    from tests.privacy.test_recording import scan_media_store

    secrets = [s.encode() for s in (camera.source_password, camera.source_username) if s]
    assert scan_media_store(veil.media_root, secrets) == []
