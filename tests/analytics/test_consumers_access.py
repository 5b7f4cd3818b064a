"""Open sockets follow access in real time: a grant, revoke, role change, deactivation or a
camera's move reaches the user's sockets on commit, through the real ASGI application (session
cookie, auth middleware), the Redis channel layer and the permission gate.

"Within 1 s" is an awaited event (a message, a close) with a 1 s timeout, counted from the
moment the service returned (its transaction committed and the event reached Redis).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from types import SimpleNamespace

import pytest
from asgiref.sync import sync_to_async
from django.contrib.sessions.models import Session
from django.test import Client

from accounts import services as accounts
from accounts.roles import Role
from analytics import services as analytics
from analytics.models import Rule, Zone
from analytics.rules import RuleHit
from cameras.services import registry
from compliance.models import AccessEvent, AccessKind
from tests.analytics.helpers import asgi_socket, session_cookie, socket_close_code
from tests.factories import CameraFactory, SiteFactory, UserFactory
from vms.realtime import group_send, user_group

pytestmark = pytest.mark.django_db(transaction=True)  # on-commit pushes, consumers' threads

WITHIN = 1.0  # seconds: how soon an open socket must learn of a change


@pytest.fixture
def world():
    """A guard of two sites (Depot: gate and yard cameras; Airport: apron), an admin, and a
    camera of a third site (Harbour) that the guard cannot see."""
    depot, airport, harbour = (SiteFactory(name=n) for n in ("Depot", "Airport", "Harbour"))
    cameras = {
        "gate": CameraFactory(site=depot, name="Depot gate"),
        "yard": CameraFactory(site=depot, name="Depot yard"),
        "apron": CameraFactory(site=airport, name="Airport apron"),
        "quay": CameraFactory(site=harbour, name="Harbour quay"),
    }
    rules = {}
    for camera in cameras.values():
        zone = Zone.objects.create(camera=camera, name="All", points=[[0, 0], [1, 0], [1, 1]])
        rules[camera.pk] = Rule.objects.create(
            camera=camera, name="Anyone", kind=Rule.Kind.PERSON_IN_ZONE, zone=zone
        )
    guard = UserFactory(role=Role.GUARD, sites=[depot, airport])
    return SimpleNamespace(
        depot=depot,
        airport=airport,
        harbour=harbour,
        rules=rules,
        guard=guard,
        cookie=session_cookie(guard),
        admin=UserFactory(role=Role.ADMIN),
        **cameras,
    )


def _raise(world, camera):
    """An alert on ``camera`` through the real service (stored, pushed on commit)."""
    hit = RuleHit(
        rule_id=world.rules[camera.pk].pk,
        kind=Rule.Kind.PERSON_IN_ZONE,
        confidence=0.9,
        captured_at=time.time(),
        message="1 person(s) in zone",
        boxes=((0.1, 0.1, 0.3, 0.9, 0.9, "person"),),
        dedupe_key=f"test:{uuid.uuid4().hex}",
    )
    return sync_to_async(analytics.alert_raise)(camera_id=camera.pk, hit=hit)


def _call(service, **kwargs):
    """A service, run as a request would run it (its own thread, committing on return)."""
    return sync_to_async(service)(**kwargs)


async def _open_alerts(cookie) -> tuple:
    socket = asgi_socket("/ws/alerts/", cookie)
    connected, code = await socket.connect()
    assert connected, code
    hello = await socket.receive_json_from(timeout=5)
    assert hello["type"] == "hello"
    return socket, hello["cameras"]


async def _open_live(cookie, camera):
    socket = asgi_socket(f"/ws/live/{camera.pk}/", cookie)
    connected, code = await socket.connect()
    assert connected, code
    return socket


async def _next_alert_camera(socket) -> int:
    """The camera of the next alert the socket delivers (access messages are skipped)."""
    while True:
        message = await socket.receive_json_from(timeout=5)
        if message["type"] == "alert":
            return message["alert"]["camera"]["id"]


async def _revoked(alerts, live) -> tuple[dict, int]:
    """Both at once, each within 1 s: the alert socket's access.changed and the live close."""
    return await asyncio.gather(
        alerts.receive_json_from(timeout=WITHIN), socket_close_code(live, timeout=WITHIN)
    )


def test_guard_removed_from_site_loses_its_alerts_and_live_socket_within_a_second(world):
    gate, yard, apron = world.gate, world.yard, world.apron

    async def scenario():
        alerts, cameras = await _open_alerts(world.cookie)
        assert cameras == sorted([gate.pk, yard.pk, apron.pk])
        live = await _open_live(world.cookie, gate)
        # The live socket shares the camera's group with alerts and the user's group with
        # escalations; it ignores them (they are for the alert socket) and stays open.
        await _raise(world, gate)
        assert await _next_alert_camera(alerts) == gate.pk
        await sync_to_async(group_send)(
            user_group(world.guard.pk),
            {"type": "alert.escalated", "alert": {"camera": {"id": world.quay.pk}}},
        )

        await _call(
            accounts.site_unassign_user, actor=world.admin, site=world.depot, user=world.guard
        )
        changed, code = await _revoked(alerts, live)
        assert changed == {"type": "access.changed", "cameras": [apron.pk]}
        assert code == 4404

        # Alerts are delivered in order: the depot's never arrives, the airport's does.
        await _raise(world, gate)
        await _raise(world, apron)
        assert await _next_alert_camera(alerts) == apron.pk
        # A new live socket on the depot's camera is refused like a missing camera.
        assert await asgi_socket(f"/ws/live/{gate.pk}/", world.cookie).connect() == (False, 4404)
        await alerts.disconnect()
        await live.disconnect()

    asyncio.run(scenario())


def test_camera_revoke_and_grant_reach_the_open_sockets(world):
    quay, apron = world.quay, world.apron

    async def scenario():
        alerts, cameras = await _open_alerts(world.cookie)
        assert quay.pk not in cameras
        # A grant widens an open alert socket that follows all its cameras.
        await _call(accounts.camera_grant_user, actor=world.admin, camera=quay, user=world.guard)
        changed = await alerts.receive_json_from(timeout=WITHIN)
        assert changed["type"] == "access.changed" and quay.pk in changed["cameras"]
        await _raise(world, quay)
        assert await _next_alert_camera(alerts) == quay.pk

        live = await _open_live(world.cookie, quay)
        await _call(accounts.camera_revoke_user, actor=world.admin, camera=quay, user=world.guard)
        changed, code = await _revoked(alerts, live)
        assert quay.pk not in changed["cameras"] and apron.pk in changed["cameras"]
        assert code == 4404
        await _raise(world, quay)
        await _raise(world, apron)
        assert await _next_alert_camera(alerts) == apron.pk
        await alerts.disconnect()
        await live.disconnect()

    asyncio.run(scenario())


def test_narrowed_alert_socket_keeps_its_narrowing_after_an_access_change(world):
    gate, yard, apron = world.gate, world.yard, world.apron

    async def scenario():
        alerts, _ = await _open_alerts(world.cookie)
        await alerts.send_json_to({"type": "subscribe", "cameras": [gate.pk, yard.pk]})
        assert (await alerts.receive_json_from(timeout=5))["cameras"] == [gate.pk, yard.pk]
        await _call(
            accounts.camera_grant_user, actor=world.admin, camera=world.quay, user=world.guard
        )
        await alerts.receive_json_from(timeout=WITHIN)  # access.changed
        # Still only the cameras asked for: the airport's alert does not arrive.
        await _raise(world, apron)
        await _raise(world, yard)
        assert await _next_alert_camera(alerts) == yard.pk
        await alerts.disconnect()

    asyncio.run(scenario())


def test_role_change_to_dpo_closes_live_sockets_and_refuses_new_ones(world):
    async def scenario():
        alerts, _ = await _open_alerts(world.cookie)
        live = await _open_live(world.cookie, world.gate)
        await _call(accounts.user_update, actor=world.admin, user=world.guard, role=Role.DPO)
        changed, code = await _revoked(alerts, live)
        # The DPO oversees every camera's alerts, and watches none live.
        all_cameras = sorted(c.pk for c in (world.gate, world.yard, world.apron, world.quay))
        assert changed == {"type": "access.changed", "cameras": all_cameras}
        assert code == 4404
        # A DPO must verify a second factor, which this session has not: a new socket is
        # closed as logged out (vms/middleware/sockets.py). A verified DPO's live socket is
        # refused like a missing camera (next test).
        again = asgi_socket(f"/ws/live/{world.gate.pk}/", world.cookie)
        await again.connect()
        again_code = await socket_close_code(again, timeout=WITHIN)
        await alerts.disconnect()
        await live.disconnect()
        return again_code

    assert asyncio.run(scenario()) == 4401


def test_dpo_live_socket_is_refused_like_a_missing_camera(world):
    dpo = UserFactory(role=Role.DPO)
    cookie = session_cookie(dpo)

    async def scenario():
        live = await asgi_socket(f"/ws/live/{world.gate.pk}/", cookie).connect()
        missing = await asgi_socket("/ws/live/999999/", cookie).connect()
        return live, missing

    assert asyncio.run(scenario()) == ((False, 4404), (False, 4404))
    assert not AccessEvent.objects.filter(kind=AccessKind.LIVE_VIEW, actor=dpo).exists()


def test_deactivation_closes_the_sockets_and_ends_the_session(world):
    guard, cookie = world.guard, world.cookie
    browser = Client()
    browser.cookies.load(cookie.decode())
    assert browser.get("/analytics/wall/").status_code == 200

    async def scenario():
        alerts, _ = await _open_alerts(cookie)
        live = await _open_live(cookie, world.gate)
        await _call(accounts.user_deactivate, actor=world.admin, user=guard)
        codes = await asyncio.gather(
            socket_close_code(alerts, timeout=WITHIN), socket_close_code(live, timeout=WITHIN)
        )
        reopened = await asgi_socket("/ws/alerts/", cookie).connect()
        await alerts.disconnect()
        await live.disconnect()
        return codes, reopened

    codes, reopened = asyncio.run(scenario())
    assert codes == [4401, 4401]
    assert reopened == (False, 4401)
    # The stored session is gone, and the browser's next request is anonymous.
    session_key = cookie.decode().split("=", 1)[1]
    assert not Session.objects.filter(session_key=session_key).exists()
    response = browser.get("/analytics/wall/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_camera_moved_to_another_site_drops_out_for_the_old_sites_guards(world):
    gate, yard = world.gate, world.yard
    harbour_guard = UserFactory(role=Role.GUARD, sites=[world.harbour])
    harbour_cookie = session_cookie(harbour_guard)

    async def scenario():
        alerts, _ = await _open_alerts(world.cookie)
        live = await _open_live(world.cookie, gate)
        harbour_alerts, harbour_cameras = await _open_alerts(harbour_cookie)
        assert harbour_cameras == [world.quay.pk]

        await _call(registry.camera_update, actor=world.admin, camera=gate, site=world.harbour)
        changed, code = await _revoked(alerts, live)
        assert gate.pk not in changed["cameras"] and yard.pk in changed["cameras"]
        assert code == 4404
        # The new site's guard starts following the camera at once.
        harbour_changed = await harbour_alerts.receive_json_from(timeout=WITHIN)
        assert harbour_changed["cameras"] == sorted([gate.pk, world.quay.pk])

        await _raise(world, gate)
        assert await _next_alert_camera(harbour_alerts) == gate.pk
        await _raise(world, yard)
        assert await _next_alert_camera(alerts) == yard.pk  # not the moved camera's
        for socket in (alerts, live, harbour_alerts):
            await socket.disconnect()

    asyncio.run(scenario())


def test_disabling_a_camera_closes_its_live_sockets(world):
    async def scenario():
        alerts, _ = await _open_alerts(world.cookie)
        live = await _open_live(world.cookie, world.yard)
        await _call(registry.camera_disable, actor=world.admin, camera=world.yard)
        changed, code = await _revoked(alerts, live)
        # Its past alerts stay the guard's to see; its live view is gone.
        assert world.yard.pk in changed["cameras"]
        assert code == 4404
        await alerts.disconnect()
        await live.disconnect()

    asyncio.run(scenario())
