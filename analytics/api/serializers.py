"""Alert, zone and rule serializers: shapes only. Triage rules live in
:mod:`analytics.services.triage`, the editor's in :mod:`analytics.services.zones`."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from analytics.models import Alert, AlertDecision, Rule, Zone
from analytics.services.bulk import SkipReason
from analytics.services.zones import RULE_FIELDS
from cameras.models import Camera
from vms.api import CreateOnlyFieldsMixin, PointsField, RestrictedPrimaryKeyRelatedField


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.CharField(source="get_full_name", read_only=True)


class AlertCameraSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    site = serializers.CharField(source="site.name", read_only=True)


class AlertRuleSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    min_confidence = serializers.FloatField(read_only=True)


class AlertDecisionSerializer(serializers.ModelSerializer):
    """One person's decision: who, when, what, why."""

    actor = PersonSerializer(read_only=True)
    escalated_to = PersonSerializer(read_only=True, allow_null=True)
    action_label = serializers.CharField(source="get_action_display", read_only=True)
    # Declared: DRF drops ``allow_blank`` from generated read-only fields, so the schema would
    # say a reason is always given, and a decision without one would contradict it.
    reason = serializers.ChoiceField(
        choices=AlertDecision.DismissReason.choices, allow_blank=True, read_only=True
    )
    reason_label = serializers.CharField(source="get_reason_display", read_only=True)

    class Meta:
        model = AlertDecision
        fields = [
            "id",
            "action",
            "action_label",
            "reason",
            "reason_label",
            "note",
            "actor",
            "escalated_to",
            "decided_at",
            "seconds_to_decide",
        ]
        read_only_fields = fields


class AlertSerializer(serializers.ModelSerializer):
    """An alert as guards see it. Media links point at the anonymised, audited media views."""

    url = serializers.HyperlinkedIdentityField(view_name="analytics-api:alert-detail")
    camera = AlertCameraSerializer(read_only=True)
    rule = AlertRuleSerializer(read_only=True, allow_null=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    boxes = serializers.ListField(
        child=serializers.ListField(), read_only=True, help_text="[[x1,y1,x2,y2,score,label]]"
    )
    escalated_to = PersonSerializer(
        read_only=True, allow_null=True, help_text="The supervisor of the latest escalation."
    )
    snapshot_url = serializers.SerializerMethodField()
    clip_url = serializers.SerializerMethodField()
    decisions = AlertDecisionSerializer(many=True, read_only=True)

    class Meta:
        model = Alert
        fields = [
            "id",
            "url",
            "uid",
            "camera",
            "rule",
            "kind",
            "kind_label",
            "message",
            "confidence",
            "boxes",
            "occurred_at",
            "created_at",
            "status",
            "status_label",
            "escalated_to",
            "snapshot_url",
            "clip_url",
            "decisions",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_snapshot_url(self, alert: Alert) -> str | None:
        return reverse("analytics:alert-snapshot", args=[alert.pk]) if alert.snapshot else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_clip_url(self, alert: Alert) -> str | None:
        return reverse("analytics:alert-clip", args=[alert.pk]) if alert.clip else None


class AlertDecideSerializer(serializers.Serializer):
    """Input of ``POST /alerts/{id}/decide/``.

    * ``confirm`` needs a ``note``;
    * ``dismiss`` needs a ``reason`` (and a ``note`` when the reason is ``other``);
    * ``escalate`` needs ``escalate_to`` (an active supervisor who can see the camera) and a
      ``note``.
    """

    action = serializers.ChoiceField(choices=AlertDecision.Action.choices)
    reason = serializers.ChoiceField(
        choices=AlertDecision.DismissReason.choices, required=False, allow_blank=True
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    escalate_to = serializers.IntegerField(
        required=False, allow_null=True, help_text="User id of the supervisor."
    )


class ZoneSerializer(CreateOnlyFieldsMixin, serializers.ModelSerializer):
    """An area (polygon) or a line drawn over a camera's frame.

    Points are fractions of the frame: an area has 3 to 64, a line exactly 2; they are
    rounded to 1/10 000. A zone stays on the camera it was drawn on, and keeps its kind while
    rules use it (``used_by``).
    """

    url = serializers.HyperlinkedIdentityField(view_name="analytics-api:zone-detail")
    camera = RestrictedPrimaryKeyRelatedField(model=Camera, action="change")
    points = PointsField()
    used_by = serializers.SerializerMethodField()

    class Meta:
        model = Zone
        fields = ["id", "url", "camera", "name", "kind", "points", "used_by"]
        create_only_fields = ["camera"]
        # One place decides what a valid zone is: the service (its model's full_clean).
        validators: list = []

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_used_by(self, zone: Zone) -> list[str]:
        """Names of the rules that use the zone (it cannot be deleted while there are any)."""
        return sorted(rule.name for rule in zone.rules.all())


class RuleSerializer(CreateOnlyFieldsMixin, serializers.ModelSerializer):
    """What turns detections on one camera into alerts.

    Person-in-zone and loitering need an area of the camera, line crossing a line; crowd and
    unusual motion may be narrowed to an area. ``active_from`` / ``active_until`` are site
    local times (both or neither; a window may wrap midnight).
    """

    url = serializers.HyperlinkedIdentityField(view_name="analytics-api:rule-detail")
    camera = RestrictedPrimaryKeyRelatedField(model=Camera, action="change")
    zone = RestrictedPrimaryKeyRelatedField(model=Zone, allow_null=True, required=False)

    class Meta:
        model = Rule
        fields = ["id", "url", "camera", *RULE_FIELDS, "updated_at"]
        read_only_fields = ["updated_at"]
        create_only_fields = ["camera"]
        validators: list = []


class AlertBulkAcknowledgeSerializer(serializers.Serializer):
    """Input of ``POST /alerts/acknowledge/``: the alerts to acknowledge."""

    alert_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        allow_empty=False,
        max_length=200,
        help_text="Ids of the alerts to acknowledge (at most 200).",
    )


class AlertSkippedSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    reason = serializers.ChoiceField(choices=SkipReason.choices, read_only=True)


class AlertBulkAcknowledgeResultSerializer(serializers.Serializer):
    """Output of ``POST /alerts/acknowledge/``: what was acknowledged, what was skipped."""

    acknowledged = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    skipped = AlertSkippedSerializer(many=True, read_only=True)
