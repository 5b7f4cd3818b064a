"""Brute-force protection of the log-in page, through HTTP: lockout per account and per
address, the same answer whatever the reason, progressive cool-down, unlock by an admin or by
time, and failed log-ins that never store the name as typed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessAttemptExpiration
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.forms import LOGIN_REFUSED
from accounts.lockout import client_address
from accounts.roles import Role
from compliance.models import AccessEvent, AccessKind
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ATTACKER = "198.51.100.23"
OFFICE = "203.0.113.7"
WRONG = "not-the-password-1"


@pytest.fixture(autouse=True)
def limits(settings):
    """Small limits, so each scope is reached in a few requests."""
    settings.LOGIN_FAILURE_LIMIT = 3  # one account, one address
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 5  # one account, any address
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 6  # one address, any account
    settings.LOGIN_COOLOFF = timedelta(minutes=5)
    settings.LOGIN_COOLOFF_MAX = timedelta(hours=1)
    return settings


def attempt(username, password=WRONG, *, address=ATTACKER, client=None):
    client = client or Client()
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def logged_in(response) -> bool:
    return response.status_code == 302 and response.url == reverse("home")


def refused(response) -> bool:
    return response.status_code == 200 and LOGIN_REFUSED in response.content.decode()


def age_attempts(by: timedelta) -> None:
    """Time passes for every failed attempt (their expiry comes ``by`` nearer)."""
    for expiration in AccessAttemptExpiration.objects.all():
        AccessAttemptExpiration.objects.filter(pk=expiration.pk).update(
            expires_at=expiration.expires_at - by
        )


def test_locked_out_after_the_limit_even_with_the_right_password_and_audited():
    gina = UserFactory(username="gina", role=Role.GUARD)
    for _ in range(3):
        assert refused(attempt("gina"))
    # Locked: the right password is refused, with the very same page and message.
    assert refused(attempt("gina", DEFAULT_PASSWORD))
    failures = AccessEvent.objects.filter(kind=AccessKind.LOGIN_FAILED, target_id=str(gina.pk))
    assert failures.count() == 4
    assert [e.data["refused_while_locked"] for e in failures.order_by("id")] == [
        False,
        False,
        False,
        True,
    ]
    locked = AccessEvent.objects.get(kind=AccessKind.LOGIN_LOCKED)  # once, when it began
    assert (locked.actor_username, locked.target_id) == ("gina", str(gina.pk))
    assert locked.remote_addr == ATTACKER
    assert locked.data["scopes"] == ["account at address"]
    assert locked.data["cool_off_seconds"] == 300
    # From another address the account still works: one address cannot lock a person out.
    assert logged_in(attempt("gina", DEFAULT_PASSWORD, address=OFFICE))


def test_locked_unknown_and_wrong_get_the_same_answer():
    UserFactory(username="gina")
    for _ in range(3):
        attempt("gina")
    pages = [
        attempt("gina", DEFAULT_PASSWORD),  # locked out
        attempt("nobody-here", address=OFFICE),  # unknown name
        attempt("gina", address=OFFICE),  # wrong password
    ]
    assert all(refused(page) for page in pages)
    bodies = {page.content.decode().split('name="csrfmiddlewaretoken"')[0] for page in pages}
    assert len({page.status_code for page in pages}) == 1
    assert len(bodies) == 1  # identical up to the form's per-request token


def test_the_account_limit_stops_a_guess_spread_over_addresses():
    UserFactory(username="gina")
    for number in range(5):  # under the per-address limit at each of five addresses
        attempt("gina", address=f"192.0.2.{number + 1}")
    assert refused(attempt("gina", DEFAULT_PASSWORD, address=OFFICE))
    assert AccessEvent.objects.get(kind=AccessKind.LOGIN_LOCKED).data["scopes"] == ["account"]


def test_the_address_limit_stops_one_address_trying_many_names_but_no_one_else():
    UserFactory(username="gina")
    for number in range(6):  # six names, once each: no account limit reached
        attempt(f"name-{number}")
    event = AccessEvent.objects.get(kind=AccessKind.LOGIN_LOCKED)
    assert event.data["scopes"] == ["address"]
    assert event.data["known_account"] is False
    # That address is locked for everyone, even with a right password...
    assert refused(attempt("gina", DEFAULT_PASSWORD))
    # ...and the site is not: the same account logs in from the office.
    assert logged_in(attempt("gina", DEFAULT_PASSWORD, address=OFFICE))


def test_cool_down_unlocks_and_each_failure_while_locked_doubles_it():
    UserFactory(username="gina")
    for _ in range(3):
        attempt("gina")
    expiry = AccessAttemptExpiration.objects.get()
    assert (expiry.expires_at - timezone.now()) == pytest.approx(
        timedelta(minutes=5), abs=timedelta(seconds=5)
    )
    attempt("gina")  # while locked: 10 minutes now
    attempt("gina")  # 20 minutes
    expiry.refresh_from_db()
    wait = expiry.expires_at - timezone.now()
    assert timedelta(minutes=19) < wait <= timedelta(minutes=20)
    age_attempts(timedelta(minutes=19))
    assert refused(attempt("gina", DEFAULT_PASSWORD, client=Client()))  # and it renews
    age_attempts(timedelta(hours=2))  # long after the (capped) cool-down
    assert logged_in(attempt("gina", DEFAULT_PASSWORD))


def test_an_admin_sees_the_lockout_and_unlocks_the_account(client):
    admin = UserFactory(role=Role.ADMIN)
    gina = UserFactory(username="gina")
    for _ in range(3):
        attempt("gina")
    client.force_login(admin)
    page = client.get(reverse("accounts:user-edit", args=[gina.pk])).content.decode()
    assert "Locked out" in page and "3 failed log-ins from 1 address" in page

    response = client.post(reverse("accounts:user-unlock", args=[gina.pk]), REMOTE_ADDR=OFFICE)
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="gina").exists()
    event = AccessEvent.objects.get(kind=AccessKind.LOGIN_UNLOCKED)
    assert (event.actor, event.target_id, event.remote_addr) == (admin, str(gina.pk), OFFICE)
    assert event.data == {"failures_cleared": 3, "was_locked": True}
    assert logged_in(attempt("gina", DEFAULT_PASSWORD))


def test_only_admins_unlock(client):
    gina = UserFactory(username="gina")
    attempt("gina")
    client.force_login(UserFactory(role=Role.SUPERVISOR))
    assert client.post(reverse("accounts:user-unlock", args=[gina.pk])).status_code == 404
    assert AccessAttempt.objects.filter(username="gina").exists()
    assert not AccessEvent.objects.filter(kind=AccessKind.LOGIN_UNLOCKED).exists()


def test_a_successful_log_in_clears_only_its_own_failures():
    UserFactory(username="gina")
    UserFactory(username="omar")
    attempt("gina")
    attempt("gina")
    attempt("omar")  # another account, same address
    assert logged_in(attempt("gina", DEFAULT_PASSWORD))
    assert not AccessAttempt.objects.filter(username="gina").exists()
    assert AccessAttempt.objects.filter(username="omar", ip_address=ATTACKER).exists()


def test_a_password_typed_as_the_username_is_never_stored():
    UserFactory(username="gina")
    secret = "Sunflower-Kayak-77"
    attempt(secret)
    attempt(f"  {secret.upper()} ")  # any spelling of it
    attempt("GINA ")  # a real account, typed loosely
    events = AccessEvent.objects.filter(kind=AccessKind.LOGIN_FAILED).order_by("id")
    stored = [str(e.actor_username) + str(e.data) + e.target_repr for e in events]
    stored += [a.username + a.post_data + a.get_data for a in AccessAttempt.objects.all()]
    assert not any(secret.lower() in value.lower() for value in stored)
    unknown = [e.actor_username for e in events[:2]]
    assert unknown[0].startswith("unknown#") and unknown[0] == unknown[1]  # counted together
    assert events[2].actor_username == "gina"  # normalised to the account it names
    assert events[2].data["known_account"] is True
    assert AccessAttempt.objects.get(username=unknown[0]).failures_since_start == 2


def test_an_address_that_is_not_one_is_not_counted_as_given(rf, settings):
    # Behind a configured proxy the forwarded address is used; garbage in it is never stored.
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    request = rf.post("/accounts/login/", HTTP_X_FORWARDED_FOR="10.0.0.1, not-an-address")
    assert client_address(request) is None
    assert client_address(rf.post("/", REMOTE_ADDR="2001:db8::1")) == "2001:db8::1"
