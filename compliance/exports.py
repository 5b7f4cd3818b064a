"""The audit lists as CSV: the filtered list, every row, streamed (a million rows never sit in
memory), for the DPO's own analysis. Exporting is itself an audited action."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse
from django.utils import timezone

from compliance import selectors
from compliance.models import AccessKind
from compliance.services import access_event_record

ACCESS_EVENT_COLUMNS = [
    "id", "occurred_at", "kind", "actor", "site_id", "camera_id", "target_type", "target_id",
    "target", "reason", "details", "ip_address", "user_agent",
]  # fmt: skip
CHANGE_LOG_COLUMNS = [
    "id", "timestamp", "action", "actor", "record_type", "record_id", "record", "changes",
    "ip_address",
]  # fmt: skip


class _Echo:
    def write(self, value: str) -> str:
        return value


def _safe(value) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_lines(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([_safe(value) for value in row])


def _response(lines: Iterator[str], name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="veil-{name}-{stamp}.csv"'
    return response


def _record_export(*, request, listing: str, filters: dict) -> None:
    access_event_record(
        kind=AccessKind.EXPORT,
        actor=request.user,
        request=request,
        data={
            "list": listing,
            "format": "csv",
            "filters": {k: str(v) for k, v in filters.items() if v not in (None, "")},
        },
    )


def access_events_csv(request, filters: dict) -> StreamingHttpResponse:
    """The filtered access events as CSV."""
    _record_export(request=request, listing="access_events", filters=filters)
    events = selectors.access_event_list(user=request.user, **filters)
    rows = (
        [
            event.pk,
            event.occurred_at.isoformat(),
            event.kind,
            event.actor_username,
            event.site_id,
            event.camera_id,
            event.target_type.model if event.target_type else "",
            event.target_id,
            event.target_repr,
            event.reason,
            json.dumps(event.data, sort_keys=True, default=str) if event.data else "",
            event.remote_addr or "",
            event.user_agent,
        ]
        for event in events.iterator(chunk_size=2000)
    )
    return _response(_csv_lines(ACCESS_EVENT_COLUMNS, rows), "access-events")


def change_log_csv(request, filters: dict) -> StreamingHttpResponse:
    """The filtered change log as CSV."""
    _record_export(request=request, listing="change_log", filters=filters)
    entries = selectors.change_log_list(user=request.user, **filters)
    rows = (
        [
            entry.pk,
            entry.timestamp.isoformat(),
            entry.get_action_display(),
            entry.actor.get_username() if entry.actor else "",
            entry.content_type.model if entry.content_type else "",
            entry.object_pk,
            entry.object_repr,
            json.dumps(entry.changes_dict, sort_keys=True, default=str),
            entry.remote_addr or "",
        ]
        for entry in entries.iterator(chunk_size=2000)
    )
    return _response(_csv_lines(CHANGE_LOG_COLUMNS, rows), "change-log")
