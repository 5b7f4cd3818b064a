"""Subject-access requests: a person asks what footage Veil holds of them (or its erasure)."""

from __future__ import annotations

import secrets
from datetime import date
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from cameras.models import Camera, Site
from privacy.clocks import RequestClock, request_clock
from privacy.models.footage import LegalHold
from vms.permissions import RestrictedManager


class RequestKind(models.TextChoices):
    ACCESS = "access", "Access (a copy of my footage)"
    ERASURE = "erasure", "Erasure (delete my footage)"
    OBJECTION = "objection", "Objection (stop filming / processing me)"


class RequestStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    VERIFIED = "verified", "Identity verified"
    IN_PROGRESS = "in_progress", "In progress"
    ANSWERED = "answered", "Answered"
    REFUSED = "refused", "Refused"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_STATUSES = (RequestStatus.RECEIVED, RequestStatus.VERIFIED, RequestStatus.IN_PROGRESS)
CLOSED_STATUSES = (RequestStatus.ANSWERED, RequestStatus.REFUSED, RequestStatus.WITHDRAWN)


class Jurisdiction(models.TextChoices):
    GDPR = "gdpr", "GDPR (one month, +2 with notice)"
    CCPA = "ccpa", "CCPA/CPRA (10 business days to acknowledge, 45 days, +45 with notice)"
    OTHER = "other", "Other (one month)"


def new_reference() -> str:
    """A reference the requester can quote: short, unguessable, no ambiguous characters."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "DSAR-" + "".join(secrets.choice(alphabet) for _ in range(8))


def photo_path(instance, filename: str) -> str:
    # The requester's own photo: in the default storage (sealed at rest), never under a name
    # that says whose it is.
    return f"subject-requests/{secrets.token_hex(16)}.img"


class SubjectAccessRequest(models.Model):
    """A data subject's request about their footage, with its legal clock and its legal hold.

    DPO-only: no ``permission_parent``, so guards and supervisors of the site see none.
    """

    reference = models.CharField(max_length=20, unique=True, default=new_reference, editable=False)
    kind = models.CharField(max_length=16, choices=RequestKind.choices)
    status = models.CharField(
        max_length=16, choices=RequestStatus.choices, default=RequestStatus.RECEIVED
    )
    requester_name = models.CharField(max_length=200)
    requester_contact = models.CharField(max_length=300, help_text="E-mail, phone or address.")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="subject_requests")
    cameras = models.ManyToManyField(Camera, blank=True, related_name="subject_requests")
    window_start = models.DateTimeField(help_text="When the requester was there: from.")
    window_end = models.DateTimeField(help_text="When the requester was there: until.")
    description = models.TextField(blank=True, help_text="What they looked like, what they did.")
    photo = models.FileField(upload_to=photo_path, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    received_via = models.CharField(
        max_length=16, choices=[("staff", "Staff"), ("public", "Public form")], default="staff"
    )
    jurisdiction = models.CharField(max_length=8, choices=Jurisdiction.choices)
    # Identity verification: who checked, how, when.
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verification_method = models.CharField(max_length=300, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    # Extension: months (GDPR) or days (CCPA), with the reasoned notice sent in time.
    extension = models.PositiveSmallIntegerField(default=0)
    extension_reason = models.TextField(blank=True)
    extension_notified_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.TextField(blank=True, help_text="What was answered, or why refused.")
    legal_hold = models.OneToOneField(
        LegalHold, null=True, blank=True, on_delete=models.PROTECT, related_name="subject_request"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = RestrictedManager()

    class Meta:
        ordering = ["-received_at"]
        verbose_name = "subject-access request"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(window_end__gt=models.F("window_start")),
                name="subject_request_window_not_empty",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.get_kind_display().split(' (')[0]})"

    def get_absolute_url(self) -> str:
        return reverse("privacy:request-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def local_date(self, when) -> date:
        return timezone.localtime(when, ZoneInfo(self.site.time_zone or "UTC")).date()

    @property
    def clock(self) -> RequestClock:
        return request_clock(
            jurisdiction=self.jurisdiction,
            received_on=self.local_date(self.received_at),
            extension=self.extension,
        )

    def today(self) -> date:
        return self.local_date(timezone.now())

    @property
    def days_remaining(self) -> int | None:
        """Days to the deadline in the site's calendar; ``None`` once closed."""
        return self.clock.days_remaining(self.today()) if self.is_open else None

    @property
    def overdue(self) -> bool:
        return self.is_open and self.clock.overdue(self.today())

    @property
    def acknowledgement_overdue(self) -> bool:
        due = self.clock.acknowledge_by
        return bool(due and self.is_open and self.acknowledged_at is None and self.today() > due)
