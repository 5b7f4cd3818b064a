"""False negatives: a guard or supervisor records what the analytics missed."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from analytics.models import MissedEvent, Rule
from cameras.models import Camera
from compliance.models import AccessKind
from compliance.services import access_event_record
from vms.permissions import Perm, get_restricted_or_404, require_permission


def missed_event_record(
    *, actor, camera: Camera | int, occurred_at: dt.datetime, description: str,
    rule: Rule | int | None = None, request=None,
) -> MissedEvent:  # fmt: skip
    """Record a missed event on a camera ``actor`` may see (and optionally the rule that
    should have fired); audited as MISSED_EVENT in the same transaction."""
    require_permission(actor, Perm.TRIAGE_ALERT, "You may not record missed events.")
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": "Say what happened."})
    if occurred_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"occurred_at": "That is in the future."})
    with transaction.atomic():
        camera_id = camera.pk if isinstance(camera, Camera) else camera
        camera = get_restricted_or_404(Camera.objects.all(), actor, "view", pk=camera_id)
        if rule is not None:
            rule_id = rule.pk if isinstance(rule, Rule) else rule
            rule = Rule.objects.filter(pk=rule_id, camera=camera).first()
            if rule is None:
                raise ValidationError({"rule": "That rule belongs to another camera."})
        event = MissedEvent.objects.create(
            camera=camera, rule=rule, occurred_at=occurred_at, description=description,
            recorded_by=actor,
        )  # fmt: skip
        access_event_record(
            kind=AccessKind.MISSED_EVENT, actor=actor, target=event, request=request,
            reason=description[:500],
            data={"camera": camera.name, "rule": rule.name if rule else "",
                  "occurred_at": occurred_at.isoformat()},
        )  # fmt: skip
    return event
