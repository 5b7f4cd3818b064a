"""Cross-border transfers and vendors: a transfer without a valid mechanism is flagged (no
mechanism to a country without adequacy, SCCs without a TIA, DPF outside the US, a passed
review); vendors without a DPA or security review are flagged; DPO only."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from privacy.models import Transfer, Vendor
from privacy.selectors import register_reviews_due, transfers_without_valid_mechanism
from privacy.services.registers import register_save
from tests.api_base import ListTests, NoDeleteTests, RetrieveTests
from tests.factories import SiteFactory, UserFactory

pytestmark = pytest.mark.django_db

NEXT_YEAR = date.today() + timedelta(days=365)


@pytest.fixture
def dpo():
    return UserFactory(role=Role.DPO)


def transfer(actor, site=None, **fields):
    base = {
        "site": site or SiteFactory(country="DE"),
        "recipient": "Acme Monitoring",
        "purpose": "Alarm verification by a monitoring centre",
        "destination_country": "IN",
        "review_date": NEXT_YEAR,
    }
    return register_save(actor=actor, model=Transfer, fields={**base, **fields})


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({}, "No transfer mechanism to a country without adequacy."),
        (
            {"mechanism": "sccs", "document_reference": "SCC 2021/914 m2"},
            "SCCs without a transfer impact assessment.",
        ),
        ({"mechanism": "dpf"}, "The Data Privacy Framework covers transfers to the US only."),
        ({"mechanism": "adequacy"}, "No adequacy decision covers India."),
        (
            {"destination_country": "JP", "mechanism": "adequacy", "review_date": date(2026, 1, 1)},
            "Review date passed.",
        ),
    ],
)
def test_transfers_without_a_valid_mechanism_are_flagged(dpo, fields, problem):
    flagged = transfer(dpo, **fields)
    assert problem in flagged.problems() and not flagged.valid
    assert transfers_without_valid_mechanism(user=dpo) == [flagged]


@pytest.mark.parametrize(
    "fields",
    [
        {"destination_country": "JP", "mechanism": "adequacy"},
        {"destination_country": "JP"},  # adequacy applies without a claim
        {"destination_country": "US", "mechanism": "dpf"},
        {"mechanism": "sccs", "tia_completed_on": date(2026, 6, 1), "document_reference": "SCC"},
        {"destination_country": "FR"},  # inside the EEA: no transfer mechanism needed
        {"mechanism": "derogation", "derogation": "Art 49(1)(e): a police request abroad"},
    ],
)
def test_valid_transfers_are_not_flagged(dpo, fields):
    assert transfer(dpo, **fields).problems() == []
    assert transfers_without_valid_mechanism(user=dpo) == []


def test_bad_input_is_refused(dpo):
    with pytest.raises(ValidationError) as error:
        transfer(dpo, mechanism="derogation")
    assert "derogation" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        transfer(dpo, destination_country="XX", mechanism="magic")
    assert {"destination_country", "mechanism"} <= set(error.value.message_dict)


def test_vendors_flag_missing_agreements_and_reviews_due(dpo):
    vendor = register_save(
        actor=dpo,
        model=Vendor,
        fields={"name": "CloudCo", "services": "Stores exports", "review_date": date(2026, 1, 1)},
    )
    assert vendor.problems() == [
        "No data-processing agreement (Art 28).",
        "No security review.",
        "Review date passed.",
    ]
    vendor = register_save(
        actor=dpo,
        model=Vendor,
        instance_id=vendor.pk,
        fields={
            "dpa_signed_on": date(2026, 3, 1),
            "security_reviewed_on": date(2026, 3, 2),
            "review_date": timezone.localdate() + timedelta(days=10),
        },
    )
    assert vendor.problems() == []
    due = register_reviews_due(user=dpo)
    assert [(slug, row) for slug, row, _ in due] == [("vendors", vendor)]
    linked = transfer(dpo, vendor=vendor, destination_country="US", mechanism="dpf")
    assert linked.vendor == vendor


def test_pages_are_the_dpos(dpo):
    flagged = transfer(dpo)
    client = Client()
    client.force_login(dpo)
    page = client.get("/privacy/registers/transfers/").content.decode()
    assert "Acme Monitoring" in page and "No transfer mechanism" in page
    for role in (Role.GUARD, Role.SUPERVISOR, Role.ADMIN):
        other = Client()
        other.force_login(UserFactory(role=role, sites=[flagged.site]))
        assert other.get("/privacy/registers/transfers/").status_code == 404
        assert other.get(f"/privacy/registers/vendors/{flagged.pk}/").status_code == 404


class TestTransferAPI(ListTests, RetrieveTests, NoDeleteTests):
    model = Transfer
    namespace, basename = "privacy-api", "transfers"
    reader_role = writer_role = Role.DPO

    def make_object(self):
        return transfer(UserFactory(role=Role.DPO))

    def test_create_is_validated_and_flagged(self):
        client, _ = self.client_for(Role.DPO)
        data = {
            "site": SiteFactory().pk,
            "recipient": "SupportCo",
            "purpose": "Remote support",
            "destination_country": "BR",
            "mechanism": "sccs",
            "review_date": NEXT_YEAR.isoformat(),
        }
        response = client.post(self.list_url(), data, format="json")
        assert response.status_code == 201, response.content
        assert "SCCs without a transfer impact assessment." in response.json()["problems"]


class TestVendorAPI(ListTests, RetrieveTests, NoDeleteTests):
    model = Vendor
    namespace, basename = "privacy-api", "vendors"
    reader_role = writer_role = Role.DPO

    def make_object(self):
        return Vendor.objects.create(
            name=f"Vendor {Vendor.objects.count()}", services="x", review_date=NEXT_YEAR
        )
