"""Compliance's dashboard tiles: access volume trend, exports, the audit chain's state."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from compliance.dashboard import Tile, TileLine, dashboard_tile_register
from compliance.models import AccessEvent, AccessKind, VerificationRun

DAYS = 30


def access_list_url(**filters) -> str:
    """The access-event list filtered (kind, date_from, date_to, actor)."""
    query = {k: v for k, v in filters.items() if v not in (None, "")}
    return reverse("compliance:access-event-list") + ("?" + urlencode(query) if query else "")


def since_days(days: int = DAYS) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days - 1)


def _start(days: int = DAYS) -> dt.datetime:
    return dt.datetime.combine(
        since_days(days), dt.time.min, tzinfo=timezone.get_current_timezone()
    )


def access_trend(user) -> Tile:
    """Access events per day over 30 days, and this week against the week before."""
    events = AccessEvent.objects.restrict(user, "view").filter(occurred_at__gte=_start())
    zone = timezone.get_current_timezone()
    per_day = dict(
        events.annotate(day=TruncDate("occurred_at", tzinfo=zone))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("day", "n")
    )
    first = since_days()
    series = [per_day.get(first + dt.timedelta(days=n), 0) for n in range(DAYS)]
    this_week, last_week = sum(series[-7:]), sum(series[-14:-7])
    change = f"{(this_week - last_week) / last_week:+.0%}" if last_week else "—"
    return Tile(
        value=sum(series),
        url=access_list_url(date_from=first.isoformat()),
        caption="access events, last 30 days",
        trend=series,
        lines=[
            TileLine("Last 7 days", this_week, access_list_url(date_from=since_days(7))),
            TileLine("Change on the week before", change),
        ],
    )


def exports(user) -> Tile:
    events = AccessEvent.objects.restrict(user, "view").filter(
        occurred_at__gte=_start(), kind=AccessKind.EXPORT
    )
    people = events.exclude(actor_username="").values("actor_username").distinct().count()
    return Tile(
        value=events.count(),
        url=access_list_url(kind=AccessKind.EXPORT, date_from=since_days()),
        caption=f"exports, last 30 days, by {people} {'person' if people == 1 else 'people'}",
        lines=[
            TileLine(
                "Reports downloaded",
                events.model.objects.restrict(user, "view")
                .filter(occurred_at__gte=_start(), kind=AccessKind.REPORT_DOWNLOAD)
                .count(),
                access_list_url(kind=AccessKind.REPORT_DOWNLOAD, date_from=since_days()),
            )
        ],
    )


def audit_chain(user) -> Tile:
    """The last verification run: intact or broken, when, how much it covered."""
    run = VerificationRun.objects.first()
    url = access_list_url(kind=AccessKind.AUDIT_VERIFY)
    action = {"action_label": "Verify now", "action_url": reverse("compliance:audit-verify")}
    if run is None:
        return Tile(value="Never verified", url=url, caption="the audit trail", state="attention",
                    **action)  # fmt: skip
    age = timezone.now() - run.finished_at
    stale = age > dt.timedelta(days=2)
    return Tile(
        value="Intact" if run.ok else "Broken",
        url=url,
        caption=f"audit trail, verified {timezone.localtime(run.finished_at):%Y-%m-%d %H:%M}",
        state="alert" if not run.ok else ("attention" if stale else "ok"),
        **action,
        lines=[
            TileLine("Links recomputed", run.links),
            TileLine("Signed checkpoints checked", run.checkpoints),
            *([TileLine("First break", run.first_break, state="alert")] if not run.ok else []),
            *(
                [TileLine("Older than two days", "verify again", state="attention")]
                if stale
                else []
            ),
        ],
    )


def register() -> None:
    dashboard_tile_register("access-trend", "Access volume", access_trend, order=30)
    dashboard_tile_register("exports", "Exports", exports, order=20)
    dashboard_tile_register("audit-chain", "Audit trail", audit_chain, order=5)
