"""Helpers for the live analytics tests: log in over HTTP, open websockets as a browser,
read camera leases, wait with a bound."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
import requests
from channels.testing import WebsocketCommunicator
from django.conf import settings
from websockets.asyncio.client import connect

from tests.factories import DEFAULT_PASSWORD


def http_login(server, user, password: str = DEFAULT_PASSWORD) -> requests.Session:
    """Log ``user`` in through the real log-in page; the session carries the cookie."""
    session = requests.Session()
    page = session.get(server.url + "/accounts/login/", timeout=10)
    page.raise_for_status()
    response = session.post(
        server.url + "/accounts/login/",
        data={
            "username": user.username,
            "password": password,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        headers={"Referer": server.url + "/accounts/login/"},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, f"log-in failed ({response.status_code})"
    assert "sessionid" in session.cookies
    return session


def websocket(server, session: requests.Session | None, path: str):
    """A websocket to ``path``, as the browser of ``session`` (its cookies, our Origin)."""
    headers = {}
    if session is not None:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
    return connect(
        server.ws_url + path,
        origin=server.url,
        additional_headers=headers,
        open_timeout=10,
        max_size=None,
    )


async def receive_json(ws, *, timeout: float) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


def lease_owner(camera_id: int) -> str | None:
    """Who holds the camera's lease right now (``host:pid:nonce``), read from the database."""
    from analytics.worker.leases import lease_owner as owner

    return owner(camera_id)


def wait_for(predicate, *, timeout: float, interval: float = 0.25, message: str = ""):
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s: {message}")
        time.sleep(interval)


def session_cookie(user) -> bytes:
    """A stored, logged-in session for ``user``, as the cookie header its browser sends."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


class PatientCommunicator(WebsocketCommunicator):
    """The handshake answers at once, but a loaded two-core CI machine may take longer than
    channels' one-second default to get there: wait up to ten."""

    async def connect(self, timeout: float = 10):
        return await super().connect(timeout=timeout)


def asgi_socket(path: str, cookie: bytes | None = None, *, application=None):
    """A websocket to the real ASGI application (origin check, session auth, routing) as a
    browser opens it: our origin, and the session cookie if any."""
    if application is None:
        from vms.asgi import application

    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    headers += [(b"cookie", cookie)] if cookie else []
    return PatientCommunicator(application, path, headers=headers)


async def socket_close_code(socket, *, timeout: float) -> int:
    """Wait at most ``timeout`` s for the server to close ``socket``; frames before it are
    skipped. Fails the test when it stays open (the communicator then cancels the consumer)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            output = await socket.receive_output(timeout=max(0.0, deadline - loop.time()))
        except TimeoutError:
            pytest.fail(f"the socket was still open after {timeout} s")
        if output["type"] == "websocket.close":
            return output.get("code")
