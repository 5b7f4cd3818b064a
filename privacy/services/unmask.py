"""The four-eyes un-mask: request, approve or refuse (never by the requester), revoke, expire.

Every step checks its capability (``Perm.REQUEST_UNMASK`` / ``APPROVE_UNMASK`` /
``REVOKE_UNMASK``), reaches cameras and grants through the gate (what the actor cannot see
answers 404, like a missing one) and writes its access event in its own transaction. Ending a
grant (revocation, expiry) tells the requester's open sockets on commit, so an open un-masked
view closes at once. What a grant opens is decided in one place: :mod:`privacy.selectors`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from cameras.models import Camera
from compliance.models import AccessKind
from compliance.services import access_event_record
from privacy.models import UnmaskGrant, UnmaskPolicy
from privacy.selectors import unmask_grants_visible
from vms.config_events import camera_config_changed_on_commit
from vms.permissions import Perm, has_permission, require_permission
from vms.realtime import send_to_user_on_commit

# A reason must say what happened; "check" or "incident" is not one.
MIN_REASON_CHARS = 20
# How far back recorded footage may be asked for in one request.
MAX_FOOTAGE_SPAN = timedelta(hours=24)
GRANT_ENDED_EVENT = "unmask.ended"


def _grant_event_data(grant: UnmaskGrant, **extra) -> dict:
    data = {
        "grant": grant.pk,
        "mode": grant.mode,
        "cameras": sorted(camera.pk for camera in grant.cameras.all()),
        "starts_at": grant.starts_at.isoformat() if grant.starts_at else None,
        "ends_at": grant.ends_at.isoformat() if grant.ends_at else None,
        "requester": grant.requester.get_username(),
    }
    data.update(extra)
    return data


@transaction.atomic
def unmask_request(
    *,
    actor,
    camera_ids: list[int],
    reason: str,
    mode: str = UnmaskGrant.Mode.RECORDED,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    live_minutes: int | None = None,
    valid_minutes: int | None = None,
    alert_id: int | None = None,
    case_reference: str = "",
    request=None,
) -> UnmaskGrant:
    """Ask to see the original track of cameras the actor may see: recorded footage of
    ``[starts_at, ends_at)``, or live for ``live_minutes`` once approved. Pending until
    another person decides."""
    require_permission(actor, Perm.REQUEST_UNMASK, "You may not request un-masks.")
    ids = sorted(set(camera_ids or []))
    if not ids:
        raise ValidationError({"cameras": "Choose at least one camera."})
    cameras = list(Camera.objects.restrict(actor, "view").filter(pk__in=ids))
    if len(cameras) != len(ids):
        raise Http404("No such camera.")
    policy = UnmaskPolicy.current()
    now = timezone.now()
    valid_minutes = valid_minutes or min(
        UnmaskPolicy.DEFAULT_GRANT_MINUTES, policy.max_grant_minutes
    )
    errors = {}
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_CHARS:
        errors["reason"] = (
            f"Say specifically what happened and why the original is needed "
            f"(at least {MIN_REASON_CHARS} characters)."
        )
    if mode == UnmaskGrant.Mode.RECORDED:
        if starts_at is None or ends_at is None:
            errors["starts_at"] = "Give the footage's start and end."
        elif ends_at <= starts_at:
            errors["ends_at"] = "The footage's end must be after its start."
        elif starts_at > now:
            errors["starts_at"] = "Recorded footage is in the past: ask for live instead."
        elif ends_at - starts_at > MAX_FOOTAGE_SPAN:
            errors["ends_at"] = "Ask for at most 24 hours of footage: scope it to the incident."
        live_minutes = None
    elif mode == UnmaskGrant.Mode.LIVE:
        if not has_permission(actor, Perm.VIEW_LIVE_VIDEO):
            errors["mode"] = "You do not watch live video: ask for recorded footage."
        elif not live_minutes or live_minutes < 1:
            errors["live_minutes"] = "Say for how many minutes."
        elif live_minutes > policy.max_live_minutes:
            errors["live_minutes"] = f"A live un-mask lasts at most {policy.max_live_minutes} min."
        starts_at = ends_at = None
    else:
        errors["mode"] = "Recorded footage or live."
    if not 1 <= valid_minutes <= policy.max_grant_minutes:
        errors["valid_minutes"] = f"A grant stays open at most {policy.max_grant_minutes} min."
    if errors:
        raise ValidationError(errors)
    grant = UnmaskGrant.objects.create(
        requester=actor,
        mode=mode,
        starts_at=starts_at,
        ends_at=ends_at,
        live_minutes=live_minutes,
        valid_minutes=valid_minutes,
        reason=reason,
        alert_id=alert_id,
        case_reference=(case_reference or "").strip()[:120],
    )
    grant.cameras.set(cameras)
    access_event_record(
        kind=AccessKind.UNMASK_REQUEST,
        actor=actor,
        target=grant,
        reason=reason,
        data=_grant_event_data(
            grant, alert=alert_id, case_reference=grant.case_reference, valid_minutes=valid_minutes
        ),
        request=request,
    )
    return grant


def _pending_grant_for_decision(*, actor, grant_id: int) -> UnmaskGrant:
    require_permission(actor, Perm.APPROVE_UNMASK, "You may not decide un-mask requests.")
    if not unmask_grants_visible(user=actor).filter(pk=grant_id).exists():
        raise Http404("No such un-mask request.")
    grant = UnmaskGrant.objects.select_for_update().get(pk=grant_id)
    if grant.requester_id == actor.pk:
        raise PermissionDenied("Four eyes: another person must decide your own request.")
    cameras = [camera.pk for camera in grant.cameras.all()]
    if Camera.objects.restrict(actor, "view").filter(pk__in=cameras).count() != len(cameras):
        # Deciding on footage one may not see is deciding blind.
        raise PermissionDenied("You may only decide requests for cameras you may see.")
    if grant.status != UnmaskGrant.Status.PENDING:
        raise ValidationError(f"This request is already {grant.get_status_display().lower()}.")
    return grant


@transaction.atomic
def unmask_approve(*, actor, grant_id: int, note: str = "", request=None) -> UnmaskGrant:
    """Open the grant to its requester from now until ``valid_minutes`` later (capped by the
    DPO's maximum); a live grant's window starts now too."""
    grant = _pending_grant_for_decision(actor=actor, grant_id=grant_id)
    policy = UnmaskPolicy.current()
    now = timezone.now()
    minutes = min(grant.valid_minutes, policy.max_grant_minutes)
    if grant.mode == UnmaskGrant.Mode.LIVE:
        live = min(grant.live_minutes or 1, policy.max_live_minutes, minutes)
        grant.starts_at, grant.ends_at = now, now + timedelta(minutes=live)
        minutes = live
    grant.status = UnmaskGrant.Status.APPROVED
    grant.decided_by, grant.decided_at = actor, now
    grant.decision_note = (note or "").strip()
    grant.expires_at = now + timedelta(minutes=minutes)
    grant.save()
    access_event_record(
        kind=AccessKind.UNMASK_APPROVE,
        actor=actor,
        target=grant,
        reason=grant.decision_note,
        data=_grant_event_data(grant, expires_at=grant.expires_at.isoformat()),
        request=request,
    )
    send_to_user_on_commit(grant.requester_id, {"type": "access.changed"})
    _tell_engine(grant)
    return grant


@transaction.atomic
def unmask_refuse(*, actor, grant_id: int, note: str, request=None) -> UnmaskGrant:
    """Refuse a request, saying why."""
    grant = _pending_grant_for_decision(actor=actor, grant_id=grant_id)
    if not (note or "").strip():
        raise ValidationError({"note": "Say why the request is refused."})
    grant.status = UnmaskGrant.Status.REFUSED
    grant.decided_by, grant.decided_at = actor, timezone.now()
    grant.decision_note = note.strip()
    grant.save()
    access_event_record(
        kind=AccessKind.UNMASK_REFUSE,
        actor=actor,
        target=grant,
        reason=grant.decision_note,
        data=_grant_event_data(grant),
        request=request,
    )
    return grant


def _tell_engine(grant: UnmaskGrant) -> None:
    """A live grant began or ended: the engine starts or stops publishing the cameras'
    original frames (it also stops by itself at the grant's expiry)."""
    if grant.mode == UnmaskGrant.Mode.LIVE:
        for camera in grant.cameras.all():
            camera_config_changed_on_commit(camera.pk, "unmask")


def _tell_requester_it_ended(grant: UnmaskGrant) -> None:
    # Both events: un-mask sockets close on the first; every other socket re-checks scope.
    _tell_engine(grant)
    send_to_user_on_commit(grant.requester_id, {"type": GRANT_ENDED_EVENT, "grant": grant.pk})
    send_to_user_on_commit(grant.requester_id, {"type": "access.changed"})


@transaction.atomic
def unmask_revoke(*, actor, grant_id: int, note: str, request=None) -> UnmaskGrant:
    """End a grant (or withdraw a pending request) now; open un-masked views close at once."""
    require_permission(actor, Perm.REVOKE_UNMASK, "You may not revoke un-mask grants.")
    if not unmask_grants_visible(user=actor).filter(pk=grant_id).exists():
        raise Http404("No such un-mask grant.")
    grant = UnmaskGrant.objects.select_for_update().get(pk=grant_id)
    if grant.status not in (UnmaskGrant.Status.APPROVED, UnmaskGrant.Status.PENDING):
        raise ValidationError(f"This grant is already {grant.get_status_display().lower()}.")
    if not (note or "").strip():
        raise ValidationError({"note": "Say why the grant is revoked."})
    grant.status = UnmaskGrant.Status.REVOKED
    grant.revoked_by, grant.revoked_at = actor, timezone.now()
    grant.revoke_note = note.strip()
    grant.save()
    access_event_record(
        kind=AccessKind.UNMASK_REVOKE,
        actor=actor,
        target=grant,
        reason=grant.revoke_note,
        data=_grant_event_data(grant),
        request=request,
    )
    _tell_requester_it_ended(grant)
    return grant


@transaction.atomic
def unmask_grants_expire(*, now: datetime | None = None) -> int:
    """Mark approved grants past their expiry as expired and close their open views.

    Access never waits for this sweep (an expired grant opens nothing the moment it lapses,
    see :func:`UnmaskGrant.is_active`); it keeps the lists honest and closes sockets.
    """
    now = now or timezone.now()
    grants = list(
        UnmaskGrant.objects.select_for_update(skip_locked=True).filter(
            status=UnmaskGrant.Status.APPROVED, expires_at__lte=now
        )
    )
    for grant in grants:
        grant.status = UnmaskGrant.Status.EXPIRED
        grant.save(update_fields=["status"])
        _tell_requester_it_ended(grant)
    return len(grants)


@transaction.atomic
def unmask_policy_set(
    *, actor, max_grant_minutes: int, max_live_minutes: int, request=None
) -> UnmaskPolicy:
    """The DPO sets the longest grant and the longest live un-mask (change-logged)."""
    require_permission(actor, Perm.SET_UNMASK_POLICY, "Only the DPO sets the un-mask limits.")
    errors = {}
    if not 1 <= max_grant_minutes <= 7 * 24 * 60:
        errors["max_grant_minutes"] = "Between 1 minute and 7 days."
    if not 1 <= max_live_minutes <= 24 * 60:
        errors["max_live_minutes"] = "Between 1 minute and 24 hours."
    if errors:
        raise ValidationError(errors)
    policy = UnmaskPolicy.objects.select_for_update().get(pk=UnmaskPolicy.current().pk)
    policy.max_grant_minutes, policy.max_live_minutes = max_grant_minutes, max_live_minutes
    policy.updated_by = actor
    policy.save()
    return policy


def unmask_can_approve(*, user, grant: UnmaskGrant) -> bool:
    """Whether ``user`` may decide ``grant`` (for showing the buttons; the service decides)."""
    return (
        grant.status == UnmaskGrant.Status.PENDING
        and grant.requester_id != user.pk
        and has_permission(user, Perm.APPROVE_UNMASK)
    )
