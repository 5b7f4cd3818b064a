"""Header facts of the analytics app, on every page.

* ``header_alerts``: the open-alert count for those who triage (guards, supervisors), linking
  to where they work the alerts;
* ``header_escalations``: for those who receive escalations (supervisors), how many alerts wait
  for their decision, with a link to that queue.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse

from analytics import selectors
from analytics.models import Alert
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


def escalations(request) -> dict:
    """``header_escalations``: ``count``, ``ids`` and ``url`` of the alerts escalated to the
    user and still waiting, or ``None`` for those who do not receive escalations."""
    user = getattr(request, "user", None)
    if not has_permission(user, Perm.OVERRULE_ALERT):
        return {"header_escalations": None}
    ids = selectors.escalation_waiting_ids(user=user)
    count = (
        len(ids)
        if len(ids) < selectors.alerts.ESCALATION_ID_LIMIT
        else selectors.escalations_waiting(user=user).count()
    )
    query = urlencode({"escalated_to_me": "true", "status": Alert.Status.ESCALATED})
    return {
        "header_escalations": {
            "count": count,
            "ids": ids,
            "url": f"{reverse('analytics:alert-list')}?{query}",
        }
    }
