"""Published transparency records: each site's second-layer privacy notice and the
organisation's privacy policy, both versioned.

A published version is a fact about what people were told and when: it is never changed or
deleted (the model refuses it, its queryset refuses it, and a database trigger refuses it
for anything that goes around Django). A new version is published instead, with the diff
against the previous one, the change that caused it and who made it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from cameras.models import Site
from compliance.models import ReadOnlyRecordError
from vms.permissions import RestrictedManager, RestrictedQuerySet


class PublishedQuerySet(RestrictedQuerySet):
    def update(self, **kwargs):
        raise ReadOnlyRecordError("Published notice versions are immutable.")

    def delete(self):
        raise ReadOnlyRecordError("Published notice versions are immutable.")


class NoticeVersion(models.Model):
    """One published version of a site's second-layer privacy notice (GDPR Art. 13).

    ``content`` is the notice as generated from the live configuration at publication (the
    page renders from it alone); ``printed`` is the part a first-layer sign prints, so a sign
    knows when what it says is no longer true.
    """

    permission_parent = "site"

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="notice_versions")
    number = models.PositiveIntegerField()
    published_at = models.DateTimeField(auto_now_add=True)
    content = models.JSONField()
    printed = models.JSONField(default=dict)
    diff = models.JSONField(default=list, blank=True, help_text="[[op, line], ...] vs previous.")
    cause = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_username = models.CharField(max_length=150, blank=True)

    objects = models.Manager.from_queryset(PublishedQuerySet)()

    class Meta:
        ordering = ["site", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["site", "number"], name="notice_version_unique")
        ]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"Privacy notice for {self.site.name}, version {self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ReadOnlyRecordError("Published notice versions are immutable.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("privacy:notice-version", args=[self.site_id, self.number])

    def delete(self, *args, **kwargs):
        raise ReadOnlyRecordError("Published notice versions are immutable.")


class PolicyStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class PolicyVersion(models.Model):
    """A version of the organisation's privacy policy: drafted, then published by a DPO with
    an effective date; once published it is never changed (a new draft replaces it)."""

    number = models.PositiveIntegerField(null=True, blank=True, unique=True, editable=False)
    title = models.CharField(max_length=200, default="Privacy policy")
    text = models.TextField()
    status = models.CharField(
        max_length=16, choices=PolicyStatus.choices, default=PolicyStatus.DRAFT, editable=False
    )
    effective_date = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    diff = models.JSONField(default=list, blank=True, editable=False)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-number", "-id"]
        permissions = [("publish_policyversion", "Publish a privacy-policy version (DPO)")]

    def __str__(self) -> str:
        if self.number:
            return f"{self.title}, version {self.number}"
        return f"{self.title} (draft)"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True)
            if stored.first() == PolicyStatus.PUBLISHED:
                raise ReadOnlyRecordError("A published policy version is immutable.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("privacy:policy-version", args=[self.number])

    def delete(self, *args, **kwargs):
        if self.status == PolicyStatus.PUBLISHED:
            raise ReadOnlyRecordError("A published policy version is immutable.")
        super().delete(*args, **kwargs)
