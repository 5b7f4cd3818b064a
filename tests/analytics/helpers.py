"""Helpers for the live analytics tests: log in over HTTP, open websockets as a browser,
read camera leases, wait with a bound."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
import requests
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
    """Who holds the camera's lease right now (``host:pid:nonce``), read from Redis."""
    import redis

    from vms.realtime import redis_prefix

    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        value = client.get(f"{redis_prefix()}:lease:camera:{camera_id}")
    finally:
        client.close()
    return value.decode() if value else None


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
