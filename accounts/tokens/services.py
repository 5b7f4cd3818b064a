"""Writes of API tokens: create (the key shown once), revoke, and each use, refused or not.

Every creation, revocation and refused use writes an access event in the same transaction.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.tokens.models import ApiToken
from compliance.models import AccessKind
from compliance.services import access_event_record
from vms.client_address import client_address

KEY_PREFIX = "veil_"
#: ``veil_`` and 43 URL-safe characters: 256 random bits.
KEY_PATTERN = re.compile(r"^veil_[A-Za-z0-9_-]{43}$")
#: How much of the key lists show: the marker and eight random characters.
DISPLAY_LENGTH = len(KEY_PREFIX) + 8
#: Tokens one person may hold unrevoked and unexpired at once.
MAX_ACTIVE_PER_OWNER = 20
#: ``last_used_at`` is written at most this often per token (it is not an audit record).
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenRefusal:
    """Why a presented token opened nothing (the ``reason`` in the access event)."""

    MALFORMED = "malformed"
    UNKNOWN = "unknown"
    REVOKED = "revoked"
    EXPIRED = "expired"
    OWNER_INACTIVE = "owner_inactive"
    READ_ONLY = "read_only"


def key_hash(key: str) -> str:
    """What is stored of a key: SHA-256, hex. The key's 256 random bits make a slow hash
    unnecessary: there is nothing to guess."""
    return hashlib.sha256(key.encode()).hexdigest()


def _max_days() -> int:
    return int(settings.API_TOKEN_MAX_DAYS)


@transaction.atomic
def api_token_create(
    *, actor, name: str, scope: str, expires_in_days: int, request=None
) -> tuple[ApiToken, str]:
    """A new token of ``actor``'s, acting as them; returns it and its key, which exists only
    in this return value: show it once."""
    if not (actor.is_authenticated and actor.is_active) or actor.is_service_account:
        raise PermissionDenied("This account may not hold API tokens.")
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = "Name the token after what will use it."
    if scope not in ApiToken.Scope.values:
        errors["scope"] = f"Choose one of: {', '.join(ApiToken.Scope.values)}."
    if not isinstance(expires_in_days, int) or not 1 <= expires_in_days <= _max_days():
        errors["expires_in_days"] = f"A token lasts from 1 to {_max_days()} days."
    if ApiToken.objects.filter(owner=actor).usable().count() >= MAX_ACTIVE_PER_OWNER:
        errors["name"] = (
            f"You already hold {MAX_ACTIVE_PER_OWNER} active tokens: revoke one you no longer use."
        )
    if errors:
        raise ValidationError(errors)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        owner=actor,
        name=name[:100],
        prefix=key[:DISPLAY_LENGTH],
        key_hash=key_hash(key),
        scope=scope,
        expires_at=timezone.now() + timedelta(days=expires_in_days),
    )
    access_event_record(
        kind=AccessKind.API_TOKEN_CREATE,
        actor=actor,
        target=token,
        data={"scope": scope, "expires_at": token.expires_at.isoformat(), "prefix": token.prefix},
        request=request,
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, actor, token: ApiToken, request=None) -> ApiToken:
    """Revoke ``token``: its owner may, and whoever may change any token (admins). Revoking
    a revoked token changes nothing and records nothing."""
    if not ApiToken.objects.restrict(actor, "change").filter(pk=token.pk).exists():
        raise PermissionDenied("You may not revoke this token.")
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.revoked_by = actor
    token.save(update_fields=["revoked_at", "revoked_by"])
    access_event_record(
        kind=AccessKind.API_TOKEN_REVOKE,
        actor=actor,
        target=token,
        data={
            "prefix": token.prefix,
            "owner": token.owner.get_username(),
            "by_owner": token.owner_id == actor.pk,
        },
        request=request,
    )
    return token


class ApiTokenRefused(Exception):
    """A presented key opened nothing; ``reason`` is a :class:`TokenRefusal` value."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _refuse(reason: str, *, request, token: ApiToken | None = None, presented: str = ""):
    access_event_record(
        kind=AccessKind.API_TOKEN_REFUSED,
        target=token,
        reason=reason,
        data={
            "reason": reason,
            # A well-formed unknown key's prefix is what lists show of keys; of a malformed
            # one, nothing is kept (it may be some other secret, pasted by mistake).
            "prefix": token.prefix if token else presented[:DISPLAY_LENGTH],
            "method": request.method if request is not None else "",
            "path": _printable(request.path[:200]) if request is not None else "",
        },
        request=request,
    )
    raise ApiTokenRefused(reason)


def _printable(text: str) -> str:
    return "".join(ch for ch in text if ch.isprintable())


def api_token_authenticate(*, key: str, request) -> ApiToken:
    """The token ``key`` opens for ``request``, its use noted; or a refusal, recorded, as
    :class:`ApiTokenRefused`.

    The owner's state is read here, on every request: deactivating a person stops their
    tokens at once, and their rights (role, sites) are whatever they are now.
    """
    if not KEY_PATTERN.match(key):
        _refuse(TokenRefusal.MALFORMED, request=request)
    token = ApiToken.objects.select_related("owner").filter(key_hash=key_hash(key)).first()
    if token is None:
        _refuse(TokenRefusal.UNKNOWN, request=request, presented=key)
    now = timezone.now()
    if token.revoked_at is not None:
        _refuse(TokenRefusal.REVOKED, request=request, token=token)
    if token.expires_at <= now:
        _refuse(TokenRefusal.EXPIRED, request=request, token=token)
    if not token.owner.is_active or token.owner.is_service_account:
        _refuse(TokenRefusal.OWNER_INACTIVE, request=request, token=token)
    if not token.permits(request.method):
        _refuse(TokenRefusal.READ_ONLY, request=request, token=token)
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        # A bookkeeping field, not a record: a queryset update (no change log entry).
        token.last_used_at, token.last_used_from = now, client_address(request).ip
        ApiToken.objects.filter(pk=token.pk).update(
            last_used_at=token.last_used_at, last_used_from=token.last_used_from
        )
    return token
