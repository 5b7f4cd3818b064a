"""Bulk acknowledge: a guard clears several open alerts in one action (service, page, API).

Through the gate: only alerts the actor may see and triage, only open ones; the rest are
skipped and reported (``not_found`` for hidden and missing alike, ``not_open`` for decided).
Each acknowledged alert is a decision of its own in every record: an ``AlertDecision`` row,
change-log entries for the decision and the status, an access event, an ``alert.updated``
push on commit.
"""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.roles import Role
from analytics import services
from analytics.models import Alert, AlertDecision
from analytics.services.bulk import BULK_ACKNOWLEDGE_LIMIT
from compliance.models import AccessEvent, AccessKind
from tests.analytics.test_triage import client_for, missing_alert_pk, raise_alert, scene  # noqa: F401
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST = reverse("analytics:alert-list")
BULK = reverse("analytics:alert-bulk-acknowledge")
API = reverse("analytics-api:alert-acknowledge")


@pytest.fixture
def burst(scene):  # noqa: F811
    """Three more open alerts on the guard's camera, one already acknowledged."""
    alerts = [raise_alert(scene.camera, scene.rule) for _ in range(4)]
    services.alert_decide(actor=scene.supervisor, alert=alerts[3], action="acknowledge")
    scene.open_alerts = [scene.alert, *alerts[:3]]
    scene.acknowledged = alerts[3]
    return scene


def statuses(alerts) -> dict[int, str]:
    return dict(Alert.objects.filter(pk__in=[a.pk for a in alerts]).values_list("pk", "status"))


# --- Service -----------------------------------------------------------------------------------


def test_acknowledges_the_open_alerts_one_decision_each_and_reports_the_rest(
    burst, django_capture_on_commit_callbacks
):
    wanted = [a.pk for a in burst.open_alerts]
    hidden, missing = burst.other_alert.pk, missing_alert_pk()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = services.alert_bulk_acknowledge(
            actor=burst.guard, alert_ids=[*wanted, burst.acknowledged.pk, hidden, missing]
        )
    assert result.acknowledged == sorted(wanted)
    assert result.skipped == {
        burst.acknowledged.pk: "not_open",
        hidden: "not_found",  # another site's alert: the same answer as a missing one
        missing: "not_found",
    }
    assert set(statuses(burst.open_alerts).values()) == {"acknowledged"}
    assert statuses([burst.other_alert]) == {hidden: "open"}
    decisions = AlertDecision.objects.filter(alert_id__in=wanted)
    assert sorted(decisions.values_list("alert_id", "action", "actor_id")) == [
        (pk, "acknowledge", burst.guard.pk) for pk in sorted(wanted)
    ]
    assert len(callbacks) == len(wanted)  # one alert.updated per acknowledged alert


def test_every_acknowledgement_is_in_the_change_log_and_the_access_events(burst):
    wanted = [a.pk for a in burst.open_alerts]
    services.alert_bulk_acknowledge(actor=burst.guard, alert_ids=wanted)
    decision_log = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(AlertDecision),
        action=LogEntry.Action.CREATE,
        object_pk__in=[
            str(pk)
            for pk in AlertDecision.objects.filter(alert_id__in=wanted).values_list("pk", flat=True)
        ],
    )
    assert decision_log.count() == len(wanted)
    status_log = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Alert),
        action=LogEntry.Action.UPDATE,
        object_pk__in=[str(pk) for pk in wanted],
    )
    assert sorted(int(entry.object_pk) for entry in status_log) == sorted(wanted)
    assert {tuple(entry.changes_dict["status"]) for entry in status_log} == {
        ("open", "acknowledged")
    }
    events = AccessEvent.objects.filter(kind=AccessKind.ALERT_DECISION, actor=burst.guard)
    assert sorted(int(e.target_id) for e in events) == sorted(wanted)
    assert {e.data["action"] for e in events} == {"acknowledge"}


@pytest.mark.parametrize("role", [Role.DPO, Role.ADMIN])
def test_roles_that_may_not_triage_are_refused_and_nothing_changes(burst, role):
    with pytest.raises(PermissionDenied):
        services.alert_bulk_acknowledge(
            actor=UserFactory(role=role), alert_ids=[a.pk for a in burst.open_alerts]
        )
    assert set(statuses(burst.open_alerts).values()) == {"open"}


@pytest.mark.parametrize("alert_ids", [[], ["x"], None, list(range(1, BULK_ACKNOWLEDGE_LIMIT + 2))])
def test_no_ids_bad_ids_or_too_many_are_refused(scene, alert_ids):  # noqa: F811
    with pytest.raises(ValidationError) as error:
        services.alert_bulk_acknowledge(actor=scene.guard, alert_ids=alert_ids or [])
    assert "alert_ids" in error.value.message_dict
    assert not AlertDecision.objects.exists()


# --- The alert list page -------------------------------------------------------------------------


def test_the_list_offers_a_checkbox_for_each_open_alert_to_those_who_triage(burst):
    body = client_for(burst.guard).get(LIST).content.decode()
    assert 'id="bulk-acknowledge-form"' in body
    for alert in burst.open_alerts:
        assert f'name="alert_ids" value="{alert.pk}"' in body
    assert f'name="alert_ids" value="{burst.acknowledged.pk}"' not in body
    dpo_page = client_for(UserFactory(role=Role.DPO)).get(LIST).content.decode()
    assert 'name="alert_ids"' not in dpo_page and 'id="bulk-acknowledge-submit"' not in dpo_page


def test_acknowledge_selected_from_the_list(burst):
    client = client_for(burst.guard)
    chosen = [a.pk for a in burst.open_alerts[:2]]
    back = f"{LIST}?status=open"
    response = client.post(
        BULK, {"alert_ids": [*chosen, burst.acknowledged.pk], "next": back}, follow=True
    )
    assert response.redirect_chain == [(back, 302)]
    body = response.content.decode()
    assert "Acknowledged 2 alerts." in body
    assert "Skipped 1 alert" in body and f"#{burst.acknowledged.pk}" in body
    assert statuses(burst.open_alerts) == {
        **dict.fromkeys(chosen, "acknowledged"),
        **{a.pk: "open" for a in burst.open_alerts[2:]},
    }


def test_a_foreign_next_is_ignored_and_nothing_chosen_is_an_error(burst):
    client = client_for(burst.guard)
    response = client.post(BULK, {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == LIST
    page = client.get(LIST).content.decode()
    assert "Choose at least one alert." in page


def test_another_sites_alert_is_skipped_from_the_page_too(burst):
    response = client_for(burst.guard).post(BULK, {"alert_ids": [burst.other_alert.pk]})
    assert response.status_code == 302
    assert statuses([burst.other_alert]) == {burst.other_alert.pk: "open"}


def test_the_page_needs_the_triage_permission_and_csrf(burst):
    dpo = client_for(UserFactory(role=Role.DPO))
    assert dpo.post(BULK, {"alert_ids": [burst.alert.pk]}).status_code == 404
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(burst.guard)
    assert strict.post(BULK, {"alert_ids": [burst.alert.pk]}).status_code == 403
    assert statuses([burst.alert]) == {burst.alert.pk: "open"}


# --- API: POST /api/v1/alerts/acknowledge/ -------------------------------------------------------


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_acknowledges_and_reports_skipped(burst):
    wanted = [a.pk for a in burst.open_alerts]
    response = api_for(burst.guard).post(
        API, {"alert_ids": [*wanted, burst.acknowledged.pk, burst.other_alert.pk]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "acknowledged": sorted(wanted),
        "skipped": sorted(
            [
                {"id": burst.acknowledged.pk, "reason": "not_open"},
                {"id": burst.other_alert.pk, "reason": "not_found"},
            ],
            key=lambda row: row["id"],
        ),
    }
    assert set(statuses(burst.open_alerts).values()) == {"acknowledged"}


def test_api_refuses_anonymous_dpo_and_bad_input(burst):
    body = {"alert_ids": [burst.alert.pk]}
    assert APIClient().post(API, body, format="json").status_code == 401
    assert api_for(UserFactory(role=Role.DPO)).post(API, body, format="json").status_code == 403
    guard = api_for(burst.guard)
    assert guard.post(API, {"alert_ids": []}, format="json").status_code == 400
    assert guard.post(API, {"alert_ids": ["x"]}, format="json").status_code == 400
    too_many = {"alert_ids": list(range(1, BULK_ACKNOWLEDGE_LIMIT + 2))}
    assert guard.post(API, too_many, format="json").status_code == 400
    assert guard.get(API).status_code == 405
    assert statuses([burst.alert]) == {burst.alert.pk: "open"}


def test_api_alert_detail_still_resolves_beside_the_command(burst):
    response = api_for(burst.guard).get(
        reverse("analytics-api:alert-detail", args=[burst.alert.pk])
    )
    assert response.status_code == 200 and response.json()["id"] == burst.alert.pk
