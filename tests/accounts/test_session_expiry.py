"""Sessions end after a while without activity and at an absolute cap after log-in; pages and
API calls are activity, websockets and marked background requests are not, and an open socket
is closed when its session's time is up. Time passes by moving the session's clocks back."""

from __future__ import annotations

import asyncio
import time

import pytest
from asgiref.sync import sync_to_async
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from accounts.roles import Role
from compliance.models import AccessEvent, AccessKind
from tests.analytics.helpers import asgi_socket, socket_close_code
from tests.factories import UserFactory
from vms.middleware.sessions import LAST_ACTIVITY_AT, STARTED_AT

pytestmark = pytest.mark.django_db

PAGE = "/analytics/wall/"
IDLE = 30 * 60


@pytest.fixture(autouse=True)
def clocks(settings):
    settings.SESSION_IDLE_SECONDS = IDLE
    settings.SESSION_COOKIE_AGE = 8 * 3600


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    assert client.get(PAGE).status_code == 200
    return client


def move_back(session_key: str, *, last_activity: float = 0, started: float = 0) -> None:
    """Time passes: the session's last activity and log-in move ``seconds`` into the past."""
    store = SessionStore(session_key=session_key)
    store[LAST_ACTIVITY_AT] -= last_activity
    store[STARTED_AT] -= started
    store.save()


def stamp(session_key: str) -> float:
    return SessionStore(session_key=session_key)[LAST_ACTIVITY_AT]


def sent_to_log_in(response) -> bool:
    return response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_an_idle_session_ends_and_the_log_in_page_says_why():
    guard = UserFactory(role=Role.GUARD)
    client = logged_in(guard)
    move_back(client.session.session_key, last_activity=IDLE + 1)
    assert sent_to_log_in(client.get(PAGE))
    assert "_auth_user_id" not in client.session
    page = client.get("/accounts/login/").content.decode()
    assert "Your session ended after a while without activity" in page
    assert "Your session ended" not in client.get("/accounts/login/").content.decode()  # once
    event = AccessEvent.objects.get(kind=AccessKind.LOGOUT)
    assert (event.actor, event.data) == (guard, {"reason": "session expired (idle)"})


def test_pages_and_api_calls_are_activity():
    client = logged_in(UserFactory(role=Role.ADMIN))
    key = client.session.session_key
    move_back(key, last_activity=IDLE - 60)
    assert client.get("/api/v1/cameras/").status_code == 200
    move_back(key, last_activity=IDLE - 60)  # 29 min after the API call: still fine
    assert client.get("/cameras/").status_code == 200
    assert time.time() - stamp(key) < 5


def test_background_requests_do_not_keep_a_session_alive():
    client = logged_in(UserFactory(role=Role.GUARD))
    key = client.session.session_key
    move_back(key, last_activity=IDLE - 60)
    before = stamp(key)
    assert client.get(PAGE, HTTP_X_VEIL_BACKGROUND="1").status_code == 200
    assert stamp(key) == before
    move_back(key, last_activity=120)
    assert sent_to_log_in(client.get(PAGE))


def test_an_active_session_still_ends_at_the_absolute_cap():
    client = logged_in(UserFactory(role=Role.GUARD))
    move_back(client.session.session_key, started=8 * 3600 + 1)
    assert sent_to_log_in(client.get(PAGE))
    page = client.get("/accounts/login/").content.decode()
    assert "Your session reached its maximum length" in page
    event = AccessEvent.objects.get(kind=AccessKind.LOGOUT)
    assert event.data == {"reason": "session expired (absolute)"}


def test_an_expired_session_is_anonymous_to_the_api():
    client = logged_in(UserFactory(role=Role.ADMIN))
    move_back(client.session.session_key, last_activity=IDLE + 1)
    assert client.get("/api/v1/cameras/").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_sockets_follow_the_session_clock(settings):
    """An expired session's socket is refused; an open one closes at the deadline unless a
    page request in the same session moved it. Sockets themselves are never activity."""
    settings.SESSION_IDLE_SECONDS = 60
    guard = UserFactory(role=Role.GUARD)
    expired, near, kept = (Client() for _ in range(3))
    for client in (expired, near, kept):
        client.force_login(guard)
    move_back(expired.session.session_key, last_activity=61)
    for client in (near, kept):  # both due to end in 2 s
        move_back(client.session.session_key, last_activity=58)

    def cookie(client) -> bytes:
        return f"sessionid={client.session.session_key}".encode()

    async def scenario():
        refused = asgi_socket("/ws/alerts/", cookie(expired))
        await refused.connect()
        refused_code = await socket_close_code(refused, timeout=5)

        closing, staying = (
            asgi_socket("/ws/alerts/", cookie(near)),
            asgi_socket("/ws/alerts/", cookie(kept)),
        )
        for socket in (closing, staying):
            assert (await socket.connect())[0]
            assert (await socket.receive_json_from(timeout=5))["type"] == "hello"
        assert (await sync_to_async(kept.get)(PAGE)).status_code == 200  # activity elsewhere
        closed_code = await socket_close_code(closing, timeout=5)
        still_open = await staying.receive_nothing(timeout=1.5)
        await staying.disconnect()
        return refused_code, closed_code, still_open

    assert asyncio.run(scenario()) == (4401, 4401, True)
