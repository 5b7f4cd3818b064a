from __future__ import annotations

from django.db import models

from cameras.models import Camera
from vms.geometry import validate_points
from vms.permissions import RestrictedManager


class PrivacyMask(models.Model):
    """A polygon blacked out of every frame of a camera before anything else sees it.

    Configuration: like zones, masks do not follow the camera through the gate (no
    ``permission_parent``); Admin and DPO see them, a camera's guards see only their effect.
    """

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="privacy_masks")
    name = models.CharField(max_length=80, blank=True)
    points = models.JSONField(validators=[validate_points], help_text="[[x, y], ...] in 0..1.")
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["camera", "id"]

    def __str__(self) -> str:
        return self.name or f"Mask {self.pk} on {self.camera.name}"
