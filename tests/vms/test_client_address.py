"""Whose address the records keep: the peer's, unless a configured proxy vouches for more.

A forged ``X-Forwarded-For`` is never recorded when no proxy is configured; behind configured
proxies the right-most hop that is not one of them is the client; an address that does not
parse is kept as received (in ``data``) with no ``remote_addr``, and never costs the record.
"""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.roles import Role
from cameras.models import Site
from compliance.models import AccessEvent, AccessKind
from compliance.services import access_event_record
from tests.factories import UserFactory
from vms.client_address import (
    ClientAddress,
    client_address,
    client_address_from_scope,
    client_ip,
    parse_address,
)

PEER, PROXY = "198.51.100.20", "10.0.0.5"


def request(remote_addr=PEER, forwarded=None):
    meta = {"REMOTE_ADDR": remote_addr}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("192.0.2.1", "192.0.2.1"),
        (" 192.0.2.1:8443 ", "192.0.2.1"),
        ("2001:db8::1", "2001:db8::1"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("::ffff:192.0.2.9", "192.0.2.9"),
        ("fe80::1%eth0", "fe80::1"),
        ("unknown", None),
        ("192.0.2.300", None),
        ("", None),
        ("'; DROP TABLE", None),
    ],
)
def test_parse_address(value, expected):
    parsed = parse_address(value)
    assert (str(parsed) if parsed else None) == expected


def test_with_no_proxy_configured_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert client_address(request(forwarded="203.0.113.66")) == ClientAddress(PEER)
    assert client_ip(request(forwarded="garbage")) == PEER


def test_a_header_from_a_peer_that_is_not_a_configured_proxy_is_ignored(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    assert client_ip(request(remote_addr=PEER, forwarded="203.0.113.66")) == PEER


def test_behind_configured_proxies_the_rightmost_untrusted_hop_is_the_client(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24", "2001:db8:ffff::/48"]
    # The client forged the first hop; our proxies appended the real one and themselves.
    forwarded = "203.0.113.66, 192.0.2.44, 10.0.0.7"
    assert client_ip(request(remote_addr=PROXY, forwarded=forwarded)) == "192.0.2.44"
    assert client_ip(request(remote_addr=PROXY, forwarded="10.0.0.9, 10.0.0.8")) == "10.0.0.9"
    assert client_ip(request(remote_addr=PROXY, forwarded="")) == PROXY
    assert client_ip(request(remote_addr="2001:db8:ffff::2", forwarded="192.0.2.5")) == "192.0.2.5"


def test_a_malformed_hop_behind_a_proxy_is_kept_as_received_with_no_address(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    address = client_address(request(remote_addr=PROXY, forwarded="203.0.113.1, not-an-ip"))
    assert address == ClientAddress(None, "not-an-ip")
    nul = client_address(request(remote_addr=PROXY, forwarded="bad\x00hop"))
    assert nul == ClientAddress(None, "badhop")


def test_a_websocket_scope_follows_the_same_rules(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    scope = {"client": (PROXY, 5000), "headers": [(b"x-forwarded-for", b"1.2.3.4, 192.0.2.8")]}
    assert client_address_from_scope(scope).ip == "192.0.2.8"
    settings.TRUSTED_PROXIES = []
    assert client_address_from_scope(scope).ip == PROXY


@pytest.mark.django_db
def test_a_forged_header_is_not_recorded_on_a_failed_log_in(settings):
    settings.TRUSTED_PROXIES = []
    Client().post(
        reverse("accounts:login"),
        {"username": "nobody", "password": "wrong-password-here"},
        REMOTE_ADDR=PEER,
        HTTP_X_FORWARDED_FOR="203.0.113.66",
    )
    event = AccessEvent.objects.get(kind=AccessKind.LOGIN_FAILED)
    assert event.remote_addr == PEER


@pytest.mark.django_db
def test_a_malformed_address_never_costs_the_record(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    Client().post(
        reverse("accounts:login"),
        {"username": "nobody", "password": "wrong-password-here"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="999.1.1.1<script>",
    )
    event = AccessEvent.objects.get(kind=AccessKind.LOGIN_FAILED)
    assert event.remote_addr is None
    assert event.data["remote_addr_unparsed"] == "999.1.1.1<script>"


@pytest.mark.django_db
def test_what_postgresql_cannot_store_is_left_out_of_the_record():
    # Such a request is refused at the door (vms.request_guard); a caller that records from
    # elsewhere (a task, a socket) still gets its record.
    bad = RequestFactory().get("/", REMOTE_ADDR="bad\x00peer", HTTP_USER_AGENT="agent\x00nul")
    event = access_event_record(kind=AccessKind.REPORT, request=bad)
    assert (event.remote_addr, event.data["remote_addr_unparsed"]) == (None, "badpeer")
    assert event.user_agent == "agentnul"


@pytest.mark.django_db
def test_an_unparsable_peer_is_recorded_as_such():
    event = access_event_record(kind=AccessKind.REPORT, request=request(remote_addr="unix:/run/x"))
    assert event.remote_addr is None and event.data["remote_addr_unparsed"] == "unix:/run/x"


@pytest.mark.django_db
def test_the_change_log_keeps_the_same_address_and_survives_a_malformed_header(settings):
    settings.TRUSTED_PROXIES = []
    client = APIClient()
    client.force_login(UserFactory(role=Role.ADMIN))
    body = {"name": "Quay", "time_zone": "UTC", "country": "DE"}
    response = client.post(
        "/api/v1/sites/",
        body,
        format="json",
        REMOTE_ADDR=PEER,
        HTTP_X_FORWARDED_FOR="not an address, at all",
        HTTP_X_FORWARDED_PORT="65536",
    )
    assert response.status_code == 201, response.content
    entry = LogEntry.objects.get_for_object(Site.objects.get(name="Quay")).get()
    assert entry.remote_addr == PEER and entry.remote_port is None
