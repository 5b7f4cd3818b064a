"""Writes of camera health: recording probe results and scheduling the next probe.

A probe's outcome is stored on the camera (status, message, measured facts). An online camera
is probed again after the regular interval; a failing one backs off exponentially
(``CAMERA_PROBE_BACKOFF_BASE_SECONDS * 2**(failures - 1)``, capped at
``CAMERA_PROBE_BACKOFF_MAX_SECONDS``), so a dead camera costs a worker a few seconds now and
then rather than every beat. Status changes reach the audit trail through django-auditlog; the
scheduling fields are excluded there as bookkeeping (see ``compliance.audit``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cameras.health import ProbeResult, probe_source
from cameras.models import Camera
from cameras.sources import redact_source_url

PROBE_FIELDS = [
    "status",
    "status_message",
    "last_probe_at",
    "last_seen_at",
    "next_probe_at",
    "probe_failures",
    "width",
    "height",
    "frame_rate",
    "codec",
]

STATUS_MESSAGE_MAX = Camera._meta.get_field("status_message").max_length


def probe_interval_seconds() -> float:
    """How often a healthy camera is probed: the interval of the ``camera_probe_due`` beat."""
    schedule = settings.CELERY_BEAT_SCHEDULE["camera-probe-due"]["schedule"]
    if isinstance(schedule, timedelta):
        return schedule.total_seconds()
    return float(getattr(schedule, "seconds", schedule))


def probe_backoff_seconds(failures: int) -> float:
    """The wait before probing again after ``failures`` consecutive failed probes."""
    if failures <= 0:
        return probe_interval_seconds()
    base = settings.CAMERA_PROBE_BACKOFF_BASE_SECONDS
    return min(base * 2 ** min(failures - 1, 32), settings.CAMERA_PROBE_BACKOFF_MAX_SECONDS)


def probe_lease_seconds() -> float:
    """Longest a probe can take: open and read timeouts plus the slow MJPEG rate sample."""
    return (
        settings.CAMERA_PROBE_OPEN_TIMEOUT_SECONDS
        + 2 * settings.CAMERA_PROBE_READ_TIMEOUT_SECONDS
        + 5.0
    )


def camera_probe(*, camera: Camera, now: datetime | None = None) -> ProbeResult:
    """Probe the camera's stream and store what was found.

    On success: status online, last seen, resolution, frame rate and codec; failures reset;
    next probe after the regular interval. On failure: status offline or error with a message
    (never credentials), the last measured facts kept, failures counted, and the next probe
    backed off. Returns the probe's result.
    """
    result = probe_source(
        camera.stream_url(),
        open_timeout=settings.CAMERA_PROBE_OPEN_TIMEOUT_SECONDS,
        read_timeout=settings.CAMERA_PROBE_READ_TIMEOUT_SECONDS,
    )
    now = now or timezone.now()
    camera.status = result.status
    # probe_source redacts credentials; the stored message, read by every role, loses the
    # source itself (and any credential a library echoed back).
    camera.status_message = _without_source(result.message, camera)[:STATUS_MESSAGE_MAX]
    camera.last_probe_at = now
    if result.ok:
        camera.last_seen_at = now
        camera.probe_failures = 0
        camera.width, camera.height = result.width, result.height
        camera.frame_rate, camera.codec = result.frame_rate, result.codec
        # Slightly under one interval, so the beat one interval from now finds it due.
        interval = probe_interval_seconds()
        camera.next_probe_at = now + timedelta(seconds=interval - min(5.0, interval / 4))
    else:
        camera.probe_failures += 1
        camera.next_probe_at = now + timedelta(seconds=probe_backoff_seconds(camera.probe_failures))
    camera.save(update_fields=PROBE_FIELDS)
    return result


def camera_probe_enabled(*, camera_id: int) -> ProbeResult | None:
    """Probe the camera with this id if it exists and is enabled (the task's entry point);
    None otherwise — a camera disabled or deleted since it was queued is left alone."""
    camera = Camera.objects.select_related("site").filter(pk=camera_id, enabled=True).first()
    if camera is None:
        return None
    return camera_probe(camera=camera)


def cameras_probe_due(*, now: datetime | None = None) -> list[int]:
    """Ids of enabled cameras whose next probe is due (never probed, or its time has come),
    claimed for one probe's duration so that the next beat does not queue them again while
    their probe waits or runs."""
    now = now or timezone.now()
    lease = now + timedelta(seconds=probe_lease_seconds())
    with transaction.atomic():
        due = list(
            Camera.objects.filter(enabled=True)
            .filter(Q(next_probe_at__isnull=True) | Q(next_probe_at__lte=now))
            .select_for_update(skip_locked=True)
            .order_by("next_probe_at", "pk")
            .values_list("pk", flat=True)
        )
        # A bulk update bypasses auditlog on purpose: next_probe_at is scheduling bookkeeping,
        # excluded from the audit trail (compliance.audit), and no status changes here.
        Camera.objects.filter(pk__in=due).update(next_probe_at=lease)
    return due


def _without_source(message: str, camera: Camera) -> str:
    """The probe's message with no trace of the camera's source.

    Every role that sees a camera reads its status message (lists, the wall, status pushes),
    but only holders of ``Perm.VIEW_CAMERA_SOURCE`` may learn where the un-anonymised stream
    is: the URL (with or without credentials), its host and, for files, the path go.
    """
    url = camera.stream_url()
    parts = urlsplit(camera.source_url)
    shown = {url, redact_source_url(url), camera.source_url, camera.source_url_display}
    if parts.scheme == "file":
        shown.add(unquote(parts.path))
    for text in sorted(shown, key=len, reverse=True):  # longest first: a URL before its host
        if text:
            message = message.replace(text, "the source")
    for secret in (parts.netloc, parts.hostname, camera.source_password, camera.source_username):
        if secret and len(secret) >= 3:
            message = message.replace(secret, "***")
    return message
