"""Writes of the compliance app: typed access events."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models

from compliance.models import AccessEvent, AccessKind


def _client_address(request) -> str | None:
    if request is None:
        return None
    # Behind the production proxy the TLS terminator sets X-Forwarded-For; the first hop is
    # the client. Only trusted when settings say a proxy is in front (SECURE_PROXY_SSL_HEADER).
    from django.conf import settings

    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def access_event_record(
    *,
    kind: AccessKind | str,
    actor=None,
    target: models.Model | None = None,
    reason: str = "",
    data: dict | None = None,
    request=None,
    actor_username: str = "",
) -> AccessEvent:
    """Record one sensitive action. Call it inside the transaction of the action itself."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AccessEvent.objects.create(
        kind=kind,
        actor=actor,
        actor_username=actor_username or (actor.get_username() if actor else ""),
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:300] if target is not None else "",
        reason=reason,
        data=data or {},
        remote_addr=_client_address(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "")[:300] if request else ""),
    )
