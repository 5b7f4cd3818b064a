"""Multi-factor authentication through HTTP and websockets: required for the DPO and Admin
roles (nothing is reachable before the second factor: pages, API, sockets), optional for the
others, enrolment with a QR code, recovery codes that work once, and every step audited."""

from __future__ import annotations

import asyncio
import re
import time
from io import StringIO

import pytest
from asgiref.sync import sync_to_async
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import mfa, services
from accounts.roles import Role
from compliance.models import AccessEvent, AccessKind
from tests.analytics.helpers import asgi_socket, socket_close_code
from tests.factories import DEFAULT_PASSWORD, UserFactory
from vms.middleware import sockets

pytestmark = pytest.mark.django_db

CAMERAS = "/cameras/"
API = "/api/v1/cameras/"
ENROL, VERIFY = "/accounts/security/enrol/", "/accounts/security/verify/"


@pytest.fixture(autouse=True)
def no_throttle(settings):
    """django-otp makes a device wait after each wrong code (1 s, 2 s, 4 s...): off here, so a
    test can follow a wrong code with a right one; on in the throttling test."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    return settings


def totp_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows for ``device`` (``steps_ahead``: a later one, for
    a second check within the same 30 s, since a code is accepted once)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def password_login(user) -> Client:
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302, "the password step failed"
    return client


def kinds(user) -> list[str]:
    events = AccessEvent.objects.filter(target_id=str(user.pk), kind__startswith="mfa_")
    return list(events.order_by("id").values_list("kind", flat=True))


def test_an_admin_without_a_device_reaches_only_enrolment():
    admin = UserFactory(role=Role.ADMIN, mfa=False)
    client = password_login(admin)
    response = client.get(CAMERAS)
    assert response.status_code == 302
    assert response.url == f"{ENROL}?next=/cameras/"
    response = client.get(API)
    assert response.status_code == 403
    assert response.json()["code"] == "mfa_required"
    for path in ("/", "/accounts/users/", "/audit/access/", "/accounts/security/", "/api/v1/me/"):
        assert client.get(path).status_code in (302, 403), path
    page = client.get(f"{ENROL}?next=/cameras/").content.decode()
    assert "<svg" in page and 'id="totp-secret"' in page
    assert "Your role sees personal data" in page
    assert "Cameras</a>" not in page and "header-alert-count" not in page  # no navigation


def test_enrolment_needs_a_right_code_then_shows_recovery_codes_once():
    admin = UserFactory(role=Role.ADMIN, mfa=False)
    client = password_login(admin)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=admin)
    assert not device.confirmed
    page = client.get(ENROL).content.decode()  # a reload keeps the same secret
    assert TOTPDevice.objects.filter(user=admin).count() == 1
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    assert mfa.totp_provisioning(device).secret.replace(" ", "") == secret

    response = client.post(ENROL, {"code": "000000", "next": CAMERAS})
    assert "That code is not right" in response.content.decode()
    assert client.get(CAMERAS).status_code == 302

    response = client.post(ENROL, {"code": totp_code(device), "next": CAMERAS})
    assert response.status_code == 200
    assert response["Cache-Control"].count("no-store") == 1
    page = response.content.decode()
    codes = re.findall(r"<code>([a-z2-7]{4}(?:-[a-z2-7]{4}){3})</code>", page)
    assert len(codes) == mfa.RECOVERY_CODE_COUNT, page
    assert len(codes) == mfa.RECOVERY_CODE_COUNT
    stored = set(StaticToken.objects.filter(device__user=admin).values_list("token", flat=True))
    assert stored == {mfa.recovery_code_hash(code) for code in codes}
    assert not stored & {code.replace("-", "") for code in codes}  # hashed, never plain
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(CAMERAS).status_code == 200  # this session is verified now
    assert client.get(ENROL).url == reverse("accounts:security")  # and shows no codes again
    assert kinds(admin) == [AccessKind.MFA_VERIFY_FAILED, AccessKind.MFA_ENROL]


def test_a_dpo_verifies_a_code_after_the_password():
    dpo = UserFactory(role=Role.DPO)  # enrolled
    client = password_login(dpo)
    response = client.get("/audit/access/?kind=login")
    assert response.url == f"{VERIFY}?next=/audit/access/%3Fkind%3Dlogin"
    assert client.get(API).status_code == 403
    # Someone with only the password cannot set up a second authenticator either.
    assert client.get(ENROL).url.startswith(VERIFY)

    page = client.post(VERIFY, {"code": "123456", "next": "/audit/access/"}).content.decode()
    assert "That code is not right" in page
    response = client.post(VERIFY, {"code": totp_code(dpo.otp_device), "next": "/audit/access/"})
    assert response.status_code == 302 and response.url == "/audit/access/"
    assert client.get("/audit/access/").status_code == 200
    assert client.get(API).status_code == 200
    assert kinds(dpo) == [AccessKind.MFA_VERIFY_FAILED, AccessKind.MFA_VERIFY]


def test_after_a_wrong_code_even_the_right_one_waits(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60  # a minute after the first failure
    dpo = UserFactory(role=Role.DPO)
    client = password_login(dpo)
    client.post(VERIFY, {"code": "000000"})
    response = client.post(VERIFY, {"code": totp_code(dpo.otp_device)})
    assert "That code is not right" in response.content.decode()
    assert client.get(CAMERAS).status_code == 302


def test_verify_goes_nowhere_outside_this_site():
    dpo = UserFactory(role=Role.DPO)
    client = password_login(dpo)
    response = client.post(
        VERIFY, {"code": totp_code(dpo.otp_device), "next": "https://evil.example/"}
    )
    assert response.url == reverse("home")


def test_a_recovery_code_works_once():
    dpo = UserFactory(role=Role.DPO)
    codes = mfa.recovery_codes_renew(user=dpo)
    client = password_login(dpo)
    response = client.post(VERIFY, {"code": codes[0].upper().replace("-", " "), "next": CAMERAS})
    assert response.url == CAMERAS
    assert client.get(CAMERAS).status_code == 200
    used = AccessEvent.objects.get(kind=AccessKind.MFA_RECOVERY_USED)
    assert (used.actor, used.data) == (dpo, {"left": mfa.RECOVERY_CODE_COUNT - 1})

    client.post(reverse("accounts:logout"))
    again = password_login(dpo)
    assert "That code is not right" in again.post(VERIFY, {"code": codes[0]}).content.decode()
    assert again.get(CAMERAS).status_code == 302


def test_mfa_is_optional_for_guards_and_asked_once_set_up(client):
    guard = UserFactory(role=Role.GUARD)
    browser = password_login(guard)
    assert browser.get("/analytics/wall/").status_code == 200  # no second factor needed
    assert "Set up an authenticator app" in browser.get("/accounts/security/").content.decode()

    browser.get(ENROL)
    device = TOTPDevice.objects.get(user=guard)
    assert browser.post(ENROL, {"code": totp_code(device)}).status_code == 200
    assert "Recovery codes left" in browser.get("/accounts/security/").content.decode()

    later = password_login(guard)  # the next log-in asks for it
    assert later.get("/analytics/wall/").url.startswith(VERIFY)
    later.post(VERIFY, {"code": totp_code(device, steps_ahead=1)})
    assert later.get("/analytics/wall/").status_code == 200


def test_renewing_and_removing_ones_own_second_factor():
    guard = UserFactory(role=Role.GUARD, mfa=True)
    client = Client()
    client.force_login(guard)
    old = mfa.recovery_codes_renew(user=guard)
    response = client.post(reverse("accounts:security-recovery-codes"))
    new = re.findall(r"<code>([a-z2-7-]{19})</code>", response.content.decode())
    assert len(new) == mfa.RECOVERY_CODE_COUNT and not set(new) & set(old)

    response = client.post(reverse("accounts:security-remove"))
    assert response.url == reverse("accounts:security")
    assert not TOTPDevice.objects.filter(user=guard).exists()
    assert not StaticToken.objects.filter(device__user=guard).exists()
    reset = AccessEvent.objects.get(kind=AccessKind.MFA_RESET)
    assert (reset.actor, reset.data) == (guard, {"devices": 2, "by": "self"})
    assert client.get("/analytics/wall/").status_code == 200  # optional for a guard


def test_an_admin_resets_a_lost_authenticator_and_the_sessions_end(client):
    admin = UserFactory(role=Role.ADMIN)
    dpo = UserFactory(role=Role.DPO)
    dpo_browser = Client()
    dpo_browser.force_login(dpo)
    assert dpo_browser.get(CAMERAS).status_code == 200
    client.force_login(admin)
    page = client.get(reverse("accounts:user-edit", args=[dpo.pk])).content.decode()
    assert "Two-factor authentication: on" in page

    response = client.post(reverse("accounts:user-mfa-reset", args=[dpo.pk]))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=dpo).exists()
    event = AccessEvent.objects.get(kind=AccessKind.MFA_RESET)
    assert (event.actor, event.target_id, event.data["by"]) == (admin, str(dpo.pk), "admin")
    assert dpo_browser.get(CAMERAS).url.startswith("/accounts/login/")  # session ended
    assert password_login(dpo).get(CAMERAS).url.startswith(ENROL)  # a new one, first


def test_only_admins_reset_someone_elses_second_factor(client):
    dpo = UserFactory(role=Role.DPO)
    client.force_login(UserFactory(role=Role.DPO))
    assert client.post(reverse("accounts:user-mfa-reset", args=[dpo.pk])).status_code == 404
    assert TOTPDevice.objects.filter(user=dpo).exists()


@pytest.mark.django_db(transaction=True)
def test_a_socket_of_an_unverified_session_is_closed_as_logged_out():
    admin = UserFactory(role=Role.ADMIN, mfa=False)
    unverified = password_login(admin).cookies["sessionid"].value
    verified = Client()
    verified.force_login(UserFactory(role=Role.ADMIN))
    verified = verified.cookies["sessionid"].value

    async def scenario():
        refused = asgi_socket("/ws/alerts/", f"sessionid={unverified}".encode())
        await refused.connect()
        code = await socket_close_code(refused, timeout=5)
        allowed = asgi_socket("/ws/alerts/", f"sessionid={verified}".encode())
        connected, _ = await allowed.connect()
        hello = await allowed.receive_json_from(timeout=5)
        await allowed.disconnect()
        return code, connected, hello["type"]

    assert asyncio.run(scenario()) == (4401, True, "hello")


def test_the_last_admin_s_lost_phone_is_reset_from_a_shell():
    admin = UserFactory(role=Role.ADMIN)
    browser = Client()
    browser.force_login(admin)
    out = StringIO()
    call_command("mfa_reset", admin.username, stdout=out)
    assert "Removed 1 device(s)" in out.getvalue()
    assert not TOTPDevice.objects.filter(user=admin).exists()
    event = AccessEvent.objects.get(kind=AccessKind.MFA_RESET)
    assert (event.actor_username, event.target_id, event.data["by"]) == (
        "veil-system",
        str(admin.pk),
        "shell",
    )
    assert browser.get(CAMERAS).url.startswith("/accounts/login/")
    with pytest.raises(CommandError):
        call_command("mfa_reset", "nobody")


@pytest.mark.django_db(transaction=True)
def test_an_open_socket_closes_when_its_role_comes_to_require_a_second_factor(monkeypatch):
    monkeypatch.setattr(sockets, "RECHECK_SECONDS", 0.5)
    admin = UserFactory(role=Role.ADMIN)
    guard = UserFactory(role=Role.GUARD)
    browser = password_login(guard)  # no second factor: a guard needs none
    cookie = f"sessionid={browser.cookies['sessionid'].value}".encode()

    async def scenario():
        socket = asgi_socket("/ws/alerts/", cookie)
        assert (await socket.connect())[0]
        assert (await socket.receive_json_from(timeout=5))["type"] == "hello"
        await sync_to_async(services.user_update)(actor=admin, user=guard, role=Role.SUPERVISOR)
        assert (await socket.receive_json_from(timeout=3))["type"] == "access.changed"
        assert await socket.receive_nothing(timeout=1.2)  # still no second factor needed
        await sync_to_async(services.user_update)(actor=admin, user=guard, role=Role.ADMIN)
        return await socket_close_code(socket, timeout=3)

    assert asyncio.run(scenario()) == 4401
    assert browser.get(CAMERAS).url.startswith(ENROL)
