"""Watching un-masked video: every segment served is decided by the grant and recorded.

A segment of the original track is decrypted (in memory, by the media storage), clipped to the
grant's footage range, watermarked with the viewer's name and the time, and re-encoded
(:mod:`privacy.watermark`); an ``UNMASK`` access event records who saw which camera's which
seconds under which grant, in the same transaction that releases the bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from compliance.models import AccessKind
from compliance.services import access_event_record
from privacy.selectors import unmask_original_segment
from privacy.watermark import watermarked_clip

CHUNK = 256 * 1024


@dataclass(frozen=True)
class UnmaskedClip:
    data: bytes
    frames: int
    seconds: float


def viewer_label(user) -> str:
    """How a viewer is named in the watermark: full name and user name."""
    name = user.get_full_name().strip()
    username = user.get_username()
    return f"{name} ({username})" if name else username


def _plain_chunks(name: str) -> list[bytes]:
    # Read here, in the request's thread: the data key comes from the database, on this
    # thread's connection (and transaction). A segment is seconds of video: megabytes, in
    # memory only, never on disk.
    with default_storage.open(name, "rb") as media:
        return list(iter(lambda: media.read(CHUNK), b""))


def unmask_segment_watch(*, user, grant_id, camera_id, segment_id, request=None) -> UnmaskedClip:
    """One original segment, watermarked for ``user`` and clipped to their grant: 404 unless
    an active grant of theirs covers it. Recorded as an ``UNMASK`` access event."""
    grant, segment = unmask_original_segment(
        user=user, grant_id=grant_id, camera_id=camera_id, segment_id=segment_id
    )
    clip_from = max(grant.starts_at, segment.started_at)
    clip_to = min(grant.ends_at, segment.ended_at)
    data, frames = watermarked_clip(
        _plain_chunks(segment.name),
        width=segment.width,
        height=segment.height,
        fps=segment.fps,
        started_at=segment.started_at,
        clip_from=clip_from,
        clip_to=clip_to,
        viewer=viewer_label(user),
        viewed_at=timezone.now(),
    )
    if not frames:
        raise Http404("No such video.")
    seconds = round(frames / (segment.fps or 10.0), 3)
    with transaction.atomic():
        # The grant may have been revoked while we encoded: check again, then record.
        unmask_original_segment(
            user=user, grant_id=grant_id, camera_id=camera_id, segment_id=segment_id
        )
        access_event_record(
            kind=AccessKind.UNMASK,
            actor=user,
            target=segment.camera,
            reason=grant.reason,
            data={
                "grant": grant.pk,
                "camera": segment.camera_id,
                "segment": segment.pk,
                "from": clip_from.isoformat(),
                "to": clip_to.isoformat(),
                "seconds": seconds,
                "track": "original",
            },
            request=request,
        )
    return UnmaskedClip(data=data, frames=frames, seconds=seconds)
