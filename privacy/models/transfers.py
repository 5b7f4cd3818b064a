"""Vendors (processors and suppliers) and cross-border transfers of the footage or its data."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django_countries.fields import CountryField

from cameras.models import Site
from privacy.clocks import GDPR_COUNTRIES
from vms.permissions import RestrictedManager

# Countries with an EU adequacy decision (Art 45), besides the EEA itself; the US only for
# organisations certified under the EU-US Data Privacy Framework (its own mechanism below).
ADEQUATE_COUNTRIES = frozenset(
    ["AD", "AR", "CA", "FO", "GG", "IL", "IM", "JP", "JE", "NZ", "KR", "CH", "GB", "UY"]
)
EEA = GDPR_COUNTRIES - {"GB", "CH"}


def _due(day: date | None) -> bool:
    return day is not None and day < timezone.localdate()


class Vendor(models.Model):
    """A company that processes footage or supplies Veil's parts (a cloud, a monitoring
    centre, a model's maker): its data-processing agreement, clauses and security review."""

    name = models.CharField(max_length=200, unique=True)
    services = models.TextField(help_text="What they do for us, and with which data.")
    country = CountryField(blank=True, help_text="Where they process the data.")
    processes_personal_data = models.BooleanField(default=True)
    dpa_signed_on = models.DateField("DPA signed on", null=True, blank=True)
    dpa_document = models.FileField("DPA document", upload_to="registers/vendors/", blank=True)
    sccs_in_place = models.BooleanField("SCCs in place", default=False)
    security_reviewed_on = models.DateField(null=True, blank=True)
    security_review_notes = models.TextField(blank=True)
    review_date = models.DateField(help_text="When this vendor is next reviewed.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("privacy:register-detail", args=["vendors", self.pk])

    def problems(self) -> list[str]:
        found = []
        if self.processes_personal_data and not self.dpa_signed_on:
            found.append("No data-processing agreement (Art 28).")
        if self.processes_personal_data and not self.security_reviewed_on:
            found.append("No security review.")
        if _due(self.review_date):
            found.append("Review date passed.")
        return found


class TransferMechanism(models.TextChoices):
    NONE = "", "None"
    ADEQUACY = "adequacy", "Adequacy decision (Art 45)"
    DPF = "dpf", "EU-US Data Privacy Framework (certified recipient)"
    SCCS = "sccs", "Standard contractual clauses + transfer impact assessment (Art 46)"
    BCRS = "bcrs", "Binding corporate rules (Art 47)"
    DEROGATION = "derogation", "Derogation for a specific situation (Art 49)"


class Transfer(models.Model):
    """Footage or data from one site going to a recipient in another country."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="transfers")
    recipient = models.CharField(max_length=200, help_text="Who receives it.")
    vendor = models.ForeignKey(
        Vendor, null=True, blank=True, on_delete=models.PROTECT, related_name="transfers"
    )
    purpose = models.TextField(help_text="What is sent and why (storage, monitoring, support).")
    destination_country = CountryField()
    mechanism = models.CharField(
        max_length=16, choices=TransferMechanism.choices, blank=True, default=""
    )
    tia_completed_on = models.DateField("transfer impact assessment on", null=True, blank=True)
    derogation = models.TextField(blank=True, help_text="Art 49: which derogation, and why.")
    document = models.FileField(upload_to="registers/transfers/", blank=True)
    document_reference = models.CharField(max_length=200, blank=True)
    review_date = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["site", "recipient"]

    def __str__(self) -> str:
        return f"{self.site} → {self.recipient} ({self.destination_country})"

    def get_absolute_url(self) -> str:
        return reverse("privacy:register-detail", args=["transfers", self.pk])

    def clean(self) -> None:
        if self.mechanism == TransferMechanism.DEROGATION and not self.derogation.strip():
            raise ValidationError({"derogation": "Name the Art 49 derogation and why it applies."})

    @property
    def needs_mechanism(self) -> bool:
        """A transfer out of the EEA needs one (inside it, none)."""
        site_country = str(self.site.country) if self.site_id else ""
        destination = str(self.destination_country)
        return not (site_country in EEA and destination in EEA) and destination != site_country

    def problems(self) -> list[str]:
        """Why the transfer has no valid mechanism, if it has none."""
        found = []
        destination = str(self.destination_country)
        if self.needs_mechanism:
            if not self.mechanism:
                if destination not in ADEQUATE_COUNTRIES:
                    found.append("No transfer mechanism to a country without adequacy.")
            elif self.mechanism == TransferMechanism.ADEQUACY and destination not in (
                ADEQUATE_COUNTRIES
            ):
                found.append(f"No adequacy decision covers {self.destination_country.name}.")
            elif self.mechanism == TransferMechanism.DPF and destination != "US":
                found.append("The Data Privacy Framework covers transfers to the US only.")
            elif self.mechanism == TransferMechanism.SCCS and not self.tia_completed_on:
                found.append("SCCs without a transfer impact assessment.")
            if self.mechanism in (TransferMechanism.SCCS, TransferMechanism.BCRS) and not (
                self.document or self.document_reference
            ):
                found.append("The agreement is not on file.")
        if _due(self.review_date):
            found.append("Review date passed.")
        return found

    @property
    def valid(self) -> bool:
        return not self.problems()
