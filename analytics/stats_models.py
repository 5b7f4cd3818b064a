"""Statistics rollups (``analytics.services.rollups``): part of the app's models, kept apart."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from analytics.models import Rule
from cameras.models import Camera
from vms.permissions import RestrictedManager


class AlertDailyStats(models.Model):
    """Per camera × rule × day: how many alerts occurred and what people decided, with the
    confidences of the decided ones (to 0.001) — what the review, the DPO's dashboard and
    reports read instead of scanning millions of alerts. Maintained by
    ``analytics.services.rollups`` from the alerts themselves (a minute behind at most)."""

    permission_parent = "camera"

    day = models.DateField(help_text="UTC day the alerts occurred.")
    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(
        Rule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=24, choices=Rule.Kind.choices)
    alerts = models.PositiveIntegerField(default=0)
    confirmed = models.PositiveIntegerField(default=0)
    dismissed = models.PositiveIntegerField(default=0)
    open = models.PositiveIntegerField(default=0)
    # {"0.615": 3, ...}: how many confirmed / dismissed alerts had that confidence.
    confirmed_confidences = models.JSONField(default=dict, blank=True)
    dismissed_confidences = models.JSONField(default=dict, blank=True)

    objects = RestrictedManager()

    class Meta:
        indexes = [models.Index(fields=["camera", "day"]), models.Index(fields=["day"])]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.day} camera {self.camera_id} {self.kind}: {self.alerts}"


class DecisionDailyStats(models.Model):
    """Per camera × person × day: the decisions they made and how long each took (to 0.1 s),
    for the per-person review (rubber-stamp flag). Maintained with :class:`AlertDailyStats`."""

    permission_parent = "camera"

    day = models.DateField(help_text="UTC day the decisions were made.")
    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    decisions = models.PositiveIntegerField(default=0)
    confirmed = models.PositiveIntegerField(default=0)
    dismissed = models.PositiveIntegerField(default=0)
    acknowledged = models.PositiveIntegerField(default=0)
    escalated = models.PositiveIntegerField(default=0)
    seconds = models.JSONField(default=dict, blank=True, help_text='{"1.5": 3, ...}')

    objects = RestrictedManager()

    class Meta:
        indexes = [models.Index(fields=["camera", "day"]), models.Index(fields=["day"])]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.day} camera {self.camera_id} {self.actor_id}: {self.decisions}"


class StatsStale(models.Model):
    """A camera-day whose statistics must be recomputed (an alert or a decision was written)."""

    camera_id = models.BigIntegerField()
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["camera_id", "day"], name="stats_stale_unique")
        ]

    def __str__(self) -> str:
        return f"camera {self.camera_id} {self.day}"
