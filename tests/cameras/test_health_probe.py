"""probe_source on real sources, and the probe services' scheduling, in this process."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cameras.health import codec_name, probe_source
from cameras.models import CameraStatus
from cameras.services.health import camera_probe, cameras_probe_due, probe_backoff_seconds
from tests.factories import CameraFactory

TIMEOUTS = {"open_timeout": 5.0, "read_timeout": 5.0}


def test_probe_reads_rtsp_stream(rtsp_server):
    result = probe_source(rtsp_server.url, **TIMEOUTS)
    assert result.ok and result.status == "online"
    assert (result.width, result.height, result.codec) == (640, 360, "h264")
    assert result.frame_rate == pytest.approx(10.0)


def test_probe_reads_mjpeg_stream(mjpeg_server):
    result = probe_source(mjpeg_server.url, **TIMEOUTS)
    assert result.ok and (result.width, result.height, result.codec) == (640, 360, "mjpeg")


def test_probe_reads_video_file(video_file):
    result = probe_source(video_file, **TIMEOUTS)
    assert result.ok and (result.codec, result.frame_rate) == ("h264", 10.0)


def test_file_failures_all_read_the_same_and_name_no_path(settings, tmp_path):
    """Missing, not a video, a directory: one status and one message, with no path or name in
    it, so that probes tell nothing about the server's file system."""
    settings.CAMERA_FILE_ROOTS = [str(tmp_path)]
    corrupt = tmp_path / "camera.mp4"
    corrupt.write_bytes(bytes(range(256)) * 2000)  # not a video container
    (tmp_path / "folder.mp4").mkdir()
    results = [
        probe_source((tmp_path / name).as_uri(), **TIMEOUTS)
        for name in ("camera.mp4", "gone.mp4", "folder.mp4")
    ]
    assert {(r.ok, r.status, r.message) for r in results} == {
        (False, "error", "The file could not be read as video")
    }


def test_unknown_rtsp_mount_is_offline(rtsp_server):
    result = probe_source(rtsp_server.url.rsplit("/", 1)[0] + "/no-such-mount", **TIMEOUTS)
    assert result.status == "offline"


def test_dead_url_message_has_no_credentials(closed_port):
    result = probe_source(f"rtsp://admin:hunter22@127.0.0.1:{closed_port}/live", **TIMEOUTS)
    assert result.status == "offline"
    assert "hunter22" not in result.message and "admin" not in result.message
    assert f"rtsp://***@127.0.0.1:{closed_port}/live" in result.message


@pytest.mark.parametrize(
    ("tag", "name"), [(b"avc1", "h264"), (b"h264", "h264"), (b"MJPG", "mjpeg"), (b"hev1", "hevc")]
)
def test_codec_names(tag, name):
    assert codec_name(int.from_bytes(tag, "little")) == name
    assert codec_name(0) == ""


@pytest.mark.django_db
def test_backoff_doubles_until_its_cap(settings, closed_port):
    settings.CAMERA_PROBE_BACKOFF_BASE_SECONDS = 10
    settings.CAMERA_PROBE_BACKOFF_MAX_SECONDS = 25
    camera = CameraFactory(source_url=f"http://127.0.0.1:{closed_port}/x.mjpg")
    waits = []
    for _ in range(4):
        camera_probe(camera=camera)
        camera.refresh_from_db()
        waits.append((camera.next_probe_at - camera.last_probe_at).total_seconds())
    assert waits == [10, 20, 25, 25]
    assert camera.probe_failures == 4 and camera.status == CameraStatus.OFFLINE
    assert probe_backoff_seconds(1000) == 25


@pytest.mark.django_db
def test_recovery_resets_failures(video_file, closed_port):
    camera = CameraFactory(source_url=f"http://127.0.0.1:{closed_port}/x.mjpg")
    camera_probe(camera=camera)
    camera.source_url = video_file
    camera_probe(camera=camera)
    camera.refresh_from_db()
    assert camera.status == CameraStatus.ONLINE and camera.probe_failures == 0
    assert camera.last_seen_at == camera.last_probe_at


@pytest.mark.django_db
def test_due_cameras_are_claimed_once():
    now = timezone.now()
    due = CameraFactory(next_probe_at=now - timedelta(seconds=1))
    never = CameraFactory()
    CameraFactory(next_probe_at=now + timedelta(minutes=5))
    CameraFactory(enabled=False)

    assert sorted(cameras_probe_due(now=now)) == sorted([due.pk, never.pk])
    # Claimed: the next beat does not queue them again while their probes wait or run.
    assert cameras_probe_due(now=now + timedelta(seconds=1)) == []
    due.refresh_from_db()
    assert due.next_probe_at > now
