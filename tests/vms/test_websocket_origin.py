"""The websocket origin check is exact: scheme, host and port, through the real ASGI
application. A socket that passes reaches the consumer (anonymous here: it closes 4401); one
that fails is denied at the handshake (the denier's plain close, before any consumer runs)."""

from __future__ import annotations

import asyncio

import pytest
from channels.testing import WebsocketCommunicator

from tests.analytics.helpers import asgi_socket, session_cookie
from vms.asgi import application

PASSED = 4401  # reached the alert consumer, which refuses anonymous sockets
DENIED = 1000  # the origin validator's denier closed the handshake


def _outcome(headers: list[tuple[bytes, bytes]]) -> int:
    async def scenario():
        # A generous timeout: the answer is immediate, but a loaded CI machine is not.
        connected, code = await WebsocketCommunicator(
            application, "/ws/alerts/", headers=headers
        ).connect(timeout=10)
        assert not connected
        return code

    return asyncio.run(scenario())


def _headers(origin: str | None, host: str | None = "127.0.0.1", **extra: str):
    headers = [(b"origin", origin.encode())] if origin is not None else []
    headers += [(b"host", host.encode())] if host is not None else []
    headers += [(name.replace("_", "-").encode(), value.encode()) for name, value in extra.items()]
    return headers


@pytest.mark.parametrize(
    "origin, host, outcome",
    [
        ("http://127.0.0.1", "127.0.0.1", PASSED),
        ("http://127.0.0.1:80", "127.0.0.1", PASSED),  # the default port, spelt out
        ("http://127.0.0.1:8000", "127.0.0.1:8000", PASSED),
        ("HTTP://LOCALHOST:8000", "localhost:8000", PASSED),  # case does not matter
        ("http://127.0.0.1:8080", "127.0.0.1", DENIED),  # another port: another origin
        ("http://127.0.0.1", "127.0.0.1:8000", DENIED),
        ("https://127.0.0.1", "127.0.0.1", DENIED),  # the socket did not come over TLS
        ("http://evil.example", "127.0.0.1", DENIED),
        ("http://evil.example", "evil.example", DENIED),  # not an allowed host
        ("http://127.0.0.1.evil.example", "127.0.0.1", DENIED),
        ("null", "127.0.0.1", DENIED),  # sandboxed frames, file:// pages
        ("file://", "127.0.0.1", DENIED),
        ("http://user:pw@127.0.0.1", "127.0.0.1", DENIED),
        ("http://127.0.0.1/path", "127.0.0.1", DENIED),
        ("http://127.0.0.1:99999", "127.0.0.1", DENIED),  # unparsable port
        ("", "127.0.0.1", DENIED),
        (None, "127.0.0.1", DENIED),  # no origin at all
        ("http://127.0.0.1", None, DENIED),  # no Host: nothing to compare with
    ],
)
def test_the_origin_must_be_this_site_exactly(origin, host, outcome):
    assert _outcome(_headers(origin, host)) == outcome


def test_two_origin_headers_are_denied():
    headers = _headers("http://127.0.0.1") + [(b"origin", b"http://evil.example")]
    assert _outcome(headers) == DENIED


def test_behind_a_tls_proxy_the_origin_is_https(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert _outcome(_headers("https://127.0.0.1", x_forwarded_proto="https")) == PASSED
    assert _outcome(_headers("http://127.0.0.1", x_forwarded_proto="https")) == DENIED
    assert _outcome(_headers("https://127.0.0.1:8443", x_forwarded_proto="https")) == DENIED
    # Without the header the socket is plain, as in Django's own is_secure().
    assert _outcome(_headers("https://127.0.0.1")) == DENIED


def test_without_a_configured_proxy_a_forwarded_proto_is_not_believed(settings):
    settings.SECURE_PROXY_SSL_HEADER = None
    assert _outcome(_headers("https://127.0.0.1", x_forwarded_proto="https")) == DENIED


def test_configured_origins_match_scheme_host_and_port_exactly(settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://veil.example.com", "https://*.cams.example.com"]
    assert _outcome(_headers("https://veil.example.com")) == PASSED
    assert _outcome(_headers("https://veil.example.com:443")) == PASSED
    assert _outcome(_headers("https://veil.example.com:8443")) == DENIED
    assert _outcome(_headers("http://veil.example.com")) == DENIED
    assert _outcome(_headers("https://other.example.com")) == DENIED
    assert _outcome(_headers("https://north.cams.example.com")) == PASSED
    assert _outcome(_headers("https://north.cams.example.com:444")) == DENIED
    assert _outcome(_headers("https://cams.example.com.evil.example")) == DENIED


@pytest.mark.django_db(transaction=True)
def test_a_logged_in_browser_on_this_site_connects():
    from accounts.roles import Role
    from tests.factories import SiteFactory, UserFactory

    cookie = session_cookie(UserFactory(role=Role.GUARD, sites=[SiteFactory()]))

    async def scenario():
        socket = asgi_socket("/ws/alerts/", cookie)
        connected, _ = await socket.connect()
        hello = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return connected, hello["type"]

    assert asyncio.run(scenario()) == (True, "hello")
