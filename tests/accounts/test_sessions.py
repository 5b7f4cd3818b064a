"""A deactivated user's sessions end: nothing of them is stored, and their next request is
anonymous. (Their open sockets close too: tests/analytics/test_consumers_access.py.)"""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from accounts import services
from accounts.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/analytics/wall/"  # any page that needs a log-in


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    assert client.get(PAGE).status_code == 200
    return client


def _sent_to_log_in(client) -> bool:
    response = client.get(PAGE)
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_stored_session_of_an_inactive_user_is_anonymous():
    # Deactivated behind the services' back, so the session row stays: Django's ModelBackend
    # still refuses the inactive user when the session is read.
    guard = UserFactory(role=Role.GUARD)
    browser = _logged_in(guard)
    type(guard).objects.filter(pk=guard.pk).update(is_active=False)
    assert Session.objects.filter(session_key=browser.session.session_key).exists()
    assert _sent_to_log_in(browser)


def test_deactivation_deletes_that_users_sessions_and_reactivation_revives_none():
    admin = UserFactory(role=Role.ADMIN)
    guard, colleague = UserFactory(role=Role.GUARD), UserFactory(role=Role.GUARD)
    desk, phone, colleagues_desk = _logged_in(guard), _logged_in(guard), _logged_in(colleague)
    keys = [desk.session.session_key, phone.session.session_key]

    services.user_deactivate(actor=admin, user=guard)

    assert not Session.objects.filter(session_key__in=keys).exists()
    assert Session.objects.filter(session_key=colleagues_desk.session.session_key).exists()
    services.user_update(actor=admin, user=guard, is_active=True)
    assert _sent_to_log_in(desk) and _sent_to_log_in(phone)
    assert colleagues_desk.get(PAGE).status_code == 200
