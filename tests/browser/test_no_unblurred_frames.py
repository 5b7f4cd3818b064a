"""No page sends an unblurred frame to a browser.

As each role, every console page is loaded in Chromium and every picture it brings in is
collected: what the browser received over the network (image and video responses), what the
DOM references (``img``/``video``/``source`` sources, CSS background images, fetched again
with the page's session cookie), the binary frames of every websocket (the live tiles), and
the camera's MJPEG feed and latest-frame URL; with recording on, the playback page's segments
(fetched by its player, examined whole). Each picture is decoded and examined by
:class:`tests.browser.frames.FaceCheck`: no face found by Veil's own detector (CenterFace,
score >= 0.5) and, where the scene's ground truth puts the astronaut's face, no facial detail
left (Laplacian variance < 15 % of the original's); and no plate characters: PP-OCR
(rapidocr's recogniser) reads no three consecutive characters of the scene's plate in the
matched frame's plate box (a picture that matches no scene frame is read whole, text
detector first). Clips are examined every other frame. The
test fails if nothing face-bearing or plate-bearing was examined, so it cannot pass by looking
at nothing.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests

from tests.browser.conftest import ARTIFACTS, wait_until
from tests.browser.frames import FaceCheck, jpegs_in_multipart

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.slow]

ALERT_TIMEOUT = 120.0
LOBBY_PLATE = "VE11 DMO"  # cameras.demo.media: the lobby scene's plate
LIVE_FRAMES_PER_PAGE = 3
MJPEG_FRAMES = 3

BACKGROUNDS = """
() => {
  const urls = new Set();
  for (const element of document.querySelectorAll("*")) {
    const image = getComputedStyle(element).backgroundImage;
    for (const match of image.matchAll(/url\\(["']?([^"')]+)["']?\\)/g)) urls.add(match[1]);
  }
  for (const element of document.querySelectorAll("img, video, source")) {
    for (const url of [element.currentSrc, element.src, element.getAttribute("src")]) {
      if (url) urls.add(url);
    }
  }
  for (const element of document.querySelectorAll("video[poster]")) urls.add(element.poster);
  return [...urls].map((url) => new URL(url, location.href).href);
}
"""


def _is_static(url: str) -> bool:
    return "/static/" in url


class PageVisit:
    """Collects what one page brings into the browser."""

    def __init__(self, page) -> None:
        self.page = page
        self.responses: list[tuple[object, str]] = []  # response, content type
        self.live_frames: list[tuple[str, bytes]] = []
        page.on("response", self._response)
        page.on("websocket", self._websocket)

    def _response(self, response) -> None:
        kind = (response.headers.get("content-type") or "").split(";")[0].strip()
        if _is_static(response.url) or not kind.startswith(("image/", "video/")):
            return
        if response.url.startswith(("blob:", "data:")):
            return  # blob: a websocket frame, examined as received
        self.responses.append((response, kind))  # bodies are read after the page settles

    def _websocket(self, websocket) -> None:
        def frame(payload) -> None:
            if isinstance(payload, bytes) and len(self.live_frames) < LIVE_FRAMES_PER_PAGE:
                self.live_frames.append((websocket.url, payload))

        websocket.on("framereceived", frame)


def _mjpeg_frames(base_url: str, cookies: list[dict], path: str) -> list[bytes]:
    jar = {cookie["name"]: cookie["value"] for cookie in cookies}
    with requests.get(base_url + path, cookies=jar, stream=True, timeout=15) as response:
        assert response.status_code == 200, f"{path}: {response.status_code}"
        body = b""
        for chunk in response.iter_content(chunk_size=65536):
            body += chunk
            parts = jpegs_in_multipart(body, MJPEG_FRAMES)
            if len(parts) >= MJPEG_FRAMES:
                return parts
    return jpegs_in_multipart(body, MJPEG_FRAMES)


def _examine_page(check: FaceCheck, page, path: str, label: str, *, expect_live: bool) -> int:
    """Load ``path`` and examine every picture it brings; returns the HTTP status."""
    visit = PageVisit(page)
    response = page.goto(path)
    if response.status != 200:
        return response.status
    if expect_live:
        wait_until(
            lambda: len(visit.live_frames) >= LIVE_FRAMES_PER_PAGE,
            page=page,
            timeout=45,
            message=f"{label} {path}: no live frames over the websocket",
        )
    elif "/recordings/" in path:
        # The player fetches its first segments once the page has its index.
        page.wait_for_selector('#playback[data-state="ready"]', timeout=30_000)
        page.wait_for_timeout(1_500)
    else:
        page.wait_for_timeout(1_500)
    referenced = page.evaluate(BACKGROUNDS)
    page.remove_listener("response", visit._response)
    page.remove_listener("websocket", visit._websocket)

    for response, kind in visit.responses:
        url = response.url
        if kind.startswith("video/"):
            # The browser asks for byte ranges of a clip: fetch it whole.
            check.examine_video(page.request.get(url).body(), f"{label} {url}")
        elif kind in ("image/jpeg", "image/png", "image/webp"):
            try:
                body = response.body()
            except Exception:  # Chromium dropped the body (a replaced image): fetch it again
                body = page.request.get(url).body()
            check.examine_bytes(body, f"{label} {url}")
    for url in referenced:
        if url.startswith("blob:") or url.startswith("data:image/svg") or _is_static(url):
            continue  # blob: the websocket frames, examined as received
        fetched = page.request.get(url)
        assert fetched.ok, f"{label} {path}: {url} answered {fetched.status}"
        kind = fetched.headers.get("content-type", "")
        if kind.startswith("video/"):
            check.examine_video(fetched.body(), f"{label} {url}")
        elif kind.startswith("multipart/"):
            continue  # an MJPEG feed: examined by the caller
        else:
            check.examine_bytes(fetched.body(), f"{label} {url}")
    for url, payload in visit.live_frames:
        check.examine_bytes(payload, f"{label} websocket {url}")
    return 200


@pytest.mark.timeout(900)  # four roles x six pages, each picture checked by two networks
def test_no_page_sends_an_unblurred_frame(veil, demo_media, people, orm):
    from analytics.models import Alert
    from cameras.models import Camera

    camera = veil.camera
    check = FaceCheck(demo_media.streams["lobby"], plate_text=LOBBY_PLATE)
    # Recording on, so that the playback page has anonymised segments to send.
    recording = Camera.objects.get(pk=camera.pk)
    recording.recording_mode = "continuous"
    recording.save()

    # An alert from the stream with its snapshot and its clip (encoded after the alert).
    from privacy.models import RecordingSegment

    segments = RecordingSegment.objects.filter(camera=camera, track="anonymised")
    alert = wait_until(
        lambda: (
            segments.count() >= 2
            and Alert.objects.filter(camera=camera).exclude(snapshot="").exclude(clip="").first()
        ),
        page=people.open(veil.guard_a, "guard-a"),
        timeout=ALERT_TIMEOUT,
        message="no alert with a snapshot and a clip from the stream, or no recording",
    )
    pages = {
        "wall": "/analytics/wall/",
        "alert list": "/analytics/alerts/",
        "alert detail": f"/analytics/alerts/{alert.pk}/",
        "review": "/analytics/review/",
        "zone editor": f"/analytics/cameras/{camera.pk}/zones/",
        "camera detail": f"/cameras/{camera.pk}/",
        "playback": f"/analytics/cameras/{camera.pk}/recordings/"
        f"?at={alert.occurred_at.timestamp():.3f}",
    }
    roles = {
        "guard-a": veil.guard_a,
        "supervisor": veil.supervisor,
        "admin": veil.admin,
        "guard-b": veil.guard_b,
    }
    statuses: dict[tuple[str, str], int] = {}
    for label, user in roles.items():
        page = people.pages.get(label) or people.open(user, label)
        sees_camera = label != "guard-b"
        for name, path in pages.items():
            statuses[(label, name)] = _examine_page(
                check, page, path, label, expect_live=(name == "wall" and sees_camera)
            )
        # The feeds a browser can ask for directly: the MJPEG stream and the latest frame.
        cookies = page.context.cookies()
        if sees_camera:
            for number, jpeg in enumerate(
                _mjpeg_frames(veil.url, cookies, f"/analytics/live/{camera.pk}/feed.mjpg")
            ):
                check.examine_bytes(jpeg, f"{label} feed.mjpg #{number}")
            latest = page.request.get(f"/analytics/live/{camera.pk}/frame.jpg")
            assert latest.ok, f"{label}: frame.jpg answered {latest.status}"
            check.examine_bytes(latest.body(), f"{label} frame.jpg")
        else:
            for path in ("feed.mjpg", "frame.jpg"):
                hidden = page.request.get(f"/analytics/live/{camera.pk}/{path}", timeout=10_000)
                assert hidden.status == 404, f"guard B got {path}: {hidden.status}"

    report = "\n".join(record.describe() for record in check.examined)
    print(f"\n{len(check.examined)} pictures examined; statuses {statuses}\n{report}")
    if check.problems():
        saved = check.save_problems(ARTIFACTS)
        pytest.fail("\n".join(check.problems() + ["saved:", *saved]))
    # Who may see what (a hidden page answers 404, like a missing one).
    assert statuses[("guard-a", "alert detail")] == 200
    assert statuses[("guard-b", "alert detail")] == 404
    assert statuses[("guard-a", "zone editor")] == 404
    assert statuses[("admin", "zone editor")] == 200
    # Not vacuous: pictures where the unblurred scene had a face the detector finds, from the
    # live feed and from the alert's media alike.
    face_bearing = check.face_bearing
    assert face_bearing, "no examined picture came from a frame with a detectable face"
    sources = " ".join(record.source for record in face_bearing)
    assert "websocket" in sources or "feed.mjpg" in sources, "no face-bearing live frame"
    assert "snapshot.jpg" in sources or "clip.mp4" in sources, "no face-bearing alert media"
    assert "/recordings/segments/" in sources, "no face-bearing recorded segment"
    assert statuses[("guard-a", "playback")] == 200
    assert statuses[("guard-b", "playback")] == 404
    # And pictures whose original had a plate PP-OCR reads (three characters or more).
    assert check.plate_bearing, "no examined picture came from a frame with a readable plate"


def test_no_original_leaves_without_the_viewers_own_grant(veil, people, orm, tmp_path):
    """The original track exists for nobody without a grant of their own: every role's
    browser meets 404 on the un-mask player, the segment URL and the API's segment list of
    another person's active grant and of a pending one; only the grant's requester gets the
    original, and then watermarked."""
    from django.test import override_settings
    from django.utils import timezone

    from accounts.roles import Role
    from privacy.services.unmask import unmask_approve, unmask_request
    from tests.factories import UserFactory
    from tests.privacy.unmask_helpers import REASON, decode_mp4, save_segment

    camera = veil.camera
    start = (timezone.now() - timedelta(minutes=5)).replace(microsecond=0)
    with override_settings(MEDIA_ROOT=veil.media_root):
        segment = save_segment(camera, start)
    dpo = UserFactory(role=Role.DPO)

    def ask(user):
        return unmask_request(
            actor=user,
            camera_ids=[camera.pk],
            starts_at=start,
            ends_at=start + timedelta(minutes=1),
            reason=REASON,
        )

    approved = unmask_approve(actor=dpo, grant_id=ask(veil.supervisor).pk, note="Incident.")
    pending = ask(veil.guard_a)

    def paths(grant) -> list[str]:
        return [
            f"/privacy/unmask/{grant.pk}/cameras/{camera.pk}/",
            f"/privacy/unmask/{grant.pk}/cameras/{camera.pk}/segments/{segment.pk}.mp4",
            f"/api/v1/unmask-grants/{grant.pk}/cameras/{camera.pk}/segments/",
        ]

    roles = {
        "guard-a": veil.guard_a,
        "supervisor": veil.supervisor,
        "admin": veil.admin,
        "guard-b": veil.guard_b,
    }
    for label, user in roles.items():
        page = people.pages.get(label) or people.open(user, label)
        grants = [pending] if label == "supervisor" else [approved, pending]
        for grant in grants:
            for path in paths(grant):
                response = page.request.get(path)
                assert response.status == 404, f"{label} {path}: {response.status}"
                assert b"ftyp" not in response.body()
    # The requester alone: watermarked.
    supervisor = people.pages["supervisor"]
    served = supervisor.request.get(paths(approved)[1])
    assert served.ok
    frames = decode_mp4(served.body(), tmp_path)
    assert frames and (frames[0][:20].max(axis=2) < 40).mean() > 0.5
