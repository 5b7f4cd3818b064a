"""The breach register: every personal-data breach, notified or not (GDPR Art 33(5))."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone

from cameras.models import Site
from privacy.clocks import breach_notify_by
from vms.permissions import RestrictedManager


class BreachRisk(models.TextChoices):
    UNLIKELY = "unlikely", "Unlikely to result in a risk (no notification, Art 33(1))"
    RISK = "risk", "A risk to people's rights (notify the authority)"
    HIGH = "high", "A high risk (notify the authority and inform the people, Art 34)"


class Breach(models.Model):
    """One breach: when it was discovered (the 72-hour clock to notify the supervisory
    authority starts then), the Art 33(3) facts, the decision and the notifications."""

    title = models.CharField(max_length=200)
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.PROTECT, related_name="breaches"
    )
    discovered_at = models.DateTimeField(help_text="When the controller became aware of it.")
    occurred_at = models.DateTimeField(null=True, blank=True, help_text="When it happened.")
    # Art 33(3)(a)-(d)
    nature = models.TextField(help_text="What happened: confidentiality, integrity, availability.")
    data_categories = models.TextField(help_text="Categories of personal data (e.g. video).")
    subject_categories = models.TextField(blank=True, help_text="Visitors, staff, passers-by...")
    subjects_approx = models.PositiveIntegerField(
        null=True, blank=True, help_text="Approximate number of people concerned."
    )
    records_approx = models.PositiveIntegerField(
        null=True, blank=True, help_text="Approximate number of records (clips, images)."
    )
    likely_consequences = models.TextField(blank=True)
    measures = models.TextField(blank=True, help_text="Measures taken or proposed.")
    # The decision, with reasons (recorded either way: Art 33(5)).
    risk = models.CharField(max_length=12, choices=BreachRisk.choices, blank=True)
    notify_authority = models.BooleanField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    authority_notified_at = models.DateTimeField(null=True, blank=True)
    authority_reference = models.CharField(max_length=120, blank=True)
    delay_reason = models.TextField(
        blank=True, help_text="Why the notification came after 72 hours (Art 33(1))."
    )
    # Art 34: the people concerned.
    subjects_informed_at = models.DateTimeField(null=True, blank=True)
    subjects_informed_how = models.TextField(blank=True)
    subjects_not_informed_reason = models.TextField(
        blank=True, help_text="Art 34(3): encrypted, risk removed, disproportionate effort."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-discovered_at"]
        verbose_name_plural = "breaches"

    def __str__(self) -> str:
        return f"Breach {self.pk}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("privacy:register-detail", args=["breaches", self.pk])

    @property
    def notify_by(self) -> datetime:
        return breach_notify_by(self.discovered_at)

    @property
    def awaiting_notification(self) -> bool:
        """The authority is still to be told (or it is still undecided)."""
        return self.authority_notified_at is None and self.notify_authority is not False

    @property
    def hours_remaining(self) -> float | None:
        if not self.awaiting_notification:
            return None
        return round((self.notify_by - timezone.now()).total_seconds() / 3600, 1)

    @property
    def overdue(self) -> bool:
        return self.awaiting_notification and timezone.now() > self.notify_by

    @property
    def notified_late(self) -> bool:
        return bool(self.authority_notified_at and self.authority_notified_at > self.notify_by)

    def clean(self) -> None:
        errors = {}
        now = timezone.now()
        if self.discovered_at and self.discovered_at > now:
            errors["discovered_at"] = "A breach cannot be discovered in the future."
        if self.occurred_at and self.discovered_at and self.occurred_at > self.discovered_at:
            errors["occurred_at"] = "It cannot have happened after it was discovered."
        if self.notify_authority is not None and not self.decision_reason.strip():
            errors["decision_reason"] = "Record the reasons for the decision, either way."
        if self.authority_notified_at:
            if self.notify_authority is False:
                errors["notify_authority"] = "The authority was notified: the decision is yes."
            if self.discovered_at and self.authority_notified_at < self.discovered_at:
                errors["authority_notified_at"] = "Notified before it was discovered?"
            elif self.notified_late and not self.delay_reason.strip():
                errors["delay_reason"] = "Notified after 72 hours: give the reasons for the delay."
        if self.subjects_informed_at and not self.subjects_informed_how.strip():
            errors["subjects_informed_how"] = "Say how the people were informed."
        if errors:
            raise ValidationError(errors)

    def on_register_save(self, actor, changed: set[str]) -> None:
        """The decision is stamped with who made it and when."""
        if "notify_authority" in changed or "decision_reason" in changed:
            self.decided_at, self.decided_by = timezone.now(), actor

    def problems(self) -> list[str]:
        """What a regulator would ask about."""
        found = []
        if self.overdue:
            found.append("The 72 hours to notify the authority have passed.")
        if self.notify_authority is None:
            found.append("No decision on notifying the authority yet.")
        if self.notified_late and not self.delay_reason.strip():
            found.append("Notified after 72 hours without the reasons for the delay.")
        if (
            self.risk == BreachRisk.HIGH
            and self.subjects_informed_at is None
            and not self.subjects_not_informed_reason.strip()
        ):
            found.append("High risk: the people concerned are not yet informed (Art 34).")
        return found
