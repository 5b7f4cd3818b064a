"""Alerts over the REST API: read through the gate; decisions through the triage service."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from analytics.filters import AlertFilterSet
from analytics.models import Alert, AlertDecision
from analytics.services import alert_decide
from vms.api import RestrictedCommandView, RestrictedReadOnlyModelViewSet
from vms.permissions import Perm

from .serializers import AlertDecideSerializer, AlertSerializer


def _alerts():
    decisions = AlertDecision.objects.select_related("actor", "escalated_to").order_by(
        "decided_at", "id"
    )
    return Alert.objects.select_related("camera__site", "rule").prefetch_related(
        Prefetch("decisions", queryset=decisions)
    )


class AlertViewSet(RestrictedReadOnlyModelViewSet):
    """Alerts of the cameras the user may see, newest first, with their decisions.

    Alerts are raised by the analytics workers and changed only by a person's decision
    (``POST /alerts/{id}/decide/``): every write method here answers 405.
    """

    queryset = _alerts()
    serializer_class = AlertSerializer
    filterset_class = AlertFilterSet
    search_fields = ["message", "camera__name", "rule__name"]
    ordering_fields = ["occurred_at", "created_at", "confidence", "status"]
    ordering = ["-occurred_at", "-id"]


class AlertDecideView(RestrictedCommandView):
    """Decide on an alert: acknowledge, confirm, dismiss as false positive, or escalate.

    Needs ``Perm.TRIAGE_ALERT`` (guards, supervisors) and the alert in the user's scope:
    an alert outside it is a 404 like a missing one; without the permission (DPO, Admin) it
    is a 403 (triage is no secret); a transition the rules refuse (an alert already closed) or a
    missing note or reason is a 400. Every decision is audited (change log and access event)
    and pushed to the camera's sockets as ``alert.updated``.
    """

    # Deciding is not a change right on the alert: it is the triage capability (checked here
    # and again by the service, which also knows the supervisor-only transitions); the scope
    # gate is "can see it".
    restrict_action = "view"
    required_permissions = (Perm.TRIAGE_ALERT,)
    permission_hidden = False
    queryset = _alerts()
    serializer_class = AlertDecideSerializer

    @extend_schema(request=AlertDecideSerializer, responses={200: AlertSerializer})
    def post(self, request, pk):
        alert = self.get_object()
        serializer = AlertDecideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        alert_decide(
            actor=request.user,
            alert=alert,
            action=data["action"],
            reason=data.get("reason", ""),
            note=data.get("note", ""),
            escalate_to=data.get("escalate_to"),
            request=request,
        )
        alert = self.get_queryset().get(pk=alert.pk)
        return Response(AlertSerializer(alert, context={"request": request}).data)
