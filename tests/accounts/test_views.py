"""Log-in, log-out, sessions and the Admin's user pages, through HTTP."""

from __future__ import annotations

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from cameras.models import Camera
from compliance.models import AccessEvent, AccessKind
from tests.factories import DEFAULT_PASSWORD, CameraFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db

STRONG_PASSWORD = "lantern-orbit-maple-42"
CLIENT_IP = "203.0.113.7"


def login(client, username, password=DEFAULT_PASSWORD):
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=CLIENT_IP,
    )


@pytest.fixture
def admin_client():
    """A client of its own, so tests can use ``client`` for a second person."""
    admin = UserFactory(username="root-admin", role=Role.ADMIN)
    admin_client = Client()
    admin_client.force_login(admin)
    admin_client.admin = admin
    return admin_client


# --- Log-in, log-out, sessions ---------------------------------------------------------------


def test_login_success_records_event_with_actor_and_address(client):
    user = UserFactory(username="gina", role=Role.GUARD)
    response = login(client, "gina")
    assert response.status_code == 302
    assert response.url == reverse("home")
    event = AccessEvent.objects.get(kind=AccessKind.LOGIN)
    assert event.actor == user
    assert event.actor_username == "gina"
    assert event.remote_addr == CLIENT_IP


def test_login_failure_records_typed_username_and_address_not_password(client):
    UserFactory(username="gina")
    response = login(client, "gina", "wrong-password-here")
    assert response.status_code == 200
    assert "do not match an active account" in response.content.decode()
    event = AccessEvent.objects.get(kind=AccessKind.LOGIN_FAILED)
    assert event.actor is None
    assert event.actor_username == "gina"
    assert event.remote_addr == CLIENT_IP
    assert "wrong-password-here" not in str(event.data)
    assert not AccessEvent.objects.filter(kind=AccessKind.LOGIN).exists()


def test_logout_is_post_only_and_records_event(client):
    user = UserFactory(username="gina")
    login(client, "gina")
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"), REMOTE_ADDR=CLIENT_IP)
    assert response.status_code == 302
    assert response.url == reverse("accounts:login")
    event = AccessEvent.objects.get(kind=AccessKind.LOGOUT)
    assert (event.actor, event.remote_addr) == (user, CLIENT_IP)
    assert client.get(reverse("cameras:camera-list")).status_code == 302


def test_session_expiry_settings():
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert 0 < settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert settings.SESSION_COOKIE_HTTPONLY is True


def test_expired_session_redirects_to_login(client):
    UserFactory(username="gina")
    login(client, "gina")
    assert client.get(reverse("cameras:camera-list")).status_code == 200
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(reverse("cameras:camera-list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_pages_need_login(client):
    response = client.get(reverse("accounts:user-list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_login_page_renders_with_navigation_hidden(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="password"' in body
    assert "Audit trail" not in body


# --- Admin user pages ------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.GUARD, Role.SUPERVISOR, Role.DPO])
def test_user_pages_are_404_for_non_admins(client, role):
    other = UserFactory()
    client.force_login(UserFactory(role=role))
    for url in [
        reverse("accounts:user-list"),
        reverse("accounts:user-create"),
        reverse("accounts:user-edit", args=[other.pk]),
        reverse("accounts:user-access", args=[other.pk]),
        reverse("accounts:user-password", args=[other.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    response = client.post(reverse("accounts:user-set-active", args=[other.pk]), {"active": "0"})
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.is_active


def test_admin_user_list_search_and_filters(admin_client):
    UserFactory(username="alice-guard", role=Role.GUARD)
    UserFactory(username="bob-dpo", role=Role.DPO)
    UserFactory(username="carl-gone", role=Role.GUARD, is_active=False)
    url = reverse("accounts:user-list")
    body = admin_client.get(url, {"q": "alice"}).content.decode()
    assert "alice-guard" in body and "bob-dpo" not in body
    body = admin_client.get(url, {"role": "DPO"}).content.decode()
    assert "bob-dpo" in body and "alice-guard" not in body
    body = admin_client.get(url, {"active": "false"}).content.decode()
    assert "carl-gone" in body and "alice-guard" not in body


def test_create_user_with_weak_password_is_rejected(admin_client):
    response = admin_client.post(
        reverse("accounts:user-create"),
        {"username": "newbie", "role": Role.GUARD, "password1": "12345", "password2": "12345"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "too short" in body
    assert "entirely numeric" in body
    assert not Camera.objects.exists()
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(username="newbie").exists()


def test_create_user_with_mismatched_passwords_is_rejected(admin_client):
    response = admin_client.post(
        reverse("accounts:user-create"),
        {
            "username": "newbie",
            "role": Role.GUARD,
            "password1": STRONG_PASSWORD,
            "password2": STRONG_PASSWORD + "x",
        },
    )
    assert "The two passwords differ." in response.content.decode()


def test_create_user_writes_role_event_and_change_log_with_admin_as_actor(admin_client, client):
    response = admin_client.post(
        reverse("accounts:user-create"),
        {
            "username": "newbie",
            "first_name": "New",
            "last_name": "Guard",
            "email": "newbie@example.org",
            "role": Role.GUARD,
            "password1": STRONG_PASSWORD,
            "password2": STRONG_PASSWORD,
        },
    )
    assert response.status_code == 302
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="newbie")
    assert user.role == Role.GUARD
    event = AccessEvent.objects.get(kind=AccessKind.ROLE_CHANGE, target_id=str(user.pk))
    assert event.actor == admin_client.admin
    entry = LogEntry.objects.get_for_object(user).get(action=LogEntry.Action.CREATE)
    assert entry.actor == admin_client.admin
    assert STRONG_PASSWORD not in str(entry.changes)


def test_role_change_and_deactivation_write_events_and_block_login(admin_client, client):
    user = UserFactory(username="gina", role=Role.GUARD)
    response = admin_client.post(
        reverse("accounts:user-edit", args=[user.pk]),
        {
            "first_name": "Gina",
            "last_name": "Lead",
            "email": "",
            "role": Role.SUPERVISOR,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.role == Role.SUPERVISOR and user.last_name == "Lead"
    change = AccessEvent.objects.get(kind=AccessKind.ROLE_CHANGE, target_id=str(user.pk))
    assert change.actor == admin_client.admin
    assert change.data == {"role": "Supervisor", "previous_role": "Guard"}
    assert LogEntry.objects.get_for_object(user).filter(actor=admin_client.admin).exists()

    response = admin_client.post(
        reverse("accounts:user-set-active", args=[user.pk]), {"active": "0"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.is_active
    event = AccessEvent.objects.get(kind=AccessKind.USER_DEACTIVATE)
    assert (event.actor, event.target_id) == (admin_client.admin, str(user.pk))

    response = login(client, "gina")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert AccessEvent.objects.filter(kind=AccessKind.LOGIN_FAILED, actor_username="gina").exists()

    admin_client.post(reverse("accounts:user-set-active", args=[user.pk]), {"active": "1"})
    user.refresh_from_db()
    assert user.is_active
    assert login(client, "gina").status_code == 302


def test_admin_cannot_deactivate_self(admin_client):
    admin = admin_client.admin
    response = admin_client.post(
        reverse("accounts:user-set-active", args=[admin.pk]), {"active": "0"}, follow=True
    )
    assert "cannot deactivate your own account" in response.content.decode()
    admin.refresh_from_db()
    assert admin.is_active


def test_password_reset_validates_and_sets(admin_client, client):
    user = UserFactory(username="gina")
    url = reverse("accounts:user-password", args=[user.pk])
    response = admin_client.post(url, {"password1": "password", "password2": "password"})
    assert response.status_code == 200
    assert "too common" in response.content.decode()
    response = admin_client.post(url, {"password1": STRONG_PASSWORD, "password2": STRONG_PASSWORD})
    assert response.status_code == 302
    assert login(client, "gina", STRONG_PASSWORD).status_code == 302


def test_site_assignment_and_camera_grant_through_access_page(admin_client, client):
    site_a, site_b = SiteFactory(), SiteFactory()
    camera_a = CameraFactory(site=site_a)
    camera_b = CameraFactory(site=site_b)
    guard = UserFactory(username="gina", role=Role.GUARD)
    url = reverse("accounts:user-access", args=[guard.pk])
    client.force_login(guard)
    list_url = reverse("cameras:camera-list")
    assert camera_a.name not in client.get(list_url).content.decode()

    assert admin_client.post(url, {"form": "sites", "sites": [site_a.pk]}).status_code == 302
    body = client.get(list_url).content.decode()
    assert camera_a.name in body and camera_b.name not in body
    grant = AccessEvent.objects.get(kind=AccessKind.ACCESS_GRANT)
    assert (grant.actor, grant.data["scope"]) == (admin_client.admin, "site")

    assert admin_client.post(url, {"form": "grant", "camera": camera_b.pk}).status_code == 302
    assert camera_b.name in client.get(list_url).content.decode()
    page = admin_client.get(url).content.decode()
    assert camera_b.name in page

    assert admin_client.post(url, {"form": "revoke", "camera": camera_b.pk}).status_code == 302
    assert admin_client.post(url, {"form": "sites"}).status_code == 302
    body = client.get(list_url).content.decode()
    assert camera_a.name not in body and camera_b.name not in body
    assert AccessEvent.objects.filter(kind=AccessKind.ACCESS_REVOKE).count() == 2
    # The grant rows themselves (guardian's direct site and camera tables) are in the change
    # log, with the admin as actor.
    for table in ("siteuserobjectpermission", "camerauserobjectpermission"):
        assert LogEntry.objects.filter(
            content_type__model=table, actor=admin_client.admin
        ).exists(), table


def test_navigation_fits_the_role(client):
    client.force_login(UserFactory(role=Role.GUARD))
    body = client.get(reverse("cameras:camera-list")).content.decode()
    # A guard works from the live wall and the cameras; sites are for supervisors up.
    assert "Cameras" in body and "Live wall" in body and "Sites" not in body
    assert "Users" not in body and "Audit trail" not in body
    client.force_login(UserFactory(role=Role.ADMIN))
    body = client.get(reverse("cameras:camera-list")).content.decode()
    assert "Users" in body and "Audit trail" in body
    assert 'aria-current="page"' in body
