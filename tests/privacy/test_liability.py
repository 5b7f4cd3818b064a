"""Liability risk assessments and insurance policies per site: reviews and expiries due are
flagged, high scores flagged, bad input refused with clear errors; DPO only."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from privacy.models import InsurancePolicy, RiskAssessment
from privacy.selectors import register_reviews_due
from privacy.services.registers import register_save
from tests.api_base import ListTests, NoDeleteTests, RetrieveTests
from tests.factories import SiteFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = date.today()


@pytest.fixture
def dpo():
    return UserFactory(role=Role.DPO)


def risk(actor, **fields):
    base = {
        "site": SiteFactory(),
        "title": "Camera 3 overlooks a neighbour's garden",
        "risks": "Claim for intrusion into private life",
        "likelihood": 2,
        "impact": 3,
        "mitigations": "Privacy mask drawn over the garden",
        "owner": "Facilities manager",
        "review_date": TODAY + timedelta(days=200),
    }
    return register_save(actor=actor, model=RiskAssessment, fields={**base, **fields})


def policy(actor, **fields):
    base = {
        "site": SiteFactory(),
        "insurer": "Hansa Mutual",
        "policy_number": f"CY-{InsurancePolicy.objects.count() + 1}",
        "cover": "Cyber and privacy liability incl. regulatory defence costs",
        "limit_amount": Decimal("2000000"),
        "currency": "eur",
        "covers_cyber": True,
        "covers_privacy_liability": True,
        "expires_on": TODAY + timedelta(days=300),
    }
    return register_save(actor=actor, model=InsurancePolicy, fields={**base, **fields})


def test_risks_flag_high_scores_and_reviews_due(dpo):
    low = risk(dpo)
    assert low.score == 6 and low.problems() == []
    high = risk(dpo, likelihood=4, impact=5, review_date=TODAY - timedelta(days=1))
    assert high.problems() == ["Review date passed.", "High risk (score 20 of 25)."]
    with pytest.raises(ValidationError) as error:
        risk(dpo, likelihood=6, impact=0, owner="")
    assert {"likelihood", "impact", "owner"} <= set(error.value.message_dict)


def test_policies_flag_expiry_and_missing_cover(dpo):
    good = policy(dpo)
    assert good.currency == "EUR" and good.problems() == []
    soon = policy(
        dpo,
        expires_on=TODAY + timedelta(days=10),
        covers_cyber=False,
        covers_privacy_liability=False,
    )
    assert soon.problems() == [
        f"Expires within 30 days ({soon.expires_on:%Y-%m-%d}).",
        "Covers neither cyber incidents nor privacy liability.",
    ]
    gone = policy(dpo, expires_on=TODAY - timedelta(days=1))
    assert gone.problems() == ["Expired."]
    due = register_reviews_due(user=dpo)
    assert [(slug, row.pk) for slug, row, _ in due] == [
        ("insurance", gone.pk),
        ("insurance", soon.pk),
    ]
    with pytest.raises(ValidationError) as error:
        policy(dpo, starts_on=TODAY, expires_on=TODAY, limit_amount=Decimal("0"), currency="E1")
    assert {"expires_on", "limit_amount", "currency"} <= set(error.value.message_dict)
    with pytest.raises(ValidationError):  # the same policy twice
        policy(dpo, policy_number=good.policy_number)


def test_pages_per_site_for_the_dpo_only(dpo):
    one, other = risk(dpo), risk(dpo, title="Leaked clip")
    client = Client()
    client.force_login(dpo)
    page = client.get(f"/privacy/registers/risks/?site={one.site_id}").content.decode()
    assert one.title.replace("'", "&#x27;") in page and "Leaked clip" not in page
    when = timezone.localdate() + timedelta(days=20)
    response = client.post(
        "/privacy/registers/insurance/",
        {
            "site": one.site_id,
            "insurer": "Nord",
            "policy_number": "P-1",
            "cover": "Cyber",
            "limit_amount": "500000",
            "currency": "EUR",
            "covers_cyber": "on",
            "expires_on": when.isoformat(),
        },
    )
    assert response.status_code == 302
    flagged = client.get("/privacy/registers/insurance/").content.decode()
    assert "Expires within 30 days" in flagged
    for role in (Role.GUARD, Role.SUPERVISOR, Role.ADMIN):
        user_client = Client()
        user_client.force_login(UserFactory(role=role, sites=[one.site]))
        assert user_client.get("/privacy/registers/risks/").status_code == 404
        assert user_client.get(f"/privacy/registers/risks/{other.pk}/").status_code == 404


class TestRiskAPI(ListTests, RetrieveTests, NoDeleteTests):
    model = RiskAssessment
    namespace, basename = "privacy-api", "risks"
    reader_role = writer_role = Role.DPO

    def make_object(self):
        return risk(UserFactory(role=Role.DPO))


class TestInsuranceAPI(ListTests, RetrieveTests, NoDeleteTests):
    model = InsurancePolicy
    namespace, basename = "privacy-api", "insurance"
    reader_role = writer_role = Role.DPO

    def make_object(self):
        return policy(UserFactory(role=Role.DPO))

    def test_create_and_change_are_validated(self):
        client, _ = self.client_for(Role.DPO)
        data = {
            "site": SiteFactory().pk,
            "insurer": "Nord",
            "policy_number": "API-1",
            "cover": "Privacy liability",
            "limit_amount": "100000.00",
            "covers_privacy_liability": True,
            "expires_on": (TODAY + timedelta(days=5)).isoformat(),
        }
        response = client.post(self.list_url(), data, format="json")
        assert response.status_code == 201, response.content
        assert response.json()["problems"][0].startswith("Expires within 30 days")
        bad = client.patch(
            self.detail_url(response.json()["id"]), {"currency": "EURO"}, format="json"
        )
        assert bad.status_code == 400 and "currency" in bad.json()


def test_the_registers_index_counts_flagged_entries(dpo):
    risk(dpo, likelihood=5, impact=5)
    client = Client()
    client.force_login(dpo)
    page = client.get("/privacy/registers/").content.decode()
    for title in (
        "Breach register",
        "Cross-border transfers",
        "Vendors",
        "AI model assessments",
        "Liability risk assessments",
        "Insurance policies",
    ):
        assert title in page
    assert '<span class="badge status-error">1</span>' in page
    guard = Client()
    guard.force_login(UserFactory(role=Role.GUARD))
    assert guard.get("/privacy/registers/").status_code == 404
