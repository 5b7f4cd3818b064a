"""A camera's status has one writer, shared by the health probe and the analytics engine: it
stores the status and pushes ``camera.status`` to the camera's sockets when the write commits —
for a probe's finding as for the engine's."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from cameras.models import CameraStatus
from cameras.services import camera_status_record
from cameras.services.health import camera_probe
from tests.factories import CameraFactory
from tests.fixtures.pushes import pushed_events
from vms.realtime import camera_group

pytestmark = pytest.mark.django_db


def _record(callbacks_fixture, camera, **report) -> tuple[bool, list[dict]]:
    with callbacks_fixture(execute=False) as callbacks:
        changed = camera_status_record(camera_id=camera.pk, **report)
    return changed, pushed_events(callbacks, camera_group(camera.pk))


def test_a_failed_probe_is_pushed_as_it_commits(closed_port, django_capture_on_commit_callbacks):
    camera = CameraFactory(
        source_url=f"http://127.0.0.1:{closed_port}/x.mjpg",
        source_username="viewer",
        source_password="Sup3r-Secret",
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        camera_probe(camera=camera)
    (event,) = pushed_events(callbacks, camera_group(camera.pk))

    camera.refresh_from_db()
    assert event["type"] == "camera.status"
    assert event["camera"]["id"] == camera.pk
    assert event["camera"]["status"] == camera.status == CameraStatus.OFFLINE
    assert event["camera"]["status_message"] == camera.status_message
    assert "Could not connect" in camera.status_message
    assert "Sup3r-Secret" not in camera.status_message


def test_engine_and_probe_reports_agree_without_pushing_what_did_not_change(
    video_file, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    camera = CameraFactory(source_url=video_file)

    # The engine sees frames: online, pushed once.
    seen = timezone.now()
    changed, events = _record(capture, camera, status=CameraStatus.ONLINE, seen_at=seen)
    assert changed and [e["camera"]["status"] for e in events] == [CameraStatus.ONLINE]

    # The probe adds what it measured: its message is news, pushed.
    with capture(execute=False) as callbacks:
        camera_probe(camera=camera)
    (event,) = pushed_events(callbacks, camera_group(camera.pk))
    assert event["camera"]["status_message"].startswith("Receiving 640×360")

    # The engine's refresh of "last seen" keeps the probe's message: nothing to push, and no
    # tug of war between the two reporters.
    later = timezone.now()
    changed, events = _record(capture, camera, status=CameraStatus.ONLINE, seen_at=later)
    assert (changed, events) == (False, [])
    camera.refresh_from_db()
    assert camera.last_seen_at == later and camera.status_message.startswith("Receiving")

    # The stream stops: offline with the engine's reason, pushed; said again, not pushed.
    down = {"status": CameraStatus.OFFLINE, "message": "the stream ended"}
    changed, events = _record(capture, camera, **down)
    assert changed and events[0]["camera"]["status_message"] == "the stream ended"
    assert _record(capture, camera, **down) == (False, [])

    # Back online: the old reason is cleared.
    changed, events = _record(capture, camera, status=CameraStatus.ONLINE, seen_at=later)
    assert changed and events[0]["camera"]["status_message"] == ""

    # Status changes are audited as camera changes; "last seen" refreshes are not.
    statuses = [
        entry.changes_dict["status"]
        for entry in LogEntry.objects.get_for_object(camera)
        .filter(action=LogEntry.Action.UPDATE)
        .order_by("timestamp")
        if "status" in entry.changes_dict
    ]
    assert statuses == [
        [CameraStatus.UNKNOWN, CameraStatus.ONLINE],
        [CameraStatus.ONLINE, CameraStatus.OFFLINE],
        [CameraStatus.OFFLINE, CameraStatus.ONLINE],
    ]


def test_a_camera_deleted_meanwhile_is_left_alone(django_capture_on_commit_callbacks):
    camera = CameraFactory()
    camera_id = camera.pk
    camera.delete()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert camera_status_record(camera_id=camera_id, status=CameraStatus.ONLINE) is False
    assert callbacks == []
