"""The zone editor with a real analytics worker: a zone and a privacy mask saved through the
REST API, as the editor's script saves them, take effect on the running worker without a
restart (areas raise alerts where the zone now is; the mask is black in the live frame).
"""

from __future__ import annotations

import time

import cv2
import numpy as np
import pytest
from django.urls import reverse

from accounts.roles import Role
from analytics.models import Alert, Rule, Zone
from tests.analytics.editor import EditorSession, zone_url
from tests.factories import CameraFactory, UserFactory

QUIET_SECONDS = 12.0  # more than a full walk of the scene (10 s loop)
START_TIMEOUT = 120.0  # worker start, RTSP connect, models warm-up
CHANGE_TIMEOUT = 60.0  # config scan every 3 s, then the person walks into the zone
CORNER = [[0.92, 0.0], [1.0, 0.0], [1.0, 0.06], [0.92, 0.06]]  # the feet never go there
WHOLE_FRAME = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]
MASK = [[0.02, 0.04], [0.3, 0.04], [0.3, 0.4], [0.02, 0.4]]


def _live_frame(camera_id: int) -> np.ndarray | None:
    import redis
    from django.conf import settings

    from vms.realtime import live_last_key

    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        jpeg = client.get(live_last_key(camera_id))
    finally:
        client.close()
    if not jpeg:
        return None
    return cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)


def _mask_region(image: np.ndarray, points, inset: int = 4) -> np.ndarray:
    height, width = image.shape[:2]
    xs = [round(x * width) for x, _ in points]
    ys = [round(y * height) for _, y in points]
    return image[min(ys) + inset : max(ys) - inset, min(xs) + inset : max(xs) - inset]


def _wait(predicate, *, timeout: float, message: str):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value is not None and value is not False:
            return value  # a frame (an array) has no truth value of its own
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s: {message}")
        time.sleep(0.5)


@pytest.mark.worker
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_saved_zone_and_mask_take_effect_on_the_running_worker(
    rtsp_server, demo_media, analytics_workers
):
    admin = UserFactory(role=Role.ADMIN)
    camera = CameraFactory(name="Lobby", source_url=rtsp_server.urls["lobby"])
    editor = EditorSession(admin, camera)
    response = editor.create_zone(name="Corner", kind="area", points=CORNER)
    assert response.status_code == 201, response.content
    zone = Zone.objects.get(pk=response.json()["id"])
    response = editor.send(
        "post",
        reverse("analytics-api:rule-list"),
        {"camera": camera.pk, "name": "Anyone in the zone", "kind": Rule.Kind.PERSON_IN_ZONE,
         "zone": zone.pk, "min_confidence": 0.3, "cooldown_seconds": 5},
    )  # fmt: skip
    assert response.status_code == 201, response.content

    worker = analytics_workers.start()
    first = _wait(
        lambda: _live_frame(camera.pk), timeout=START_TIMEOUT, message="no live frame from worker"
    )
    # The region the mask will cover is a picture, not black, before the mask.
    assert _mask_region(first, MASK).mean() > 40

    # The person walks, but never into the corner: no alert over a whole walk.
    time.sleep(QUIET_SECONDS)
    latest = _live_frame(camera.pk)
    assert latest is not None and not np.array_equal(latest, first), "the worker stopped"
    assert not Alert.objects.filter(camera=camera).exists()

    # Widen the zone to the whole frame: alerts arrive, and the worker is the same process.
    response = editor.send("patch", zone_url(zone.pk), {"points": WHOLE_FRAME})
    assert response.status_code == 200, response.content
    alert = _wait(
        lambda: Alert.objects.filter(camera=camera, kind=Rule.Kind.PERSON_IN_ZONE).first(),
        timeout=CHANGE_TIMEOUT,
        message="no alert after the zone covered the frame",
    )
    assert alert.rule.zone_id == zone.pk

    # A privacy mask saved mid-run is blacked out of the live frame.
    response = editor.create_mask(name="Window", points=MASK)
    assert response.status_code == 201, response.content

    def masked_frame():
        frame = _live_frame(camera.pk)
        if frame is not None and _mask_region(frame, MASK).max() < 40:
            return frame
        return None

    frame = _wait(masked_frame, timeout=CHANGE_TIMEOUT, message="the mask never reached frames")
    region = _mask_region(frame, MASK)
    print(f"masked region: mean {region.mean():.1f}, max {region.max()}")
    assert region.mean() < 8
    # Outside the mask the picture is still there.
    assert frame[int(0.6 * frame.shape[0]) :, int(0.5 * frame.shape[1]) :].mean() > 40

    assert worker.process.poll() is None, "the worker was restarted or died"
    assert worker.log().count("configuration reloaded") >= 2
