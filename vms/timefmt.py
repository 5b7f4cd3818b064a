"""The one way Veil shows a moment: site-local, ISO-like, 24-hour, with the zone's label.

    2026-12-01 15:04 GMT                         what a page shows (``site_time_text``)
    2026-12-01 15:04:05 GMT · Europe/London, UTC+00:00
                                                 its title, to the second (``site_time_title``)
    3 min ago                                    a hint beside it in lists (``relative_time_text``)

A camera's events are shown in its site's time zone: a guard in London watching a warehouse in
Chicago reads the time the warehouse's own clocks showed. Records without a site (the audit
trail) use the installation's ``TIME_ZONE``. Pages use the ``{% timestamp %}`` tag
(``vms.templatetags.veil_time``); JavaScript gets these strings in the payloads it receives and
never formats a time itself (``static/js/console/times.js`` only refreshes the relative hint,
with the same words as :func:`relative_time_text`).
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils import timezone

TEXT_FORMAT = "%Y-%m-%d %H:%M %Z"
TITLE_FORMAT = "%Y-%m-%d %H:%M:%S %Z"


def zone(time_zone: str | tzinfo | None = None) -> tzinfo:
    """``time_zone`` (an IANA name or a tzinfo) or the installation's, if empty or unknown."""
    if isinstance(time_zone, tzinfo):
        return time_zone
    for name in (time_zone, settings.TIME_ZONE, "UTC"):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return UTC


def _local(moment: datetime, time_zone) -> datetime:
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, UTC)
    return moment.astimezone(zone(time_zone))


def _utc_offset(moment: datetime) -> str:
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _zone_name(local: datetime) -> str:
    return getattr(local.tzinfo, "key", None) or str(local.tzinfo)


def site_time_text(moment: datetime | None, time_zone=None) -> str:
    """``2026-12-01 15:04 GMT``: the minute, in the site's zone, with the zone's label."""
    if moment is None:
        return ""
    return _local(moment, time_zone).strftime(TEXT_FORMAT)


def site_time_title(moment: datetime | None, time_zone=None) -> str:
    """``2026-12-01 15:04:05 GMT · Europe/London, UTC+00:00``: to the second, unambiguous."""
    if moment is None:
        return ""
    local = _local(moment, time_zone)
    return f"{local.strftime(TITLE_FORMAT)} · {_zone_name(local)}, {_utc_offset(local)}"


def relative_time_text(moment: datetime | None, now: datetime | None = None) -> str:
    """``just now``, ``3 min ago``, ``5 h ago``, ``2 d ago`` (a hint, never the only time).

    ``static/js/console/times.js`` uses the same thresholds and words to keep hints fresh.
    """
    if moment is None:
        return ""
    now = now or timezone.now()
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        return "just now"  # also a moment slightly ahead of this clock
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min ago"
    hours = minutes // 60
    if hours < 24:
        return f"{hours} h ago"
    return f"{hours // 24} d ago"


def time_payload(moment: datetime | None, time_zone=None) -> dict | None:
    """The three forms of a moment for JSON pushed to browsers: ``iso`` (machine-readable),
    ``text`` (what to show) and ``title`` (the tooltip)."""
    if moment is None:
        return None
    return {
        "iso": moment.isoformat(),
        "text": site_time_text(moment, time_zone),
        "title": site_time_title(moment, time_zone),
    }
