"""The one audit path.

* Model changes: django-auditlog records every change to the registered models. In requests
  the actor comes from ``AuditlogMiddleware``; Celery tasks and management commands wrap their
  work in :func:`acting_as`, so every change has an actor — a person, or the service account
  that stands for the scheduler.
* Sensitive actions: services call :func:`compliance.services.access_event_record` inside the
  transaction of the action itself.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from auditlog.context import set_actor
from django.contrib.auth import get_user_model

SYSTEM_USERNAME = "veil-system"


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


def mask_secret(value: str) -> str:
    """How secrets appear in the change log: URLs without credentials, the rest hidden."""
    from cameras.sources import redact_source_url

    if not value or value == "None":
        return ""
    if "://" in value:
        return redact_source_url(value)
    return "********"


def register_audited_models() -> None:
    """Every model whose changes must be recorded; called once when the app is ready."""
    from auditlog.registry import auditlog
    from django.contrib.auth.models import Group
    from guardian.models import GroupObjectPermission, UserObjectPermission

    from analytics.models import Zone
    from cameras.models import Camera, Site
    from privacy.models import PrivacyMask

    User = get_user_model()
    auditlog.register(
        User,
        exclude_fields=["password", "last_login"],
        m2m_fields={"groups", "user_permissions"},
    )
    auditlog.register(Group, m2m_fields={"permissions"})
    auditlog.register(UserObjectPermission)
    auditlog.register(GroupObjectPermission)
    auditlog.register(Site)
    auditlog.register(
        Camera,
        # Probe bookkeeping changes every few seconds; status changes themselves are kept.
        exclude_fields=[
            "last_seen_at",
            "last_probe_at",
            "next_probe_at",
            "probe_failures",
            "updated_at",
        ],
        mask_fields=["source_url", "source_username", "source_password"],
        mask_callable="compliance.audit.mask_secret",
    )

    # Triage: an alert's status changes only by a person's decision; the decision rows are
    # the who / when / why. A rule's threshold tuned from the review page is a rule change.
    from analytics.models import Alert, AlertDecision, Rule

    auditlog.register(Alert, include_fields=["status"])
    auditlog.register(AlertDecision)
    auditlog.register(Rule, exclude_fields=["updated_at"])
    # The zone and rule editor: what turns detections into alerts, and what is blacked out.
    auditlog.register(Zone)
    auditlog.register(PrivacyMask, exclude_fields=["updated_at"])
