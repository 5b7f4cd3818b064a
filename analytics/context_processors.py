"""``header_escalations``: for those who receive escalations (supervisors), how many alerts
wait for their decision, on every page, with a link to that queue."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from analytics import selectors
from analytics.models import Alert
from vms.permissions import Perm, has_permission


def escalations(request) -> dict:
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
