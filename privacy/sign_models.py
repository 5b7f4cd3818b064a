"""The signage register: the first-layer signs that tell people they are filmed (EDPB
Guidelines 3/2019 §7), which cameras each announces, what it prints, and its inspections."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from cameras.models import Camera, Site
from vms.permissions import RestrictedManager


class SignCondition(models.TextChoices):
    PRESENT = "present", "Present and legible"
    ILLEGIBLE = "illegible", "Present but not legible"
    DAMAGED = "damaged", "Damaged"
    MISSING = "missing", "Missing"


# A sign in one of these conditions no longer tells anyone anything.
FAILED_CONDITIONS = (SignCondition.ILLEGIBLE, SignCondition.MISSING)


class Sign(models.Model):
    """A physical sign at a site, announcing some cameras' fields of view.

    ``printed`` is what the sign says (the notice's printed part when it was last printed);
    it goes ``stale`` when a newer notice version says something else, until a re-print is
    recorded."""

    permission_parent = "site"

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="signs")
    location = models.CharField(max_length=200, help_text="Where it hangs, e.g. 'Dock gate, left'.")
    plan_x = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    plan_y = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    cameras = models.ManyToManyField(Camera, related_name="signs", blank=True)
    photo = models.ImageField(upload_to="signs/", blank=True)
    installed_on = models.DateField()
    inspection_interval_days = models.PositiveIntegerField(
        default=90, validators=[MinValueValidator(1), MaxValueValidator(366)]
    )
    printed = models.JSONField(default=dict, blank=True, editable=False)
    printed_version = models.PositiveIntegerField(null=True, blank=True, editable=False)
    printed_at = models.DateTimeField(null=True, blank=True, editable=False)
    stale = models.BooleanField(default=False, editable=False)
    stale_reason = models.CharField(max_length=300, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["site", "location"]

    def __str__(self) -> str:
        return f"Sign at {self.location} ({self.site})"


class SignInspection(models.Model):
    """One check of a sign in place: when, by whom, what state, when next."""

    permission_parent = "sign"

    sign = models.ForeignKey(Sign, on_delete=models.CASCADE, related_name="inspections")
    inspected_on = models.DateField()
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    condition = models.CharField(max_length=16, choices=SignCondition.choices)
    photo = models.ImageField(upload_to="signs/inspections/", blank=True)
    notes = models.TextField(blank=True)
    next_due = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["sign", "-inspected_on", "-id"]

    def __str__(self) -> str:
        return f"{self.sign} inspected {self.inspected_on}: {self.get_condition_display()}"


def next_inspection_due(sign: Sign, last: SignInspection | None) -> datetime.date:
    """When the sign is next to be checked: as the last inspection said, else an interval
    after installation."""
    if last is not None:
        return last.next_due
    return sign.installed_on + datetime.timedelta(days=sign.inspection_interval_days)
