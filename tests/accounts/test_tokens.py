"""API tokens: hashed at rest, shown once, scoped, expiring, revocable, audited; the owner's
rights and no more."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.roles import Role
from accounts.services import user_update
from accounts.tokens.models import ApiToken
from accounts.tokens.services import api_token_create
from cameras.models import Site
from compliance.models import AccessEvent, AccessKind
from tests.factories import CameraFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db

TOKENS = "/api/v1/tokens/"
CAMERAS = "/api/v1/cameras/"
SITES = "/api/v1/sites/"


def session_client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def token_client(key: str, keyword: str = "Token") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {key}")
    return client


def make_token(user, *, scope="read", days=30) -> tuple[ApiToken, str]:
    return api_token_create(actor=user, name="door system", scope=scope, expires_in_days=days)


def refusals() -> list[AccessEvent]:
    return list(AccessEvent.objects.filter(kind=AccessKind.API_TOKEN_REFUSED).order_by("pk"))


# --- creating -----------------------------------------------------------------------------------


def test_a_created_token_is_shown_once_and_kept_only_as_a_hash():
    guard = UserFactory(role=Role.GUARD)
    client = session_client(guard)
    response = client.post(
        TOKENS, {"name": "door", "scope": "read", "expires_in_days": 30}, format="json"
    )
    assert response.status_code == 201, response.content
    key = response.json()["key"]
    assert key.startswith("veil_") and len(key) >= 40
    token = ApiToken.objects.get()
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(ApiToken.objects.values().get())  # no column holds the key
    assert key.startswith(token.prefix) and len(token.prefix) < 16
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)
    # Never shown again: neither in the list nor in the detail.
    assert key not in client.get(TOKENS).content.decode()
    assert "key" not in client.get(f"{TOKENS}{token.pk}/").json()
    event = AccessEvent.objects.get(kind=AccessKind.API_TOKEN_CREATE)
    assert (event.actor, event.target_id, event.data["scope"]) == (guard, str(token.pk), "read")
    assert key not in str(event.data)


@pytest.mark.parametrize("days", [0, -1, 366, "soon"])
def test_expiry_is_required_and_bounded(days):
    client = session_client(UserFactory(role=Role.ADMIN))
    response = client.post(
        TOKENS, {"name": "x", "scope": "read", "expires_in_days": days}, format="json"
    )
    assert response.status_code == 400 and "expires_in_days" in response.json()
    response = client.post(TOKENS, {"name": "x", "scope": "read"}, format="json")
    assert response.status_code == 400 and "expires_in_days" in response.json()
    assert not ApiToken.objects.exists()


def test_the_bound_is_the_deployments(settings):
    settings.API_TOKEN_MAX_DAYS = 7
    admin = UserFactory(role=Role.ADMIN)
    with pytest.raises(ValidationError, match="1 to 7 days"):
        make_token(admin, days=30)


def test_a_token_cannot_create_tokens():
    admin = UserFactory(role=Role.ADMIN)
    _, key = make_token(admin, scope="write")
    response = token_client(key).post(
        TOKENS, {"name": "child", "scope": "write", "expires_in_days": 365}, format="json"
    )
    assert response.status_code == 403
    assert ApiToken.objects.count() == 1


# --- using --------------------------------------------------------------------------------------


@pytest.mark.parametrize("keyword", ["Token", "Bearer", "bearer"])
def test_a_token_acts_as_its_owner_through_the_gate(keyword):
    site, other = SiteFactory(name="Depot"), SiteFactory(name="Airport")
    mine, theirs = CameraFactory(site=site), CameraFactory(site=other)
    guard = UserFactory(role=Role.GUARD, sites=[site])
    token, key = make_token(guard)
    response = token_client(key, keyword).get(CAMERAS)
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [mine.pk]
    assert token_client(key, keyword).get(f"{CAMERAS}{theirs.pk}/").status_code == 404
    me = token_client(key, keyword).get("/api/v1/me/").json()
    assert me["username"] == guard.username
    token.refresh_from_db()
    assert token.last_used_at is not None and token.last_used_from == "127.0.0.1"


def test_a_read_only_token_refuses_writes_and_the_refusal_is_recorded():
    admin = UserFactory(role=Role.ADMIN)
    token, key = make_token(admin, scope="read")
    response = token_client(key).post(
        SITES, {"name": "New", "time_zone": "UTC", "country": "DE"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "This token is read-only."
    assert not Site.objects.filter(name="New").exists()
    [event] = refusals()
    assert (event.target_id, event.data["reason"], event.data["method"]) == (
        str(token.pk),
        "read_only",
        "POST",
    )


def test_a_write_token_writes_as_its_owner_and_no_more():
    admin, guard = UserFactory(role=Role.ADMIN), UserFactory(role=Role.GUARD)
    _, admin_key = make_token(admin, scope="write")
    _, guard_key = make_token(guard, scope="write")
    body = {"name": "Harbour", "time_zone": "UTC", "country": "DE", "address": "1 Quay"}
    assert token_client(guard_key).post(SITES, body, format="json").status_code == 403
    response = token_client(admin_key).post(SITES, body, format="json")
    assert response.status_code == 201, response.content
    site = Site.objects.get(name="Harbour")
    # The change log names the owner, though the middleware saw no session.
    entry = LogEntry.objects.get_for_object(site).get()
    assert entry.actor == admin


def test_an_action_by_token_names_the_token_in_the_audit_trail():
    camera = CameraFactory()
    admin = UserFactory(role=Role.ADMIN)
    token, key = make_token(admin)
    assert token_client(key).get(f"{CAMERAS}{camera.pk}/source/").status_code == 200
    event = AccessEvent.objects.exclude(kind=AccessKind.API_TOKEN_CREATE).latest("pk")
    assert event.actor == admin and event.data["api_token"] == token.audit_label


def _refused(key: str) -> dict:
    response = token_client(key).get(CAMERAS)
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "results" not in response.json()
    return response.json()


def test_an_expired_token_opens_nothing():
    token, key = make_token(UserFactory(role=Role.ADMIN))
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    _refused(key)
    assert [e.data["reason"] for e in refusals()] == ["expired"]


def test_a_deactivated_owners_tokens_stop_at_once():
    owner = UserFactory(role=Role.ADMIN)
    _, key = make_token(owner)
    assert token_client(key).get(CAMERAS).status_code == 200
    user_update(actor=UserFactory(role=Role.ADMIN), user=owner, is_active=False)
    _refused(key)
    assert [e.data["reason"] for e in refusals()] == ["owner_inactive"]


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("Token veil_" + "A" * 43, "unknown"),
        ("Token not-a-key", "malformed"),
        ("Bearer", "malformed"),
        ("Token two words", "malformed"),
    ],
)
def test_an_unknown_or_malformed_key_is_refused_and_recorded(header, reason):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(CAMERAS)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    [event] = refusals()
    assert event.data["reason"] == reason and event.actor is None
    assert "not-a-key" not in str(event.data)  # a malformed value is not kept


def test_refusals_beyond_the_anonymous_rate_are_throttled_not_recorded(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/min", "user": "100/min", "token": "100/min"},
    }
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token veil_" + "B" * 43)
    codes = [client.get(CAMERAS).status_code for _ in range(5)]
    assert codes == [401, 401, 401, 429, 429]
    assert len(refusals()) == 3


def test_tokens_do_not_open_the_console():
    _, key = make_token(UserFactory(role=Role.ADMIN))
    response = token_client(key).get(reverse("cameras:camera-list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- revoking -----------------------------------------------------------------------------------


def test_the_owner_revokes_and_the_token_stops_working():
    guard = UserFactory(role=Role.GUARD)
    token, key = make_token(guard)
    response = session_client(guard).post(f"{TOKENS}{token.pk}/revoke/")
    assert response.status_code == 200 and response.json()["status"] == "revoked"
    _refused(key)
    event = AccessEvent.objects.get(kind=AccessKind.API_TOKEN_REVOKE)
    assert (event.actor, event.data["by_owner"]) == (guard, True)
    assert [e.data["reason"] for e in refusals()] == ["revoked"]
    # Again: nothing changes, nothing more is recorded.
    assert session_client(guard).post(f"{TOKENS}{token.pk}/revoke/").status_code == 200
    assert AccessEvent.objects.filter(kind=AccessKind.API_TOKEN_REVOKE).count() == 1


def test_an_admin_revokes_anyones_token_a_dpo_only_reads_them():
    guard, dpo, admin = (UserFactory(role=r) for r in (Role.GUARD, Role.DPO, Role.ADMIN))
    token, key = make_token(guard)
    listed = session_client(dpo).get(TOKENS).json()["results"]
    assert [row["id"] for row in listed] == [token.pk]
    assert listed[0]["owner_username"] == guard.username
    assert session_client(dpo).post(f"{TOKENS}{token.pk}/revoke/").status_code == 403
    _ = token_client(key).get(CAMERAS)  # still works
    assert session_client(admin).post(f"{TOKENS}{token.pk}/revoke/").status_code == 200
    event = AccessEvent.objects.get(kind=AccessKind.API_TOKEN_REVOKE)
    assert (event.actor, event.data["by_owner"], event.data["owner"]) == (
        admin,
        False,
        guard.username,
    )
    _refused(key)


def test_a_guard_neither_sees_nor_revokes_anothers_token():
    guard, other = UserFactory(role=Role.GUARD), UserFactory(role=Role.GUARD)
    token, _ = make_token(other)
    client = session_client(guard)
    assert client.get(TOKENS).json()["results"] == []
    missing = client.post(f"{TOKENS}{token.pk + 1000}/revoke/")
    hidden = client.post(f"{TOKENS}{token.pk}/revoke/")
    assert (hidden.status_code, hidden.json()) == (404, missing.json())
    assert client.get(f"{TOKENS}{token.pk}/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_anonymous_gets_a_401_challenge_and_no_tokens():
    make_token(UserFactory(role=Role.ADMIN))
    response = APIClient().get(TOKENS)
    assert response.status_code == 401 and "WWW-Authenticate" in response
    assert "results" not in response.json()
