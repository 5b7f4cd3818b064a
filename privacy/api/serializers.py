"""Privacy mask serializers: shapes only; the rules live in :mod:`privacy.services.masks`."""

from __future__ import annotations

from rest_framework import serializers

from cameras.models import Camera
from privacy.models import PrivacyMask
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
