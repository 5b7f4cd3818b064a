"""Retention longer than the default takes effect only when a DPO approves it.

An admin may ask for any retention (with a justification beyond 72 h, ``Camera.clean``); the
purge applies ``Camera.effective_retention_hours``: as asked up to the longest approved. A DPO
(``Perm.APPROVE_RETENTION``) approves what is asked, or refuses it, which sets the asked value
back to what is in effect; both are audited with the DPO's note in the change's transaction.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cameras.models import Camera
from compliance.models import AccessKind
from compliance.services import access_event_record
from vms.permissions import Perm, get_restricted_or_404, require_permission


def _awaiting(actor, camera_id: int) -> Camera:
    require_permission(actor, Perm.APPROVE_RETENTION, "You may not decide on retention.")
    camera = get_restricted_or_404(
        Camera.objects.select_for_update(of=("self",)), actor, "view", pk=camera_id
    )
    if not camera.retention_awaiting_approval:
        raise ValidationError("No longer retention is waiting for a decision on this camera.")
    return camera


@transaction.atomic
def camera_retention_approve(*, actor, camera_id: int, note: str, request=None) -> Camera:
    """Let the asked retention take effect."""
    camera = _awaiting(actor, camera_id)
    if not (note or "").strip():
        raise ValidationError({"note": "Record why the longer retention is necessary."})
    before = camera.effective_retention_hours
    camera.retention_approved_hours = camera.retention_hours
    camera.retention_approved_by = actor
    camera.retention_approved_at = timezone.now()
    camera.save(
        update_fields=["retention_approved_hours", "retention_approved_by", "retention_approved_at"]
    )
    access_event_record(
        kind=AccessKind.RETENTION_APPROVE,
        actor=actor,
        target=camera,
        reason=note.strip(),
        data={"from_hours": before, "to_hours": camera.retention_hours},
        request=request,
    )
    return camera


@transaction.atomic
def camera_retention_refuse(*, actor, camera_id: int, note: str, request=None) -> Camera:
    """Refuse the asked retention: the camera asks again for what is in effect."""
    camera = _awaiting(actor, camera_id)
    if not (note or "").strip():
        raise ValidationError({"note": "Say why the longer retention is refused."})
    asked = camera.retention_hours
    camera.retention_hours = camera.effective_retention_hours
    camera.save(update_fields=["retention_hours"])
    access_event_record(
        kind=AccessKind.RETENTION_REFUSE,
        actor=actor,
        target=camera,
        reason=note.strip(),
        data={"asked_hours": asked, "kept_hours": camera.retention_hours},
        request=request,
    )
    return camera
