"""The four-eyes un-mask, one full journey in Chromium: a guard requests, a supervisor approves
in another browser, the guard watches the original — labelled, watermarked, frames decoded —
and the DPO revokes: the guard's view stops at once and the segment is gone (404).

No analytics worker here: the footage is written as the recorder writes it (sealed H.264
fragmented MP4 segments indexed by rows), so the module only starts Daphne. It overrides the
browser conftest's ``veil`` fixture with that lighter one; ``people`` and the CSP watch come
from the conftest unchanged.
"""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
from django.test import override_settings
from django.utils import timezone

from tests.browser.conftest import (
    _server_env,
    _start_daphne,
    _stop,
    _test_database,
    save_screenshot,
    totp_keys,
    wait_until,
)
from tests.privacy.unmask_helpers import REASON, save_segment

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PLAY_AND_GRAB = """
async () => {
  const video = document.getElementById("unmask-video");
  video.muted = true;
  await video.play().catch(() => {});
  const started = performance.now();
  while (video.currentTime < 0.3 && performance.now() - started < 15000) {
    await new Promise((done) => setTimeout(done, 50));
  }
  video.pause();
  const canvas = document.createElement("canvas");
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  const context = canvas.getContext("2d");
  context.drawImage(video, 0, 0);
  const band = context.getImageData(0, 0, canvas.width, 20).data;
  let black = 0, white = 0, count = 0;
  for (let i = 0; i < band.length; i += 4) {
    const low = Math.min(band[i], band[i + 1], band[i + 2]);
    const high = Math.max(band[i], band[i + 1], band[i + 2]);
    if (high < 40) black += 1;
    if (low > 200) white += 1;
    count += 1;
  }
  return {
    width: video.videoWidth,
    currentTime: video.currentTime,
    error: video.error ? video.error.code : null,
    decodedFrames: video.getVideoPlaybackQuality().totalVideoFrames,
    black: black / count,
    white: white / count,
  };
}
"""


@pytest.fixture(scope="module")
def veil(request, django_db_setup, django_db_blocker, channel_prefix_module, tmp_path_factory):
    """Daphne and the module's data (a camera with ten minutes old footage, a guard, a
    supervisor and a DPO); torn down with a flush."""
    media_root = tmp_path_factory.mktemp("unmask-media")
    log_dir = tmp_path_factory.mktemp("unmask-logs")
    daphne = None
    with django_db_blocker.unblock(), _test_database():
        try:
            data = _create_data(media_root)
            daphne = _start_daphne(_server_env(channel_prefix_module, media_root), log_dir)
            yield SimpleNamespace(url=daphne.url, **data)
        finally:
            if daphne is not None:
                _stop(daphne.process)
            from django.core.management import call_command
            from django.db import connections

            call_command("flush", interactive=False, verbosity=0)
            for connection in connections.all():
                connection.close()


def _create_data(media_root) -> dict:
    from accounts.roles import Role
    from compliance.services import acting_as
    from tests.factories import CameraFactory, SiteFactory, UserFactory

    with acting_as():
        site = SiteFactory(name="Harbour depot")
        camera = CameraFactory(site=site, name="Dock", analytics_enabled=False)
        users = {
            "guard": UserFactory(role=Role.GUARD, sites=[site], first_name="Gina"),
            "supervisor": UserFactory(role=Role.SUPERVISOR, sites=[site]),
            "dpo": UserFactory(role=Role.DPO),
        }
    start = (timezone.now() - timedelta(minutes=10)).replace(microsecond=0)
    with override_settings(MEDIA_ROOT=media_root):
        segment = save_segment(camera, start, seconds=4)
    return {
        "camera": camera,
        "start": start,
        "segment": segment,
        "totp_keys": totp_keys(users.values()),
        **users,
    }


def _decode(data: bytes, tmp_path) -> list[np.ndarray]:
    path = tmp_path / "served.mp4"
    path.write_bytes(data)
    capture = cv2.VideoCapture(str(path))
    frames = []
    while (grabbed := capture.read())[0]:
        frames.append(grabbed[1])
    capture.release()
    return frames


def test_request_approve_watch_revoke(veil, people, orm, tmp_path):
    from compliance.models import AccessEvent, AccessKind

    local = "%Y-%m-%dT%H:%M:%S"
    guard = people.open(
        veil.guard, "guard", path=f"/privacy/unmask/request/?camera={veil.camera.pk}"
    )
    guard.fill("#id_starts_at", veil.start.strftime(local))
    guard.fill("#id_ends_at", (veil.start + timedelta(minutes=1)).strftime(local))
    guard.fill("#id_reason", REASON)
    guard.get_by_role("button", name="Send request").click()
    guard.wait_for_url(re.compile(r"/privacy/unmask/\d+/$"))
    grant_id = int(re.search(r"/unmask/(\d+)/$", guard.url).group(1))
    assert guard.locator("#unmask-state").inner_text() == "Pending"
    assert guard.locator("#unmask-decision-form").count() == 0  # no deciding one's own

    supervisor = people.open(veil.supervisor, "supervisor", path="/privacy/unmask/")
    supervisor.locator(f'#unmask-queue-table a[href="/privacy/unmask/{grant_id}/"]').click()
    supervisor.fill("#id_note", "Alert and dock log confirm the incident.")
    supervisor.get_by_role("button", name="Approve").click()
    supervisor.wait_for_load_state()
    assert supervisor.locator("#unmask-state").inner_text().startswith("Approved")

    guard.reload()
    guard.get_by_role("link", name="Watch Dock un-masked").click()
    guard.wait_for_url(re.compile(rf"/privacy/unmask/{grant_id}/cameras/{veil.camera.pk}/$"))
    assert guard.locator("#unmask-label").inner_text() == "UN-MASKED — original video"
    wait_until(
        lambda: guard.locator("#unmask-player").get_attribute("data-socket_state") == "open",
        page=guard,
        timeout=15,
        message="the un-mask socket did not open",
    )
    played = guard.evaluate(PLAY_AND_GRAB)
    save_screenshot(guard, "unmask-journey-watching")
    assert played["error"] is None and played["currentTime"] >= 0.3, played
    assert played["decodedFrames"] >= 2 and played["width"] == 320, played
    assert played["black"] > 0.5 and played["white"] > 0.02, played  # the watermark band
    segment_url = (
        f"/privacy/unmask/{grant_id}/cameras/{veil.camera.pk}/segments/{veil.segment.pk}.mp4"
    )
    served = guard.request.get(segment_url)
    assert served.ok and served.headers["content-type"] == "video/mp4"
    frames = _decode(served.body(), tmp_path)
    assert len(frames) == 40  # the grant covers the whole 4 s segment at 10 fps
    assert (frames[0][:20].max(axis=2) < 40).mean() > 0.5

    dpo = people.open(veil.dpo, "dpo", path=f"/privacy/unmask/{grant_id}/")
    dpo.fill("#id_note", "Case handed to the police; no further viewing.")
    dpo.get_by_role("button", name="Revoke").click()
    dpo.wait_for_load_state()
    assert dpo.locator("#unmask-state").inner_text() == "Revoked"

    guard.locator("#unmask-ended").wait_for(state="visible", timeout=5000)
    assert guard.locator("#unmask-player").get_attribute("data-state") == "ended"
    assert guard.evaluate("() => document.getElementById('unmask-video').src") == ""
    save_screenshot(guard, "unmask-journey-revoked")
    assert guard.request.get(segment_url).status == 404
    kinds = set(AccessEvent.objects.filter(data__grant=grant_id).values_list("kind", flat=True))
    assert {
        AccessKind.UNMASK_REQUEST,
        AccessKind.UNMASK_APPROVE,
        AccessKind.UNMASK,
        AccessKind.UNMASK_REVOKE,
    } <= kinds
