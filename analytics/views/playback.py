"""Playback of recorded video: the page (a day's timeline with its alerts, the player), the
index the player reads, and the segments themselves, decrypted on the fly with HTTP ranges.

Only the anonymised track is served here; the original exists for a viewer only inside an
approved un-mask (``privacy``). Every read goes through the gate: a camera or segment the
viewer may not see answers 404, like one that does not exist. Watching is recorded as
``RECORDING_VIEW`` access events, one per viewer and stretch of footage
(``privacy.services.recording.recording_view_record``), not one per request.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from analytics.selectors.playback import playback_alerts, playback_day_bounds
from privacy.models import RecordingSegment, RecordingTrack
from privacy.selectors.recording import (
    recording_camera_for_user,
    recording_coverage,
    recording_segment_for_user,
    recording_segments_for_user,
)
from privacy.services.recording import recording_view_record

CHUNK = 256 * 1024
MAX_INDEX_SPAN = timedelta(hours=26)  # a day, with room for a daylight-saving change
# A viewer who opens a segment is taken to watch on through the stretch it starts (up to
# this far): the player's next requests fall inside that one access event.
WATCH_AHEAD = timedelta(minutes=30)
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _day(request, camera) -> tuple[date, float | None]:
    at = request.GET.get("at")
    if at:
        try:
            moment = datetime.fromtimestamp(float(at), UTC)
        except (ValueError, OverflowError, OSError) as error:
            raise Http404("No such time.") from error
        zone = playback_day_bounds(camera=camera, day=moment.date())[0].tzinfo
        return moment.astimezone(zone).date(), moment.timestamp()
    try:
        return date.fromisoformat(request.GET["day"]), None
    except (KeyError, ValueError):
        start = playback_day_bounds(camera=camera, day=timezone.now().date())[0]
        return timezone.now().astimezone(start.tzinfo).date(), None


@require_GET
@login_required
def camera_playback(request, camera_id: int):
    """A camera's recorded (anonymised) video of one day, with that day's alerts."""
    camera = recording_camera_for_user(user=request.user, camera_id=camera_id)
    day, at = _day(request, camera)
    start, end = playback_day_bounds(camera=camera, day=day)
    return render(
        request,
        "playback/camera_playback.html",
        {
            "camera": camera,
            "day": day,
            "day_start": start.timestamp(),
            "day_end": end.timestamp(),
            "seek_to": at if at is not None else "",
            "previous_day": day - timedelta(days=1),
            "next_day": day + timedelta(days=1),
            "index_url": reverse("analytics:playback-index", args=[camera.pk]),
        },
    )


def _span(request) -> tuple[datetime, datetime]:
    try:
        start = datetime.fromtimestamp(float(request.GET["start"]), UTC)
        end = datetime.fromtimestamp(float(request.GET["end"]), UTC)
    except (KeyError, ValueError, OverflowError, OSError) as error:
        raise Http404("Give start and end as Unix times.") from error
    if not start < end <= start + MAX_INDEX_SPAN:
        raise Http404("The span must be positive and at most a day.")
    return start, end


@require_GET
@login_required
def playback_index(request, camera_id: int):
    """The segments, the stretches of footage and the alerts of [start, end), for the player."""
    start, end = _span(request)
    segments = recording_segments_for_user(
        user=request.user, camera_id=camera_id, start=start, end=end
    ).values_list("pk", "started_at", "ended_at")
    coverage = recording_coverage(user=request.user, camera_id=camera_id, start=start, end=end)
    alerts = playback_alerts(user=request.user, camera_id=camera_id, start=start, end=end)
    response = JsonResponse(
        {
            "segments": [
                {
                    "id": pk,
                    "url": reverse("analytics:recording-segment", args=[pk]),
                    "start": seg_start.timestamp(),
                    "end": seg_end.timestamp(),
                }
                for pk, seg_start, seg_end in segments
            ],
            "coverage": [[a.timestamp(), b.timestamp()] for a, b in coverage],
            "alerts": [
                {
                    "id": alert["pk"],
                    "at": alert["occurred_at"].timestamp(),
                    "kind": alert["kind"],
                    "status": alert["status"],
                    "url": reverse("analytics:alert-detail", args=[alert["pk"]]),
                }
                for alert in alerts
            ],
        }
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _stretch_end(segment: RecordingSegment) -> datetime:
    """Where the footage that ``segment`` starts runs without a gap (up to WATCH_AHEAD)."""
    end, limit = segment.ended_at, segment.started_at + WATCH_AHEAD
    following = (
        RecordingSegment.objects.filter(
            camera_id=segment.camera_id,
            track=RecordingTrack.ANONYMISED,
            started_at__gte=segment.started_at,
            started_at__lt=limit,
        )
        .order_by("started_at")
        .values_list("started_at", "ended_at")
    )
    for seg_start, seg_end in following:
        if seg_start > end + timedelta(seconds=1.5):
            break
        end = max(end, seg_end)
    return min(end, limit)


@require_GET
@login_required
def recording_segment(request, segment_id: int):
    """One anonymised segment (fragmented MP4), decrypted as it is sent; ``Range`` honoured."""
    segment = recording_segment_for_user(user=request.user, segment_id=segment_id)
    if not default_storage.exists(segment.name):
        raise Http404("No such segment.")
    size = default_storage.size(segment.name)
    first, last = 0, size - 1
    status = 200
    header = request.headers.get("Range", "")
    if header:
        match = _RANGE.match(header.strip())
        if not match or (not match[1] and not match[2]):
            return _unsatisfiable(size)
        if match[1]:
            first = int(match[1])
            last = min(int(match[2]), size - 1) if match[2] else size - 1
        else:  # the last N bytes
            first = max(0, size - int(match[2]))
        if first > last or first >= size:
            return _unsatisfiable(size)
        status = 206
    recording_view_record(
        user=request.user,
        camera=segment.camera,
        start=segment.started_at,
        end=_stretch_end(segment),
        request=request,
        via="segment",
    )
    stream = default_storage.open(segment.name)
    stream.seek(first)

    def chunks():
        left = last - first + 1
        try:
            while left > 0:
                data = stream.read(min(CHUNK, left))
                if not data:
                    return
                left -= len(data)
                yield data
        finally:
            stream.close()

    response = StreamingHttpResponse(chunks(), status=status, content_type="video/mp4")
    response["Content-Length"] = str(last - first + 1)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, no-store"
    if status == 206:
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    return response


def _unsatisfiable(size: int) -> HttpResponse:
    response = HttpResponse(status=416)
    response["Content-Range"] = f"bytes */{size}"
    return response
