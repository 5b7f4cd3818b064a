"""Multi-factor authentication: authenticator apps (TOTP) and recovery codes, on django-otp.

Required for holders of ``Perm.REQUIRE_MFA`` (DPO and Admin), open to everyone from their
Security page; enforced by ``vms.middleware.mfa``. One authenticator per person. Recovery
codes are single-use, shown once, and stored hashed in django-otp's static device (its tokens
are a hash of the code, so the table holds nothing that logs in). Every change, every failed
check and every recovery code used is in the audit trail.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import segno
from django.contrib.auth import get_user_model
from django.db import transaction
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.services import _sessions_end
from compliance.models import AccessKind
from compliance.services import access_event_record, system_actor
from vms.middleware.mfa import mfa_required
from vms.permissions import require_model_permission

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
REFUSED = "You may not manage users."
_TOTP_CODE = re.compile(r"\d{6}")


@dataclass(frozen=True)
class MfaStatus:
    required: bool  # the user's role obliges them
    enrolled: bool  # a confirmed authenticator
    enrolled_at: datetime | None
    last_used_at: datetime | None
    recovery_codes_left: int


def mfa_status(*, user) -> MfaStatus:
    """Whether ``user`` must use and has set up a second factor, and what is left of it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    codes = StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
    return MfaStatus(
        required=mfa_required(user),
        enrolled=device is not None,
        enrolled_at=device.created_at if device else None,
        last_used_at=device.last_used_at if device else None,
        recovery_codes_left=codes,
    )


def totp_device_pending(*, user) -> TOTPDevice:
    """The authenticator being set up: made on the first visit and kept, with its secret,
    until confirmed, so reloading the page shows the same QR code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


@dataclass(frozen=True)
class Provisioning:
    secret: str  # base32, in groups of four, for typing into an app
    uri: str  # otpauth://
    qr_svg: str  # inline SVG markup, made here: no external service sees the secret


def totp_provisioning(device: TOTPDevice) -> Provisioning:
    """What an authenticator app needs to add ``device``: a QR code and the secret as text."""
    secret = base64.b32encode(device.bin_key).decode()
    qr = segno.make(device.config_url, error="m")
    return Provisioning(
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        uri=device.config_url,
        qr_svg=qr.svg_inline(
            scale=5, border=4, dark="#000", light="#fff", title="QR code for your authenticator app"
        ),
    )


def _record(kind, *, actor, target=None, data=None, request=None) -> None:
    access_event_record(kind=kind, actor=actor, target=target or actor, data=data, request=request)


def _session_verified(request, device) -> None:
    """Mark the session verified by ``device``, under a new session key (privilege change)."""
    if request is None:
        return
    request.session.cycle_key()
    otp_login(request, device)


def recovery_code_hash(code: str) -> str:
    """What is stored for a recovery code: a hash that fits django-otp's 16-character token.
    Codes carry 80 random bits, so the hash needs no key and no slow function."""
    normalised = re.sub(r"[\s-]", "", code).lower()
    digest = hashlib.sha256(normalised.encode()).digest()
    return base64.b32encode(digest).decode().lower()[:16]


def _recovery_code_new() -> str:
    raw = base64.b32encode(secrets.token_bytes(10)).decode().lower()  # 16 characters
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def _recovery_codes_replace(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [_recovery_code_new() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=recovery_code_hash(code)) for code in codes
    )
    return codes


@transaction.atomic
def totp_enrol_confirm(*, user, code: str, request=None) -> list[str] | None:
    """Confirm the authenticator being set up with a code it shows: it replaces any earlier
    one, the session counts as verified, and a new set of recovery codes is returned, to be
    shown once. ``None`` when the code is wrong (audited; django-otp throttles retries)."""
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False)
        .order_by("pk")
        .first()
    )
    if device is None or not device.verify_token(_digits(code)):
        _record(AccessKind.MFA_VERIFY_FAILED, actor=user, data={"stage": "enrol"}, request=request)
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _recovery_codes_replace(user)
    _session_verified(request, device)
    _record(AccessKind.MFA_ENROL, actor=user, data={"device": AUTHENTICATOR_NAME}, request=request)
    return codes


def _digits(code: str) -> str:
    return re.sub(r"\s", "", code or "")


@transaction.atomic
def mfa_verify(*, user, code: str, request=None) -> str | None:
    """Check a code from ``user``'s authenticator, or one of their recovery codes (used up
    by it); on success the session counts as verified and the method is returned
    (``"authenticator"`` or ``"recovery code"``), else ``None``. Every attempt is audited;
    django-otp slows down repeated failures (each doubles the wait before a device answers)."""
    cleaned = _digits(code)
    if _TOTP_CODE.fullmatch(cleaned):
        method = "authenticator"
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        verified = device is not None and device.verify_token(cleaned)
    else:
        method = "recovery code"
        device = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        verified = device is not None and device.verify_token(recovery_code_hash(cleaned))
    if not verified:
        _record(AccessKind.MFA_VERIFY_FAILED, actor=user, data={"method": method}, request=request)
        return None
    _session_verified(request, device)
    if method == "recovery code":
        left = device.token_set.count()
        _record(AccessKind.MFA_RECOVERY_USED, actor=user, data={"left": left}, request=request)
    else:
        _record(AccessKind.MFA_VERIFY, actor=user, data={"method": method}, request=request)
    return method


@transaction.atomic
def recovery_codes_renew(*, user, request=None) -> list[str]:
    """Replace ``user``'s recovery codes with a new set (the old ones stop working); returned
    to be shown once. Only for a user with an authenticator."""
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ValueError("Set up an authenticator app first.")
    codes = _recovery_codes_replace(user)
    _record(AccessKind.MFA_RECOVERY_RENEW, actor=user, request=request)
    return codes


def _devices_remove(user) -> int:
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        devices = model.objects.filter(user=user)
        removed += devices.count()
        devices.delete()
    return removed


@transaction.atomic
def mfa_remove(*, actor, user, request=None) -> int:
    """Remove ``user``'s authenticator and recovery codes: themself, from their Security page,
    or an admin (a lost phone). Audited. An admin's reset also ends the user's sessions, so
    whoever holds one cannot set up their own authenticator on it; a user whose role requires
    a second factor sets up a new one at their next log-in. Returns how many devices went."""
    by_admin = actor.pk != user.pk
    if by_admin:
        require_model_permission(actor, get_user_model(), "change", REFUSED)
    removed = _devices_remove(user)
    _record(
        AccessKind.MFA_RESET,
        actor=actor,
        target=user,
        data={"devices": removed, "by": "admin" if by_admin else "self"},
        request=request,
    )
    if by_admin:
        _sessions_end(user)
    return removed


@transaction.atomic
def mfa_reset_from_shell(*, user) -> int:
    """``manage.py mfa_reset``: an admin's reset, by whoever has a shell on the server (the
    last admin's lost phone). Recorded as done by the system account; the sessions end."""
    removed = _devices_remove(user)
    _record(
        AccessKind.MFA_RESET,
        actor=system_actor(),
        target=user,
        data={"devices": removed, "by": "shell"},
    )
    _sessions_end(user)
    return removed
