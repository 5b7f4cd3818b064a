"""The JSON shapes pushed to browsers. One place, so sockets and the API agree."""

from __future__ import annotations

from django.urls import reverse

from analytics.models import Alert


def alert_payload(alert: Alert) -> dict:
    return {
        "id": alert.pk,
        "uid": str(alert.uid),
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
        "created_at": alert.created_at.isoformat(),
        "status": alert.status,
        "snapshot_url": reverse("analytics:alert-snapshot", args=[alert.pk])
        if alert.snapshot
        else None,
        "clip_url": reverse("analytics:alert-clip", args=[alert.pk]) if alert.clip else None,
    }
