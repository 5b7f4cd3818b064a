"""Writes of camera health: recording probe results and scheduling the next probe.

A probe's outcome is stored on the camera (status, message, measured facts). An online camera
is probed again after the regular interval; a failing one backs off exponentially
(``CAMERA_PROBE_BACKOFF_BASE_SECONDS * 2**(failures - 1)``, capped at
``CAMERA_PROBE_BACKOFF_MAX_SECONDS``), so a dead camera costs a worker a few seconds now and
then rather than every beat. What a probe finds is stored by the one status writer,
:mod:`cameras.services.status`, shared with the analytics engine.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cameras.health import ProbeResult, probe_source
from cameras.models import Camera
from cameras.services.status import camera_status_record


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
    """Longest a probe can take: its task's hard time limit (the worker kills it then)."""
    return settings.CAMERA_PROBE_TIME_LIMIT_SECONDS


def camera_probe(*, camera: Camera, now: datetime | None = None) -> ProbeResult:
    """Probe the camera's stream and store what was found (through the one status writer,
    :func:`cameras.services.status.camera_status_record`, which pushes a change).

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
    facts: dict = {"last_probe_at": now}
    if result.ok:
        # Slightly under one interval, so the beat one interval from now finds it due.
        interval = probe_interval_seconds()
        facts.update(
            probe_failures=0,
            next_probe_at=now + timedelta(seconds=interval - min(5.0, interval / 4)),
            width=result.width,
            height=result.height,
            frame_rate=result.frame_rate,
            codec=result.codec,
        )
    else:
        failures = camera.probe_failures + 1
        facts.update(
            probe_failures=failures,
            next_probe_at=now + timedelta(seconds=probe_backoff_seconds(failures)),
        )
    camera_status_record(
        camera_id=camera.pk,
        status=result.status,
        # probe_source already redacts credentials; the writer takes the source itself out.
        message=result.message,
        seen_at=now if result.ok else None,
        facts=facts,
    )
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
