"""Reads the report sections share: audit records of the period, in the report's scope,
aggregated in SQL. Used by compliance's own sections and by other apps' sections alike."""

from __future__ import annotations

import datetime as dt

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Aggregate, Count, FloatField, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from compliance.models import AccessEvent
from compliance.reports.registry import ReportContext

#: A detailed table in the PDF stops here (with a note); the CSV keeps every row.
PDF_TABLE_ROWS = 300


class Median(Aggregate):
    """PostgreSQL's ``percentile_cont(0.5)``: the median, computed by the database."""

    function = "percentile_cont"
    template = "percentile_cont(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def when(value: dt.datetime | None) -> str:
    """A time as the report prints it: local time zone, to the minute."""
    if value is None:
        return "—"
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def camera_content_type() -> ContentType | None:
    try:
        return ContentType.objects.get_by_natural_key("cameras", "camera")
    except ContentType.DoesNotExist:
        return None


def access_events(context: ReportContext, kinds=None) -> QuerySet[AccessEvent]:
    """Access events in the period and scope: a site or camera scope keeps events whose
    target is one of its cameras; a user scope keeps that person's actions."""
    events = AccessEvent.objects.filter(
        occurred_at__gte=context.period_start, occurred_at__lt=context.period_end
    )
    if kinds is not None:
        events = events.filter(kind__in=list(kinds))
    scope = context.scope
    if scope.user_id is not None:
        events = events.filter(actor_id=scope.user_id)
    if scope.camera_ids is not None:
        events = events.filter(
            target_type=camera_content_type(),
            target_id__in=[str(pk) for pk in scope.camera_ids],
        )
    return events.order_by()


def per_day(queryset: QuerySet, field: str, context: ReportContext, by: str | None = None):
    """``{(day, by-value): count}`` for the period, one GROUP BY in the database."""
    zone = timezone.get_current_timezone()
    values = ["day", by] if by else ["day"]
    rows = (
        queryset.annotate(day=TruncDate(field, tzinfo=zone))
        .values(*values)
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(row["day"], row[by] if by else None): row["n"] for row in rows}


def change_log(context: ReportContext, models, object_pks=None) -> QuerySet[LogEntry]:
    """Change-log entries of ``models`` in the period (and of the user, in a user scope)."""
    types = ContentType.objects.get_for_models(*models).values()
    entries = LogEntry.objects.filter(
        content_type__in=list(types),
        timestamp__gte=context.period_start,
        timestamp__lt=context.period_end,
    )
    if context.scope.user_id is not None:
        entries = entries.filter(actor_id=context.scope.user_id)
    if object_pks is not None:
        entries = entries.filter(object_pk__in=[str(pk) for pk in object_pks])
    return entries.select_related("actor", "content_type").order_by("timestamp", "pk")


def changed_fields(entry: LogEntry) -> dict[str, list]:
    changes = entry.changes
    if isinstance(changes, str):  # older auditlog rows kept text
        import json

        try:
            changes = json.loads(changes)
        except ValueError:
            changes = {}
    return changes or {}


def count_by(queryset: QuerySet, *fields: str, **annotations) -> list[dict]:
    """``values(*fields).annotate(n=Count, **annotations)``, unordered."""
    return list(queryset.values(*fields).annotate(n=Count("pk"), **annotations).order_by())


def share(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "—"


__all__ = ["Q", "Median", "access_events", "per_day", "change_log", "count_by", "share", "when"]
