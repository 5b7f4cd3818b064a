"""The playback page, its index and the segment endpoint, over HTTP: the gate (hidden, missing
and original-track segments all 404), byte ranges for seeking, and one access event per
stretch watched rather than one per request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from accounts.roles import Role
from analytics.models import Alert
from compliance.models import AccessEvent, AccessKind
from privacy.services.recording import recording_segment_store
from privacy.video import FragmentedH264Encoder
from tests.factories import CameraFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 30, 14, 0, 0, tzinfo=UTC)


def _video() -> bytes:
    encoder = FragmentedH264Encoder(width=64, height=48, fps=5)
    for n in range(20):
        encoder.write(np.full((48, 64, 3), n * 10, np.uint8))
    return encoder.finish()


VIDEO = None


def segment(camera, offset: int, track="anonymised"):
    global VIDEO
    VIDEO = VIDEO or _video()
    at = START + timedelta(seconds=offset)
    return recording_segment_store(
        camera_id=camera.pk,
        track=track,
        started_at=at,
        ended_at=at + timedelta(seconds=4),
        video=VIDEO,
        frames=20,
        fps=5,
        width=64,
        height=48,
    )


@pytest.fixture
def scene():
    site = SiteFactory(time_zone="UTC")
    camera = CameraFactory(site=site)
    guard = UserFactory(role=Role.GUARD, sites=[site])
    stranger = UserFactory(role=Role.GUARD, sites=[SiteFactory()])
    return camera, guard, stranger


def test_guard_plays_segments_with_ranges_and_one_access_event(client, scene):
    camera, guard, _ = scene
    segments = [segment(camera, 4 * n) for n in range(3)]
    client.force_login(guard)

    whole = client.get(f"/analytics/recordings/segments/{segments[0].pk}.mp4")
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    assert b"".join(whole.streaming_content) == VIDEO
    part = client.get(
        f"/analytics/recordings/segments/{segments[1].pk}.mp4", HTTP_RANGE="bytes=100-199"
    )
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-199/{len(VIDEO)}"
    assert b"".join(part.streaming_content) == VIDEO[100:200]
    tail = client.get(
        f"/analytics/recordings/segments/{segments[2].pk}.mp4", HTTP_RANGE="bytes=-50"
    )
    assert b"".join(tail.streaming_content) == VIDEO[-50:]
    bad = client.get(
        f"/analytics/recordings/segments/{segments[2].pk}.mp4",
        HTTP_RANGE=f"bytes={len(VIDEO)}-",
    )
    assert bad.status_code == 416

    events = AccessEvent.objects.filter(kind=AccessKind.RECORDING_VIEW, actor=guard)
    assert events.count() == 1  # the three segments are one stretch of footage
    event = events.get()
    assert event.target_id == str(camera.pk)
    assert event.data["from_ts"] == START.timestamp()
    assert event.data["to_ts"] == (START + timedelta(seconds=12)).timestamp()


def test_hidden_missing_and_original_segments_answer_404(client, scene):
    camera, guard, stranger = scene
    shown = segment(camera, 0)
    original = segment(camera, 0, track="original")
    client.force_login(guard)
    assert client.get(f"/analytics/recordings/segments/{original.pk}.mp4").status_code == 404
    assert client.get("/analytics/recordings/segments/987654.mp4").status_code == 404
    client.force_login(stranger)
    for path in (
        f"/analytics/recordings/segments/{shown.pk}.mp4",
        f"/analytics/cameras/{camera.pk}/recordings/",
        f"/analytics/cameras/{camera.pk}/recordings/index.json"
        f"?start={START.timestamp()}&end={START.timestamp() + 60}",
    ):
        assert client.get(path).status_code == 404, path
    assert not AccessEvent.objects.filter(kind=AccessKind.RECORDING_VIEW).exists()


def test_the_index_lists_anonymised_segments_coverage_and_the_alerts(client, scene):
    camera, guard, _ = scene
    for n in range(3):
        segment(camera, 4 * n)
    segment(camera, 0, track="original")
    alert = Alert.objects.create(
        camera=camera, kind="person_in_zone", occurred_at=START + timedelta(seconds=5)
    )
    client.force_login(guard)
    page = client.get(f"/analytics/cameras/{camera.pk}/recordings/?day=2026-11-30")
    assert page.status_code == 200
    assert f'data-day-start="{START.replace(hour=0).timestamp()}"' in page.content.decode()
    index = client.get(
        f"/analytics/cameras/{camera.pk}/recordings/index.json",
        {"start": START.timestamp() - 60, "end": START.timestamp() + 60},
    ).json()
    assert len(index["segments"]) == 3
    assert index["coverage"] == [[START.timestamp(), START.timestamp() + 12]]
    assert [a["id"] for a in index["alerts"]] == [alert.pk]
    assert not AccessEvent.objects.filter(kind=AccessKind.RECORDING_VIEW).exists()


def test_camera_and_alert_pages_link_to_the_recording(client, scene):
    camera, guard, _ = scene
    alert = Alert.objects.create(camera=camera, kind="person_in_zone", occurred_at=START)
    client.force_login(guard)
    camera_page = client.get(f"/cameras/{camera.pk}/").content.decode()
    assert f"/analytics/cameras/{camera.pk}/recordings/" in camera_page
    alert_page = client.get(f"/analytics/alerts/{alert.pk}/").content.decode()
    assert f"/analytics/cameras/{camera.pk}/recordings/?at={int(START.timestamp())}" in alert_page
