"""Header facts of the analytics app, on every page: the open-alert count for those who
triage (guards, supervisors), linking to where they work the alerts."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from analytics import selectors
from vms.permissions import Perm, has_permission


def alert_counts(request) -> dict:
    """``header_alerts``: ``count`` (open alerts in the user's scope) and ``url`` (the live
    wall for those who watch it, else the alert list), or ``None`` for those who do not
    triage."""
    user = getattr(request, "user", None)
    if not has_permission(user, Perm.TRIAGE_ALERT):
        return {"header_alerts": None}
    url_name = (
        "analytics:wall" if has_permission(user, Perm.VIEW_LIVE_VIDEO) else "analytics:alert-list"
    )
    try:
        url = reverse(url_name)
    except NoReverseMatch:
        return {"header_alerts": None}
    return {"header_alerts": {"count": selectors.open_alert_count(user=user), "url": url}}
