"""Triage: the alert list and detail pages, and deciding on an alert (HTML and service).

Rules under test (see :mod:`analytics.services.triage`): a guard decides on alerts of their
sites only (another site's alert is the same 404 as a missing one); DPO and Admin see alerts
but may not decide (HTML: 404 like a page that is not there; service: PermissionDenied, which
the API answers 403); confirm needs a note, dismiss a reason (and a note for "other"),
escalate a supervisor who can see the camera and a note; a confirmed or dismissed alert is
closed except for a supervisor's overrule; an escalated one waits for a supervisor.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from datetime import timedelta
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
from asgiref.sync import async_to_sync, sync_to_async
from auditlog.models import LogEntry
from channels.layers import get_channel_layer
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from analytics import services
from analytics.models import Alert, AlertDecision, Rule, Zone
from analytics.rules import RuleHit
from compliance.models import AccessEvent, AccessKind
from tests.factories import CameraFactory, SiteFactory, UserFactory
from vms.realtime import camera_group

pytestmark = pytest.mark.django_db

DismissReason = AlertDecision.DismissReason


def _jpeg() -> bytes:
    image = np.full((90, 160, 3), 90, np.uint8)
    return cv2.imencode(".jpg", image)[1].tobytes()


def raise_alert(camera, rule, *, confidence=0.8, snapshot=True, boxes=None) -> Alert:
    """An alert through the real service, as a worker raises it."""
    hit = RuleHit(
        rule_id=rule.pk if rule else 0,
        kind=rule.kind if rule else Rule.Kind.CAMERA_HEALTH,
        confidence=confidence,
        captured_at=time.time(),
        message="1 person(s) in zone",
        boxes=tuple(boxes or ((0.1, 0.2, 0.3, 0.9, confidence, "person"),)),
        dedupe_key=f"test:{uuid.uuid4().hex}",
    )
    return services.alert_raise(
        camera_id=camera.pk, hit=hit, snapshot_jpeg=_jpeg() if snapshot else None
    )


@pytest.fixture
def scene():
    """Two sites, a camera with a zone rule on each; a guard and a supervisor of the first."""
    depot, airport = SiteFactory(name="Depot"), SiteFactory(name="Airport")
    camera = CameraFactory(site=depot, name="Depot gate")
    other_camera = CameraFactory(site=airport, name="Airport apron")
    rules = {}
    for cam in (camera, other_camera):
        zone = Zone.objects.create(
            camera=cam, name="Yard", points=[[0.05, 0.1], [0.6, 0.1], [0.6, 0.95], [0.05, 0.95]]
        )
        rules[cam.pk] = Rule.objects.create(
            camera=cam, name="Person in yard", kind=Rule.Kind.PERSON_IN_ZONE, zone=zone
        )
    guard = UserFactory(role=Role.GUARD, sites=[depot], username="guard-depot")
    supervisor = UserFactory(role=Role.SUPERVISOR, sites=[depot], username="sup-depot")
    return SimpleNamespace(
        camera=camera,
        other_camera=other_camera,
        rule=rules[camera.pk],
        other_rule=rules[other_camera.pk],
        guard=guard,
        supervisor=supervisor,
        alert=raise_alert(camera, rules[camera.pk]),
        other_alert=raise_alert(other_camera, rules[other_camera.pk]),
    )


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def page_text(response) -> str:
    """A page without its per-render CSRF token, to compare two pages."""
    return CSRF_INPUT.sub("", response.content.decode())


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def decide_url(alert) -> str:
    return reverse("analytics:alert-decide", args=[alert.pk])


def missing_alert_pk() -> int:
    return (Alert.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 10_000


# --- Service ---------------------------------------------------------------------------------


def test_guard_acknowledges_then_confirms_with_decisions_events_and_change_log(scene):
    decision = services.alert_decide(actor=scene.guard, alert=scene.alert, action="acknowledge")
    scene.alert.refresh_from_db()
    assert scene.alert.status == Alert.Status.ACKNOWLEDGED
    assert decision.actor == scene.guard and decision.seconds_to_decide >= 0

    services.alert_decide(
        actor=scene.guard, alert=scene.alert.pk, action="confirm", note="Intruder at the fence"
    )
    scene.alert.refresh_from_db()
    assert scene.alert.status == Alert.Status.CONFIRMED
    assert list(
        AlertDecision.objects.filter(alert=scene.alert)
        .order_by("id")
        .values_list("action", "actor__username", "note")
    ) == [
        ("acknowledge", "guard-depot", ""),
        ("confirm", "guard-depot", "Intruder at the fence"),
    ]
    events = AccessEvent.objects.filter(
        kind=AccessKind.ALERT_DECISION, target_id=str(scene.alert.pk)
    )
    assert [(e.actor, e.data["action"], e.data["to_status"]) for e in events.order_by("id")] == [
        (scene.guard, "acknowledge", "acknowledged"),
        (scene.guard, "confirm", "confirmed"),
    ]
    assert events.order_by("id").last().reason == "Intruder at the fence"
    changes = LogEntry.objects.get_for_object(scene.alert).filter(action=LogEntry.Action.UPDATE)
    assert [entry.changes_dict["status"] for entry in changes.order_by("id")] == [
        ["open", "acknowledged"],
        ["acknowledged", "confirmed"],
    ]


def test_alert_of_another_site_is_404_like_missing(scene):
    with pytest.raises(Http404) as hidden:
        services.alert_decide(actor=scene.guard, alert=scene.other_alert, action="acknowledge")
    with pytest.raises(Http404) as missing:
        services.alert_decide(actor=scene.guard, alert=missing_alert_pk(), action="acknowledge")
    assert str(hidden.value) == str(missing.value)
    scene.other_alert.refresh_from_db()
    assert scene.other_alert.status == Alert.Status.OPEN
    assert not AlertDecision.objects.exists()


@pytest.mark.parametrize("role", [Role.DPO, Role.ADMIN])
def test_dpo_and_admin_see_alerts_but_may_not_decide(scene, role):
    user = UserFactory(role=role)
    with pytest.raises(PermissionDenied):
        services.alert_decide(actor=user, alert=scene.alert, action="acknowledge")
    assert services.alert_actions_allowed(actor=user, alert=scene.alert) == []
    assert not AlertDecision.objects.exists()
    assert not AccessEvent.objects.filter(kind=AccessKind.ALERT_DECISION).exists()


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"action": "confirm"}, {"note"}),
        ({"action": "confirm", "note": "   "}, {"note"}),
        ({"action": "dismiss"}, {"reason"}),
        ({"action": "dismiss", "reason": "bogus"}, {"reason"}),
        ({"action": "dismiss", "reason": DismissReason.OTHER}, {"note"}),
        ({"action": "escalate", "note": "look"}, {"escalate_to"}),
        ({"action": "acknowledge", "reason": DismissReason.ANIMAL}, {"reason"}),
        ({"action": "shrug"}, {"action"}),
    ],
)
def test_notes_and_reasons_are_required_where_the_rules_say(scene, fields, errors):
    with pytest.raises(ValidationError) as error:
        services.alert_decide(actor=scene.guard, alert=scene.alert, **fields)
    assert set(error.value.message_dict) == errors
    scene.alert.refresh_from_db()
    assert scene.alert.status == Alert.Status.OPEN
    assert not AlertDecision.objects.exists()


def test_dismiss_with_a_listed_reason_needs_no_note_and_other_needs_one(scene):
    services.alert_decide(
        actor=scene.guard, alert=scene.alert, action="dismiss", reason=DismissReason.ANIMAL
    )
    second = raise_alert(scene.camera, scene.rule)
    services.alert_decide(
        actor=scene.guard,
        alert=second,
        action="dismiss",
        reason=DismissReason.OTHER,
        note="Balloon",
    )
    assert set(
        Alert.objects.filter(pk__in=[scene.alert.pk, second.pk]).values_list("status", flat=True)
    ) == {"dismissed"}


def test_escalation_goes_to_a_supervisor_who_can_see_the_camera(scene):
    elsewhere = UserFactory(role=Role.SUPERVISOR, sites=[scene.other_camera.site])
    inactive = UserFactory(role=Role.SUPERVISOR, sites=[scene.camera.site], is_active=False)
    candidates = services.escalation_candidates(alert=scene.alert, exclude=scene.guard)
    assert candidates == [scene.supervisor]
    for wrong in (elsewhere, inactive, scene.guard, elsewhere.pk, "nobody"):
        with pytest.raises(ValidationError) as error:
            services.alert_decide(
                actor=scene.guard, alert=scene.alert, action="escalate", note="?", escalate_to=wrong
            )
        assert set(error.value.message_dict) == {"escalate_to"}
    decision = services.alert_decide(
        actor=scene.guard,
        alert=scene.alert,
        action="escalate",
        note="Two people, cannot tell",
        escalate_to=scene.supervisor.pk,
    )
    assert decision.escalated_to == scene.supervisor
    scene.alert.refresh_from_db()
    assert scene.alert.status == Alert.Status.ESCALATED
    event = AccessEvent.objects.get(kind=AccessKind.ALERT_DECISION)
    assert event.data["escalated_to"] == scene.supervisor.username


def test_transitions_escalated_waits_for_a_supervisor_closed_alerts_only_overruled(scene):
    guard, supervisor = scene.guard, scene.supervisor
    services.alert_decide(
        actor=guard, alert=scene.alert, action="escalate", note="?", escalate_to=supervisor
    )
    scene.alert.refresh_from_db()
    assert services.alert_actions_allowed(actor=guard, alert=scene.alert) == []
    for action in ("acknowledge", "confirm", "escalate"):
        with pytest.raises(ValidationError) as error:
            services.alert_decide(actor=guard, alert=scene.alert, action=action, note="x")
        assert "action" in error.value.message_dict
    assert services.alert_actions_allowed(actor=supervisor, alert=scene.alert) == [
        "confirm",
        "dismiss",
    ]
    services.alert_decide(actor=supervisor, alert=scene.alert, action="confirm", note="Seen")
    scene.alert.refresh_from_db()
    assert scene.alert.status == Alert.Status.CONFIRMED
    # Closed: the guard can do nothing more; the supervisor may overrule, and back.
    assert services.alert_actions_allowed(actor=guard, alert=scene.alert) == []
    with pytest.raises(ValidationError):
        services.alert_decide(
            actor=guard, alert=scene.alert, action="dismiss", reason=DismissReason.ANIMAL
        )
    assert services.alert_actions_allowed(actor=supervisor, alert=scene.alert) == ["dismiss"]
    services.alert_decide(
        actor=supervisor, alert=scene.alert, action="dismiss", reason=DismissReason.AUTHORISED
    )
    scene.alert.refresh_from_db()
    assert scene.alert.status == Alert.Status.DISMISSED
    assert services.alert_actions_allowed(actor=supervisor, alert=scene.alert) == ["confirm"]
    assert AlertDecision.objects.filter(alert=scene.alert).count() == 3


def test_acknowledged_cannot_be_acknowledged_again(scene):
    services.alert_decide(actor=scene.guard, alert=scene.alert, action="acknowledge")
    with pytest.raises(ValidationError):
        services.alert_decide(actor=scene.supervisor, alert=scene.alert, action="acknowledge")


def test_seconds_to_decide_counts_from_the_alert_reaching_veil(scene):
    Alert.objects.filter(pk=scene.alert.pk).update(
        created_at=timezone.now() - timedelta(seconds=120)
    )
    decision = services.alert_decide(actor=scene.guard, alert=scene.alert, action="acknowledge")
    assert 119 <= decision.seconds_to_decide < 600


def test_alert_updated_is_pushed_on_commit_to_the_camera_group(
    scene, django_capture_on_commit_callbacks
):
    layer = get_channel_layer()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.alert_decide(actor=scene.guard, alert=scene.alert, action="acknowledge")

    async def scenario():
        channel = await layer.new_channel()
        await layer.group_add(camera_group(scene.camera.pk), channel)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(layer.receive(channel), 0.3)  # nothing before the commit
        for callback in callbacks:
            await sync_to_async(callback)()
        return await asyncio.wait_for(layer.receive(channel), 5)

    event = async_to_sync(scenario)()
    assert event["type"] == "alert.updated"
    assert (event["alert"]["id"], event["alert"]["status"]) == (scene.alert.pk, "acknowledged")


def test_nothing_in_the_pipeline_confirms(scene):
    # A raised alert is open; only a decision moves it.
    assert scene.alert.status == Alert.Status.OPEN
    assert not AlertDecision.objects.filter(alert=scene.alert).exists()


# --- Pages -----------------------------------------------------------------------------------


def test_alert_list_shows_the_guards_scope_and_filters(scene):
    client = client_for(scene.guard)
    page = client.get(reverse("analytics:alert-list"))
    assert page.status_code == 200
    body = page.content.decode()
    assert f'data-alert-id="{scene.alert.pk}"' in body
    assert f'data-alert-id="{scene.other_alert.pk}"' not in body
    services.alert_decide(actor=scene.guard, alert=scene.alert, action="acknowledge")
    filtered = client.get(reverse("analytics:alert-list"), {"status": "open"}).content.decode()
    assert f'data-alert-id="{scene.alert.pk}"' not in filtered
    by_camera = client.get(
        reverse("analytics:alert-list"), {"camera": scene.camera.pk, "period": "24h"}
    ).content.decode()
    assert f'data-alert-id="{scene.alert.pk}"' in by_camera
    # Another site's camera is not a valid choice for this guard: the filter does not apply.
    other = client.get(reverse("analytics:alert-list"), {"camera": scene.other_camera.pk})
    assert f'data-alert-id="{scene.other_alert.pk}"' not in other.content.decode()


def test_dpo_lists_every_alert(scene):
    body = (
        client_for(UserFactory(role=Role.DPO)).get(reverse("analytics:alert-list")).content.decode()
    )
    assert f'data-alert-id="{scene.alert.pk}"' in body
    assert f'data-alert-id="{scene.other_alert.pk}"' in body


def test_detail_shows_evidence_overlay_facts_and_forms(scene):
    response = client_for(scene.guard).get(reverse("analytics:alert-detail", args=[scene.alert.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("analytics:alert-snapshot", args=[scene.alert.pk]) in body
    assert 'class="overlay-box"' in body and 'x="0.1" y="0.2"' in body
    assert 'class="overlay-zone overlay-area"' in body and "0.05,0.1 0.6,0.1" in body
    for hook in (
        'id="alert-status"',
        'id="decision-form-acknowledge"',
        'id="decision-form-confirm"',
        'id="decision-form-dismiss"',
        'id="decision-form-escalate"',
        'name="reason"',
        'id="decision-history"',
        "Europe/Berlin",
        " UTC",
    ):
        assert hook in body, hook
    assert f'value="{scene.supervisor.pk}"' in body  # escalation candidate
    # The page only references media; opening it alone writes no clip-view event.
    assert not AccessEvent.objects.filter(kind=AccessKind.CLIP_VIEW).exists()


def test_detail_of_hidden_and_missing_alert_are_the_same_404(scene):
    client = client_for(scene.guard)
    hidden = client.get(reverse("analytics:alert-detail", args=[scene.other_alert.pk]))
    missing = client.get(reverse("analytics:alert-detail", args=[missing_alert_pk()]))
    assert hidden.status_code == missing.status_code == 404
    assert page_text(hidden) == page_text(missing)


def test_detail_for_dpo_is_read_only(scene):
    body = (
        client_for(UserFactory(role=Role.DPO))
        .get(reverse("analytics:alert-detail", args=[scene.alert.pk]))
        .content.decode()
    )
    assert 'id="decision-readonly"' in body and "decision-form-" not in body


def test_post_dismiss_from_the_page(scene):
    client = client_for(scene.guard)
    response = client.post(
        decide_url(scene.alert),
        {"action": "dismiss", "reason": DismissReason.LIGHT_OR_SHADOW, "note": "Headlights"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("analytics:alert-detail", args=[scene.alert.pk])
    scene.alert.refresh_from_db()
    assert scene.alert.status == Alert.Status.DISMISSED
    decision = AlertDecision.objects.get(alert=scene.alert)
    assert (decision.actor, decision.reason, decision.note) == (
        scene.guard,
        "light_or_shadow",
        "Headlights",
    )
    event = AccessEvent.objects.get(kind=AccessKind.ALERT_DECISION)
    assert (event.actor, event.data["dismiss_reason"]) == (scene.guard, "light_or_shadow")
    page = client.get(response["Location"]).content.decode()
    assert 'data-action="dismiss"' in page and "Headlights" in page
    assert 'data-status="dismissed"' in page


def test_post_with_missing_note_re_shows_the_form_with_the_error(scene):
    client = client_for(scene.guard)
    response = client.post(decide_url(scene.alert), {"action": "dismiss", "reason": "other"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Explain the reason" in body and 'id="decision-form-dismiss"' in body
    scene.alert.refresh_from_db()
    assert scene.alert.status == Alert.Status.OPEN


def test_post_on_another_sites_alert_is_404_like_missing(scene):
    client = client_for(scene.guard)
    hidden = client.post(decide_url(scene.other_alert), {"action": "acknowledge"})
    missing = client.post(
        reverse("analytics:alert-decide", args=[missing_alert_pk()]), {"action": "acknowledge"}
    )
    assert hidden.status_code == missing.status_code == 404
    assert page_text(hidden) == page_text(missing)
    scene.other_alert.refresh_from_db()
    assert scene.other_alert.status == Alert.Status.OPEN


def test_post_by_dpo_is_404_and_changes_nothing(scene):
    response = client_for(UserFactory(role=Role.DPO)).post(
        decide_url(scene.alert), {"action": "acknowledge"}
    )
    assert response.status_code == 404
    assert not AlertDecision.objects.exists()


def test_post_needs_csrf(scene):
    client = Client(enforce_csrf_checks=True)
    client.force_login(scene.guard)
    assert client.post(decide_url(scene.alert), {"action": "acknowledge"}).status_code == 403
    assert not AlertDecision.objects.exists()


def test_post_on_a_closed_alert_says_so(scene):
    services.alert_decide(actor=scene.supervisor, alert=scene.alert, action="confirm", note="x")
    response = client_for(scene.guard).post(
        decide_url(scene.alert), {"action": "dismiss", "reason": "animal"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="decision-errors"' in body and "confirmed" in body
    assert 'id="decision-closed"' in body


@pytest.mark.django_db(transaction=True)
def test_the_alert_socket_forwards_alert_updated_to_subscribed_guards_only(scene):
    from channels.testing import WebsocketCommunicator
    from django.conf import settings

    from vms.asgi import application

    def cookie_for(user) -> bytes:
        client = client_for(user)
        name = settings.SESSION_COOKIE_NAME
        return f"{name}={client.cookies[name].value}".encode()

    elsewhere = UserFactory(role=Role.GUARD, sites=[scene.other_camera.site])
    origin, host = (b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")
    our_cookie, their_cookie = cookie_for(scene.guard), cookie_for(elsewhere)

    async def scenario():
        ours = WebsocketCommunicator(
            application, "/ws/alerts/", headers=[origin, host, (b"cookie", our_cookie)]
        )
        theirs = WebsocketCommunicator(
            application, "/ws/alerts/", headers=[origin, host, (b"cookie", their_cookie)]
        )
        for socket in (ours, theirs):
            assert (await socket.connect())[0]
            assert (await socket.receive_json_from(timeout=5))["type"] == "hello"
        await sync_to_async(services.alert_decide)(
            actor=scene.guard, alert=scene.alert, action="acknowledge"
        )
        message = await ours.receive_json_from(timeout=5)
        assert message["type"] == "alert.updated"
        assert (message["alert"]["id"], message["alert"]["status"]) == (
            scene.alert.pk,
            "acknowledged",
        )
        assert await theirs.receive_nothing(timeout=0.5)
        for socket in (ours, theirs):
            await socket.disconnect()

    async_to_sync(scenario)()
