"""What retention removes of analytics' data (registered with ``privacy.services.retention``).

* ``alert_media``: alert snapshots and clips, after the camera's retention (hours). The files go
  first, then the row's references, one batch per transaction: a run killed between the two
  leaves references the next run clears (deleting a missing file is a no-op).
* ``alerts``: the alert rows and their decisions — the AI decision log — kept apart from video
  for ``DECISION_LOG_RETENTION_DAYS`` (default 183: the EU AI Act asks deployers to keep logs
  at least six months), and only once their media are gone. Each batch's deletion is recorded
  by the run's ``DeletionRecord`` rather than one change-log entry per row.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from auditlog.context import disable_auditlog
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max, Min

from analytics.models import Alert
from cameras.models import Camera
from privacy.services.retention import Collector, inside, media_cutoff, outside


def _with_media():
    return Alert.objects.exclude(snapshot="", clip="")


def _media_purge(*, camera: Camera, before: datetime, held, batch: int):
    with transaction.atomic():
        rows = list(
            _with_media()
            .filter(camera=camera, occurred_at__lt=before)
            .filter(outside("occurred_at", held))
            .select_for_update(skip_locked=True)
            .order_by("occurred_at")
            .values_list("pk", "occurred_at", "snapshot", "clip")[:batch]
        )
        if not rows:
            return 0, 0, None, None
        size = 0
        for _pk, _at, *names in rows:
            for name in names:
                if name and default_storage.exists(name):
                    size += default_storage.size(name)
                    default_storage.delete(name)
        Alert.objects.filter(pk__in=[row[0] for row in rows]).update(snapshot="", clip="")
    return len(rows), size, rows[0][1], rows[-1][1]


def _media_held(*, camera: Camera, before: datetime, held) -> int:
    if not held:
        return 0
    return (
        _with_media()
        .filter(camera=camera, occurred_at__lt=before)
        .filter(inside("occurred_at", held))
        .count()
    )


def decision_log_cutoff(camera: Camera, now: datetime) -> datetime:
    days = max(settings.DECISION_LOG_RETENTION_DAYS, 183)
    return min(now - timedelta(days=days), media_cutoff(camera, now))


def _rows_purge(*, camera: Camera, before: datetime, held, batch: int):
    with transaction.atomic():
        expired = (
            Alert.objects.filter(camera=camera, occurred_at__lt=before, snapshot="", clip="")
            .filter(outside("occurred_at", held))
            .order_by("occurred_at")
        )
        ids = list(expired.values_list("pk", flat=True)[:batch])
        if not ids:
            return 0, 0, None, None
        span = Alert.objects.filter(pk__in=ids).aggregate(
            oldest=Min("occurred_at"), newest=Max("occurred_at")
        )
        with disable_auditlog():  # recorded as one DeletionRecord, not row by row
            Alert.objects.filter(pk__in=ids).delete()
    return len(ids), 0, span["oldest"], span["newest"]


def _rows_held(*, camera: Camera, before: datetime, held) -> int:
    if not held:
        return 0
    return (
        Alert.objects.filter(camera=camera, occurred_at__lt=before)
        .filter(inside("occurred_at", held))
        .count()
    )


ALERT_MEDIA = Collector(
    kind="alert_media", cutoff=media_cutoff, purge=_media_purge, held_count=_media_held
)
ALERT_ROWS = Collector(
    kind="alerts",
    cutoff=decision_log_cutoff,
    purge=_rows_purge,
    held_count=_rows_held,
)
