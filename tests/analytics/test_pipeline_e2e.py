"""End to end, with real parts only: an RTSP camera streaming a scene with a real face and a
plate → a real analytics worker → an alert row → a guard's real websocket (through
daphne) gets the alert; a guard of another site gets nothing; the stored snapshot has the face
blurred (measured against the scene's ground truth) and the rest of the picture intact.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

import cv2
import numpy as np
import pytest

from accounts.roles import Role
from analytics.models import Alert, Rule, Zone
from cameras.models import CameraStatus
from compliance.models import AccessEvent, AccessKind
from privacy.detectors.centerface import CenterFaceDetector
from tests.analytics.helpers import http_login, receive_json, wait_for, websocket
from tests.factories import CameraFactory, SiteFactory, UserFactory
from vms.geometry import box_iou

WHOLE_FRAME = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]
ALERT_TIMEOUT = 120.0  # worker start, RTSP connect, models warm-up, first person seen
QUIET_SECONDS = 5.0
FACE_FOUND = 0.5  # a CenterFace score from which a face counts as found  # how long the other site's guard listens after the alert arrived


def _box(truth: dict) -> tuple[slice, slice]:
    return slice(truth["y"], truth["y"] + truth["h"]), slice(truth["x"], truth["x"] + truth["w"])


def _scene(stream) -> tuple[list[np.ndarray], list[dict]]:
    """The frames the RTSP server loops, with their ground truth."""
    truth = json.loads((stream.frames_dir / "truth.json").read_text())
    frames = [cv2.imread(str(stream.frames_dir / f"{t['index']:05d}.jpg")) for t in truth]
    return frames, truth


def _nearest_frame(snapshot: np.ndarray, frames: list[np.ndarray]) -> int:
    """Which scene frame the snapshot was taken from: the closest in small grey pixels."""

    def small(image):
        grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        return cv2.resize(grey, (160, 90), interpolation=cv2.INTER_AREA).astype(np.float32)

    target = small(snapshot)
    return int(np.argmin([np.mean((small(frame) - target) ** 2) for frame in frames]))


def _laplacian_variance(image: np.ndarray, where: np.ndarray | tuple[slice, slice]) -> float:
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_32F)[where].var())


def _background_mask(shape, truth: dict, margin: int = 24) -> np.ndarray:
    """Everything far from the person, the face, the car and the plate."""
    mask = np.ones(shape[:2], bool)
    for key in ("people", "faces", "vehicles", "plates"):
        for box in truth[key]:
            y0, x0 = max(0, box["y"] - margin), max(0, box["x"] - margin)
            mask[y0 : box["y"] + box["h"] + margin, x0 : box["x"] + box["w"] + margin] = False
    return mask


async def _guards_listen(asgi_server, permitted, other, camera, other_camera, workers):
    """Both guards connect, then the worker starts; returns (alert message, other's messages)."""
    async with (
        websocket(asgi_server, permitted, "/ws/alerts/") as permitted_ws,
        websocket(asgi_server, other, "/ws/alerts/") as other_ws,
    ):
        hello = await receive_json(permitted_ws, timeout=10)
        assert hello == {"type": "hello", "cameras": [camera.pk]}
        other_hello = await receive_json(other_ws, timeout=10)
        assert other_hello == {"type": "hello", "cameras": [other_camera.pk]}

        heard_by_other: list[dict] = []

        async def listen_other():
            async for message in other_ws:
                heard_by_other.append(json.loads(message))

        listener = asyncio.create_task(listen_other())
        await asyncio.to_thread(workers.start)
        alert_message = None
        async with asyncio.timeout(ALERT_TIMEOUT):
            while alert_message is None:
                message = await receive_json(permitted_ws, timeout=ALERT_TIMEOUT)
                if message["type"] == "alert":
                    alert_message = message
        await asyncio.sleep(QUIET_SECONDS)
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener
    return alert_message, heard_by_other


@pytest.mark.worker
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_rtsp_face_to_alert_on_permitted_guards_socket_with_blurred_snapshot(
    rtsp_server, demo_media, asgi_server, analytics_workers
):
    site, other_site = SiteFactory(name="Harbour depot"), SiteFactory(name="Airport")
    camera = CameraFactory(site=site, name="Lobby", source_url=rtsp_server.urls["lobby"])
    other_camera = CameraFactory(site=other_site, name="Apron", analytics_enabled=False)
    zone = Zone.objects.create(camera=camera, name="Whole frame", points=WHOLE_FRAME)
    Rule.objects.create(
        camera=camera,
        name="Anyone in the lobby",
        kind=Rule.Kind.PERSON_IN_ZONE,
        zone=zone,
        min_confidence=0.3,
        cooldown_seconds=5,
    )
    guard = UserFactory(role=Role.GUARD, sites=[site])
    other_guard = UserFactory(role=Role.GUARD, sites=[other_site])
    guard_http, other_http = http_login(asgi_server, guard), http_login(asgi_server, other_guard)

    alert_message, heard_by_other = asyncio.run(
        _guards_listen(asgi_server, guard_http, other_http, camera, other_camera, analytics_workers)
    )

    # The permitted guard got the alert JSON, as committed.
    pushed = alert_message["alert"]
    assert pushed["camera"]["id"] == camera.pk
    assert pushed["kind"] == Rule.Kind.PERSON_IN_ZONE
    alert = Alert.objects.get(pk=pushed["id"])
    assert alert.camera_id == camera.pk and alert.kind == Rule.Kind.PERSON_IN_ZONE
    assert alert.confidence >= 0.3 and alert.boxes
    # The guard of the other site heard nothing of it (nor any other alert).
    assert [m for m in heard_by_other if m.get("type") == "alert"] == []

    # The camera is online, seen by the worker.
    camera = wait_for(
        lambda: type(camera).objects.filter(pk=camera.pk, status=CameraStatus.ONLINE).first(),
        timeout=15,
        message="camera never reported online",
    )
    assert camera.last_seen_at is not None

    # The snapshot, fetched as the guard would: a JPEG, and the viewing is on record.
    response = guard_http.get(asgi_server.url + pushed["snapshot_url"], timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/jpeg"
    assert AccessEvent.objects.filter(
        kind=AccessKind.CLIP_VIEW, actor=guard, target_id=str(alert.pk)
    ).exists()
    # The other site's guard: the same answer as for an alert that does not exist.
    hidden = other_http.get(asgi_server.url + pushed["snapshot_url"], timeout=10)
    assert hidden.status_code == 404
    assert not AccessEvent.objects.filter(kind=AccessKind.CLIP_VIEW, actor=other_guard).exists()

    _assert_face_blurred_rest_intact(response.content, demo_media.streams["lobby"])


def _assert_face_blurred_rest_intact(jpeg: bytes, stream) -> None:
    snapshot = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    frames, truth = _scene(stream)
    assert snapshot.shape == frames[0].shape
    index = _nearest_frame(snapshot, frames)
    original, frame_truth = frames[index], truth[index]
    assert frame_truth["faces"], "the matched scene frame shows a face"
    face = frame_truth["faces"][0]
    face_box = (face["x"], face["y"], face["x"] + face["w"], face["y"] + face["h"])

    # The face detector is confident of the face in the original and not in the snapshot (a
    # blurred head is still a head-shaped blob: it may keep a faint score below the threshold
    # a face counts at).
    detector = CenterFaceDetector()
    found_in_original, found_in_snapshot = detector.detect([original, snapshot])
    original_score = max(
        (d.score for d in found_in_original if box_iou(d.box, face_box) > 0.3), default=0
    )
    snapshot_score = max(
        (d.score for d in found_in_snapshot if box_iou(d.box, face_box) > 0.1), default=0
    )
    print(f"face score: original {original_score:.2f}, snapshot {snapshot_score:.2f}")
    assert original_score >= FACE_FOUND
    assert snapshot_score < FACE_FOUND and snapshot_score < original_score / 2

    # Facial detail is gone: high-frequency energy in the face box collapses.
    face_region = _box(face)
    face_before = _laplacian_variance(original, face_region)
    face_after = _laplacian_variance(snapshot, face_region)
    print(f"face Laplacian variance: original {face_before:.1f}, snapshot {face_after:.1f}")
    assert face_after < 0.15 * face_before

    # The rest of the picture is the camera's picture: same pixels (up to the codec), same
    # sharpness.
    background = _background_mask(snapshot.shape, frame_truth)
    difference = np.abs(snapshot.astype(np.int16) - original.astype(np.int16))[background]
    sharp_before = _laplacian_variance(original, background)
    sharp_after = _laplacian_variance(snapshot, background)
    print(
        f"background: mean |difference| {difference.mean():.2f}, "
        f"99th percentile {np.percentile(difference, 99):.0f}, "
        f"Laplacian variance original {sharp_before:.1f}, snapshot {sharp_after:.1f}"
    )
    assert difference.mean() < 8
    assert 0.4 < sharp_after / sharp_before < 2.5
