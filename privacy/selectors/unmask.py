"""Reads of the privacy app. Un-mask grants: who sees which grant, and what a grant opens.

What a grant opens is decided here and only here: the *original* track of a camera exists for
a user only through an active grant of theirs that covers that camera and that time. Anything
else — another person's grant, a camera or a moment outside the scope, a grant pending,
refused, revoked or expired — answers the same 404 as a segment that does not exist.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Max, Q
from django.http import Http404
from django.utils import timezone

from cameras.models import Camera
from privacy.models import RecordingSegment, RecordingTrack, UnmaskGrant
from vms.permissions import Perm, has_permission


def unmask_grants_visible(*, user):
    """Grants ``user`` may see: every one with the model right (DPO); otherwise their own
    requests, and, for approvers, those touching a camera they may see."""
    base = UnmaskGrant.objects.select_related("requester", "decided_by", "revoked_by")
    base = base.prefetch_related("cameras")
    everything = UnmaskGrant.objects.restrict(user, "view")
    if everything.query.is_empty():
        scope = Q(requester=user) if user is not None and user.is_authenticated else Q(pk=None)
        if has_permission(user, Perm.APPROVE_UNMASK):
            cameras = Camera.objects.restrict(user, "view").values("pk")
            scope |= Q(pk__in=UnmaskGrant.objects.filter(cameras__in=cameras).values("pk"))
        return base.filter(scope)
    return base.filter(pk__in=everything.values("pk"))


def unmask_pending_for_approver(*, user):
    """Requests waiting for a decision that ``user`` may take (not their own)."""
    if not has_permission(user, Perm.APPROVE_UNMASK):
        return UnmaskGrant.objects.none()
    return (
        unmask_grants_visible(user=user)
        .filter(status=UnmaskGrant.Status.PENDING)
        .exclude(requester=user)
        .order_by("created_at")
    )


def unmask_active_grant(*, user, grant_id, camera_id, mode: str) -> tuple[UnmaskGrant, Camera]:
    """The active ``mode`` grant ``grant_id`` of ``user`` covering ``camera_id``, and that
    camera (still in the user's scope), or 404."""
    now = timezone.now()
    try:
        grant = UnmaskGrant.objects.select_related("requester").get(
            pk=grant_id,
            requester=user,
            mode=mode,
            status=UnmaskGrant.Status.APPROVED,
            revoked_at__isnull=True,
            expires_at__gt=now,
            cameras__pk=camera_id,
        )
        camera = Camera.objects.restrict(user, "view").get(pk=camera_id)
    except (UnmaskGrant.DoesNotExist, Camera.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such video.") from exc
    if not has_permission(user, Perm.REQUEST_UNMASK) or not grant.is_active(now):
        raise Http404("No such video.")
    return grant, camera


def unmask_original_segments(*, grant: UnmaskGrant, camera: Camera):
    """The camera's original segments that overlap the grant's footage range, in order."""
    return RecordingSegment.objects.filter(
        camera=camera,
        track=RecordingTrack.ORIGINAL,
        started_at__lt=grant.ends_at,
        ended_at__gt=grant.starts_at,
    ).order_by("started_at")


def unmask_original_segment(
    *, user, grant_id, camera_id, segment_id
) -> tuple[UnmaskGrant, RecordingSegment]:
    """One original segment through an active recorded grant of ``user``, or 404."""
    grant, camera = unmask_active_grant(
        user=user, grant_id=grant_id, camera_id=camera_id, mode=UnmaskGrant.Mode.RECORDED
    )
    segment = unmask_original_segments(grant=grant, camera=camera).filter(pk=segment_id).first()
    if segment is None:
        raise Http404("No such video.")
    return grant, segment


def unmask_live_until_by_camera(camera_ids) -> dict[int, datetime]:
    """For each of ``camera_ids`` with an active live grant, when the last one ends: until
    then the engine publishes that camera's original live frames (for the un-mask socket)."""
    rows = (
        UnmaskGrant.objects.filter(
            mode=UnmaskGrant.Mode.LIVE,
            status=UnmaskGrant.Status.APPROVED,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
            cameras__pk__in=list(camera_ids),
        )
        .values("cameras__pk")
        .annotate(until=Max("expires_at"))
    )
    return {row["cameras__pk"]: row["until"] for row in rows}
