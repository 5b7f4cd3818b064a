"""Four-eyes un-masks: the DPO's limits and the grants (privacy.services.unmask)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from cameras.models import Camera
from vms.permissions import RestrictedManager


class UnmaskPolicy(models.Model):
    """The DPO's limits on un-masking: how long a grant may last, how long a live un-mask may
    run. One row (``pk=1``), edited on the DPO's page and in the change log.

    A record, not a setting: the DPO owns these limits and changes them without a deployment
    (a setting would put them in the hands of whoever edits the server's environment), and the
    change log shows who moved them, when, from what.
    """

    DEFAULT_GRANT_MINUTES = 60

    max_grant_minutes = models.PositiveIntegerField(
        default=240, help_text="Longest time an approved grant stays open (minutes)."
    )
    max_live_minutes = models.PositiveIntegerField(
        default=30, help_text="Longest live un-mask (minutes)."
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()

    class Meta:
        verbose_name = "un-mask policy"
        verbose_name_plural = "un-mask policy"
        permissions = [("set_unmask_policy", "Set the un-mask limits (DPO)")]

    def __str__(self) -> str:
        return f"grants up to {self.max_grant_minutes} min, live up to {self.max_live_minutes} min"

    @classmethod
    def current(cls) -> UnmaskPolicy:
        policy, _ = cls.objects.get_or_create(pk=1)
        return policy


class UnmaskGrant(models.Model):
    """A four-eyes un-mask: a request to see the *original* track of some cameras for an
    incident, and — once another person approves it — the grant that opens exactly that scope
    to the requester alone, until it expires or a DPO revokes it.

    Recorded footage: ``[starts_at, ends_at)`` of the cameras. Live: the cameras' live original
    frames for ``live_minutes`` from approval (``starts_at``/``ends_at`` are then set to that
    window). Nothing here is ever deleted; the decisions are its history.
    """

    class Mode(models.TextChoices):
        RECORDED = "recorded", "Recorded footage"
        LIVE = "live", "Live"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Refused"
        REVOKED = "revoked", "Revoked"
        EXPIRED = "expired", "Expired"

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="unmask_requests"
    )
    cameras = models.ManyToManyField(Camera, related_name="unmask_grants")
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.RECORDED)
    starts_at = models.DateTimeField(null=True, blank=True, help_text="Footage from.")
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Footage until.")
    live_minutes = models.PositiveIntegerField(null=True, blank=True)
    valid_minutes = models.PositiveIntegerField(
        default=UnmaskPolicy.DEFAULT_GRANT_MINUTES, help_text="How long the grant stays open."
    )
    reason = models.TextField()
    alert_id = models.PositiveBigIntegerField(null=True, blank=True)
    case_reference = models.CharField(max_length=120, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="unmask_decisions",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="unmask_revocations",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_note = models.TextField(blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["requester", "status"])]
        permissions = [
            ("request_unmask", "Request an un-mask of original video"),
            ("approve_unmask", "Approve or refuse another person's un-mask request"),
            ("revoke_unmask", "Revoke an un-mask grant (DPO)"),
        ]

    def __str__(self) -> str:
        return f"un-mask #{self.pk} ({self.get_status_display()})"

    def is_active(self, at=None) -> bool:
        """Approved, not revoked, not past its expiry: the original is open to the requester."""
        at = at or timezone.now()
        return (
            self.status == self.Status.APPROVED
            and self.revoked_at is None
            and self.expires_at is not None
            and self.expires_at > at
        )

    @property
    def effective_status(self) -> str:
        """The status as of now: an approved grant past its expiry reads as expired even
        before the sweep writes it."""
        if self.status == self.Status.APPROVED and not self.is_active():
            return self.Status.EXPIRED
        return self.status
