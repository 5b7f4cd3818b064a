"""Alerts over the REST API: the generic permission tests, and the decide command.

Decide: anonymous 401; an alert outside the user's scope 404 like a missing one; a visible
alert the user may not decide on (DPO, Admin: no ``analytics.triage_alert``) 403; a refused
transition or missing note 400; a decision 200, audited (decision row, access event, change
log with the requesting user as actor).
"""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm
from rest_framework.test import APIClient

from accounts.roles import Role
from analytics.models import Alert, AlertDecision, Rule, Zone
from compliance.models import AccessEvent, AccessKind
from tests.api_base import CapabilityTests, ListTests, ReadOnlyTests, RetrieveTests, results
from tests.factories import CameraFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db


def make_alert(camera=None) -> Alert:
    camera = camera or CameraFactory()
    zone = Zone.objects.create(
        camera=camera, name=f"z{uuid.uuid4().hex[:6]}", points=[[0, 0], [1, 0], [1, 1]]
    )
    rule = Rule.objects.create(camera=camera, name="Yard", kind=Rule.Kind.PERSON_IN_ZONE, zone=zone)
    return Alert.objects.create(
        camera=camera,
        rule=rule,
        kind=rule.kind,
        occurred_at=timezone.now(),
        confidence=0.77,
        boxes=[[0.1, 0.1, 0.4, 0.9, 0.77, "person"]],
        dedupe_key=f"api:{uuid.uuid4().hex}",
    )


class TestAlertAPI(ListTests, RetrieveTests, ReadOnlyTests):
    model = Alert
    namespace, basename = "analytics-api", "alert"

    def make_object(self):
        return make_alert()

    def grant(self, user, obj) -> None:
        # A guard's scope is the sites they are assigned to.
        assign_perm("cameras.view_site", user, obj.camera.site)

    def test_detail_has_the_decisions_and_media_links(self):
        alert = make_alert()
        AlertDecision.objects.create(alert=alert, actor=UserFactory(), action="acknowledge")
        client, _ = self.client_for(Role.DPO)
        body = client.get(self.detail_url(alert.pk)).json()
        assert body["camera"]["site"] == alert.camera.site.name
        assert body["boxes"] == [[0.1, 0.1, 0.4, 0.9, 0.77, "person"]]
        assert [d["action"] for d in body["decisions"]] == ["acknowledge"]
        assert body["snapshot_url"] is None  # none stored

    def test_list_filters_by_status_and_site(self):
        first, second = make_alert(), make_alert()
        Alert.objects.filter(pk=second.pk).update(status=Alert.Status.DISMISSED)
        client, _ = self.client_for(Role.DPO)
        dismissed = client.get(self.list_url(), {"status": "dismissed"})
        assert {row["id"] for row in results(dismissed)} == {second.pk}
        by_site = client.get(self.list_url(), {"site": first.camera.site_id})
        assert {row["id"] for row in results(by_site)} == {first.pk}


def decide_url(pk) -> str:
    return reverse("analytics-api:alert-decide", args=[pk])


def api_client(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def scene():
    site, other_site = SiteFactory(name="Depot"), SiteFactory(name="Airport")
    return SimpleNamespace(
        alert=make_alert(CameraFactory(site=site)),
        other=make_alert(CameraFactory(site=other_site)),
        guard=UserFactory(role=Role.GUARD, sites=[site], username="api-guard"),
        supervisor=UserFactory(role=Role.SUPERVISOR, sites=[site], username="api-sup"),
    )


class TestAlertDecideCapability(CapabilityTests):
    """Deciding needs ``analytics.triage_alert`` (guards, supervisors): no secret, so a 403."""

    model = Alert
    namespace, basename = "analytics-api", "alert"
    capability = "analytics.triage_alert"
    capability_holders = {Role.GUARD, Role.SUPERVISOR}
    capability_method = "post"
    capability_hidden = False

    def make_object(self):
        return make_alert()

    def grant(self, user, obj) -> None:
        assign_perm("cameras.view_site", user, obj.camera.site)

    def capability_url(self, pk) -> str:
        return decide_url(pk)

    def capability_data(self, obj) -> dict:
        return {"action": "acknowledge"}


def missing_pk() -> int:
    return (Alert.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 10_000


def test_decide_anonymous_is_refused(scene):
    response = api_client().post(
        decide_url(scene.alert.pk), {"action": "acknowledge"}, format="json"
    )
    assert response.status_code == 401
    assert not AlertDecision.objects.exists()


def test_decide_out_of_scope_is_404_like_missing(scene):
    client = api_client(scene.guard)
    hidden = client.post(decide_url(scene.other.pk), {"action": "acknowledge"}, format="json")
    missing = client.post(decide_url(missing_pk()), {"action": "acknowledge"}, format="json")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert not AlertDecision.objects.exists()


@pytest.mark.parametrize("role", [Role.DPO, Role.ADMIN])
def test_decide_without_the_triage_permission_is_403(scene, role):
    client = api_client(UserFactory(role=role))
    response = client.post(decide_url(scene.alert.pk), {"action": "acknowledge"}, format="json")
    assert response.status_code == 403
    assert not AlertDecision.objects.exists()


def test_decide_validation_errors_are_400_per_field(scene):
    client = api_client(scene.guard)
    response = client.post(decide_url(scene.alert.pk), {"action": "confirm"}, format="json")
    assert response.status_code == 400 and "note" in response.json()
    response = client.post(
        decide_url(scene.alert.pk), {"action": "dismiss", "reason": "nope"}, format="json"
    )
    assert response.status_code == 400 and "reason" in response.json()
    response = client.post(
        decide_url(scene.alert.pk),
        {"action": "escalate", "note": "look", "escalate_to": scene.guard.pk},
        format="json",
    )
    assert response.status_code == 400 and "escalate_to" in response.json()
    assert not AlertDecision.objects.exists()


def test_decide_permitted_is_audited(scene):
    client = api_client(scene.guard)
    response = client.post(
        decide_url(scene.alert.pk),
        {"action": "escalate", "note": "Two people", "escalate_to": scene.supervisor.pk},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "escalated"
    assert body["decisions"][-1]["escalated_to"]["username"] == "api-sup"
    decision = AlertDecision.objects.get(alert=scene.alert)
    assert (decision.actor, decision.action, decision.note) == (
        scene.guard,
        "escalate",
        "Two people",
    )
    event = AccessEvent.objects.get(kind=AccessKind.ALERT_DECISION)
    assert (event.actor, event.data["action"]) == (scene.guard, "escalate")
    entry = LogEntry.objects.get_for_object(scene.alert).filter(action=LogEntry.Action.UPDATE).get()
    assert entry.actor == scene.guard

    # The guard cannot decide again on an escalated alert; the supervisor can.
    again = client.post(
        decide_url(scene.alert.pk), {"action": "confirm", "note": "x"}, format="json"
    )
    assert again.status_code == 400 and "action" in again.json()
    confirmed = api_client(scene.supervisor).post(
        decide_url(scene.alert.pk), {"action": "confirm", "note": "Seen on the clip"}, format="json"
    )
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
