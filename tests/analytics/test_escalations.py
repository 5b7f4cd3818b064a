"""Escalations reach the supervisor they were sent to: the ``alert.escalated`` event on that
user's sockets (every tab, nobody else's), the "escalated to me" filter (HTML and API) and the
header's count of alerts waiting for them.

The event goes to the supervisor's own group (``vms.realtime.user_group``) on commit; the
alert socket forwards it for cameras the supervisor may see. The list query rides on the
partial index over ``(escalated_to, status, id)``, kept by the triage service.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.roles import Role
from analytics import selectors, services
from analytics.models import Alert
from tests.analytics.test_triage import client_for, raise_alert, scene  # noqa: F401
from tests.factories import UserFactory
from vms.asgi import application
from vms.realtime import user_group

pytestmark = pytest.mark.django_db

ORIGIN = (b"origin", b"http://127.0.0.1")
HOST = (b"host", b"127.0.0.1")  # the origin check compares the two


def escalate(scene, alert=None, *, to=None, note="Two people at the fence, cannot tell"):  # noqa: F811
    return services.alert_decide(
        actor=scene.guard,
        alert=alert or scene.alert,
        action="escalate",
        note=note,
        escalate_to=(to or scene.supervisor).pk,
    )


# --- Service: the field and the push ---------------------------------------------------------


def test_escalation_is_kept_on_the_alert_and_sent_to_the_supervisor_on_commit(
    scene,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    layer = get_channel_layer()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        escalate(scene)
    scene.alert.refresh_from_db()
    assert (scene.alert.status, scene.alert.escalated_to) == ("escalated", scene.supervisor)

    async def scenario():
        supervisor = await layer.new_channel()
        guard = await layer.new_channel()
        await layer.group_add(user_group(scene.supervisor.pk), supervisor)
        await layer.group_add(user_group(scene.guard.pk), guard)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(layer.receive(supervisor), 0.3)  # nothing before the commit
        for callback in callbacks:
            await sync_to_async(callback)()
        event = await asyncio.wait_for(layer.receive(supervisor), 5)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(layer.receive(guard), 0.3)
        return event

    event = async_to_sync(scenario)()
    assert event["type"] == "alert.escalated"
    alert = event["alert"]
    assert (alert["id"], alert["status"], alert["escalated_to"]) == (
        scene.alert.pk,
        "escalated",
        scene.supervisor.pk,
    )
    assert alert["escalation"]["by"]["username"] == scene.guard.username
    assert alert["escalation"]["by"]["name"] == str(scene.guard)
    assert alert["escalation"]["note"] == "Two people at the fence, cannot tell"
    assert alert["url"] == reverse("analytics:alert-detail", args=[scene.alert.pk])


def test_a_decision_that_is_not_an_escalation_sends_nobody_a_personal_event(
    scene,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.alert_decide(actor=scene.guard, alert=scene.alert, action="acknowledge")
    assert len(callbacks) == 1  # alert.updated to the camera's sockets, nothing else
    scene.alert.refresh_from_db()
    assert scene.alert.escalated_to is None


def test_a_later_escalation_moves_the_alert_to_the_new_supervisor(scene):  # noqa: F811
    # A supervisor may escalate an open alert to a colleague; the queue follows the latest.
    other = UserFactory(role=Role.SUPERVISOR, sites=[scene.camera.site])
    services.alert_decide(
        actor=scene.supervisor, alert=scene.alert, action="escalate", note="?", escalate_to=other
    )
    assert list(selectors.escalations_waiting(user=other)) == [scene.alert]
    assert list(selectors.escalations_waiting(user=scene.supervisor)) == []


# --- The socket: the supervisor's tabs, nobody else --------------------------------------------


def _cookie(user) -> bytes:
    client = client_for(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


@pytest.mark.django_db(transaction=True)
def test_the_supervisors_open_sockets_get_alert_escalated_and_the_guard_does_not(
    scene,  # noqa: F811
):
    bystander = UserFactory(role=Role.SUPERVISOR, sites=[scene.camera.site])
    cookies = {
        "tab1": _cookie(scene.supervisor),
        "tab2": _cookie(scene.supervisor),
        "guard": _cookie(scene.guard),
        "bystander": _cookie(bystander),
    }

    # What each socket must receive, in order: the camera's update (for those subscribed to
    # it), then the personal escalation (for the supervisor's tabs only).
    expected = {
        "tab1": ["alert.updated", "alert.escalated"],
        "tab2": ["alert.escalated"],  # narrowed to no camera: the escalation is personal
        "guard": ["alert.updated"],
        "bystander": ["alert.updated"],  # another supervisor of the site: not theirs
    }

    async def scenario():
        sockets = {
            name: WebsocketCommunicator(
                application, "/ws/alerts/", headers=[ORIGIN, HOST, (b"cookie", cookie)]
            )
            for name, cookie in cookies.items()
        }
        for socket in sockets.values():
            assert (await socket.connect())[0]
            assert (await socket.receive_json_from(timeout=5))["type"] == "hello"
        await sockets["tab2"].send_json_to({"type": "subscribe", "cameras": []})
        assert (await sockets["tab2"].receive_json_from(timeout=5))["type"] == "subscribed"
        await sync_to_async(escalate)(scene)
        received = {}
        for name, socket in sockets.items():
            received[name] = [await socket.receive_json_from(timeout=5) for _ in expected[name]]
        for socket in sockets.values():
            assert await socket.receive_nothing(timeout=0.3)
            await socket.disconnect()
        return received

    received = async_to_sync(scenario)()
    assert {name: [m["type"] for m in messages] for name, messages in received.items()} == expected
    for tab in ("tab1", "tab2"):
        alert = received[tab][-1]["alert"]
        assert (alert["id"], alert["escalated_to"]) == (scene.alert.pk, scene.supervisor.pk)
        assert alert["escalation"]["by"]["username"] == "guard-depot"


# --- "Escalated to me": the list filter, the API filter, the header count ----------------------


def test_escalated_to_me_lists_only_the_supervisors_alerts(scene):  # noqa: F811
    escalate(scene)
    other_alert = raise_alert(scene.camera, scene.rule)
    colleague = UserFactory(role=Role.SUPERVISOR, sites=[scene.camera.site])
    escalate(scene, other_alert, to=colleague)
    client = client_for(scene.supervisor)
    query = {"escalated_to_me": "true", "status": "escalated"}
    body = client.get(reverse("analytics:alert-list"), query).content.decode()
    assert f'data-alert-id="{scene.alert.pk}"' in body
    assert f'data-alert-id="{other_alert.pk}"' not in body
    assert "Alerts escalated to me" in body
    # Decided: no longer waiting, still escalated to them.
    services.alert_decide(actor=scene.supervisor, alert=scene.alert, action="confirm", note="ok")
    waiting = client.get(reverse("analytics:alert-list"), query).content.decode()
    assert f'data-alert-id="{scene.alert.pk}"' not in waiting
    ever = client.get(reverse("analytics:alert-list"), {"escalated_to_me": "true"})
    assert f'data-alert-id="{scene.alert.pk}"' in ever.content.decode()


def test_guards_have_no_escalated_to_me_filter_or_count(scene):  # noqa: F811
    escalate(scene)
    body = client_for(scene.guard).get(reverse("analytics:alert-list")).content.decode()
    assert 'name="escalated_to_me"' not in body
    assert 'id="header-escalations"' not in body
    supervisor_page = client_for(scene.supervisor).get(reverse("analytics:alert-list"))
    assert 'name="escalated_to_me"' in supervisor_page.content.decode()


def test_the_header_counts_what_waits_for_the_supervisor_on_every_page(scene):  # noqa: F811
    client = client_for(scene.supervisor)
    page = client.get(reverse("analytics:alert-list")).content.decode()
    assert 'id="header-escalations"' in page and 'data-count="0"' in page
    escalate(scene)
    second = raise_alert(scene.camera, scene.rule)
    escalate(scene, second)
    for url in (
        reverse("analytics:alert-list"),
        reverse("analytics:alert-detail", args=[scene.alert.pk]),
        reverse("analytics:wall"),
    ):
        page = client.get(url).content.decode()
        assert 'data-count="2"' in page, url
        assert f'data-alert-ids="{second.pk},{scene.alert.pk}"' in page, url
        link = (
            reverse("analytics:alert-list")
            + "?"
            + urlencode({"escalated_to_me": "true", "status": "escalated"})
        )
        assert link.replace("&", "&amp;") in page, url


def test_the_api_filters_escalated_to_me_and_shows_who(scene):  # noqa: F811
    escalate(scene)
    raise_alert(scene.camera, scene.rule)
    api = APIClient()
    api.force_authenticate(scene.supervisor)
    response = api.get(reverse("analytics-api:alert-list"), {"escalated_to_me": "true"})
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [scene.alert.pk]
    assert rows[0]["escalated_to"]["username"] == scene.supervisor.username
    not_mine = api.get(reverse("analytics-api:alert-list"), {"escalated_to_me": "false"})
    assert scene.alert.pk not in {row["id"] for row in not_mine.json()["results"]}


def test_the_queue_is_one_query_on_the_partial_index(scene):  # noqa: F811
    escalate(scene)
    selectors.escalation_waiting_ids(user=scene.supervisor)  # loads the user's permissions
    with CaptureQueriesContext(connection) as queries:
        ids = selectors.escalation_waiting_ids(user=scene.supervisor)
    assert ids == [scene.alert.pk]
    # One query on the alerts; the gate's own look-ups read the small grant and camera tables
    # (the supervisor's permitted camera ids, listed for the alerts' camera index).
    on_alerts = [q["sql"] for q in queries if '"analytics_alert"' in q["sql"]]
    assert len(on_alerts) == 1, on_alerts
    with connection.cursor() as cursor:
        # The planner reads a test's tiny table sequentially; ask what it does when it cannot.
        cursor.execute("SET LOCAL enable_seqscan = off")
    waiting = selectors.escalations_waiting(user=scene.supervisor)
    # The ids, newest first, come straight off the partial index. (A bare count may as well
    # use the (status, time) index the lists have: on a test's few rows they cost the same.)
    plan = waiting.order_by("-pk")[:500].explain()
    assert "alert_escalated_to_status" in plan, plan
    count_plan = waiting.order_by().explain()
    assert "alert_escalated_to_status" in count_plan or "alert_status_time" in count_plan
    assert Alert._meta.get_field("escalated_to").db_index is False
