"""Liability risk and insurance, per site: what could go wrong with the cameras, who owns each
risk, and the policies that cover it."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from cameras.models import Site
from vms.permissions import RestrictedManager

SCALE = [MinValueValidator(1), MaxValueValidator(5)]


class RiskAssessment(models.Model):
    """A liability risk at a site (a lawsuit over filming a neighbour's garden, a leaked
    clip), scored likelihood × impact, with its mitigations, owner and next review."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="risk_assessments")
    title = models.CharField(max_length=200)
    risks = models.TextField(help_text="What could happen, and to whom.")
    likelihood = models.PositiveSmallIntegerField(validators=SCALE, help_text="1 (rare) to 5.")
    impact = models.PositiveSmallIntegerField(validators=SCALE, help_text="1 (minor) to 5.")
    mitigations = models.TextField()
    owner = models.CharField(max_length=200, help_text="Who answers for this risk.")
    review_date = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["site", "title"]

    def __str__(self) -> str:
        return f"{self.title} ({self.site})"

    def get_absolute_url(self) -> str:
        return reverse("privacy:register-detail", args=["risks", self.pk])

    @property
    def score(self) -> int:
        return (self.likelihood or 0) * (self.impact or 0)

    def problems(self) -> list[str]:
        found = []
        if self.review_date and self.review_date < timezone.localdate():
            found.append("Review date passed.")
        if self.score >= 15:
            found.append(f"High risk (score {self.score} of 25).")
        return found


class InsurancePolicy(models.Model):
    """An insurance policy covering a site's cameras (cyber, privacy liability...)."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="insurance_policies")
    insurer = models.CharField(max_length=200)
    policy_number = models.CharField(max_length=100)
    cover = models.TextField(help_text="What it covers, in the insurer's words.")
    limit_amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    covers_cyber = models.BooleanField("covers cyber incidents", default=False)
    covers_privacy_liability = models.BooleanField(default=False)
    covers_public_liability = models.BooleanField(default=False)
    starts_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField()
    document = models.FileField(upload_to="registers/insurance/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["site", "expires_on"]
        verbose_name_plural = "insurance policies"
        constraints = [
            models.UniqueConstraint(
                fields=["insurer", "policy_number"], name="insurance_policy_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.insurer} {self.policy_number}"

    def get_absolute_url(self) -> str:
        return reverse("privacy:register-detail", args=["insurance", self.pk])

    def clean(self) -> None:
        errors = {}
        if self.starts_on and self.expires_on and self.expires_on <= self.starts_on:
            errors["expires_on"] = "A policy must expire after it starts."
        if self.limit_amount is not None and self.limit_amount <= 0:
            errors["limit_amount"] = "The limit must be more than zero."
        if self.currency and not (len(self.currency) == 3 and self.currency.isalpha()):
            errors["currency"] = "A three-letter currency code, e.g. EUR."
        if errors:
            raise ValidationError(errors)
        self.currency = (self.currency or "").upper()

    def problems(self) -> list[str]:
        found = []
        today = timezone.localdate()
        if self.expires_on and self.expires_on < today:
            found.append("Expired.")
        elif self.expires_on and (self.expires_on - today).days <= 30:
            found.append(f"Expires within 30 days ({self.expires_on:%Y-%m-%d}).")
        if not (self.covers_cyber or self.covers_privacy_liability):
            found.append("Covers neither cyber incidents nor privacy liability.")
        return found
