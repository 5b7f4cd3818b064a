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
