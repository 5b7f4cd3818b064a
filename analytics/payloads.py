"""The JSON shapes pushed to browsers. One place, so sockets and the API agree.

Times come formatted for the camera's site (:mod:`vms.timefmt`): the browser shows
``occurred_at_display`` as it is and never formats a time itself.
"""

from __future__ import annotations

from django.urls import reverse

from analytics.models import Alert, AlertDecision
from vms.timefmt import site_time_text, site_time_title, time_payload


def _person(user) -> dict:
    return {"id": user.pk, "username": user.get_username(), "name": str(user)}


def escalation_payload(decision: AlertDecision, time_zone: str) -> dict:
    """Who escalated, to whom, when and why: what the supervisor's toast says."""
    return {
        "by": _person(decision.actor),
        "to": _person(decision.escalated_to) if decision.escalated_to_id else None,
        "note": decision.note,
        "decided_at": time_payload(decision.decided_at, time_zone),
    }


def alert_payload(alert: Alert, *, escalation: AlertDecision | None = None) -> dict:
    """An alert for the wall, toasts and the alert pages' sockets.

    ``escalation``: the decision that escalated it, for the ``alert.escalated`` event sent to
    the supervisor it was escalated to.
    """
    time_zone = alert.camera.site.time_zone
    payload = {
        "id": alert.pk,
        "uid": str(alert.uid),
        "url": reverse("analytics:alert-detail", args=[alert.pk]),
        "camera": {
            "id": alert.camera_id,
            "name": alert.camera.name,
            "site": alert.camera.site.name,
        },
        "kind": alert.kind,
        "kind_label": alert.get_kind_display(),
        "rule": {"id": alert.rule_id, "name": alert.rule.name} if alert.rule_id else None,
        "message": alert.message,
        "confidence": alert.confidence,
        "boxes": alert.boxes,
        "occurred_at": alert.occurred_at.isoformat(),
        "occurred_at_display": site_time_text(alert.occurred_at, time_zone),
        "occurred_at_title": site_time_title(alert.occurred_at, time_zone),
        "created_at": alert.created_at.isoformat(),
        "status": alert.status,
        "escalated_to": alert.escalated_to_id,
        "snapshot_url": reverse("analytics:alert-snapshot", args=[alert.pk])
        if alert.snapshot
        else None,
        # Lists show the downscaled thumbnail: a list view is audited once, not per image.
        "thumbnail_url": reverse("analytics:alert-thumbnail", args=[alert.pk])
        if alert.snapshot
        else None,
        "clip_url": reverse("analytics:alert-clip", args=[alert.pk]) if alert.clip else None,
    }
    if escalation is not None:
        payload["escalation"] = escalation_payload(escalation, time_zone)
    return payload
