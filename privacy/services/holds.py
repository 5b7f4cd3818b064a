"""Legal holds: footage that retention must keep, placed and released by supervisors and DPOs.

Every write checks the capability (``Perm.PLACE_LEGAL_HOLD``) and reaches cameras and holds
through the gate (what the actor cannot see answers 404, like a missing one), and is audited in
its transaction. A hold is never edited or deleted: it is released (with a note), or lapses.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from cameras.models import Camera
from compliance.models import AccessKind
from compliance.services import access_event_record
from privacy.models import LegalHold
from vms.permissions import Perm, require_permission

DEFAULT_HOLD_DAYS = 30
MAX_HOLD_DAYS = 3 * 365


def legal_holds_visible(*, user):
    """Holds ``user`` may see: with the capability to see holds, those on cameras in scope."""
    visible_cameras = Camera.objects.restrict(user, "view")
    return (
        LegalHold.objects.restrict(user, "view")
        .filter(cameras__in=visible_cameras)
        .distinct()
        .prefetch_related("cameras")
        .select_related("created_by", "released_by")
    )


@transaction.atomic
def legal_hold_place(
    *,
    actor,
    camera_ids: list[int],
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    reference: str = "",
    expires_at: datetime | None = None,
    request=None,
) -> LegalHold:
    """Keep the cameras' footage of ``[starts_at, ends_at)`` from retention until
    ``expires_at`` (default: 30 days from now) or until released."""
    require_permission(actor, Perm.PLACE_LEGAL_HOLD, "You may not place legal holds.")
    ids = sorted(set(camera_ids))
    cameras = list(Camera.objects.restrict(actor, "view").filter(pk__in=ids))
    if not ids:
        raise ValidationError({"cameras": "Choose at least one camera."})
    if len(cameras) != len(ids):
        raise Http404("No such camera.")
    now = timezone.now()
    expires_at = expires_at or now + timedelta(days=DEFAULT_HOLD_DAYS)
    errors = {}
    if ends_at <= starts_at:
        errors["ends_at"] = "The footage's end must be after its start."
    if starts_at > now:
        errors["starts_at"] = "A hold keeps footage that exists: start in the past."
    if not (reason or "").strip():
        errors["reason"] = "Say why the footage must be kept."
    if expires_at <= now:
        errors["expires_at"] = "The hold must last into the future."
    elif expires_at > now + timedelta(days=MAX_HOLD_DAYS):
        errors["expires_at"] = f"A hold lasts at most {MAX_HOLD_DAYS} days; extend it later."
    if errors:
        raise ValidationError(errors)
    hold = LegalHold.objects.create(
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason.strip(),
        reference=(reference or "").strip()[:120],
        expires_at=expires_at,
        created_by=actor,
    )
    hold.cameras.set(cameras)
    access_event_record(
        kind=AccessKind.LEGAL_HOLD_PLACE,
        actor=actor,
        target=hold,
        reason=hold.reason,
        data={
            "cameras": [camera.pk for camera in cameras],
            "starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat(),
            "expires_at": expires_at.isoformat(),
            "reference": hold.reference,
        },
        request=request,
    )
    return hold


@transaction.atomic
def legal_hold_release(*, actor, hold_id: int, note: str, request=None) -> LegalHold:
    """End a hold now: retention may then remove its footage at its next run."""
    require_permission(actor, Perm.PLACE_LEGAL_HOLD, "You may not release legal holds.")
    if not legal_holds_visible(user=actor).filter(pk=hold_id).exists():
        raise Http404("No such legal hold.")
    hold = LegalHold.objects.select_for_update().get(pk=hold_id)
    if hold.released_at is not None:
        raise ValidationError("This hold was already released.")
    subject_request = getattr(hold, "subject_request", None)  # reverse one-to-one, or none
    if subject_request is not None and subject_request.is_open:
        raise ValidationError(
            f"This hold keeps the footage of subject-access request {subject_request.reference}:"
            " it is released when the request closes."
        )
    if not (note or "").strip():
        raise ValidationError({"note": "Say why the hold ends."})
    hold.released_at = timezone.now()
    hold.released_by = actor
    hold.release_note = note.strip()
    hold.save(update_fields=["released_at", "released_by", "release_note"])
    access_event_record(
        kind=AccessKind.LEGAL_HOLD_RELEASE,
        actor=actor,
        target=hold,
        reason=hold.release_note,
        request=request,
    )
    return hold
