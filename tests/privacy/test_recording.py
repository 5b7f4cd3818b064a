"""Recording: the worker's recorder cuts segments (continuous, and around alerts with pre- and
post-roll), both tracks are stored sealed as H.264 fragmented MP4, the gate shows a user only
the anonymised track of cameras they may see, and retention removes expired segments outside
legal holds with a deletion record."""

from __future__ import annotations

import re
import subprocess
import time
from datetime import UTC, datetime, timedelta

import cv2
import numpy as np
import pytest
from django.core.files.storage import default_storage
from django.http import Http404

from accounts.roles import Role
from analytics.worker.recorder import CameraRecorder, RecordFrame
from compliance.models import AccessEvent, AccessKind
from privacy.models import DeletionRecord, RecordingSegment, RecordingTrack
from privacy.selectors.recording import (
    recording_coverage,
    recording_segment_for_user,
    recording_segments_for_user,
)
from privacy.services.holds import legal_hold_place
from privacy.services.recording import recording_segment_store, recording_view_record
from privacy.services.retention import retention_purge
from privacy.video import FragmentedH264Encoder
from tests.factories import CameraFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC).timestamp()


def frames_at(fps: float, seconds: float, *, start: float = T0, alert_at=(), mode="continuous"):
    """Frames of a moving gradient at ``fps`` for ``seconds`` (an alert on the frames at the
    given offsets)."""
    count = int(seconds * fps)
    for n in range(count):
        at = start + n / fps
        image = np.full((72, 128, 3), (n * 7) % 255, np.uint8)
        yield RecordFrame(
            captured_at=at,
            original=image,
            anonymised=image // 2,
            alert=any(abs(at - (start + a)) < 0.5 / fps for a in alert_at),
            mode=mode,
            fps=fps,
            pre_roll=4,
            post_roll=6,
        )


class Collected:
    def __init__(self):
        self.segments = []

    def __call__(self, segment, camera_id):
        self.segments.append((segment.started_at - T0, segment.ended_at - T0, segment.videos))


def record(frames, **kwargs) -> Collected:
    store = Collected()
    recorder = CameraRecorder(1, store=store, **kwargs)
    for frame in frames:
        recorder._record(frame)  # the recorder thread's work, in order, without the queue
    recorder._finish_current()
    recorder._flush(final=True)
    return store


def test_continuous_recording_cuts_segments_of_the_set_length_that_add_up():
    store = record(frames_at(5, 12), segment_seconds=4)
    spans = [(round(a, 1), round(b, 1)) for a, b, _ in store.segments]
    assert spans == [(0.0, 4.0), (4.0, 8.0), (8.0, 12.0)]
    for _, _, videos in store.segments:
        assert set(videos) == {RecordingTrack.ORIGINAL, RecordingTrack.ANONYMISED}
        assert all(video[4:8] == b"ftyp" and b"moof" in video for video in videos.values())


def test_a_stalled_stream_ends_the_segment_and_leaves_a_gap():
    frames = list(frames_at(5, 3)) + list(frames_at(5, 3, start=T0 + 10))
    store = record(frames, segment_seconds=10)
    spans = [(round(a, 1), round(b, 1)) for a, b, _ in store.segments]
    assert spans == [(0.0, 3.0), (10.0, 13.0)]


def test_alerts_mode_keeps_the_pre_roll_and_records_through_the_post_roll():
    # Pre-roll 4 s, post-roll 6 s, 2-s segments; an alert at 20 s, another at 24 s.
    store = record(frames_at(5, 60, alert_at=(20, 24), mode="alerts"), segment_seconds=2)
    spans = [(round(a), round(b)) for a, b, _ in store.segments]
    assert spans[0][0] <= 16 and spans[0][0] >= 14  # at least 4 s before, at most a segment more
    assert spans[-1][1] >= 30 and spans[-1][1] <= 32  # through 24 + 6, no more than a segment
    starts = [a for a, _ in spans]
    assert starts == sorted(starts) and all(
        b == a2 for (_, b), (a2, _) in zip(spans, spans[1:], strict=False)
    )


def test_switching_off_keeps_what_was_recorded_before():
    frames = list(frames_at(5, 3)) + list(frames_at(5, 3, start=T0 + 3, mode="off"))
    store = record(frames, segment_seconds=10)
    assert [(round(a, 1), round(b, 1)) for a, b, _ in store.segments] == [(0.0, 3.0)]


def test_alerts_mode_stores_nothing_without_alerts():
    assert record(frames_at(5, 20, mode="alerts"), segment_seconds=2).segments == []


def test_the_recorder_thread_stores_what_it_was_offered():
    store = Collected()
    recorder = CameraRecorder(1, store=store, segment_seconds=1)
    offer_all(recorder, frames_at(5, 3))
    assert sum(b - a for a, b, _ in store.segments) == pytest.approx(3.0, abs=0.3)
    stored = len(store.segments)
    for frame in frames_at(5, 2, start=T0 + 10):  # a frame or two after the camera closed
        recorder.offer(frame)
    assert recorder._thread is None and len(store.segments) == stored


def offer_all(recorder: CameraRecorder, frames) -> None:
    """Offer frames no faster than the recorder takes them (a camera sends them in real
    time; here they come all at once, and a full queue would drop them)."""
    for frame in frames:
        while recorder._queue.full():
            time.sleep(0.01)
        recorder.offer(frame)
    recorder.close()


def _video(seconds=2, fps=5) -> bytes:
    encoder = FragmentedH264Encoder(width=64, height=48, fps=fps)
    for n in range(seconds * fps):
        encoder.write(np.full((48, 64, 3), n * 10, np.uint8))
    return encoder.finish()


def test_a_stored_segment_is_sealed_named_by_camera_day_and_decodes(settings):
    camera = CameraFactory()
    video = _video()
    start = datetime(2026, 12, 1, 9, 30, 5, 123456, tzinfo=UTC)
    segment = recording_segment_store(
        camera_id=camera.pk,
        track="anonymised",
        started_at=start,
        ended_at=start + timedelta(seconds=2),
        video=video,
        frames=10,
        fps=5,
        width=64,
        height=48,
    )
    assert segment.name == f"recordings/{camera.pk}/2026/12/01/093005-123456-anonymised.mp4"
    assert default_storage.scope_of(segment.name) == f"camera:{camera.pk}:2026-12-01"
    on_disk = (settings.MEDIA_ROOT / segment.name).read_bytes()
    assert b"ftyp" not in on_disk and b"avc1" not in on_disk
    assert default_storage.open(segment.name).read() == video
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
         "-show_entries", "stream=codec_name,nb_read_frames", "-of", "csv=p=0", "-"],
        input=video, capture_output=True, check=True,
    )  # fmt: skip
    assert probe.stdout.decode().strip() == "h264,10"


def _segment(camera, start: datetime, track="anonymised", seconds=10) -> RecordingSegment:
    return recording_segment_store(
        camera_id=camera.pk,
        track=track,
        started_at=start,
        ended_at=start + timedelta(seconds=seconds),
        video=b"\x00\x00\x00\x18ftypiso5" + bytes(200),
        frames=50,
        fps=5,
        width=64,
        height=48,
    )


def test_the_gate_shows_only_anonymised_segments_of_visible_cameras():
    mine, theirs = CameraFactory(), CameraFactory()
    guard = UserFactory(role=Role.GUARD, cameras=[mine])
    start = NOW - timedelta(hours=1)
    shown = _segment(mine, start)
    original = _segment(mine, start, track="original")
    hidden = _segment(theirs, start)
    assert recording_segment_for_user(user=guard, segment_id=shown.pk) == shown
    for segment in (original, hidden):
        with pytest.raises(Http404):
            recording_segment_for_user(user=guard, segment_id=segment.pk)
    with pytest.raises(Http404):
        recording_segment_for_user(user=guard, segment_id=999_999)
    with pytest.raises(Http404):
        recording_segments_for_user(user=guard, camera_id=theirs.pk, start=start, end=NOW)
    listed = recording_segments_for_user(user=guard, camera_id=mine.pk, start=start, end=NOW)
    assert list(listed) == [shown]


def test_coverage_merges_adjacent_segments():
    camera = CameraFactory()
    admin = UserFactory(role=Role.ADMIN)
    for offset in (0, 10, 20, 60):
        _segment(camera, NOW - timedelta(minutes=5) + timedelta(seconds=offset))
    ranges = recording_coverage(
        user=admin, camera_id=camera.pk, start=NOW - timedelta(hours=1), end=NOW
    )
    base = NOW - timedelta(minutes=5)
    assert ranges == [
        (base, base + timedelta(seconds=30)),
        (base + timedelta(seconds=60), base + timedelta(seconds=70)),
    ]


def test_watching_a_stretch_is_one_access_event_however_many_segments():
    camera = CameraFactory()
    guard = UserFactory(role=Role.GUARD, cameras=[camera])
    start = NOW - timedelta(minutes=10)
    assert recording_view_record(
        user=guard, camera=camera, start=start, end=start + timedelta(minutes=5), via="playlist"
    )
    for n in range(5):
        inside = start + timedelta(seconds=10 * n)
        assert not recording_view_record(
            user=guard, camera=camera, start=inside, end=inside + timedelta(seconds=10), via="s"
        )
    later = start + timedelta(minutes=6)
    assert recording_view_record(
        user=guard, camera=camera, start=later, end=later + timedelta(seconds=10), via="segment"
    )
    assert AccessEvent.objects.filter(kind=AccessKind.RECORDING_VIEW).count() == 2


def test_retention_removes_expired_segments_outside_holds_with_a_record(settings):
    camera = CameraFactory(retention_hours=72)
    supervisor = UserFactory(role=Role.SUPERVISOR, cameras=[camera])
    old = [_segment(camera, NOW - timedelta(days=5, minutes=n), track=t) for n in range(3)
           for t in ("anonymised", "original")]  # fmt: skip
    held = _segment(camera, NOW - timedelta(days=4))
    held_original = _segment(camera, NOW - timedelta(days=4), track="original")
    fresh = _segment(camera, NOW - timedelta(hours=1))
    legal_hold_place(
        actor=supervisor,
        camera_ids=[camera.pk],
        starts_at=held.started_at + timedelta(seconds=5),  # the hold starts mid-segment
        ends_at=held.started_at + timedelta(minutes=1),
        reason="Police request 2026/77: theft at the loading bay",
        reference="PR-77",
        expires_at=NOW + timedelta(days=30),
    )
    summary = retention_purge(now=NOW)

    remaining = set(RecordingSegment.objects.values_list("pk", flat=True))
    assert remaining == {held.pk, held_original.pk, fresh.pk}
    for segment in old:
        assert not default_storage.exists(segment.name)
    for segment in (held, held_original, fresh):
        assert default_storage.exists(segment.name)
    record = DeletionRecord.objects.get(run=summary.run, kind="recording_segments")
    assert record.items == 6 and record.bytes == sum(s.bytes for s in old)
    assert record.held_back == 2
    assert record.range_start == min(s.started_at for s in old)
    again = retention_purge(now=NOW)
    assert not DeletionRecord.objects.filter(run=again.run, kind="recording_segments", items__gt=0)


# Patterns specific enough never to occur by chance in megabytes of ciphertext (a bare
# three-byte JPEG start does, about once in 16 MB), anywhere in a file.
SIGNATURES = {
    "JPEG header": re.compile(rb"JFIF\x00|Exif\x00\x00|\A\xff\xd8\xff"),
    "MP4 ftyp box": re.compile(rb"ftyp[a-zA-Z0-9]{4}"),
    "MP4 fragment": re.compile(rb"moof\x00\x00\x00\x10mfhd"),
    "H.264 configuration": re.compile(rb"avcC\x01[\x42\x4d\x58\x64]"),
    "H.264 parameter sets": re.compile(rb"\x00\x00\x00\x01(?:\x67[\x42\x4d\x58\x64]|\x68)"),
}


def scan_media_store(root, secrets: list[bytes]) -> list[str]:
    """What an attacker holding the disk would recognise: media signatures or secrets."""
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        for label, signature in SIGNATURES.items():
            if signature.search(data):
                found.append(f"{path}: {label}")
        for secret in secrets:
            if secret in data:
                found.append(f"{path}: a camera secret")
    return found


def test_the_scan_finds_what_it_looks_for(tmp_path):
    encoder = FragmentedH264Encoder(width=64, height=48, fps=5)
    for n in range(5):
        encoder.write(np.full((48, 64, 3), n * 40, np.uint8))
    (tmp_path / "plain.mp4").write_bytes(encoder.finish())
    ok, jpeg = cv2.imencode(".jpg", np.zeros((8, 8, 3), np.uint8))
    (tmp_path / "plain.jpg").write_bytes(b"padding" + jpeg.tobytes())
    (tmp_path / "raw.h264").write_bytes(b"\x00\x00\x00\x01\x67\x64\x00\x1f\xac")  # Annex B
    (tmp_path / "config").write_bytes(b"rtsp://cam:Lobby-pass@10.0.0.9/")
    found = " ".join(scan_media_store(tmp_path, [b"Lobby-pass"]))
    for label in [*SIGNATURES, "a camera secret"]:
        assert label in found, label


@pytest.mark.django_db(transaction=True)  # the recorder's thread has its own connection
def test_after_recording_the_media_store_holds_no_media_signature_or_password(settings):
    password = "Lobby-cam-s3cret-2026"
    camera = CameraFactory(source_username="recorder", source_password=password)
    recorder = CameraRecorder(camera.pk, segment_seconds=2)
    offer_all(recorder, frames_at(5, 6))
    stored = RecordingSegment.objects.filter(camera=camera)
    assert stored.filter(track="original").count() == 3
    assert stored.filter(track="anonymised").count() == 3
    for segment in stored:
        assert default_storage.open(segment.name).read()[4:8] == b"ftyp"  # plays, decrypted
    files = [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()]
    assert len(files) == 6
    assert scan_media_store(settings.MEDIA_ROOT, [password.encode()]) == []
