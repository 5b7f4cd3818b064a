"""Malformed client messages close a socket cleanly (4400, with the reason), and however a
socket ends — a malformed message, an abnormal disconnect, a killed consumer, a crash in a
handler — it leaves nothing in the live hub. Through the real ASGI application (origin check,
session cookie, auth middleware), the Redis channel layer and the real live hub."""

from __future__ import annotations

import asyncio
import json

import pytest
import redis
from asgiref.sync import sync_to_async
from django.conf import settings

from accounts.roles import Role
from analytics import consumers
from analytics.consumers import CLOSE_BAD_MESSAGE, MAX_MESSAGE_CHARS
from analytics.live import hub
from tests.analytics.helpers import asgi_socket, session_cookie
from tests.factories import CameraFactory, SiteFactory, UserFactory
from vms.realtime import group_send, live_last_key, user_group

pytestmark = pytest.mark.django_db(transaction=True)  # consumers read from other threads

FRAME = b"\xff\xd8 a stand-in for an anonymised JPEG \xff\xd9"


@pytest.fixture
def guard():
    site = SiteFactory(name="Depot")
    user = UserFactory(role=Role.GUARD, sites=[site])
    return user, CameraFactory(site=site, name="Depot gate"), session_cookie(user)


@pytest.fixture
def last_frame(guard):
    """The camera's newest frame in Redis: the hub hands it to a new viewer at once."""
    _user, camera, _cookie = guard
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.set(live_last_key(camera.pk), FRAME)
    yield camera
    client.delete(live_last_key(camera.pk))
    client.close()


async def _error_and_close(socket) -> tuple[dict, dict]:
    """The error message and the close that follow a refused message."""
    error = json.loads((await socket.receive_output(timeout=5))["text"])
    close = await socket.receive_output(timeout=5)
    return error, close


MALFORMED = {
    "binary frame": ({"bytes": b"\x00\x01"}, "binary messages are not accepted"),
    "not JSON": ({"text": "subscribe me"}, "messages must be JSON"),
    "empty": ({"text": ""}, "messages must be JSON"),
    "too deep to parse": ({"text": "[" * 30000 + "]" * 30000}, "messages must be JSON"),
    "too large": (
        {"text": json.dumps({"type": "resume", "pad": "x" * MAX_MESSAGE_CHARS})},
        f"messages are limited to {MAX_MESSAGE_CHARS} characters",
    ),
    "not an object": ({"text": "[1, 2]"}, "a message must be a JSON object"),
    "no type": ({"text": '{"cameras": [1]}'}, 'a message needs a "type"'),
    "type not a string": ({"text": '{"type": 5}'}, 'a message needs a "type"'),
    "unknown type": ({"text": '{"type": "shutdown"}'}, "unknown message type"),
    "NaN": ({"text": '{"type": "resume", "after_id": NaN}'}, "NaN is not a number"),
    "cameras a string": (
        {"text": '{"type": "subscribe", "cameras": "12"}'},
        "cameras must be a list of at most 5000 camera ids",
    ),
    "cameras of booleans": (
        {"text": '{"type": "subscribe", "cameras": [true]}'},
        "cameras must be a list of at most 5000 camera ids",
    ),
    "cameras of floats": (
        {"text": '{"type": "subscribe", "cameras": [1.5]}'},
        "cameras must be a list of at most 5000 camera ids",
    ),
    "too many cameras": (
        {"text": json.dumps({"type": "subscribe", "cameras": list(range(1, 5002))})},
        "cameras must be a list of at most 5000 camera ids",
    ),
    "after_id past bigint": (
        {"text": json.dumps({"type": "resume", "after_id": 2**63})},
        "after_id must be an alert id (a non-negative integer)",
    ),
    "after_id infinite": (
        {"text": '{"type": "resume", "after_id": 1e400}'},
        "after_id must be an alert id (a non-negative integer)",
    ),
    "after_id negative": (
        {"text": '{"type": "resume", "after_id": -1}'},
        "after_id must be an alert id (a non-negative integer)",
    ),
}


def test_a_malformed_message_closes_the_alert_socket_with_4400_and_says_why(guard):
    user, camera, cookie = guard

    async def refused(frame: dict) -> tuple[dict, dict]:
        socket = asgi_socket("/ws/alerts/", cookie)
        assert (await socket.connect())[0]
        assert (await socket.receive_json_from(timeout=5))["type"] == "hello"
        await socket.send_input({"type": "websocket.receive", **frame})
        error, close = await _error_and_close(socket)
        # The server completes the close handshake; the consumer then ends without an error.
        await socket.send_input({"type": "websocket.disconnect", "code": CLOSE_BAD_MESSAGE})
        await socket.wait(timeout=5)
        return error, close

    async def scenario():  # one socket per case, one database for all (fast)
        return {case: await refused(frame) for case, (frame, _reason) in MALFORMED.items()}

    outcomes = asyncio.run(scenario())
    expected = {
        case: (
            {"type": "error", "error": reason},
            {"type": "websocket.close", "code": CLOSE_BAD_MESSAGE, "reason": reason},
        )
        for case, (_frame, reason) in MALFORMED.items()
    }
    assert outcomes == expected


def test_well_formed_messages_still_work_after_the_checks(guard):
    user, camera, cookie = guard

    async def scenario():
        socket = asgi_socket("/ws/alerts/", cookie)
        assert (await socket.connect())[0]
        await socket.receive_json_from(timeout=5)
        await socket.send_json_to({"type": "subscribe", "cameras": [camera.pk, 2**63 - 1]})
        subscribed = await socket.receive_json_from(timeout=5)
        await socket.send_json_to({"type": "resume", "after_id": 0})
        resumed = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return subscribed, resumed

    subscribed, resumed = asyncio.run(scenario())
    assert subscribed == {"type": "subscribed", "cameras": [camera.pk], "refused": [2**63 - 1]}
    assert resumed == {"type": "resumed", "count": 0}


async def _watching(cookie, camera):
    """A live socket that has received its first frame: one more viewer in the hub."""
    before = hub.viewer_count(camera.pk)
    socket = asgi_socket(f"/ws/live/{camera.pk}/", cookie)
    assert (await socket.connect())[0]
    assert await socket.receive_from(timeout=5) == FRAME
    assert hub.viewer_count(camera.pk) == before + 1
    return socket


def test_a_message_on_the_live_socket_closes_it_and_frees_its_viewer(guard, last_frame):
    _user, camera, cookie = guard

    async def scenario():
        socket = await _watching(cookie, camera)
        await socket.send_to(text_data='{"type": "subscribe"}')
        error, close = await _error_and_close(socket)
        after_close = hub.viewer_count()
        await socket.send_input({"type": "websocket.disconnect", "code": CLOSE_BAD_MESSAGE})
        await socket.wait(timeout=5)
        return error, close, after_close

    error, close, after_close = asyncio.run(scenario())
    assert error == {"type": "error", "error": "the live socket takes no messages"}
    assert close["code"] == CLOSE_BAD_MESSAGE
    assert after_close == 0  # no frame follows the refusal


def test_a_client_gone_mid_stream_without_a_close_leaves_no_viewer(guard, last_frame):
    _user, camera, cookie = guard

    async def scenario():
        socket = await _watching(cookie, camera)
        # The TCP connection dropped: no close handshake, the server reports 1006.
        await socket.send_input({"type": "websocket.disconnect", "code": 1006})
        await socket.wait(timeout=5)
        return hub.viewer_count()

    assert asyncio.run(scenario()) == 0


def test_a_killed_consumer_leaves_no_viewer(guard, last_frame):
    _user, camera, cookie = guard

    async def scenario():
        watchers = [await _watching(cookie, camera) for _ in range(3)]
        assert hub.viewer_count(camera.pk) == 3
        # The server cancels the application instance (as daphne does to one that outlives
        # its connection): no disconnect handler runs.
        for socket in watchers:
            socket.future.cancel()
        await asyncio.gather(*(socket.wait(timeout=5) for socket in watchers))
        return hub.viewer_count()

    assert asyncio.run(scenario()) == 0


def test_a_crash_in_a_handler_leaves_no_viewer(guard, last_frame, monkeypatch):
    user, camera, cookie = guard

    def broken(**kwargs):
        raise RuntimeError("the database went away")

    async def scenario():
        socket = await _watching(cookie, camera)
        # The next re-check of the user (on an access change) fails.
        monkeypatch.setattr(consumers, "_socket_user", sync_to_async(broken))
        await sync_to_async(group_send)(user_group(user.pk), {"type": "access.changed"})
        with pytest.raises(RuntimeError, match="the database went away"):
            await socket.wait(timeout=5)
        return hub.viewer_count()

    assert asyncio.run(scenario()) == 0


def test_an_mjpeg_client_gone_mid_stream_leaves_no_viewer(guard, last_frame):
    from channels.testing import ApplicationCommunicator

    from vms.asgi import application

    _user, camera, cookie = guard
    path = f"/analytics/live/{camera.pk}/feed.mjpg"
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"cookie", cookie)],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }

    async def scenario():
        http = ApplicationCommunicator(application, scope)
        await http.send_input({"type": "http.request", "body": b"", "more_body": False})
        start = await http.receive_output(timeout=10)
        body = await http.receive_output(timeout=10)
        watching = hub.viewer_count(camera.pk)
        await http.send_input({"type": "http.disconnect"})
        await http.wait(timeout=5)
        return start, body, watching, hub.viewer_count()

    start, body, watching, after = asyncio.run(scenario())
    assert start["status"] == 200
    assert FRAME in body["body"]
    assert (watching, after) == (1, 0)
