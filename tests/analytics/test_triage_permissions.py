"""Triage capabilities through every surface: supervisors' actions (deciding escalated alerts,
overruling closed ones) are ``analytics.overrule_alert``, tuning is ``analytics.tune_rule`` —
permissions, whoever holds them, never a group's name."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.roles import Role
from analytics import services
from analytics.models import Alert, AlertDecision
from tests.analytics import test_triage
from tests.analytics.test_triage import client_for, decide_url
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# The triage tests' world: two sites; a guard, a supervisor and an open alert on the first.
scene = test_triage.scene


def _overrule() -> Permission:
    return Permission.objects.get(codename="overrule_alert")


def _escalate(scene) -> None:
    services.alert_decide(
        actor=scene.guard,
        alert=scene.alert,
        action="escalate",
        note="Two people, cannot tell",
        escalate_to=scene.supervisor,
    )


def _api_decide(user, alert, **data):
    client = APIClient()
    client.force_login(user)
    url = reverse("analytics-api:alert-decide", args=[alert.pk])
    return client.post(url, data, format="json")


def _fresh(user):
    """The user read again: Django caches a user object's permissions once asked."""
    return type(user).objects.get(pk=user.pk)


def _status(alert) -> str:
    return Alert.objects.values_list("status", flat=True).get(pk=alert.pk)


def test_guards_cannot_decide_escalated_or_overrule_closed_alerts_through_html_or_api(scene):
    _escalate(scene)
    guard_page = client_for(scene.guard)
    # HTML: the page offers the guard nothing; a forged post is refused, the alert unchanged.
    detail = guard_page.get(reverse("analytics:alert-detail", args=[scene.alert.pk]))
    assert 'name="action"' not in detail.content.decode()
    response = guard_page.post(decide_url(scene.alert), {"action": "confirm", "note": "Seen"})
    assert response.status_code == 400 and "you cannot confirm it" in response.content.decode()
    # API: the same rule, the same refusal.
    response = _api_decide(scene.guard, scene.alert, action="confirm", note="Seen")
    assert response.status_code == 400 and "action" in response.json()
    assert _status(scene.alert) == Alert.Status.ESCALATED

    # The supervisor decides; then the closed alert is the supervisor's to overrule alone.
    assert _api_decide(
        scene.supervisor, scene.alert, action="confirm", note="Seen"
    ).status_code == (200)
    dismiss = {"action": "dismiss", "reason": AlertDecision.DismissReason.ANIMAL}
    assert guard_page.post(decide_url(scene.alert), dismiss).status_code == 400
    assert _api_decide(scene.guard, scene.alert, **dismiss).status_code == 400
    assert _status(scene.alert) == Alert.Status.CONFIRMED
    supervisor_page = client_for(scene.supervisor)
    assert supervisor_page.post(decide_url(scene.alert), dismiss).status_code == 302
    assert _status(scene.alert) == Alert.Status.DISMISSED
    assert list(
        AlertDecision.objects.filter(alert=scene.alert)
        .order_by("id")
        .values_list("actor__username", flat=True)
    ) == [scene.guard.username, scene.supervisor.username, scene.supervisor.username]


def test_overruling_follows_the_permission_not_the_group(scene):
    _escalate(scene)
    scene.alert.refresh_from_db()
    # A guard given the permission directly decides escalated alerts.
    scene.guard.user_permissions.add(_overrule())
    guard = _fresh(scene.guard)
    assert services.alert_actions_allowed(actor=guard, alert=scene.alert) == ["confirm", "dismiss"]
    # A Supervisor-group member whose group lost it does not, through the page either.
    Group.objects.get(name=Role.SUPERVISOR.value).permissions.remove(_overrule())
    supervisor = _fresh(scene.supervisor)
    assert services.alert_actions_allowed(actor=supervisor, alert=scene.alert) == []
    response = client_for(supervisor).post(
        decide_url(scene.alert), {"action": "confirm", "note": "Seen"}
    )
    assert response.status_code == 400
    assert _status(scene.alert) == Alert.Status.ESCALATED


def test_escalation_candidates_are_supervisors_by_permission(scene):
    """Candidates hold ``overrule_alert`` and see the camera; the group's name is nothing."""
    direct = UserFactory(role=Role.GUARD, sites=[scene.camera.site], username="direct")
    direct.user_permissions.add(_overrule())
    UserFactory(role=Role.GUARD, sites=[scene.camera.site], username="plain-guard")
    blind = UserFactory(role="", username="blind")  # holds it, but cannot see the camera
    blind.user_permissions.add(_overrule())
    service = UserFactory(role=Role.SUPERVISOR, sites=[scene.camera.site], username="svc")
    service.is_service_account = True
    service.save(update_fields=["is_service_account"])

    candidates = services.escalation_candidates(alert=scene.alert, exclude=scene.guard)
    assert {user.username for user in candidates} == {"direct", scene.supervisor.username}

    Group.objects.get(name=Role.SUPERVISOR.value).permissions.remove(_overrule())
    candidates = services.escalation_candidates(alert=scene.alert, exclude=scene.guard)
    assert [user.username for user in candidates] == ["direct"]
    # The form offers exactly the candidates, and escalating to a stripped supervisor fails.
    body = client_for(scene.guard).get(reverse("analytics:alert-detail", args=[scene.alert.pk]))
    assert f'value="{direct.pk}"' in body.content.decode()
    assert f'value="{scene.supervisor.pk}"' not in body.content.decode()
    response = _api_decide(
        scene.guard, scene.alert, action="escalate", note="?", escalate_to=scene.supervisor.pk
    )
    assert response.status_code == 400 and "escalate_to" in response.json()


@pytest.mark.parametrize(
    ("role", "review", "tune"),
    [
        (Role.GUARD, 404, 404),
        (Role.SUPERVISOR, 200, 302),
        (Role.DPO, 200, 404),
        (Role.ADMIN, 200, 404),
    ],
)
def test_review_and_tuning_per_role(scene, role, review, tune):
    user = UserFactory(role=role, sites=[scene.camera.site])
    client = client_for(user)
    assert client.get(reverse("analytics:review")).status_code == review
    url = reverse("analytics:rule-tune", args=[scene.rule.pk])
    assert client.post(url, {"value": "0.55"}).status_code == tune
    scene.rule.refresh_from_db()
    assert (scene.rule.min_confidence == pytest.approx(0.55)) == (tune == 302)
