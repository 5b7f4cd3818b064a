from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django_countries.fields import CountryField
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from cameras.sources import redact_source_url, source_url_with_credentials
from cameras.validators import (
    validate_region,
    validate_source_url,
    validate_specific_purpose,
    validate_time_zone,
)
from vms.fields import EncryptedTextField
from vms.permissions import RestrictedManager

DEFAULT_RETENTION_HOURS = 72
MIN_BALANCING_NOTE_WORDS = 8


class SignageEnforcement(models.TextChoices):
    """What happens to a camera's analytics while no up-to-date sign announces it."""

    JURISDICTION = "", "As the jurisdiction requires (block where notice is mandatory)"
    BLOCK = "block", "Block analytics and recording"
    WARN = "warn", "Warn only"


class Site(models.Model):
    """A place with cameras. Its jurisdiction decides which rules apply to them."""

    name = models.CharField(max_length=120, unique=True)
    address = models.TextField(blank=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    country = CountryField(help_text="Jurisdiction: the country whose law applies.")
    region = models.CharField(
        "state / province",
        max_length=8,
        blank=True,
        help_text="Where the law differs by state (US, CA, AU): its code, e.g. IL.",
    )
    signage_enforcement = models.CharField(
        max_length=8, choices=SignageEnforcement.choices, default="", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cameras:site-detail", args=[self.pk])

    def clean(self) -> None:
        self.region = (self.region or "").strip().upper()
        validate_region(str(self.country), self.region)


class LawfulBasis(models.TextChoices):
    """GDPR Art. 6(1) bases."""

    CONSENT = "consent", "Consent (Art. 6(1)(a))"
    CONTRACT = "contract", "Contract (Art. 6(1)(b))"
    LEGAL_OBLIGATION = "legal_obligation", "Legal obligation (Art. 6(1)(c))"
    VITAL_INTERESTS = "vital_interests", "Vital interests (Art. 6(1)(d))"
    PUBLIC_TASK = "public_task", "Public task (Art. 6(1)(e))"
    LEGITIMATE_INTERESTS = "legitimate_interests", "Legitimate interests (Art. 6(1)(f))"


class SubjectCategory(models.TextChoices):
    """Whom a camera films (GDPR Art. 30(1)(c), Art. 13 notices)."""

    STAFF = "staff", "Staff"
    CONTRACTORS = "contractors", "Contractors"
    VISITORS = "visitors", "Visitors and customers"
    PUBLIC = "public", "Members of the public passing by"


def validate_subject_categories(value) -> None:
    """Whom a camera films: a list of :class:`SubjectCategory` values."""
    if not isinstance(value, list) or any(item not in SubjectCategory.values for item in value):
        raise ValidationError(
            f"Categories of people must be a list of: {', '.join(SubjectCategory.values)}."
        )


class CameraStatus(models.TextChoices):
    UNKNOWN = "unknown", "Not yet probed"
    ONLINE = "online", "Online"
    OFFLINE = "offline", "Offline"
    ERROR = "error", "Error"


class AnonymizeMode(models.TextChoices):
    BLUR = "blur", "Blur"
    PIXELATE = "pixelate", "Pixelate"


class RecordingMode(models.TextChoices):
    OFF = "off", "Off"
    ALERTS = "alerts", "Around alerts (pre- and post-roll)"
    CONTINUOUS = "continuous", "Continuous"


class Camera(models.Model):
    """A registered camera: where it is, why it films, and what Veil last measured of it."""

    permission_parent = "site"

    name = models.CharField(max_length=120)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="cameras")
    source_url = models.CharField(
        max_length=2000,
        validators=[validate_source_url],
        help_text="rtsp://, rtsps://, http(s):// (MJPEG) or file:// — without credentials.",
    )
    # Sealed at rest under the deployment's master key (vms.fields); plain str in Python.
    source_username = EncryptedTextField(blank=True)
    source_password = EncryptedTextField(blank=True)
    purpose = models.TextField(validators=[validate_specific_purpose])
    lawful_basis = models.CharField(max_length=32, choices=LawfulBasis.choices)
    lawful_basis_note = models.TextField(
        "balancing test",
        blank=True,
        help_text=(
            "Required for legitimate interests: whose interest, why the camera is necessary "
            "for it, and why it is not overridden by the rights of the people filmed."
        ),
    )
    # A list of SubjectCategory values (JSON, so the embedded SQLite default stores it too).
    subject_categories = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_subject_categories],
        help_text="Whom the camera films.",
    )
    films_public_space = models.BooleanField(
        "films publicly accessible space",
        default=False,
        help_text="A street, a shop floor, a car park open to anyone.",
    )
    retention_hours = models.PositiveIntegerField(
        default=DEFAULT_RETENTION_HOURS,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 365)],
    )
    retention_justification = models.TextField(
        blank=True, help_text=f"Required when retention exceeds {DEFAULT_RETENTION_HOURS} hours."
    )
    # Retention beyond the default takes effect only once a DPO approves it
    # (cameras.services.retention); until then the longest approved one applies.
    retention_approved_hours = models.PositiveIntegerField(
        default=DEFAULT_RETENTION_HOURS, editable=False
    )
    retention_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    retention_approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    enabled = models.BooleanField(default=True)

    # Analytics and anonymisation.
    analytics_enabled = models.BooleanField(default=True)
    # Why analytics (live detection and recording) may not run now although enabled, kept by
    # privacy (no covering, up-to-date sign); empty when nothing holds them. Workers read it.
    analytics_hold = models.CharField(max_length=300, blank=True, editable=False)
    analytics_fps = models.FloatField(
        default=5.0,
        validators=[MinValueValidator(0.2), MaxValueValidator(30.0)],
        help_text="Frames per second sampled for analytics and the anonymised live feed.",
    )
    anonymize_mode = models.CharField(
        max_length=16, choices=AnonymizeMode.choices, default=AnonymizeMode.BLUR
    )
    # Recording (from the analytics worker's one decode; privacy.services.recording).
    recording_mode = models.CharField(
        max_length=16, choices=RecordingMode.choices, default=RecordingMode.OFF
    )
    recording_pre_roll_seconds = models.PositiveIntegerField(
        default=10, validators=[MaxValueValidator(120)], help_text="Kept before an alert."
    )
    recording_post_roll_seconds = models.PositiveIntegerField(
        default=20, validators=[MaxValueValidator(600)], help_text="Kept after an alert."
    )
    # Recognition stays off unless an approved DPIA covers it (cameras.recognition).
    face_recognition_enabled = models.BooleanField(default=False)
    plate_recognition_enabled = models.BooleanField(default=False)

    # Measured by the health probe.
    status = models.CharField(
        max_length=16, choices=CameraStatus.choices, default=CameraStatus.UNKNOWN
    )
    status_message = models.CharField(max_length=500, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    last_probe_at = models.DateTimeField(null=True, blank=True)
    next_probe_at = models.DateTimeField(null=True, blank=True, db_index=True)
    probe_failures = models.PositiveIntegerField(default=0)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    frame_rate = models.FloatField(null=True, blank=True)
    codec = models.CharField(max_length=32, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["site__name", "name"]
        permissions = [
            ("view_live_video", "Watch live video (anonymised)"),
            ("view_camera_source", "See and change a camera's source URL and credentials"),
            ("approve_retention", "Approve or refuse retention longer than the default"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="camera_name_unique_per_site")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.site})"

    def get_absolute_url(self) -> str:
        return reverse("cameras:camera-detail", args=[self.pk])

    def clean(self) -> None:
        from cameras.recognition import recognition_refusals

        errors = recognition_refusals(self)
        if (
            self.lawful_basis == LawfulBasis.LEGITIMATE_INTERESTS
            and len((self.lawful_basis_note or "").split()) < MIN_BALANCING_NOTE_WORDS
        ):
            errors["lawful_basis_note"] = (
                "Legitimate interests needs a recorded balancing test (a few sentences): whose "
                "interest, why this camera is necessary for it, and why it is not overridden "
                "by the rights of the people filmed."
            )
        if (
            self.retention_hours
            and self.retention_hours > DEFAULT_RETENTION_HOURS
            and not (self.retention_justification or "").strip()
        ):
            errors["retention_justification"] = (
                f"Keeping video longer than {DEFAULT_RETENTION_HOURS} hours needs a "
                "written justification."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def effective_retention_hours(self) -> int:
        """What retention applies now: as asked, up to the longest a DPO approved (the default
        needs no approval; a shorter one applies at once)."""
        return min(
            self.retention_hours, max(DEFAULT_RETENTION_HOURS, self.retention_approved_hours)
        )

    @property
    def retention_awaiting_approval(self) -> bool:
        return self.retention_hours > self.effective_retention_hours

    @property
    def analytics_in_use(self) -> list[str]:
        """What the camera does with its video beyond showing it, in words for notices and
        records (live detection runs only while analytics are on)."""
        if not self.enabled:
            return []
        uses = []
        if self.analytics_enabled:
            uses.append("Automatic detection of people and vehicles (faces and plates blurred)")
        if self.recording_mode != RecordingMode.OFF:
            uses.append(f"Recording: {self.get_recording_mode_display().lower()}")
        if self.face_recognition_enabled:
            uses.append("Face recognition (biometric)")
        if self.plate_recognition_enabled:
            uses.append("Number-plate recognition")
        return uses

    @property
    def source_url_display(self) -> str:
        """The source URL as it may be shown: never with credentials."""
        return redact_source_url(self.source_url)

    @property
    def has_credentials(self) -> bool:
        return bool(self.source_username or self.source_password)

    @property
    def resolution(self) -> str:
        return f"{self.width}×{self.height}" if self.width and self.height else ""

    def stream_url(self) -> str:
        """The URL with credentials, for the process that opens the stream. Never display."""
        return source_url_with_credentials(
            self.source_url, self.source_username, self.source_password
        )


# Per-object grants on the two models the product grants one by one (a site to a guard, a
# camera to a guard), as guardian's direct foreign-key tables: the gate joins on an indexed
# integer column instead of casting every row's id to text to match a generic ``object_pk``.
# guardian's own shortcuts (assign_perm, remove_perm, has_perm) find these by themselves.


class SiteUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Site, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = "site grant to a user"


class SiteGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Site, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = "site grant to a group"


class CameraUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Camera, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = "camera grant to a user"


class CameraGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Camera, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = "camera grant to a group"
