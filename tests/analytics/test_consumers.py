"""The guards' websockets and the live MJPEG feed, through the real ASGI application (session
cookie, origin check, auth middleware), the Redis channel layer and the permission gate."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import uuid
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import redis
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from accounts.roles import Role
from analytics import services
from analytics.models import Rule, Zone
from analytics.rules import RuleHit
from cameras.models import CameraStatus
from cameras.services import camera_status_record
from compliance.models import AccessEvent, AccessKind
from tests.analytics.helpers import asgi_socket, http_login
from tests.factories import CameraFactory, SiteFactory, UserFactory
from vms.asgi import application
from vms.realtime import live_channel

pytestmark = pytest.mark.django_db(transaction=True)  # consumers read from other threads


def _session_cookie(user) -> bytes:
    """A logged-in session for ``user``, as the cookie header its browser sends (sync only)."""
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


def _socket(path: str, cookie: bytes | None = None) -> WebsocketCommunicator:
    """A socket as a browser would open it: our origin, and the session cookie if any."""
    return asgi_socket(path, cookie, application=application)


def _jpeg(shade: int) -> bytes:
    image = np.full((36, 64, 3), shade, np.uint8)
    return cv2.imencode(".jpg", image)[1].tobytes()


@pytest.fixture
def scene():
    """A guard of one site, a camera there with a rule, and a camera of another site."""
    site, other_site = SiteFactory(name="Depot"), SiteFactory(name="Airport")
    camera = CameraFactory(site=site, name="Depot gate")
    hidden = CameraFactory(site=other_site, name="Airport apron")
    rules = {}
    for cam in (camera, hidden):
        zone = Zone.objects.create(camera=cam, name="All", points=[[0, 0], [1, 0], [1, 1]])
        rules[cam.pk] = Rule.objects.create(
            camera=cam, name="Anyone", kind=Rule.Kind.PERSON_IN_ZONE, zone=zone
        )
    guard = UserFactory(role=Role.GUARD, sites=[site])
    return SimpleNamespace(
        guard=guard, cookie=_session_cookie(guard), camera=camera, hidden=hidden, rules=rules
    )


def _raise(camera, rule):
    """An alert through the real service (stored, pushed on commit); returns it."""
    hit = RuleHit(
        rule_id=rule.pk,
        kind=rule.kind,
        confidence=0.9,
        captured_at=time.time(),
        message="1 person(s) in zone",
        boxes=((0.1, 0.1, 0.3, 0.9, 0.9, "person"),),
        dedupe_key=f"test:{uuid.uuid4().hex}",
    )
    return sync_to_async(services.alert_raise)(
        camera_id=camera.pk, hit=hit, snapshot_jpeg=_jpeg(128)
    )


def test_alert_socket_refuses_anonymous():
    async def scenario():
        connected, code = await _socket("/ws/alerts/").connect()
        return connected, code

    assert asyncio.run(scenario()) == (False, 4401)


def test_out_of_scope_subscription_is_refused_and_its_alerts_never_arrive(scene):
    cookie, camera, hidden, rules = scene.cookie, scene.camera, scene.hidden, scene.rules

    async def scenario():
        socket = _socket("/ws/alerts/", cookie)
        connected, _ = await socket.connect()
        assert connected
        assert await socket.receive_json_from(timeout=5) == {
            "type": "hello",
            "cameras": [camera.pk],
        }
        await socket.send_json_to({"type": "subscribe", "cameras": [camera.pk, hidden.pk]})
        assert await socket.receive_json_from(timeout=5) == {
            "type": "subscribed",
            "cameras": [camera.pk],
            "refused": [hidden.pk],
        }
        await _raise(hidden, rules[hidden.pk])
        assert await socket.receive_nothing(timeout=1.5)
        alert = await _raise(camera, rules[camera.pk])
        message = await socket.receive_json_from(timeout=5)
        assert message["type"] == "alert"
        assert message["alert"]["id"] == alert.pk
        assert message["alert"]["camera"]["id"] == camera.pk
        assert message["alert"]["kind"] == Rule.Kind.PERSON_IN_ZONE
        assert message["alert"]["snapshot_url"] == f"/analytics/alerts/{alert.pk}/snapshot.jpg"
        # A camera status change reaches the same socket, as it commits.
        await sync_to_async(camera_status_record)(
            camera_id=camera.pk, status=CameraStatus.OFFLINE, message="cannot open the stream"
        )
        status = await socket.receive_json_from(timeout=5)
        assert status["type"] == "camera.status"
        assert status["camera"]["id"] == camera.pk and status["camera"]["status"] == "offline"
        await socket.disconnect()

    asyncio.run(scenario())


def test_resume_replays_exactly_the_missed_permitted_alerts(scene):
    cookie, camera, hidden, rules = scene.cookie, scene.camera, scene.hidden, scene.rules

    async def scenario():
        seen = await _raise(camera, rules[camera.pk])
        missed = [await _raise(camera, rules[camera.pk]) for _ in range(3)]
        await _raise(hidden, rules[hidden.pk])  # not the guard's to see
        socket = _socket("/ws/alerts/", cookie)
        assert (await socket.connect())[0]
        await socket.receive_json_from(timeout=5)  # hello
        await socket.send_json_to({"type": "resume", "after_id": seen.pk})
        replayed = []
        while True:
            message = await socket.receive_json_from(timeout=5)
            if message["type"] == "resumed":
                break
            assert message["type"] == "alert" and message["replayed"] is True
            replayed.append(message["alert"]["id"])
        assert message["count"] == len(missed)
        await socket.disconnect()
        return replayed, [alert.pk for alert in missed]

    replayed, missed = asyncio.run(scenario())
    assert replayed == missed


def test_live_socket_refuses_anonymous_and_hidden_cameras(scene):
    cookie, camera, hidden = scene.cookie, scene.camera, scene.hidden

    async def scenario():
        anonymous = await _socket(f"/ws/live/{camera.pk}/").connect()
        out_of_scope = await _socket(f"/ws/live/{hidden.pk}/", cookie).connect()
        missing = await _socket("/ws/live/999999/", cookie).connect()
        return anonymous, out_of_scope, missing

    anonymous, out_of_scope, missing = asyncio.run(scenario())
    assert anonymous == (False, 4401)
    assert out_of_scope == (False, 4404) == missing
    assert not AccessEvent.objects.filter(kind=AccessKind.LIVE_VIEW).exists()


def test_live_socket_sends_the_published_frames_and_records_the_view(scene):
    guard, cookie, camera = scene.guard, scene.cookie, scene.camera
    frame = _jpeg(200)

    async def scenario():
        socket = _socket(f"/ws/live/{camera.pk}/", cookie)
        assert (await socket.connect())[0]
        publisher = redis.asyncio.Redis.from_url(settings.REDIS_URL)

        async def publish_until_cancelled():
            # The hub subscribes as the socket opens; publish until a frame gets through.
            while True:
                await publisher.publish(live_channel(camera.pk), frame)
                await asyncio.sleep(0.2)

        publishing = asyncio.create_task(publish_until_cancelled())
        try:
            # One bounded wait: a timed-out receive makes the test communicator cancel the
            # consumer, so it cannot be used to poll.
            return await socket.receive_from(timeout=15)
        finally:
            publishing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await publishing
            await publisher.aclose()
            await socket.disconnect()

    assert asyncio.run(scenario()) == frame
    event = AccessEvent.objects.get(kind=AccessKind.LIVE_VIEW, actor=guard)
    assert event.target_id == str(camera.pk) and event.data == {"channel": "websocket"}


def _read_one_mjpeg_part(response) -> bytes:
    """The first JPEG of a multipart/x-mixed-replace stream."""
    buffer = b""
    for chunk in response.iter_content(chunk_size=4096):
        buffer += chunk
        head, separator, rest = buffer.partition(b"\r\n\r\n")
        if separator and b"Content-Length:" in head:
            length = int(head.split(b"Content-Length:")[1].split(b"\r\n")[0])
            if len(rest) >= length:
                return rest[:length]
    raise AssertionError("the stream ended before a whole frame")


@pytest.mark.slow
def test_mjpeg_feed_streams_to_permitted_user_and_hides_other_cameras(scene, asgi_server):
    guard, camera, hidden = scene.guard, scene.camera, scene.hidden
    frame = _jpeg(90)
    session = http_login(asgi_server, guard)
    stop = threading.Event()

    def publish():
        client = redis.Redis.from_url(settings.REDIS_URL)
        while not stop.is_set():
            client.publish(live_channel(camera.pk), frame)
            stop.wait(0.1)
        client.close()

    publisher = threading.Thread(target=publish, daemon=True)
    publisher.start()
    try:
        url = f"{asgi_server.url}/analytics/live/{camera.pk}/feed.mjpg"
        with session.get(url, stream=True, timeout=10) as response:
            assert response.status_code == 200
            assert response.headers["Content-Type"].startswith("multipart/x-mixed-replace")
            assert _read_one_mjpeg_part(response) == frame
    finally:
        stop.set()
        publisher.join(timeout=5)
    hidden_url = f"{asgi_server.url}/analytics/live/{hidden.pk}/feed.mjpg"
    assert session.get(hidden_url, timeout=10).status_code == 404
    assert AccessEvent.objects.filter(
        kind=AccessKind.LIVE_VIEW, actor=guard, target_id=str(camera.pk)
    ).exists()
    assert not AccessEvent.objects.filter(target_id=str(hidden.pk)).exists()
