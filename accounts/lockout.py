"""Brute-force protection of the log-in, on django-axes (configured in ``vms/settings.py``).

Failed log-ins are counted in three scopes, each with its own limit (:func:`lockout_scopes`;
a limit of 0 turns a scope off):

* one account from one address (``VMS_LOGIN_FAILURE_LIMIT``, default 5): someone guessing a
  colleague's password, or a person who forgot theirs;
* one account from any address (``VMS_LOGIN_ACCOUNT_FAILURE_LIMIT``, 20): many addresses
  guessing one account;
* one address, any account (``VMS_LOGIN_ADDRESS_FAILURE_LIMIT``, 50): one address trying many
  names.

No scope is "everyone": an attacker can keep one address or one account locked for a while,
never the whole site, and an admin unlocks an account at once (:func:`user_login_unlock`).
A failure is forgotten ``LOGIN_COOLOFF`` after the last one; once locked, every further
failure doubles the wait (progressive), up to ``LOGIN_COOLOFF_MAX``.

A locked-out attempt is refused before the password is checked and answered exactly like a
wrong password or an unknown name: the log-in page says nothing about which.

What is stored never includes the name as typed: failed attempts (axes' table and the audit
trail) record :func:`login_identifier` — the account's username when the name matches one,
else a keyed hash, so a password typed into the username box is never kept.
"""

from __future__ import annotations

import ipaddress
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt, AccessAttemptExpiration
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.crypto import salted_hmac

from compliance.models import AccessKind
from compliance.services import _client_address, access_event_record
from vms.permissions import require_model_permission

UNKNOWN_PREFIX = "unknown#"  # "#" is not allowed in usernames: no account can collide
_REFUSED_WHILE_LOCKED = "login_refused_while_locked"
_IDENTIFIER_CACHE = "_login_identifier"
REFUSED = "You may not manage users."
_SCOPE_NAMES = {
    ("ip_address", "username"): "account at address",
    ("username",): "account",
    ("ip_address",): "address",
}


def lockout_scopes() -> list[tuple[list[str], int]]:
    """(axes lockout parameters, failure limit) of each scope in use, from the settings."""
    scopes = [
        (["username", "ip_address"], settings.LOGIN_FAILURE_LIMIT),
        (["username"], settings.LOGIN_ACCOUNT_FAILURE_LIMIT),
        (["ip_address"], settings.LOGIN_ADDRESS_FAILURE_LIMIT),
    ]
    return [(parameters, limit) for parameters, limit in scopes if limit > 0]


def lockout_parameters(request, credentials=None) -> list[list[str]]:
    """``AXES_LOCKOUT_PARAMETERS``: the scopes' parameters, in :func:`lockout_scopes` order."""
    return [parameters for parameters, _ in lockout_scopes()]


def failure_limit(request, credentials=None) -> int:
    """``AXES_FAILURE_LIMIT``: the account-at-address limit; the handler scales the others."""
    return settings.LOGIN_FAILURE_LIMIT


def login_identifier(typed) -> tuple[str, object | None]:
    """What a failed log-in records instead of the name as typed, and the account it names.

    The name is normalised as the log-in form does (NFKC, spaces trimmed); one that matches an
    account (exactly, else ignoring case) records that account's username; anything else — an
    unknown name, or a password typed in the wrong box — a keyed hash of it, which still lets
    repeated attempts with the same name be counted together.
    """
    name = unicodedata.normalize("NFKC", str(typed or "")).strip()
    User = get_user_model()
    if name and len(name) <= User._meta.get_field("username").max_length:
        user = (
            User.objects.filter(username=name).first()
            or User.objects.filter(username__iexact=name).order_by("pk").first()
        )
        if user is not None:
            return user.get_username(), user
    digest = salted_hmac("veil.accounts.login-identifier", name.casefold()).hexdigest()
    return UNKNOWN_PREFIX + digest[:20], None


def request_login_identifier(request, credentials: dict | None) -> tuple[str, object | None]:
    """:func:`login_identifier` of an attempt's username, computed once per request."""
    if credentials or request is None:
        typed = (credentials or {}).get("username")
    else:
        typed = getattr(request, "data", request.POST).get("username")
    cached = getattr(request, _IDENTIFIER_CACHE, None)
    if cached is None or cached[0] != typed:
        cached = (typed, login_identifier(typed))
        if request is not None:
            setattr(request, _IDENTIFIER_CACHE, cached)
    return cached[1]


def axes_username(request, credentials: dict | None) -> str:
    """``AXES_USERNAME_CALLABLE``: axes counts and stores the identifier, never the name."""
    return request_login_identifier(request, credentials)[0]


def client_address(request) -> str | None:
    """``AXES_CLIENT_IP_CALLABLE``: the address the audit trail records (one rule for proxies),
    or ``None`` when it is not an IP address (never stored as given)."""
    address = _client_address(request)
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None


def _failures(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class LoginLockoutBackend(AxesStandaloneBackend):
    """First authentication backend: refuses any attempt of a locked-out account or address
    before the password is checked.

    Callers without a request (a shell, the test client's ``login()``) are not counted: every
    network path — the log-in page — passes its request.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        try:
            return super().authenticate(request, username=username, password=password, **kwargs)
        except AxesBackendPermissionDenied:
            setattr(request, _REFUSED_WHILE_LOCKED, True)
            raise


class LoginLockoutHandler(AxesDatabaseHandler):
    """axes' database handler with Veil's rules: a limit per scope, attempts that expire one
    by one (progressive cool-down), success that clears only its own account's failures, and
    every lockout in the audit trail."""

    def get_user_attempts(self, request, credentials=None):
        # Unexpired attempts; axes' default counts those newer than one fixed cool-off.
        now = timezone.now()
        return [
            attempts.filter(expiration__expires_at__gt=now)
            for attempts in self.filter_user_attempts(request, credentials)
        ]

    def _scope_failures(self, request, credentials) -> list[tuple[list[str], int, object, int]]:
        """(parameters, limit, attempts, failures) per scope, for this request's client."""
        return [
            (parameters, limit, attempts, _failures(attempts))
            for (parameters, limit), attempts in zip(
                lockout_scopes(),
                self.get_user_attempts(request, credentials),
                strict=True,
            )
        ]

    def get_failures(self, request, credentials=None) -> int:
        """Failures, scaled so that axes' single limit (``LOGIN_FAILURE_LIMIT``) stands for
        each scope's own: a scope at its limit reads as that limit, or more."""
        base = settings.LOGIN_FAILURE_LIMIT
        return max(
            (
                failures * base // limit
                for _, limit, _, failures in self._scope_failures(request, credentials)
            ),
            default=0,
        )

    def reset_user_attempts(self, request, credentials=None) -> int:
        """After a successful log-in: forget this account's failures from this address. The
        address's failures for other accounts stay: one valid account must not clear them."""
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(
            username=username, ip_address=request.axes_ip_address
        ).delete()
        return count

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or not request.axes_locked_out:
            return
        locked, cool_off, until = self._lock(request, credentials)
        if getattr(request, _REFUSED_WHILE_LOCKED, False):
            return  # already locked: the failure is audited, the lockout was when it began
        identifier, user = request_login_identifier(request, credentials)
        access_event_record(
            kind=AccessKind.LOGIN_LOCKED,
            actor_username=identifier,
            target=user,
            data={
                "username": identifier,
                "known_account": user is not None,
                "scopes": locked,
                "cool_off_seconds": int(cool_off.total_seconds()),
                "until": until.isoformat(),
            },
            request=request,
        )

    def _lock(self, request, credentials) -> tuple[list[str], timedelta, datetime]:
        """Hold the scopes at or over their limit for the progressive cool-down: the base
        cool-off, doubled for each failure beyond the limit, capped."""
        now = request.axes_attempt_time or timezone.now()
        over = [
            (parameters, attempts, failures - limit)
            for parameters, limit, attempts, failures in self._scope_failures(request, credentials)
            if failures >= limit
        ]
        excess = max((extra for _, _, extra in over), default=0)
        cool_off = min(settings.LOGIN_COOLOFF * 2 ** min(excess, 30), settings.LOGIN_COOLOFF_MAX)
        until = now + cool_off
        for _, attempts, _ in over:
            AccessAttemptExpiration.objects.filter(
                access_attempt__in=attempts.values("pk"), expires_at__lt=until
            ).update(expires_at=until)
        names = [_SCOPE_NAMES[tuple(sorted(parameters))] for parameters, _, _ in over]
        return names, cool_off, until


def record_login_failed(sender, credentials, request=None, **kwargs) -> None:
    """``user_login_failed`` receiver: every failed log-in in the audit trail, by identifier
    (never the name as typed, never the password), with its address."""
    identifier, user = request_login_identifier(request, credentials)
    access_event_record(
        kind=AccessKind.LOGIN_FAILED,
        actor_username=identifier,
        target=user,
        data={
            "username": identifier,
            "known_account": user is not None,
            "refused_while_locked": bool(getattr(request, _REFUSED_WHILE_LOCKED, False)),
        },
        request=request,
    )


@dataclass(frozen=True)
class LoginLockout:
    """An account's recent failed log-ins (not yet expired) and whether they lock it."""

    failures: int
    addresses: int
    locked: bool
    until: datetime | None


def user_login_lockout(*, user) -> LoginLockout:
    """Whether ``user``'s account is locked out: from some address (the account-at-address
    limit) or from every address (the account limit). Address-wide lockouts, which concern
    every account tried from one address, are not this account's."""
    attempts = AccessAttempt.objects.filter(
        username=user.get_username(), expiration__expires_at__gt=timezone.now()
    )
    per_address = list(attempts.values("ip_address").annotate(failures=Sum("failures_since_start")))
    failures = sum(row["failures"] for row in per_address)
    limits = {tuple(sorted(parameters)): limit for parameters, limit in lockout_scopes()}
    at_address = limits.get(("ip_address", "username"))
    anywhere = limits.get(("username",))
    locked = bool(
        (at_address and any(row["failures"] >= at_address for row in per_address))
        or (anywhere and failures >= anywhere)
    )
    until = attempts.aggregate(until=Max("expiration__expires_at"))["until"] if locked else None
    return LoginLockout(failures=failures, addresses=len(per_address), locked=locked, until=until)


@transaction.atomic
def user_login_unlock(*, actor, user, request=None) -> int:
    """Forget every failed log-in of ``user``'s account, from every address, so it can log in
    again at once (an admin's action; audited). Returns how many attempt records went."""
    require_model_permission(actor, get_user_model(), "change", REFUSED)
    lockout = user_login_lockout(user=user)
    _, deleted = AccessAttempt.objects.filter(username=user.get_username()).delete()
    access_event_record(
        kind=AccessKind.LOGIN_UNLOCKED,
        actor=actor,
        target=user,
        data={"failures_cleared": lockout.failures, "was_locked": lockout.locked},
        request=request,
    )
    return deleted.get(AccessAttempt._meta.label, 0)
