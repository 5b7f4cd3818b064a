"""Reads for the playback page: a camera's day in its site's time zone, and the alerts of a
stretch of its recording (the timeline's marks)."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta

from analytics.models import Alert
from cameras.models import Camera


def playback_day_bounds(*, camera: Camera, day: date) -> tuple[datetime, datetime]:
    """The start and end of ``day`` where the camera is (its site's time zone)."""
    zone = zoneinfo.ZoneInfo(camera.site.time_zone or "UTC")
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def playback_alerts(*, user, camera_id: int, start: datetime, end: datetime, limit: int = 2000):
    """The alerts of the camera in [start, end) the user may see, oldest first."""
    return (
        Alert.objects.restrict(user, "view")
        .filter(camera_id=camera_id, occurred_at__gte=start, occurred_at__lt=end)
        .order_by("occurred_at")
        .values("pk", "occurred_at", "kind", "status")[:limit]
    )
