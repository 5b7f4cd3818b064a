"""The breach register: every breach recorded, its 72-hour deadline shown and flagged once
passed, the decision with reasons either way, late notifications explained; DPO only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from compliance.models import AccessEvent, AccessKind
from privacy.models import Breach
from privacy.selectors import breaches_for_dashboard
from privacy.services.registers import register_save
from tests.api_base import ListTests, NoDeleteTests, RetrieveTests
from tests.factories import SiteFactory, UserFactory

pytestmark = pytest.mark.django_db

FACTS = {
    "title": "Laptop with exported clips stolen",
    "nature": "Confidentiality: an unencrypted copy of 3 clips left the building",
    "data_categories": "Video of visitors' faces",
    "subject_categories": "Shop visitors",
    "subjects_approx": 40,
    "records_approx": 3,
    "likely_consequences": "Visitors identifiable at a given time and place",
    "measures": "Remote wipe requested; exports now encrypted",
}


@pytest.fixture
def dpo():
    return UserFactory(role=Role.DPO)


def record(actor, **fields):
    return register_save(actor=actor, model=Breach, fields={**FACTS, **fields})


def test_a_breach_shows_its_72_hour_deadline_and_is_flagged_once_passed(dpo):
    discovered = timezone.now() - timedelta(hours=10)
    breach = record(dpo, discovered_at=discovered)
    assert breach.notify_by == discovered + timedelta(hours=72)
    assert 61.9 <= breach.hours_remaining <= 62.0 and not breach.overdue
    assert breach.problems() == ["No decision on notifying the authority yet."]
    late = record(dpo, title="Old one", discovered_at=timezone.now() - timedelta(hours=80))
    assert late.overdue and "The 72 hours to notify the authority have passed." in late.problems()
    rows = breaches_for_dashboard(user=dpo)
    assert [row.id for row in rows] == [late.pk, breach.pk] and rows[0].overdue
    client = Client()
    client.force_login(dpo)
    page = client.get(f"/privacy/registers/breaches/{breach.pk}/").content.decode()
    assert "Notify the authority by" in page and str(breach.notify_by.year) in page
    assert "No decision on notifying" in page


def test_decisions_are_recorded_either_way_with_reasons(dpo):
    breach = record(dpo, discovered_at=timezone.now() - timedelta(hours=2))
    with pytest.raises(ValidationError) as error:
        register_save(
            actor=dpo, model=Breach, instance_id=breach.pk, fields={"notify_authority": False}
        )
    assert "decision_reason" in error.value.message_dict
    breach = register_save(
        actor=dpo,
        model=Breach,
        instance_id=breach.pk,
        fields={
            "notify_authority": False,
            "risk": "unlikely",
            "decision_reason": "Clips were encrypted; key not on the laptop",
        },
    )
    assert breach.decided_by == dpo and breach.decided_at and not breach.overdue
    assert breach.problems() == [] and breaches_for_dashboard(user=dpo) == []
    events = AccessEvent.objects.filter(kind=AccessKind.REGISTER_RECORD, target_id=str(breach.pk))
    assert events.count() == 2 and "notify_authority" in events.first().data["fields"]


def test_a_late_notification_needs_its_reasons_and_high_risk_needs_the_people_told(dpo):
    discovered = timezone.now() - timedelta(days=5)
    breach = record(dpo, discovered_at=discovered, risk="high")
    fields = {
        "notify_authority": True,
        "decision_reason": "High risk to visitors",
        "authority_notified_at": discovered + timedelta(hours=90),
    }
    with pytest.raises(ValidationError) as error:
        register_save(actor=dpo, model=Breach, instance_id=breach.pk, fields=fields)
    assert "delay_reason" in error.value.message_dict
    fields["delay_reason"] = "Scope only known after the forensic report on day 3"
    breach = register_save(actor=dpo, model=Breach, instance_id=breach.pk, fields=fields)
    assert breach.notified_late and not breach.overdue
    assert breach.problems() == ["High risk: the people concerned are not yet informed (Art 34)."]
    with pytest.raises(ValidationError) as error:
        record(dpo, discovered_at=timezone.now() + timedelta(hours=1))
    assert "discovered_at" in error.value.message_dict


def test_the_register_is_the_dpos(dpo):
    breach = record(dpo, discovered_at=timezone.now())
    for role in (Role.GUARD, Role.SUPERVISOR, Role.ADMIN):
        user = UserFactory(role=role)
        with pytest.raises(PermissionDenied):
            record(user, discovered_at=timezone.now())
        client = Client()
        client.force_login(user)
        assert client.get("/privacy/registers/breaches/").status_code == 404
        assert client.get(f"/privacy/registers/breaches/{breach.pk}/").status_code == 404


def test_pages_record_and_show_clear_errors(dpo):
    client = Client()
    client.force_login(dpo)
    site = SiteFactory()
    bad = client.post("/privacy/registers/breaches/", {"title": "x", "site": site.pk})
    assert bad.status_code == 400 and "This field is required" in bad.content.decode()
    when = timezone.localtime(timezone.now() - timedelta(hours=1))
    data = {**FACTS, "site": site.pk, "discovered_at": when.strftime("%Y-%m-%dT%H:%M")}
    response = client.post("/privacy/registers/breaches/", data)
    breach = Breach.objects.get()
    assert response.status_code == 302 and breach.created_by == dpo and breach.site == site
    listing = client.get("/privacy/registers/breaches/").content.decode()
    assert breach.title in listing and "No decision" in listing


class TestBreachAPI(ListTests, RetrieveTests, NoDeleteTests):
    model = Breach
    namespace, basename = "privacy-api", "breaches"
    reader_role = writer_role = Role.DPO

    def make_object(self):
        return record(UserFactory(role=Role.DPO), discovered_at=timezone.now())

    def test_create_and_decide_through_the_api(self):
        client, user = self.client_for(Role.DPO)
        when = timezone.now() - timedelta(hours=1)
        response = client.post(
            self.list_url(), {**FACTS, "discovered_at": when.isoformat()}, format="json"
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["notify_by"] and body["problems"] == [
            "No decision on notifying the authority yet."
        ]
        bad = client.patch(self.detail_url(body["id"]), {"notify_authority": True}, format="json")
        assert bad.status_code == 400 and "decision_reason" in bad.json()
        guard, _ = self.client_for(Role.GUARD)
        assert guard.post(self.list_url(), FACTS, format="json").status_code in (403, 404)
