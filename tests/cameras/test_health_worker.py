"""Camera health probes through a real Celery worker against real streams.

The worker (prefork, its own queue, the test database) probes a GStreamer RTSP stream, an HTTP
MJPEG stream, an H.264 file and dead URLs; results are read back from the database the worker
wrote to.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.utils import timezone

from cameras.models import Camera, CameraStatus
from cameras.tasks import camera_probe, camera_probe_due
from compliance.services import SYSTEM_USERNAME
from tests.factories import CameraFactory, SiteFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

RTSP_USER, RTSP_PASSWORD = "lobby-viewer", "Sup3r-Secret-Pw"


def _probe(camera: Camera, worker) -> dict | None:
    return camera_probe.delay(camera.pk).get(timeout=worker.task_timeout)


def _status_entries(camera: Camera) -> list[LogEntry]:
    entries = LogEntry.objects.get_for_object(camera).filter(action=LogEntry.Action.UPDATE)
    return [entry for entry in entries.order_by("timestamp") if "status" in entry.changes_dict]


def test_worker_probes_rtsp_mjpeg_and_file_sources(
    celery_worker_process, rtsp_server, mjpeg_server, video_file
):
    site = SiteFactory()
    rtsp = CameraFactory(
        site=site,
        name="Lobby",
        source_url=rtsp_server.url,
        source_username=RTSP_USER,
        source_password=RTSP_PASSWORD,
    )
    mjpeg = CameraFactory(site=site, name="Car park", source_url=mjpeg_server.url)
    file = CameraFactory(site=site, name="Loading bay", source_url=video_file)

    # All three at once: the worker runs two probes in parallel.
    pending = {camera.pk: camera_probe.delay(camera.pk) for camera in (rtsp, mjpeg, file)}
    results = {pk: r.get(timeout=celery_worker_process.task_timeout) for pk, r in pending.items()}
    assert all(result["ok"] and result["status"] == "online" for result in results.values())

    expected_codec = {rtsp.pk: "h264", mjpeg.pk: "mjpeg", file.pk: "h264"}
    for camera in (rtsp, mjpeg, file):
        camera.refresh_from_db()
        assert camera.status == CameraStatus.ONLINE, camera.status_message
        assert (camera.width, camera.height) == (640, 360)
        assert camera.codec == expected_codec[camera.pk]
        assert camera.last_seen_at is not None and camera.last_seen_at == camera.last_probe_at
        assert camera.probe_failures == 0
        assert camera.next_probe_at > camera.last_probe_at
        assert RTSP_PASSWORD not in camera.status_message
    # RTSP and the file carry their timing; MJPEG's rate is measured from frame arrival.
    assert rtsp.frame_rate == pytest.approx(10.0)
    assert file.frame_rate == pytest.approx(10.0)
    assert mjpeg.frame_rate == pytest.approx(10.0, rel=0.35)

    entry = _status_entries(rtsp)[-1]
    assert entry.changes_dict["status"] == [CameraStatus.UNKNOWN, CameraStatus.ONLINE]
    assert entry.actor.username == SYSTEM_USERNAME


def test_dead_sources_end_offline_backing_off_without_leaking_credentials(
    celery_worker_process, closed_port
):
    site = SiteFactory()
    dead_rtsp = CameraFactory(
        site=site,
        source_url=f"rtsp://127.0.0.1:{closed_port}/x",
        source_username=RTSP_USER,
        source_password=RTSP_PASSWORD,
    )
    dead_http = CameraFactory(site=site, source_url=f"http://127.0.0.1:{closed_port}/x.mjpg")

    for camera in (dead_rtsp, dead_http):
        result = _probe(camera, celery_worker_process)
        assert result["ok"] is False and result["status"] == "offline"
        camera.refresh_from_db()
        assert camera.status == CameraStatus.OFFLINE
        assert "Could not connect" in camera.status_message
        # Every role reads the message; only admins may know where the stream is.
        assert f"127.0.0.1:{closed_port}" not in camera.status_message
        assert camera.last_seen_at is None
        assert camera.probe_failures == 1
        assert camera.next_probe_at - camera.last_probe_at == timedelta(
            seconds=settings.CAMERA_PROBE_BACKOFF_BASE_SECONDS
        )

    # Credentials appear nowhere: not in the stored message, not in the audit trail.
    assert RTSP_PASSWORD not in dead_rtsp.status_message
    assert RTSP_USER not in dead_rtsp.status_message
    for entry in LogEntry.objects.get_for_object(dead_rtsp):
        assert RTSP_PASSWORD not in str(entry.changes)

    # Failing again backs off twice as long; the unchanged status adds no audit entry.
    _probe(dead_rtsp, celery_worker_process)
    dead_rtsp.refresh_from_db()
    assert dead_rtsp.probe_failures == 2
    assert dead_rtsp.next_probe_at - dead_rtsp.last_probe_at == timedelta(
        seconds=min(
            2 * settings.CAMERA_PROBE_BACKOFF_BASE_SECONDS,
            settings.CAMERA_PROBE_BACKOFF_MAX_SECONDS,
        )
    )
    entries = _status_entries(dead_rtsp)
    assert len(entries) == 1
    assert entries[0].changes_dict["status"] == [CameraStatus.UNKNOWN, CameraStatus.OFFLINE]
    assert entries[0].actor.username == SYSTEM_USERNAME


def test_probe_task_leaves_disabled_and_missing_cameras_alone(celery_worker_process, video_file):
    disabled = CameraFactory(source_url=video_file, enabled=False)

    assert _probe(disabled, celery_worker_process) is None
    assert camera_probe.delay(2_000_000_000).get(timeout=celery_worker_process.task_timeout) is None
    disabled.refresh_from_db()
    assert disabled.status == CameraStatus.UNKNOWN and disabled.last_probe_at is None


def test_probe_due_enqueues_only_enabled_due_cameras(celery_worker_process, video_file):
    now = timezone.now()
    site = SiteFactory()
    never_probed = CameraFactory(site=site, source_url=video_file)
    overdue = CameraFactory(
        site=site, source_url=video_file, next_probe_at=now - timedelta(minutes=1)
    )
    not_yet = CameraFactory(
        site=site, source_url=video_file, next_probe_at=now + timedelta(hours=1)
    )
    disabled = CameraFactory(site=site, source_url=video_file, enabled=False)

    queued = camera_probe_due.delay().get(timeout=celery_worker_process.task_timeout)

    assert sorted(queued) == sorted([never_probed.pk, overdue.pk])
    _wait_until(
        lambda: Camera.objects.filter(pk__in=queued, status=CameraStatus.ONLINE).count() == 2,
        timeout=celery_worker_process.task_timeout,
    )
    for camera in (not_yet, disabled):
        camera.refresh_from_db()
        assert camera.last_probe_at is None and camera.status == CameraStatus.UNKNOWN
    # Just probed, the due cameras are not due again.
    assert camera_probe_due.delay().get(timeout=celery_worker_process.task_timeout) == []


def _wait_until(condition, *, timeout: float) -> None:
    """Wait for work the worker does on its own (queued by another task) to show up."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the worker did not finish the queued probes")
        time.sleep(0.2)
