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


class DataKey(models.Model):
    """A data key: the AES-256 key that encrypts one scope's media (a camera's day).

    Stored only wrapped by the master key (``vms.crypto``). Destroying it (``wrapped`` emptied,
    ``destroyed_at`` set) is a crypto-erasure: every file sealed under it is unreadable for good,
    copies and backups of the files included. The row stays, as the record of the erasure.
    """

    scope = models.CharField(max_length=120, unique=True)
    wrapped = models.TextField(blank=True, help_text="The key sealed by the master key.")
    created_at = models.DateTimeField(auto_now_add=True)
    rewrapped_at = models.DateTimeField(null=True, blank=True)
    destroyed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    destroyed_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["scope"]

    def __str__(self) -> str:
        return f"data key {self.scope}" + (" (destroyed)" if self.destroyed_at else "")
