"""Reads of alerts for people: the triage list, one alert, its decision history."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from analytics.models import Alert, AlertDecision
from vms.permissions import get_restricted_or_404


def alert_queryset(*, user) -> QuerySet[Alert]:
    """Every alert ``user`` may see, newest first, with what a list or detail shows."""
    return (
        Alert.objects.restrict(user, "view")
        .select_related("camera__site", "rule__zone")
        .order_by("-occurred_at", "-id")
    )


def alert_get(*, user, pk) -> Alert:
    """One alert through the gate (hidden and missing: the same 404), with its decisions."""
    decisions = AlertDecision.objects.select_related("actor", "escalated_to").order_by(
        "decided_at", "id"
    )
    return get_restricted_or_404(
        Alert.objects.select_related("camera__site", "rule__zone").prefetch_related(
            Prefetch("decisions", queryset=decisions)
        ),
        user,
        "view",
        pk=pk,
    )


def alert_decision_history(*, alert: Alert) -> list[AlertDecision]:
    """The alert's decisions, oldest first (the alert itself was fetched through the gate)."""
    return list(alert.decisions.all())


# An escalation queue longer than this is a staffing problem; the header counts it exactly
# but only tracks this many ids live.
ESCALATION_ID_LIMIT = 500


def escalations_waiting(*, user) -> QuerySet[Alert]:
    """Alerts escalated to ``user`` that still wait for their decision, through the gate.

    Served by the partial index on ``(escalated_to, status, id)``: it holds escalated alerts
    only, so the lookup (and the newest-first ids) stays small however many alerts there are.
    """
    if user is None or not user.is_authenticated:
        return Alert.objects.none()
    return Alert.objects.restrict(user, "view").filter(
        escalated_to=user, status=Alert.Status.ESCALATED
    )


def escalation_waiting_ids(*, user) -> list[int]:
    """Ids of :func:`escalations_waiting`, newest first (the header keeps its count live)."""
    return list(
        escalations_waiting(user=user)
        .order_by("-pk")
        .values_list("pk", flat=True)[:ESCALATION_ID_LIMIT]
    )


THUMBNAIL_WIDTH = 192


def alert_thumbnail_jpeg(*, user, pk) -> bytes:
    """The alert's anonymised snapshot, downscaled for lists (hidden or missing: 404).

    Not an access event by itself: the list that shows thumbnails records one event naming
    the alerts it showed; opening the snapshot itself is recorded per view.
    """
    import cv2  # only here: the rest of the web process never decodes images
    import numpy as np
    from django.http import Http404

    alert = get_restricted_or_404(Alert.objects.all(), user, "view", pk=pk)
    if not alert.snapshot:
        raise Http404("No media for this alert.")
    with alert.snapshot.open("rb") as handle:
        image = cv2.imdecode(np.frombuffer(handle.read(), np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise Http404("No media for this alert.")
    height, width = image.shape[:2]
    if width > THUMBNAIL_WIDTH:
        size = (THUMBNAIL_WIDTH, max(1, round(height * THUMBNAIL_WIDTH / width)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])[1].tobytes()
