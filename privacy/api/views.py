"""Privacy masks over the REST API. Thin: the gate narrows, the mask services write."""

from __future__ import annotations

from privacy.models import PrivacyMask
from privacy.services import privacy_mask_delete, privacy_mask_save
from vms.api import RestrictedConfigurationViewSet

from .filters import PrivacyMaskFilterSet
from .serializers import PrivacyMaskSerializer


class PrivacyMaskViewSet(RestrictedConfigurationViewSet):
    """Static privacy masks; ``?camera=`` narrows to one camera.

    Admin draws, changes and deletes them; the DPO reads them. Guards and supervisors see only
    their effect (black regions in every frame), not the configuration: an empty list, a 404.
    The running analytics worker applies a saved change within seconds.
    """

    queryset = PrivacyMask.objects.select_related("camera")
    serializer_class = PrivacyMaskSerializer
    filterset_class = PrivacyMaskFilterSet
    search_fields = ["name", "camera__name"]
    ordering_fields = ["camera", "name", "updated_at"]
    ordering = ["camera", "id"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = privacy_mask_save(
            actor=self.request.user,
            camera=data["camera"],
            name=data.get("name", ""),
            points=data["points"],
        )

    def perform_update(self, serializer):
        mask, data = serializer.instance, serializer.validated_data
        serializer.instance = privacy_mask_save(
            actor=self.request.user,
            camera=mask.camera_id,
            mask=mask,
            name=data.get("name", mask.name),
            points=data.get("points", mask.points),
        )

    def perform_destroy(self, instance):
        privacy_mask_delete(actor=self.request.user, mask=instance)
