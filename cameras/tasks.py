"""Celery tasks of the cameras app: thin wrappers that take ids and call one service."""

from __future__ import annotations

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from cameras.services.health import camera_probe_enabled, cameras_probe_due
from compliance.services import acting_as

# OpenCV's own timeouts end a probe first. The soft limit is a backstop for a decode that
# ignores them; the hard limit kills the pool process (prefork workers, see settings), so a
# wedged probe can never hold a worker.
PROBE_SOFT_TIME_LIMIT = settings.CAMERA_PROBE_SOFT_TIME_LIMIT_SECONDS
PROBE_TIME_LIMIT = settings.CAMERA_PROBE_TIME_LIMIT_SECONDS


@shared_task(
    name="cameras.tasks.camera_probe",
    soft_time_limit=PROBE_SOFT_TIME_LIMIT,
    time_limit=PROBE_TIME_LIMIT,
    ignore_result=False,
)
def camera_probe(camera_id: int) -> dict | None:
    """Probe one camera and record the result; None if it is disabled or gone."""
    try:
        with acting_as():
            result = camera_probe_enabled(camera_id=camera_id)
    except SoftTimeLimitExceeded:
        # The probe is abandoned; its camera stays claimed until the lease ends, then retried.
        return {"ok": False, "status": "error", "message": "Probe exceeded its time limit"}
    return result.as_dict() if result else None


@shared_task(name="cameras.tasks.camera_probe_due")
def camera_probe_due() -> list[int]:
    """Queue a probe for every enabled camera that is due (run by the beat schedule)."""
    camera_ids = cameras_probe_due()
    for camera_id in camera_ids:
        camera_probe.delay(camera_id)
    return camera_ids
