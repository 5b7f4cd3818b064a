"""Users, site assignments and /me/ over the REST API."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.roles import Role
from cameras.models import Site
from compliance.models import AccessEvent, AccessKind
from tests.api_base import (
    CreateTests,
    ListTests,
    NoDeleteTests,
    RetrieveTests,
    UpdateTests,
    ids,
    response_text,
)
from tests.factories import CameraFactory, SiteFactory, UserFactory

User = get_user_model()
NEW_PASSWORD = "quiet-lantern-orbit-2931"


def logged_in(role, **fields) -> tuple[APIClient, object]:
    user = UserFactory(role=role, **fields)
    client = APIClient()
    client.force_login(user)
    return client, user


def user_url(pk) -> str:
    return reverse("accounts-api:user-detail", args=[pk])


def sites_url(pk) -> str:
    return reverse("accounts-api:user-sites", args=[pk])


class TestUserAPI(ListTests, RetrieveTests, CreateTests, UpdateTests, NoDeleteTests):
    model = User
    namespace, basename = "accounts-api", "user"

    def make_object(self):
        return UserFactory(role=Role.GUARD)

    def create_data(self):
        return {
            "username": "newguard",
            "password": NEW_PASSWORD,
            "role": "Guard",
            "email": "newguard@example.org",
        }

    def update_data(self, obj):
        return {"first_name": "Renamed"}


@pytest.mark.django_db
def test_create_sets_role_and_password_and_never_returns_it():
    client, admin = logged_in(Role.ADMIN)
    response = client.post(
        reverse("accounts-api:user-list"),
        {"username": "sup", "password": NEW_PASSWORD, "role": "Supervisor"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["role"] == "Supervisor"
    assert "password" not in response.json()
    assert NEW_PASSWORD not in response_text(response)
    user = User.objects.get(username="sup")
    assert user.check_password(NEW_PASSWORD) and user.role == Role.SUPERVISOR
    event = AccessEvent.objects.get(kind=AccessKind.ROLE_CHANGE, target_id=str(user.pk))
    assert event.actor == admin


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"username": "a", "role": "Guard"}, "password"),
        ({"username": "a", "role": "Guard", "password": "short"}, "password"),
        ({"username": "a", "role": "Guard", "password": "password123456"}, "password"),
        ({"username": "a", "role": "Overlord", "password": NEW_PASSWORD}, "role"),
    ],
)
def test_create_rejects_bad_input(payload, field):
    client, _ = logged_in(Role.ADMIN)
    response = client.post(reverse("accounts-api:user-list"), payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not User.objects.filter(username="a").exists()


@pytest.mark.django_db
def test_role_change_and_deactivation_write_access_events():
    client, admin = logged_in(Role.ADMIN)
    guard = UserFactory(role=Role.GUARD)
    response = client.patch(user_url(guard.pk), {"role": "Supervisor"}, format="json")
    assert response.status_code == 200 and response.json()["role"] == "Supervisor"
    response = client.patch(user_url(guard.pk), {"is_active": False}, format="json")
    assert response.status_code == 200 and response.json()["is_active"] is False
    kinds = set(
        AccessEvent.objects.filter(target_id=str(guard.pk), actor=admin).values_list(
            "kind", flat=True
        )
    )
    assert kinds == {AccessKind.ROLE_CHANGE, AccessKind.USER_DEACTIVATE}
    assert not APIClient().login(username=guard.username, password="correct-horse-battery-staple")


@pytest.mark.django_db
def test_admin_cannot_deactivate_themself_or_rename_a_user():
    client, admin = logged_in(Role.ADMIN)
    response = client.patch(user_url(admin.pk), {"is_active": False}, format="json")
    assert response.status_code == 400
    assert "deactivate your own" in response_text(response)
    admin.refresh_from_db()
    assert admin.is_active
    response = client.patch(user_url(admin.pk), {"username": "other"}, format="json")
    assert response.status_code == 400 and "username" in response.json()


@pytest.mark.django_db
def test_password_reset_through_update():
    client, _ = logged_in(Role.ADMIN)
    guard = UserFactory(role=Role.GUARD)
    assert client.patch(user_url(guard.pk), {"password": "12345"}, format="json").status_code == 400
    response = client.patch(user_url(guard.pk), {"password": NEW_PASSWORD}, format="json")
    assert response.status_code == 200
    guard.refresh_from_db()
    assert guard.check_password(NEW_PASSWORD)


@pytest.mark.django_db
def test_site_assignment_commands():
    client, admin = logged_in(Role.ADMIN)
    guard_client, guard = logged_in(Role.GUARD)
    camera = CameraFactory()
    site = camera.site
    assert ids(guard_client.get(reverse("cameras-api:camera-list"))) == set()

    response = client.post(sites_url(guard.pk), {"site": site.pk}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"user": guard.pk, "sites": [{"id": site.pk, "name": site.name}]}
    assert ids(guard_client.get(reverse("cameras-api:camera-list"))) == {camera.pk}
    assert client.get(sites_url(guard.pk)).json()["sites"] == [{"id": site.pk, "name": site.name}]
    assert AccessEvent.objects.filter(kind=AccessKind.ACCESS_GRANT, actor=admin).count() == 1

    url = reverse("accounts-api:user-site-unassign", args=[guard.pk, site.pk])
    response = client.delete(url)
    assert response.status_code == 200 and response.json()["sites"] == []
    assert ids(guard_client.get(reverse("cameras-api:camera-list"))) == set()
    assert AccessEvent.objects.filter(kind=AccessKind.ACCESS_REVOKE, actor=admin).count() == 1


@pytest.mark.django_db
def test_site_assignment_refusals():
    site = SiteFactory()
    target = UserFactory(role=Role.GUARD)
    missing_site = Site.objects.order_by("-pk").first().pk + 100
    admin_client, _ = logged_in(Role.ADMIN)
    response = admin_client.post(sites_url(target.pk), {"site": missing_site}, format="json")
    assert response.status_code == 400 and "site" in response.json()

    dpo_client, _ = logged_in(Role.DPO)
    assert (
        dpo_client.post(sites_url(target.pk), {"site": site.pk}, format="json").status_code == 403
    )
    guard_client, _ = logged_in(Role.GUARD, sites=[site])
    hidden = guard_client.post(sites_url(target.pk), {"site": site.pk}, format="json")
    missing = guard_client.post(sites_url(target.pk + 1000), {"site": site.pk}, format="json")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert not target.has_perm("cameras.view_site", site)
    assert (
        APIClient().post(sites_url(target.pk), {"site": site.pk}, format="json").status_code == 401
    )


@pytest.mark.django_db
def test_me_shows_role_sites_and_granted_cameras():
    site = SiteFactory(name="Depot")
    camera = CameraFactory(name="Lone cam")
    client, guard = logged_in(Role.GUARD, sites=[site], cameras=[camera])
    response = client.get(reverse("accounts-api:me"))
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["username"], body["role"]) == (guard.pk, guard.username, "Guard")
    assert body["sites"] == [{"id": site.pk, "name": "Depot"}]
    assert body["cameras"] == [{"id": camera.pk, "name": "Lone cam"}]
    assert APIClient().get(reverse("accounts-api:me")).status_code == 401
