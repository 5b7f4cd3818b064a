"""The API token pages: one's own tokens for everyone, everyone's for those who may."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from accounts.tokens.models import ApiToken
from accounts.tokens.services import api_token_create
from compliance.models import AccessEvent, AccessKind
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MINE, ALL = reverse("tokens:token-list"), reverse("tokens:token-list-all")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_guard_creates_a_token_and_sees_its_key_only_once():
    guard = UserFactory(role=Role.GUARD)
    client = client_for(guard)
    page = client.get(MINE)
    assert page.status_code == 200 and "API tokens" in page.content.decode()
    assert "no-store" in page["Cache-Control"]
    response = client.post(MINE, {"name": "Door", "scope": "read", "expires_in_days": "30"})
    assert response.status_code == 201
    token = ApiToken.objects.get(owner=guard)
    html = response.content.decode()
    key = html.split('id="new-token-key" type="text" readonly value="')[1].split('"')[0]
    assert key.startswith(token.prefix)
    assert "shown this once" in html
    again = client.get(MINE).content.decode()
    assert key not in again and token.prefix in again
    assert "sessionid" in client.cookies  # and the key was not put in it:
    assert key not in str(client.session.items())


def test_a_bad_form_shows_its_errors_and_makes_nothing():
    client = client_for(UserFactory(role=Role.GUARD))
    response = client.post(MINE, {"name": "", "scope": "everything", "expires_in_days": "9999"})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_revoking_from_the_page():
    guard = UserFactory(role=Role.GUARD)
    token, _ = api_token_create(actor=guard, name="x", scope="read", expires_in_days=1)
    response = client_for(guard).post(reverse("tokens:token-revoke", args=[token.pk]))
    assert response.status_code == 302 and response["Location"] == MINE
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AccessEvent.objects.filter(kind=AccessKind.API_TOKEN_REVOKE).count() == 1


def test_revoking_someone_elses_token_is_a_404_unless_admin():
    owner = UserFactory(role=Role.GUARD)
    token, _ = api_token_create(actor=owner, name="x", scope="read", expires_in_days=1)
    url = reverse("tokens:token-revoke", args=[token.pk])
    for role in (Role.GUARD, Role.SUPERVISOR, Role.DPO):
        assert client_for(UserFactory(role=role)).post(url).status_code == 404, role
    token.refresh_from_db()
    assert token.revoked_at is None
    admin = client_for(UserFactory(role=Role.ADMIN))
    assert admin.post(url, {"next": ALL}).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_everyones_tokens_page_is_for_those_who_may_see_them():
    owner = UserFactory(role=Role.GUARD)
    api_token_create(actor=owner, name="Door system", scope="read", expires_in_days=1)
    for role in (Role.GUARD, Role.SUPERVISOR):
        assert client_for(UserFactory(role=role)).get(ALL).status_code == 404
    dpo_page = client_for(UserFactory(role=Role.DPO)).get(ALL).content.decode()
    assert "Door system" in dpo_page and owner.username in dpo_page
    assert "Revoke" not in dpo_page
    admin_page = client_for(UserFactory(role=Role.ADMIN)).get(ALL).content.decode()
    assert "Revoke" in admin_page


def test_every_role_finds_the_page_in_the_header():
    for role in (Role.GUARD, Role.SUPERVISOR, Role.DPO, Role.ADMIN):
        page = client_for(UserFactory(role=role)).get(MINE).content.decode()
        assert f'href="{MINE}"' in page, role
