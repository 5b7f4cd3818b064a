"""Data protection impact assessments (GDPR Art. 35): the record that gates face and plate
recognition on a camera."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from cameras.models import Camera
from vms.permissions import RestrictedManager


class DpiaAnalytic(models.TextChoices):
    FACE_RECOGNITION = "face_recognition", "Face recognition"
    PLATE_RECOGNITION = "plate_recognition", "Plate recognition"
    DETECTION = "detection", "People and vehicle detection"
    RECORDING = "recording", "Recording"


def validate_dpia_analytics(value) -> None:
    """The analytics a DPIA covers: a list of :class:`DpiaAnalytic` values."""
    if not isinstance(value, list) or any(item not in DpiaAnalytic.values for item in value):
        raise ValidationError(f"Analytics must be a list of: {', '.join(DpiaAnalytic.values)}.")


class DpiaStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted to the DPO"
    APPROVED = "approved", "Approved by the DPO"
    REJECTED = "rejected", "Rejected by the DPO"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Dpia(models.Model):
    """A DPIA with the content Art. 35(7) requires, the cameras and analytics it covers, and
    the DPO's decision. Approved and not past its review date, it lets recognition run."""

    title = models.CharField(max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # A draft may be incomplete; submitting it needs every part (privacy.services.dpia).
    description = models.TextField(
        "systematic description of the processing", blank=True, help_text="Art. 35(7)(a)"
    )
    necessity = models.TextField(
        "necessity and proportionality", blank=True, help_text="Art. 35(7)(b)"
    )
    risks = models.TextField(
        "risks to people's rights and freedoms", blank=True, help_text="Art. 35(7)(c)"
    )
    measures = models.TextField(
        "measures to address the risks", blank=True, help_text="Art. 35(7)(d)"
    )
    cameras = models.ManyToManyField(Camera, related_name="dpias", blank=True)
    # A list of DpiaAnalytic values (JSON, so the embedded SQLite default stores it too).
    analytics = models.JSONField(default=list, blank=True, validators=[validate_dpia_analytics])
    status = models.CharField(
        max_length=16, choices=DpiaStatus.choices, default=DpiaStatus.DRAFT, editable=False
    )
    review_date = models.DateField(null=True, blank=True)
    dpo_opinion = models.TextField(blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    lapsed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = "DPIA"
        permissions = [("decide_dpia", "Approve or reject a DPIA (DPO)")]

    def __str__(self) -> str:
        return f"DPIA {self.title} ({self.get_status_display()})"

    @property
    def in_force(self) -> bool:
        return (
            self.status == DpiaStatus.APPROVED
            and self.review_date is not None
            and self.review_date >= timezone.localdate()
        )
