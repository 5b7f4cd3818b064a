from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from cameras.models import Camera
from vms.geometry import clean_points, validate_points
from vms.permissions import RestrictedManager


class Zone(models.Model):
    """An area (polygon) or a line drawn over a camera's view, in frame fractions.

    Configuration, not something a camera's viewers need: unlike alerts, zones do not follow
    the camera through the gate (no ``permission_parent``). Roles that configure or oversee
    (Admin, DPO) see them all; a guard sees none unless granted one.
    """

    class Kind(models.TextChoices):
        AREA = "area", "Area"
        LINE = "line", "Line"

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="zones")
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.AREA)
    points = models.JSONField(validators=[validate_points])

    objects = RestrictedManager()

    class Meta:
        ordering = ["camera", "name"]
        constraints = [
            models.UniqueConstraint(fields=["camera", "name"], name="zone_name_unique_per_camera")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.camera.name})"

    def clean(self) -> None:
        if self.kind in self.Kind.values:
            clean_points(self.points, shape=self.kind, field="points")


class Rule(models.Model):
    """What turns detections on one camera into alerts."""

    class Kind(models.TextChoices):
        PERSON_IN_ZONE = "person_in_zone", "Person in zone"
        LINE_CROSSING = "line_crossing", "Line crossing"
        LOITERING = "loitering", "Loitering"
        CROWD = "crowd", "Crowd over threshold"
        UNUSUAL_MOTION = "unusual_motion", "Unusual motion"
        CAMERA_HEALTH = "camera_health", "Camera health"

    permission_parent = "camera"

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="rules")
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    zone = models.ForeignKey(
        Zone, null=True, blank=True, on_delete=models.PROTECT, related_name="rules"
    )
    active_from = models.TimeField(
        null=True, blank=True, help_text="Local site time; empty = always."
    )
    active_until = models.TimeField(null=True, blank=True)
    dwell_seconds = models.PositiveIntegerField(default=30, help_text="Loitering: time in zone.")
    count_threshold = models.PositiveIntegerField(default=5, help_text="Crowd: people at once.")
    min_confidence = models.FloatField(
        default=0.5, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)]
    )
    cooldown_seconds = models.PositiveIntegerField(
        default=60, validators=[MinValueValidator(1)], help_text="One alert per this many seconds."
    )
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["camera", "name"]
        permissions = [("tune_rule", "Apply a calibrated minimum confidence to a rule")]

    def __str__(self) -> str:
        return f"{self.name} [{self.get_kind_display()}]"

    def clean(self) -> None:
        needs_area = {self.Kind.PERSON_IN_ZONE, self.Kind.LOITERING}
        if self.kind in needs_area and (self.zone is None or self.zone.kind != Zone.Kind.AREA):
            raise ValidationError({"zone": "This rule needs an area zone."})
        if self.kind == self.Kind.LINE_CROSSING and (
            self.zone is None or self.zone.kind != Zone.Kind.LINE
        ):
            raise ValidationError({"zone": "A line-crossing rule needs a line."})
        if self.zone is not None and self.zone.camera_id != self.camera_id:
            raise ValidationError({"zone": "The zone belongs to another camera."})
        if (self.active_from is None) != (self.active_until is None):
            raise ValidationError("Give both 'active from' and 'active until', or neither.")


def alert_media_path(instance: Alert, filename: str) -> str:
    return f"alerts/{instance.camera_id}/{instance.occurred_at:%Y/%m/%d}/{instance.uid}-{filename}"


class Alert(models.Model):
    """A rule fired. Media are anonymised before they are written; a person decides the rest."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        CONFIRMED = "confirmed", "Confirmed"
        DISMISSED = "dismissed", "Dismissed"
        ESCALATED = "escalated", "Escalated"

    permission_parent = "camera"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="alerts")
    rule = models.ForeignKey(
        Rule, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    kind = models.CharField(max_length=24, choices=Rule.Kind.choices)
    occurred_at = models.DateTimeField(help_text="When the frame was captured.")
    created_at = models.DateTimeField(auto_now_add=True)
    confidence = models.FloatField(default=0.0)
    message = models.CharField(max_length=300, blank=True)
    boxes = models.JSONField(
        default=list, blank=True, help_text="[[x1,y1,x2,y2,score,label], ...] in frame fractions."
    )
    snapshot = models.FileField(upload_to=alert_media_path, blank=True)
    clip = models.FileField(upload_to=alert_media_path, blank=True)
    # One alert per rule per cool-down window: a worker that takes a camera over after a
    # crash cannot raise the same alert twice.
    dedupe_key = models.CharField(max_length=120, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    # The supervisor the latest escalation went to, kept by the triage service beside the
    # AlertDecision that says so: "escalated to me" is then one indexed lookup, not a search
    # through every decision of a million alerts.
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # the partial index below covers it, without the many empty rows
    )

    objects = RestrictedManager()

    class Meta:
        ordering = ["-id"]
        # Lists page newest first by (occurred_at, id) keyset; each filter has its index with
        # that order after it, so a filtered page is an index range, not a sort.
        indexes = [
            models.Index(fields=["-occurred_at", "-id"], name="alert_time"),
            models.Index(fields=["camera", "-occurred_at", "-id"], name="alert_camera_time"),
            models.Index(fields=["status", "-occurred_at", "-id"], name="alert_status_time"),
            models.Index(fields=["kind", "-occurred_at", "-id"], name="alert_kind_time"),
            # The open backlog by camera (wall counts, the header, "with open alerts"): small
            # however long the history grows.
            models.Index(
                fields=["camera", "-id"],
                condition=models.Q(status="open"),
                name="alert_open_camera",
            ),
            models.Index(
                fields=["escalated_to", "status", "id"],
                condition=models.Q(escalated_to__isnull=False),
                name="alert_escalated_to_status",
            ),
        ]
        default_permissions = ("view", "change")
        permissions = [
            ("triage_alert", "Acknowledge, confirm, dismiss or escalate alerts"),
            (
                "overrule_alert",
                "Decide escalated alerts and reopen closed ones; receive escalations",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} on {self.camera.name}"


class DetectorModel(models.Model):
    """A model a worker has run: what it is, the exact file (SHA-256) and where it came from.

    Workers record their models when they start; a changed file shows up as a new hash.
    """

    name = models.CharField(max_length=120)
    task = models.CharField(max_length=120)
    version = models.CharField(max_length=64, blank=True)
    path = models.CharField(max_length=500, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    licence = models.CharField(max_length=64, blank=True)
    source_package = models.CharField(max_length=120, blank=True)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["name", "-last_seen_at"]
        constraints = [
            models.UniqueConstraint(fields=["name", "sha256"], name="detector_model_unique_file")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.version} ({self.sha256[:12] or 'built in'})"


class AlertDecision(models.Model):
    """A person's decision on an alert: who, when, what and why. Nothing adverse happens on
    the AI's word alone; an alert is confirmed only by one of these."""

    class Action(models.TextChoices):
        ACKNOWLEDGE = "acknowledge", "Acknowledged"
        CONFIRM = "confirm", "Confirmed"
        DISMISS = "dismiss", "Dismissed as false positive"
        ESCALATE = "escalate", "Escalated to a supervisor"

    class DismissReason(models.TextChoices):
        LIGHT_OR_SHADOW = "light_or_shadow", "Light, shadow or reflection"
        ANIMAL = "animal", "Animal"
        VEHICLE_OR_OBJECT = "vehicle_or_object", "Vehicle or object, not a person"
        WEATHER = "weather", "Weather, foliage or insects"
        AUTHORISED = "authorised", "Authorised person or activity"
        CAMERA_FAULT = "camera_fault", "Camera fault or interference"
        DUPLICATE = "duplicate", "Duplicate of another alert"
        OTHER = "other", "Other (explain)"

    permission_parent = "alert"

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="decisions")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="alert_decisions"
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    reason = models.CharField(max_length=24, choices=DismissReason.choices, blank=True)
    note = models.TextField(blank=True)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalations_received",
    )
    decided_at = models.DateTimeField(auto_now_add=True, db_index=True)
    seconds_to_decide = models.FloatField(
        null=True, blank=True, help_text="From the alert reaching Veil to this decision."
    )

    objects = RestrictedManager()

    class Meta:
        ordering = ["-decided_at", "-id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.get_action_display()} #{self.alert_id} by {self.actor}"


class AnalyticsWorker(models.Model):
    """An analytics engine process that is alive: it renews ``expires_at`` on every scan.

    Engine bookkeeping, not something a person sees (no gate: no view reads it). A worker whose
    row expired is dead; the next scan of any other worker frees its cameras.
    """

    worker_id = models.CharField(max_length=120, primary_key=True)
    expires_at = models.DateTimeField(db_index=True)
    # How many cameras it held at its last heartbeat: with the free leases, this gives the
    # number of cameras to share out without counting every lease.
    held = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return self.worker_id


class CameraLease(models.Model):
    """Which worker analyses a camera. One row per camera to analyse (enabled, analytics on);
    ``worker_id`` empty means free. A lease lives as long as its worker's heartbeat: renewing
    every lease a worker holds is one update of its :class:`AnalyticsWorker` row."""

    camera = models.OneToOneField(
        Camera, on_delete=models.CASCADE, primary_key=True, related_name="analytics_lease"
    )
    worker_id = models.CharField(max_length=120, blank=True, default="")
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        default_permissions = ()
        indexes = [
            # Held leases, by holder: a worker's own set, and those of a dead worker.
            models.Index(fields=["worker_id"], name="lease_worker_idx"),
            # Free leases only: a claim reads as many as it takes, however many cameras exist.
            models.Index(
                fields=["camera"], name="lease_free_idx", condition=models.Q(worker_id="")
            ),
        ]

    def __str__(self) -> str:
        return f"camera {self.camera_id}: {self.worker_id or 'free'}"


class MissedEvent(models.Model):
    """Something the analytics should have alerted on and did not (a false negative), as a
    guard or supervisor recorded it: with confirmed alerts it gives recall per camera and rule,
    beside precision. Never changed; a correction is a new record."""

    permission_parent = "camera"

    camera = models.ForeignKey(Camera, on_delete=models.PROTECT, related_name="missed_events")
    rule = models.ForeignKey(
        Rule, null=True, blank=True, on_delete=models.SET_NULL, related_name="missed_events"
    )
    occurred_at = models.DateTimeField(help_text="When it happened.")
    description = models.TextField(help_text="What happened that no alert caught.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="missed_events"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        default_permissions = ("view", "add")
        indexes = [models.Index(fields=["camera", "occurred_at"], name="missed_camera_time")]

    def __str__(self) -> str:
        return f"Missed on {self.camera.name} at {self.occurred_at:%Y-%m-%d %H:%M}"


# Alerts raised from people detections (not motion, not camera health).
PEOPLE_ALERT_KINDS = (
    Rule.Kind.PERSON_IN_ZONE,
    Rule.Kind.LINE_CROSSING,
    Rule.Kind.LOITERING,
    Rule.Kind.CROWD,
)


class ModelAssessment(models.Model):
    """The evidence that an AI model may run on cameras: accuracy and bias on a named test set
    (e.g. false-positive rates by group), the document, intended use and limits, its vendor;
    approved by a DPO, until ``valid_until``. A model without an approved, current assessment
    is not deployed: the analytics worker refuses to load it (``analytics.services.assessments``).

    ``model_name`` is the registry's name (``analytics.model_registry``); ``sha256`` empty
    covers every file of that name, else only that exact file.
    """

    model_name = models.CharField(max_length=120, db_index=True)
    sha256 = models.CharField(
        max_length=64, blank=True, help_text="Empty: every version of the model."
    )
    vendor = models.ForeignKey(
        "privacy.Vendor", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    test_set = models.CharField(max_length=200, help_text="The named test set measured on.")
    accuracy_summary = models.TextField(help_text="Precision / recall on the test set.")
    false_positive_rates = models.JSONField(
        default=dict, blank=True, help_text='By group, e.g. {"darker skin": 0.03, "lighter": 0.02}.'
    )
    document = models.FileField(upload_to="registers/assessments/", blank=True)
    document_reference = models.CharField(max_length=200, blank=True)
    intended_use = models.TextField()
    limits = models.TextField(help_text="Where it fails, what it must not be used for.")
    valid_until = models.DateField(help_text="Reassess by this date.")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approval_note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["model_name", "-valid_until"]
        permissions = [("approve_modelassessment", "Approve AI model assessments (DPO)")]

    def __str__(self) -> str:
        version = f" {self.sha256[:12]}" if self.sha256 else ""
        return f"Assessment of {self.model_name}{version}"

    def clean(self) -> None:
        rates = self.false_positive_rates
        if not isinstance(rates, dict) or not all(
            isinstance(rate, int | float) and 0 <= rate <= 1 for rate in rates.values()
        ):
            raise ValidationError(
                {"false_positive_rates": 'Give rates from 0 to 1 by group: {"group": 0.02}.'}
            )

    def is_current(self, today=None) -> bool:
        from django.utils import timezone

        today = today or timezone.localdate()
        return self.approved_at is not None and self.valid_until >= today

    @property
    def live_false_positive_rate(self) -> float | None:
        """Next to the assessed rates, the live one from triage: of the people alerts decided
        in the last 90 days (confirmed or dismissed), the share dismissed as false positives.
        Only for people-detection models (the ones whose detections raise alerts)."""
        from datetime import timedelta

        from django.utils import timezone

        task = (
            DetectorModel.objects.filter(name=self.model_name)
            .values_list("task", flat=True)
            .first()
        )
        if not task or "people" not in task:
            return None
        decided = Alert.objects.filter(
            kind__in=PEOPLE_ALERT_KINDS,
            status__in=[Alert.Status.CONFIRMED, Alert.Status.DISMISSED],
            occurred_at__gte=timezone.now() - timedelta(days=90),
        )
        total = decided.count()
        if not total:
            return None
        return round(decided.filter(status=Alert.Status.DISMISSED).count() / total, 3)

    def problems(self) -> list[str]:
        from django.utils import timezone

        found = []
        if self.approved_at is None:
            found.append("Not approved by a DPO: the model is not deployed.")
        elif self.valid_until < timezone.localdate():
            found.append("Expired: the model is not deployed until reassessed.")
        if self.vendor_id is None:
            found.append("No vendor named.")
        if not self.false_positive_rates:
            found.append("No false-positive rates by group (bias evidence).")
        return found


# Statistics rollups, in a module of their own (analytics.services.rollups maintains them).
from analytics.stats_models import AlertDailyStats, DecisionDailyStats, StatsStale  # noqa: E402, F401
