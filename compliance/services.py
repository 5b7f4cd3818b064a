"""Writes of the audit trail: the one path every app records through.

* Sensitive actions (views of live video, clips, exports, grants, decisions, reports): the
  service that performs one calls :func:`access_event_record` inside the action's own
  transaction, so the event and the action commit or roll back together.
* Model changes: django-auditlog records every change to the models apps registered with
  ``compliance.audit.audit_register``. In requests the actor comes from ``AuditlogMiddleware``;
  Celery tasks and management commands wrap their work in :func:`acting_as`, so every change
  has an actor: a person, or the service account that stands for the scheduler.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from auditlog.context import set_actor
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models

from compliance.audit import audit_scope
from compliance.models import AccessEvent, AccessKind
from vms.client_address import client_address

SYSTEM_USERNAME = "veil-system"


def _client_address(request) -> str | None:
    """The client's address for the record, or ``None`` when it does not parse.

    Proxy headers count only from the proxies in ``TRUSTED_PROXIES``
    (:mod:`vms.client_address`, the one rule for every record of an address).
    """
    return client_address(request).ip


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
    address = client_address(request)
    data = dict(data or {})
    if address.raw:
        # Kept as received: a malformed address must not cost the record its insert.
        data["remote_addr_unparsed"] = address.raw
    via_token = getattr(getattr(request, "api_token", None), "audit_label", "")
    if via_token:
        data.setdefault("api_token", via_token)  # the action came in with an API token
    site_id, camera_id = audit_scope(target)
    return AccessEvent.objects.create(
        kind=kind,
        site_id=site_id,
        camera_id=camera_id,
        actor=actor,
        actor_username=actor_username or (actor.get_username() if actor else ""),
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:300] if target is not None else "",
        reason=reason,
        data=data,
        remote_addr=address.ip,
        # Printable only: PostgreSQL refuses a NUL, and a header is whatever the client sent.
        user_agent="".join(
            ch
            for ch in (request.META.get("HTTP_USER_AGENT", "") if request else "")
            if ch.isprintable()
        )[:300],
    )


def system_actor():
    """The service account that acts for scheduled tasks; it cannot log in."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"is_service_account": True, "is_active": True, "first_name": "Veil system"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


@contextlib.contextmanager
def acting_as(actor=None, remote_addr: str | None = None) -> Iterator[object]:
    """Attribute every model change inside the block to ``actor`` (default: the system)."""
    actor = actor or system_actor()
    with set_actor(actor, remote_addr=remote_addr):
        yield actor
