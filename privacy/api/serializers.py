"""Privacy mask serializers: shapes only; the rules live in :mod:`privacy.services.masks`."""

from __future__ import annotations

from rest_framework import serializers

from cameras.models import Camera
from privacy.models import PrivacyMask, UnmaskGrant
from vms.api import CreateOnlyFieldsMixin, PointsField, RestrictedPrimaryKeyRelatedField


class PrivacyMaskSerializer(CreateOnlyFieldsMixin, serializers.ModelSerializer):
    """A polygon (3 to 64 points, fractions of the frame) blacked out of every frame of its
    camera before any detector or person sees it. It stays on the camera it was drawn on."""

    url = serializers.HyperlinkedIdentityField(view_name="privacy-api:privacy-mask-detail")
    camera = RestrictedPrimaryKeyRelatedField(model=Camera, action="change")
    points = PointsField()

    class Meta:
        model = PrivacyMask
        fields = ["id", "url", "camera", "name", "points", "updated_at"]
        read_only_fields = ["updated_at"]
        create_only_fields = ["camera"]


class UnmaskGrantSerializer(serializers.ModelSerializer):
    """An un-mask request and, once approved, the grant: its scope, its decisions. ``status``
    is as of now (an approved grant past its expiry reads ``expired``)."""

    requester = serializers.CharField(source="requester.get_username", read_only=True)
    decided_by = serializers.CharField(
        source="decided_by.get_username", read_only=True, allow_null=True, default=None
    )
    revoked_by = serializers.CharField(
        source="revoked_by.get_username", read_only=True, allow_null=True, default=None
    )
    cameras = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    status = serializers.ChoiceField(
        choices=UnmaskGrant.Status.choices, source="effective_status", read_only=True
    )

    class Meta:
        model = UnmaskGrant
        fields = [
            "id", "requester", "cameras", "mode", "starts_at", "ends_at", "live_minutes",
            "valid_minutes", "reason", "alert_id", "case_reference", "status", "created_at",
            "decided_by", "decided_at", "decision_note", "expires_at", "revoked_by",
            "revoked_at", "revoke_note",
        ]  # fmt: skip
        read_only_fields = fields


class UnmaskRequestSerializer(serializers.Serializer):
    """Ask for an un-mask: recorded footage (``starts_at``, ``ends_at``) or live
    (``live_minutes``); a specific reason; optionally the alert and a case reference."""

    cameras = serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=50)
    mode = serializers.ChoiceField(choices=UnmaskGrant.Mode.choices, default="recorded")
    starts_at = serializers.DateTimeField(required=False, allow_null=True)
    ends_at = serializers.DateTimeField(required=False, allow_null=True)
    live_minutes = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    valid_minutes = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    reason = serializers.CharField(max_length=2000)
    alert_id = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    case_reference = serializers.CharField(required=False, allow_blank=True, max_length=120)


class UnmaskNoteSerializer(serializers.Serializer):
    """A decision's note: required to refuse or revoke, optional to approve."""

    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class UnmaskSegmentSerializer(serializers.Serializer):
    """One original segment a grant opens, with the address of its watermarked video."""

    id = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField()
    url = serializers.CharField()
