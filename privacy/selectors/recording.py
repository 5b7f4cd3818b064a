"""Reads of recorded video, for a user through the gate.

Only the anonymised track is reachable here: the original exists for a user only inside an
approved un-mask, which has its own path. A camera the user may not see and one that does not
exist answer the same 404; so do its segments.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import QuerySet

from cameras.models import Camera
from privacy.models import RecordingSegment, RecordingTrack
from vms.permissions import get_restricted_or_404

# Segments closer than this are one stretch of footage on the timeline (frame timing jitter).
COVERAGE_JOIN_SECONDS = 1.5


def recording_camera_for_user(*, user, camera_id: int) -> Camera:
    """The camera, if ``user`` may see it (else 404)."""
    return get_restricted_or_404(Camera.objects.select_related("site"), user, "view", pk=camera_id)


def recording_segments_for_user(
    *, user, camera_id: int, start: datetime, end: datetime
) -> QuerySet[RecordingSegment]:
    """The camera's anonymised segments that share a moment with [start, end), in time order."""
    recording_camera_for_user(user=user, camera_id=camera_id)
    return (
        RecordingSegment.objects.restrict(user, "view")
        .filter(
            camera_id=camera_id,
            track=RecordingTrack.ANONYMISED,
            started_at__lt=end,
            ended_at__gt=start,
        )
        .order_by("started_at")
    )


def recording_segment_for_user(*, user, segment_id: int) -> RecordingSegment:
    """One anonymised segment the user may watch; hidden, missing and original all 404."""
    return get_restricted_or_404(
        RecordingSegment.objects.select_related("camera"),
        user,
        "view",
        pk=segment_id,
        track=RecordingTrack.ANONYMISED,
    )


def recording_coverage(
    *, user, camera_id: int, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The stretches of [start, end) with anonymised footage, merged (for the timeline)."""
    join = timedelta(seconds=COVERAGE_JOIN_SECONDS)
    ranges: list[list[datetime]] = []
    segments = recording_segments_for_user(
        user=user, camera_id=camera_id, start=start, end=end
    ).values_list("started_at", "ended_at")
    for seg_start, seg_end in segments.iterator():
        if ranges and seg_start <= ranges[-1][1] + join:
            ranges[-1][1] = max(ranges[-1][1], seg_end)
        else:
            ranges.append([seg_start, seg_end])
    return [(max(a, start), min(b, end)) for a, b in ranges]


def subject_request_footage(*, user, subject_request) -> list[dict]:
    """What is recorded of a subject-access request's cameras in its time window: per camera
    the user may see, the stretches of anonymised footage and their total length (to find the
    requester; the playback page shows the alerts around them)."""
    cameras = (
        Camera.objects.restrict(user, "view")
        .filter(pk__in=subject_request.cameras.values("pk"))
        .select_related("site")
        .order_by("name")
    )
    found = []
    for camera in cameras:
        ranges = recording_coverage(
            user=user,
            camera_id=camera.pk,
            start=subject_request.window_start,
            end=subject_request.window_end,
        )
        found.append(
            {
                "camera": camera,
                "ranges": ranges,
                "seconds": round(sum((b - a).total_seconds() for a, b in ranges)),
                "at": int((ranges[0][0] if ranges else subject_request.window_start).timestamp()),
            }
        )
    return found
