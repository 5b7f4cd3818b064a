"""Statistics rollups: per camera × day counts of alerts and decisions, kept current from the
alerts themselves so that the review, the DPO's dashboard and reports read a few thousand
rows instead of scanning millions of alerts (issue 14).

Writing an alert or a decision marks its camera-day *stale* (one indexed insert, in the same
transaction, by signal: whatever writes them). :func:`stats_rollup_refresh` — every minute on
the scheduler — recomputes each stale camera-day from the alerts and replaces its rows. The
stale marks are taken in the transaction that recomputes them, so a write that lands while a
camera-day is being recomputed marks it again (its insert waits for the recompute to commit)
and the next run picks it up: nothing is lost, a run can be killed at any point, and
recomputing is idempotent. The pages say the figures can be a minute behind.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import Round
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from analytics.models import (
    Alert,
    AlertDailyStats,
    AlertDecision,
    DecisionDailyStats,
    StatsStale,
)

BATCH = 200  # camera-days per transaction
OPEN_STATUSES = (Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED, Alert.Status.ESCALATED)
VERDICTS = {
    AlertDecision.Action.CONFIRM: "confirmed",
    AlertDecision.Action.DISMISS: "dismissed",
    AlertDecision.Action.ACKNOWLEDGE: "acknowledged",
    AlertDecision.Action.ESCALATE: "escalated",
}


def utc_day(moment: dt.datetime | str) -> dt.date:
    """The UTC day of a moment (as saved: a datetime, or the ISO text a caller assigned)."""
    if isinstance(moment, str):
        moment = parse_datetime(moment)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment.astimezone(dt.UTC).date()


def stats_mark_stale(*, camera_id: int, day: dt.date) -> None:
    """Mark a camera-day for recomputation (in the caller's transaction)."""
    StatsStale.objects.bulk_create(
        [StatsStale(camera_id=camera_id, day=day)], ignore_conflicts=True
    )


def stats_rollup_refresh(*, batch: int = BATCH, rounds: int | None = None) -> int:
    """Recompute every stale camera-day (or ``rounds`` batches of them, oldest first: what a
    page does before it reads, at a bounded cost); returns how many were recomputed."""
    done = 0
    while rounds is None or rounds > 0:
        if rounds is not None:
            rounds -= 1
        with transaction.atomic():
            stale = list(
                StatsStale.objects.select_for_update(skip_locked=True).order_by("day", "camera_id")[
                    :batch
                ]
            )
            if not stale:
                return done
            StatsStale.objects.filter(pk__in=[mark.pk for mark in stale]).delete()
            for mark in stale:
                _recompute(camera_id=mark.camera_id, day=mark.day)
        done += len(stale)
    return done


def _bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
    return start, start + dt.timedelta(days=1)


def _recompute(*, camera_id: int, day: dt.date) -> None:
    start, end = _bounds(day)
    alerts = Alert.objects.filter(camera_id=camera_id, occurred_at__gte=start, occurred_at__lt=end)
    rows: dict[tuple, AlertDailyStats] = {}
    for row in (
        alerts.values("rule_id", "kind")
        .annotate(
            total=Count("id"),
            confirmed=Count("id", filter=Q(status=Alert.Status.CONFIRMED)),
            dismissed=Count("id", filter=Q(status=Alert.Status.DISMISSED)),
            open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        )
        .order_by()
    ):
        rows[(row["rule_id"], row["kind"])] = AlertDailyStats(
            day=day,
            camera_id=camera_id,
            rule_id=row["rule_id"],
            kind=row["kind"],
            alerts=row["total"],
            confirmed=row["confirmed"],
            dismissed=row["dismissed"],
            open=row["open"],
        )
    decided = (
        alerts.filter(status__in=(Alert.Status.CONFIRMED, Alert.Status.DISMISSED))
        .values("rule_id", "kind", "status", value=Round("confidence", 3))
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in decided:
        target = rows[(row["rule_id"], row["kind"])]
        histogram = (
            target.confirmed_confidences
            if row["status"] == Alert.Status.CONFIRMED
            else target.dismissed_confidences
        )
        histogram[f"{row['value']:.3f}"] = row["n"]

    decisions: dict[int, DecisionDailyStats] = {}
    for row in (
        AlertDecision.objects.filter(
            alert__camera_id=camera_id, decided_at__gte=start, decided_at__lt=end
        )
        .values("actor_id", "action", value=Round("seconds_to_decide", 1))
        .annotate(n=Count("id"))
        .order_by()
    ):
        stats = decisions.get(row["actor_id"])
        if stats is None:
            stats = decisions[row["actor_id"]] = DecisionDailyStats(
                day=day, camera_id=camera_id, actor_id=row["actor_id"]
            )
        stats.decisions += row["n"]
        name = VERDICTS.get(row["action"])
        if name:
            setattr(stats, name, getattr(stats, name) + row["n"])
        if row["value"] is not None:
            key = f"{row['value']:.1f}"
            stats.seconds[key] = stats.seconds.get(key, 0) + row["n"]

    AlertDailyStats.objects.filter(camera_id=camera_id, day=day).delete()
    DecisionDailyStats.objects.filter(camera_id=camera_id, day=day).delete()
    AlertDailyStats.objects.bulk_create(rows.values())
    DecisionDailyStats.objects.bulk_create(decisions.values())


def on_alert_saved(sender, instance: Alert, raw=False, **kwargs) -> None:
    if not raw and instance.camera_id and instance.occurred_at:
        stats_mark_stale(camera_id=instance.camera_id, day=utc_day(instance.occurred_at))


def on_decision_saved(sender, instance: AlertDecision, created=False, raw=False, **kwargs) -> None:
    if raw or not created:
        return
    decided = instance.decided_at or dt.datetime.now(dt.UTC)
    stats_mark_stale(camera_id=instance.alert.camera_id, day=utc_day(decided))
