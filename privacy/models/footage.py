from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from cameras.models import Camera
from compliance.models import ReadOnlyRecordError
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


class LegalHold(models.Model):
    """Footage that retention must not delete: cameras, a time range, why, until when.

    Placed and released by supervisors and DPOs (``Perm.PLACE_LEGAL_HOLD``), audited both ways.
    Active while not released and not expired; while active, the retention purge keeps every
    item of its cameras captured in ``[starts_at, ends_at)`` and the data keys of those days.
    """

    cameras = models.ManyToManyField(Camera, related_name="legal_holds")
    starts_at = models.DateTimeField(help_text="Start of the footage held.")
    ends_at = models.DateTimeField(help_text="End of the footage held.")
    reason = models.TextField()
    reference = models.CharField(max_length=120, blank=True, help_text="Case, incident or request.")
    expires_at = models.DateTimeField(help_text="When the hold lapses unless extended.")
    # Empty for a hold placed by a member of the public's subject-access request.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="legal_holds_placed",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="legal_holds_released",
    )
    release_note = models.TextField(blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-created_at"]
        permissions = [("place_legal_hold", "Place and release legal holds on footage")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="legal_hold_range_not_empty",
            )
        ]

    def __str__(self) -> str:
        label = self.reference or f"hold {self.pk}"
        return f"{label}: {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%Y-%m-%d %H:%M} UTC"

    def is_active(self, at=None) -> bool:
        at = at or timezone.now()
        return self.released_at is None and self.expires_at > at


class DeletionRecord(models.Model):
    """What one retention run removed from one camera: the proof of deletion. Never changed."""

    run = models.UUIDField(db_index=True)
    job = models.CharField(max_length=80)
    camera = models.ForeignKey(
        Camera, null=True, on_delete=models.SET_NULL, related_name="deletion_records"
    )
    camera_label = models.CharField(max_length=200)
    kind = models.CharField(max_length=40, help_text="What was removed, e.g. alert media.")
    items = models.PositiveIntegerField(default=0)
    bytes = models.PositiveBigIntegerField(default=0)
    range_start = models.DateTimeField(null=True, blank=True)
    range_end = models.DateTimeField(null=True, blank=True)
    keys_destroyed = models.JSONField(default=list, blank=True)
    held_back = models.PositiveIntegerField(default=0, help_text="Items kept by a legal hold.")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()

    objects = RestrictedManager()

    class Meta:
        ordering = ["-finished_at", "-id"]
        indexes = [models.Index(fields=["camera", "-finished_at"])]

    def __str__(self) -> str:
        return f"{self.kind} of {self.camera_label}: {self.items} item(s)"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ReadOnlyRecordError("Deletion records are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ReadOnlyRecordError("Deletion records are never deleted.")


class RecordingTrack(models.TextChoices):
    ANONYMISED = "anonymised", "Anonymised"
    ORIGINAL = "original", "Original"


class RecordingSegment(models.Model):
    """A few seconds of one camera's recording, one track, as one sealed media file.

    Every camera records two tracks from the analytics worker's single decode: the
    *anonymised* track (faces and plates blurred, masks black; H.264 MP4 browsers play), which
    is what everyone sees, and the *original* track, which only an approved un-mask opens.
    Both are sealed under the camera's day key (``privacy.storage``). Segments follow their
    camera through the gate; the original track is further limited by un-mask grants.
    """

    permission_parent = "camera"

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="recording_segments")
    track = models.CharField(max_length=16, choices=RecordingTrack.choices)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    name = models.CharField(max_length=300, unique=True, help_text="Name in the media store.")
    bytes = models.PositiveBigIntegerField(default=0)
    frames = models.PositiveIntegerField(default=0)
    fps = models.FloatField(default=0)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["camera", "track", "started_at"]
        indexes = [
            models.Index(fields=["camera", "track", "started_at"]),
            models.Index(fields=["started_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__gt=models.F("started_at")),
                name="recording_segment_range_not_empty",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_track_display()} {self.camera_id} {self.started_at:%Y-%m-%d %H:%M:%S}"

    @property
    def duration_seconds(self) -> float:
        return (self.ended_at - self.started_at).total_seconds()
