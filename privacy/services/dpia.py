"""DPIAs: drafted and submitted by an admin, approved or rejected by a DPO with an opinion.

Recognition on a camera runs only while an approved DPIA in force covers that camera and
that analytic (:func:`dpia_recognition_refusal`, registered with ``cameras.recognition``).
When the last covering DPIA lapses (review date passed), is withdrawn or its cover shrinks,
recognition is turned off on the cameras it covered, and the DPOs are told.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cameras.models import Camera
from cameras.recognition import (
    FACE,
    PLATE,
    PUBLIC_SPACE_FACE_REFUSAL,
    RECOGNITION_FIELDS,
    RECOGNITION_LABELS,
)
from compliance.models import AccessKind
from compliance.services import access_event_record, acting_as
from privacy.dpia_models import Dpia, DpiaStatus
from vms.permissions import (
    Perm,
    get_restricted_or_404,
    require_model_permission,
    require_permission,
    users_with_permission,
)
from vms.realtime import send_to_user_on_commit

DPIA_FIELDS = ("title", "description", "necessity", "risks", "measures", "analytics", "review_date")
ART_35_7 = ("description", "necessity", "risks", "measures")


def dpia_recognition_refusal(camera, analytic: str) -> str | None:
    """None when an approved DPIA in force covers ``camera`` and ``analytic``, else why not."""
    label = RECOGNITION_LABELS[analytic]
    if camera.pk is None:
        return f"{label} needs an approved DPIA covering this camera: register the camera first."
    # A camera has a handful of DPIAs: which analytics each covers is checked here, the same
    # way on PostgreSQL and the embedded SQLite (no JSON containment lookup there).
    covering = [d for d in Dpia.objects.filter(cameras=camera.pk) if analytic in d.analytics]
    if any(dpia.in_force for dpia in covering):
        return None
    states = sorted({dpia.get_status_display().lower() for dpia in covering})
    found = f" (covering DPIAs: {', '.join(states)}; or past their review date)" if states else ""
    return f"{label} cannot be enabled until an approved DPIA covers this camera{found}."


@transaction.atomic
def dpia_save(*, actor, cameras=None, dpia: Dpia | None = None, **fields) -> Dpia:
    """Create or change a DPIA draft (Admin). An approved or submitted DPIA is not edited:
    withdraw it and draft another."""
    if dpia is None:
        require_model_permission(actor, Dpia, "add")
        dpia = Dpia(owner=actor)
    else:
        dpia = get_restricted_or_404(Dpia.objects.select_for_update(), actor, "change", pk=dpia.pk)
        if dpia.status not in (DpiaStatus.DRAFT, DpiaStatus.REJECTED):
            raise ValidationError("Only a draft or rejected DPIA can be changed.")
        dpia.status = DpiaStatus.DRAFT
    for name, value in fields.items():
        if name in DPIA_FIELDS:
            setattr(dpia, name, value)
    dpia.full_clean()
    dpia.save()
    if cameras is not None:
        visible = Camera.objects.restrict(actor, "view").filter(pk__in=[c.pk for c in cameras])
        if visible.count() != len({c.pk for c in cameras}):
            raise ValidationError({"cameras": "Choose cameras you may see."})
        dpia.cameras.set(cameras)
    return dpia


@transaction.atomic
def dpia_submit(*, actor, dpia_id: int) -> Dpia:
    """Submit a draft to the DPO; every Art. 35(7) part must be written."""
    dpia = get_restricted_or_404(Dpia.objects.select_for_update(), actor, "change", pk=dpia_id)
    if dpia.status != DpiaStatus.DRAFT:
        raise ValidationError("Only a draft can be submitted.")
    missing = {
        name: "Art. 35(7) needs this part." for name in ART_35_7 if not getattr(dpia, name).strip()
    }
    if not dpia.cameras.exists():
        missing["cameras"] = "Name the cameras the DPIA covers."
    if not dpia.analytics:
        missing["analytics"] = "Name the analytics the DPIA covers."
    elif FACE in dpia.analytics and dpia.cameras.filter(films_public_space=True).exists():
        missing["analytics"] = PUBLIC_SPACE_FACE_REFUSAL
    if missing:
        raise ValidationError(missing)
    dpia.status = DpiaStatus.SUBMITTED
    dpia.save()
    return dpia


@transaction.atomic
def dpia_decide(
    *, actor, dpia_id: int, approve: bool, opinion: str, review_date=None, request=None
) -> Dpia:
    """The DPO approves (with a review date in the future) or rejects, with an opinion."""
    require_permission(actor, Perm.DECIDE_DPIA, "Only a data protection officer decides DPIAs.")
    dpia = get_restricted_or_404(Dpia.objects.select_for_update(), actor, "view", pk=dpia_id)
    if dpia.status != DpiaStatus.SUBMITTED:
        raise ValidationError("Only a submitted DPIA can be decided.")
    if not (opinion or "").strip():
        raise ValidationError({"opinion": "Record the DPO's opinion."})
    if approve:
        review_date = review_date or dpia.review_date
        if review_date is None or review_date <= timezone.localdate():
            raise ValidationError({"review_date": "An approval needs a review date in the future."})
        dpia.review_date = review_date
    dpia.status = DpiaStatus.APPROVED if approve else DpiaStatus.REJECTED
    dpia.dpo_opinion = opinion.strip()
    dpia.decided_by, dpia.decided_at = actor, timezone.now()
    dpia.save()
    access_event_record(
        kind=AccessKind.RECORD_PUBLISH,
        actor=actor,
        target=dpia,
        reason=dpia.dpo_opinion,
        data={"record": "dpia", "decision": dpia.status},
        request=request,
    )
    return dpia


@transaction.atomic
def dpia_withdraw(*, actor, dpia_id: int, reason: str) -> Dpia:
    """Withdraw a DPIA (Admin or DPO): what it allowed stops now."""
    dpia = get_restricted_or_404(Dpia.objects.select_for_update(), actor, "view", pk=dpia_id)
    if not (dpia.owner_id == actor.pk or actor.has_perm(Perm.DECIDE_DPIA)):
        raise ValidationError("Only its owner or a DPO may withdraw a DPIA.")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the DPIA is withdrawn."})
    dpia.status = DpiaStatus.WITHDRAWN
    dpia.save()
    recognition_lapse(camera_ids=list(dpia.cameras.values_list("pk", flat=True)), cause=reason)
    return dpia


def recognition_lapse(*, camera_ids=None, cause: str) -> list[tuple[int, str]]:
    """Turn off recognition that no DPIA in force covers any more; tell the DPOs. Returns
    the (camera id, analytic) pairs turned off."""
    cameras = Camera.objects.filter(face_recognition_enabled=True) | Camera.objects.filter(
        plate_recognition_enabled=True
    )
    if camera_ids is not None:
        cameras = cameras.filter(pk__in=camera_ids)
    turned_off = []
    with acting_as():  # the change log shows the system did it
        for camera in cameras.select_for_update(no_key=True):
            fields = []
            for analytic in (FACE, PLATE):
                field = RECOGNITION_FIELDS[analytic]
                if getattr(camera, field) and dpia_recognition_refusal(camera, analytic):
                    setattr(camera, field, False)
                    fields.append(field)
                    turned_off.append((camera.pk, analytic))
            if fields:
                camera.save(update_fields=[*fields, "updated_at"])
    if turned_off:
        event = {"type": "dpia.lapsed", "cause": cause, "turned_off": turned_off}
        for user_id in users_with_permission(Perm.DECIDE_DPIA).values_list("pk", flat=True):
            send_to_user_on_commit(user_id, event)
    return turned_off


@transaction.atomic
def dpias_lapse_expired() -> list[tuple[int, str]]:
    """The daily check: DPIAs past their review date stop covering; mark them lapsed."""
    today = timezone.localdate()
    expired = Dpia.objects.filter(
        status=DpiaStatus.APPROVED, review_date__lt=today, lapsed_at__isnull=True
    )
    camera_ids = set()
    for dpia in expired.select_for_update():
        camera_ids |= set(dpia.cameras.values_list("pk", flat=True))
        dpia.lapsed_at = timezone.now()
        dpia.save(update_fields=["lapsed_at", "updated_at"])
    # All cameras: a review date passing needs no save to end the cover.
    return recognition_lapse(cause="A DPIA passed its review date")
