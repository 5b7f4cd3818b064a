"""Alerts, zones and rules over the REST API.

Alerts are read through the gate and decided through the triage service; zones and rules are
configuration, written through the editor's services (:mod:`analytics.services.zones`), which
re-check the actor inside their transaction.
"""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response

from analytics.filters import AlertFilterSet
from analytics.models import Alert, AlertDecision, Rule, Zone
from analytics.services import (
    alert_bulk_acknowledge,
    alert_decide,
    rule_delete,
    rule_save,
    zone_delete,
    zone_save,
)
from vms.api import (
    RestrictedAPIMixin,
    RestrictedCommandView,
    RestrictedConfigurationViewSet,
    RestrictedReadOnlyModelViewSet,
)
from vms.pagination import KeysetPagination
from vms.permissions import Perm, has_permission, permission_name

from .filters import RuleFilterSet, ZoneFilterSet
from .serializers import (
    AlertBulkAcknowledgeResultSerializer,
    AlertBulkAcknowledgeSerializer,
    AlertDecideSerializer,
    AlertSerializer,
    RuleSerializer,
    ZoneSerializer,
)


def _alerts():
    decisions = AlertDecision.objects.select_related("actor", "escalated_to").order_by(
        "decided_at", "id"
    )
    return Alert.objects.select_related("camera__site", "rule", "escalated_to").prefetch_related(
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
    pagination_class = KeysetPagination
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


class ZoneViewSet(RestrictedConfigurationViewSet):
    """Zones (areas and lines) drawn over cameras' frames; ``?camera=`` narrows to one camera.

    Admin draws, changes and deletes them; the DPO reads them. Zones are configuration, not
    part of a camera's picture: guards and supervisors see none (an empty list, a 404).
    A zone that rules use cannot be deleted, nor change its kind (400, naming the rules).
    The running analytics worker picks a saved change up within seconds.
    """

    queryset = Zone.objects.select_related("camera").prefetch_related("rules")
    serializer_class = ZoneSerializer
    filterset_class = ZoneFilterSet
    search_fields = ["name", "camera__name"]
    ordering_fields = ["name", "camera", "kind"]
    ordering = ["camera", "name"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = zone_save(
            actor=self.request.user,
            camera=data["camera"],
            name=data["name"],
            kind=data.get("kind", Zone.Kind.AREA),
            points=data["points"],
        )

    def perform_update(self, serializer):
        zone, data = serializer.instance, serializer.validated_data
        serializer.instance = zone_save(
            actor=self.request.user,
            camera=zone.camera_id,
            zone=zone,
            name=data.get("name", zone.name),
            kind=data.get("kind", zone.kind),
            points=data.get("points", zone.points),
        )

    def perform_destroy(self, instance):
        zone_delete(actor=self.request.user, zone=instance)


# Reading a rule's configuration (hours, thresholds, cool-down) is for those who oversee or
# configure rules, or tune them for their cameras; a guard sees a rule's name on its alerts.
RULE_READ_PERMISSIONS = (permission_name(Rule, "view"), Perm.TUNE_RULE)


class RuleViewSet(RestrictedConfigurationViewSet):
    """Rules that turn detections into alerts; ``?camera=`` narrows to one camera.

    Admin creates, changes and deletes them; the DPO reads them all; supervisors read the
    rules of the cameras they may see (they tune them from the review page). Guards see none:
    an empty list, and the 404 of a missing rule. Deleting a rule keeps its alerts.
    """

    queryset = Rule.objects.select_related("camera", "zone")
    serializer_class = RuleSerializer
    filterset_class = RuleFilterSet
    search_fields = ["name", "camera__name"]
    ordering_fields = ["name", "camera", "kind", "updated_at"]
    ordering = ["camera", "name"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if getattr(self, "gate", None) == "view" and not self._reads_rules():
            self.queryset = self.queryset.none()

    def _reads_rules(self) -> bool:
        return any(has_permission(self.request.user, perm) for perm in RULE_READ_PERMISSIONS)

    def _visible(self, lookup) -> bool:
        # A rule a guard may not read is hidden from their writes too: 404, not 403.
        return self._reads_rules() and super()._visible(lookup)

    def perform_create(self, serializer):
        fields = dict(serializer.validated_data)
        camera = fields.pop("camera")
        serializer.instance = rule_save(actor=self.request.user, camera=camera, **fields)

    def perform_update(self, serializer):
        fields = dict(serializer.validated_data)
        fields.pop("camera", None)  # unchanged: the serializer refuses another camera
        rule = serializer.instance
        serializer.instance = rule_save(
            actor=self.request.user, camera=rule.camera_id, rule=rule, **fields
        )

    def perform_destroy(self, instance):
        rule_delete(actor=self.request.user, rule=instance)


class AlertBulkAcknowledgeView(RestrictedAPIMixin, generics.GenericAPIView):
    """Acknowledge several alerts at once (a guard clearing a burst of alerts).

    Needs ``analytics.triage_alert`` (403 without it). Each alert must be in the user's scope
    and open; the others are skipped, not an error: ``not_found`` (missing or hidden, the
    same) or ``not_open`` (already acknowledged, decided or escalated). Each acknowledged
    alert gets its own decision, change-log entries and access event, and is pushed to the
    camera's sockets as ``alert.updated``.
    """

    # A command on a set of alerts: the service fetches each through the gate itself.
    restrict_action = "view"
    queryset = Alert.objects.all()
    serializer_class = AlertBulkAcknowledgeSerializer
    filter_backends: list = []

    @extend_schema(
        request=AlertBulkAcknowledgeSerializer,
        responses={200: AlertBulkAcknowledgeResultSerializer},
    )
    def post(self, request):
        serializer = AlertBulkAcknowledgeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = alert_bulk_acknowledge(
            actor=request.user, alert_ids=serializer.validated_data["alert_ids"], request=request
        )
        output = {
            "acknowledged": result.acknowledged,
            "skipped": [
                {"id": alert_id, "reason": reason}
                for alert_id, reason in sorted(result.skipped.items())
            ],
        }
        return Response(AlertBulkAcknowledgeResultSerializer(output).data)
