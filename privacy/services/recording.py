"""Writes of recording: store a recorded segment (one track) in the sealed media store, record
who watched recorded video, and what retention removes of it.

A segment's file is named ``recordings/<camera id>/<yyyy>/<mm>/<dd>/<hhmmss>-<µs>-<track>.mp4``
(UTC, from its start): the name puts it under the camera's day key (``privacy.storage``), so a
day of recording is crypto-erased with that key, and un-masking finds the original track of a
moment from the anonymised one's name. Both tracks are H.264 fragmented MP4, encoded to memory
by the analytics worker (``analytics.worker.recorder``) and sealed on the way into the store:
no decrypted video is ever written to disk.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cameras.models import Camera
from compliance.models import AccessEvent, AccessKind
from compliance.services import access_event_record
from privacy.models import RecordingSegment, RecordingTrack
from privacy.services.retention import Collector, media_cutoff

logger = logging.getLogger(__name__)

# Watching recorded video is recorded once per viewer, camera and stretch of footage: the
# player's many segment requests inside a stretch recorded in the last few minutes add nothing.
RECORDING_VIEW_COALESCE = timedelta(minutes=10)


def recording_segment_name(*, camera_id: int, track: str, started_at: datetime) -> str:
    """Where a segment lives in the media store (see the module's description)."""
    at = started_at.astimezone(UTC)
    return f"recordings/{camera_id}/{at:%Y/%m/%d}/{at:%H%M%S}-{at.microsecond:06d}-{track}.mp4"


def recording_segment_store(
    *,
    camera_id: int,
    track: str,
    started_at: datetime,
    ended_at: datetime,
    video: bytes,
    frames: int,
    fps: float,
    width: int,
    height: int,
) -> RecordingSegment:
    """Seal one segment's video into the media store and index it. The file goes first, then
    the row in its own transaction; if the row cannot be written the file is removed again."""
    if track not in RecordingTrack.values:
        raise ValueError(f"unknown track {track!r}")
    if ended_at <= started_at:
        raise ValueError("a segment must last")
    name = recording_segment_name(camera_id=camera_id, track=track, started_at=started_at)
    stored = default_storage.save(name, ContentFile(video, name=name))
    try:
        with transaction.atomic():
            return RecordingSegment.objects.create(
                camera_id=camera_id,
                track=track,
                started_at=started_at,
                ended_at=ended_at,
                name=stored,
                bytes=len(video),
                frames=frames,
                fps=fps,
                width=width,
                height=height,
            )
    except Exception:
        default_storage.delete(stored)
        raise


def recording_view_record(
    *, user, camera: Camera, start: datetime, end: datetime, request=None, via: str
) -> AccessEvent | None:
    """``user`` watches ``camera``'s recorded (anonymised) video from ``start`` to ``end``:
    one access event, unless an event of theirs from the last few minutes already covers that
    stretch (a player fetching its segments one by one). Returns the event written, if any."""
    since = timezone.now() - RECORDING_VIEW_COALESCE
    with transaction.atomic():
        covered = AccessEvent.objects.filter(
            kind=AccessKind.RECORDING_VIEW,
            actor=user,
            target_id=str(camera.pk),
            occurred_at__gte=since,
            data__from_ts__lte=start.timestamp(),
            data__to_ts__gte=end.timestamp(),
        ).exists()
        if covered:
            return None
        return access_event_record(
            kind=AccessKind.RECORDING_VIEW,
            actor=user,
            target=camera,
            data={
                "track": RecordingTrack.ANONYMISED,
                "from": start.isoformat(),
                "to": end.isoformat(),
                "from_ts": start.timestamp(),
                "to_ts": end.timestamp(),
                "via": via,
            },
            request=request,
        )


# --- retention -----------------------------------------------------------------------------
def _segments_purge(*, camera: Camera, before: datetime, held, batch: int):
    """One batch of the camera's segments that ended before ``before`` and lie in no hold:
    files first, then rows (a run killed between leaves rows the next run finishes)."""
    with transaction.atomic():
        rows = list(
            RecordingSegment.objects.filter(camera=camera, ended_at__lt=before)
            .exclude(_overlapping(held))
            .select_for_update(skip_locked=True)
            .order_by("started_at")
            .values_list("pk", "started_at", "ended_at", "name", "bytes")[:batch]
        )
        if not rows:
            return 0, 0, None, None
        for _pk, _start, _end, name, _size in rows:
            default_storage.delete(name)  # a missing file is a no-op
        RecordingSegment.objects.filter(pk__in=[row[0] for row in rows]).delete()
    return len(rows), sum(row[4] for row in rows), rows[0][1], max(row[2] for row in rows)


def _segments_held(*, camera: Camera, before: datetime, held) -> int:
    if not held:
        return 0
    segments = RecordingSegment.objects.filter(camera=camera, ended_at__lt=before)
    return segments.filter(_overlapping(held)).count()


def _overlapping(held) -> Q:
    """Segments sharing any moment with a held range (a segment across a hold's edge is kept
    whole: footage under a hold is never cut short)."""
    query = Q(pk__in=[])
    for start, end in held:
        query |= Q(started_at__lt=end, ended_at__gt=start)
    return query


RECORDING_SEGMENTS = Collector(
    kind="recording_segments",
    cutoff=media_cutoff,
    purge=_segments_purge,
    held_count=_segments_held,
)
