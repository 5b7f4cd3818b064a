"""Pages of the four-eyes un-mask: request, decide, revoke, watch, and the DPO's limits.

Thin: the selectors decide what is visible (and what a grant opens), the services write.
An original segment or player outside an active grant of the viewer's answers 404.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from cameras.models import Camera
from privacy.forms import UnmaskNoteForm, UnmaskPolicyForm, UnmaskRequestForm
from privacy.models import UnmaskGrant, UnmaskPolicy
from privacy.selectors import (
    unmask_active_grant,
    unmask_grants_visible,
    unmask_original_segments,
    unmask_pending_for_approver,
)
from privacy.services.unmask import (
    unmask_approve,
    unmask_can_approve,
    unmask_policy_set,
    unmask_refuse,
    unmask_request,
    unmask_revoke,
)
from privacy.services.unmask_viewing import unmask_segment_watch
from vms.forms import apply_service_errors
from vms.permissions import Perm, has_permission, permission_required

PER_PAGE = 50
ALERT_BEFORE, ALERT_AFTER = timedelta(seconds=30), timedelta(seconds=60)


def _aware(value):
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value, UTC)
    return value


def _section(title: str, section_id: str, grants, limit: int = PER_PAGE) -> dict:
    return {"title": title, "id": section_id, "grants": list(grants[:limit])}


def _list_page(request, title: str, section_id: str, grants):
    page = Paginator(grants, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "privacy/unmask_list.html",
        {"title": title, "page": page, "sections": [_section(title, section_id, page)]},
    )


UNMASK_ROLES = (Perm.REQUEST_UNMASK, Perm.APPROVE_UNMASK, "privacy.view_unmaskgrant")


@require_safe
@permission_required(*UNMASK_ROLES, one_of=True)
def unmask_home(request):
    """Where un-masks start: what waits for the user's decision, and their own requests."""
    user, sections = request.user, []
    if has_permission(user, Perm.APPROVE_UNMASK):
        pending = unmask_pending_for_approver(user=user)
        sections.append(_section("Waiting for your decision", "unmask-queue-table", pending))
    if has_permission(user, Perm.REQUEST_UNMASK):
        mine = unmask_grants_visible(user=user).filter(requester=user)
        sections.append(_section("Your requests and grants", "unmask-mine-table", mine))
    if not sections:  # the DPO's oversight without a decision right: everything
        sections.append(
            _section("All un-masks", "unmask-all-table", unmask_grants_visible(user=user))
        )
    return render(request, "privacy/unmask_list.html", {"title": "Un-masks", "sections": sections})


@require_safe
@permission_required(Perm.REQUEST_UNMASK)
def unmask_mine(request):
    """The user's own requests and grants, newest first."""
    grants = unmask_grants_visible(user=request.user).filter(requester=request.user)
    return _list_page(request, "My un-masks", "unmask-mine-table", grants)


@require_http_methods(["GET", "POST"])
@permission_required(Perm.REQUEST_UNMASK)
def unmask_request_page(request):
    """Ask for an un-mask; camera and alert pages link here with the fields filled in."""
    cameras = Camera.objects.restrict(request.user, "view").select_related("site")
    initial = {}
    if request.method == "GET":
        camera_ids = [v for v in request.GET.getlist("camera") if v.isdigit()]
        initial["cameras"] = list(cameras.filter(pk__in=camera_ids))
        if request.GET.get("alert", "").isdigit():
            initial["alert_id"] = int(request.GET["alert"])
        if request.GET.get("at", "").isdigit():
            # From an alert: the half-minute before it to the minute after, in local time.
            at = datetime.fromtimestamp(int(request.GET["at"]), tz=UTC)
            initial["starts_at"] = timezone.localtime(at - ALERT_BEFORE).replace(tzinfo=None)
            initial["ends_at"] = timezone.localtime(at + ALERT_AFTER).replace(tzinfo=None)
    form = UnmaskRequestForm(request.POST or None, cameras=cameras, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            grant = unmask_request(
                actor=request.user,
                camera_ids=[camera.pk for camera in data["cameras"]],
                mode=data["mode"],
                starts_at=_aware(data["starts_at"]),
                ends_at=_aware(data["ends_at"]),
                live_minutes=data["live_minutes"],
                valid_minutes=data["valid_minutes"],
                reason=data["reason"],
                case_reference=data["case_reference"],
                alert_id=data["alert_id"],
                request=request,
            )
        except (ValidationError, PermissionDenied) as error:
            apply_service_errors(form, error)
        else:
            return redirect("privacy:unmask-detail", pk=grant.pk)
    return render(request, "privacy/unmask_request.html", {"form": form})


@require_safe
@permission_required(Perm.APPROVE_UNMASK)
def unmask_queue(request):
    """Requests waiting for the user's decision (never their own)."""
    grants = unmask_pending_for_approver(user=request.user)
    return _list_page(request, "Un-mask requests to decide", "unmask-queue-table", grants)


@require_safe
@permission_required("privacy.view_unmaskgrant")
def unmask_all(request):
    """Every request and grant (DPO), with revocation from each grant's page."""
    return _list_page(
        request, "All un-masks", "unmask-all-table", unmask_grants_visible(user=request.user)
    )


@require_http_methods(["GET", "POST"])
@permission_required(*UNMASK_ROLES, one_of=True)
def unmask_detail(request, pk: int):
    grant = unmask_grants_visible(user=request.user).filter(pk=pk).first()
    if grant is None:
        raise Http404("No such un-mask.")
    can_decide = unmask_can_approve(user=request.user, grant=grant)
    can_revoke = grant.status in (
        UnmaskGrant.Status.PENDING,
        UnmaskGrant.Status.APPROVED,
    ) and has_permission(request.user, Perm.REVOKE_UNMASK)
    form = UnmaskNoteForm(request.POST or None)
    if request.method == "POST":
        action = request.POST.get("action")
        allowed = {"approve": can_decide, "refuse": can_decide, "revoke": can_revoke}
        if not allowed.get(action):
            raise PermissionDenied
        if form.is_valid():
            service = {"approve": unmask_approve, "refuse": unmask_refuse, "revoke": unmask_revoke}
            try:
                service[action](
                    actor=request.user,
                    grant_id=grant.pk,
                    note=form.cleaned_data["note"],
                    request=request,
                )
            except (ValidationError, PermissionDenied) as error:
                apply_service_errors(form, error)
            else:
                return redirect("privacy:unmask-detail", pk=grant.pk)
    watchable = grant.requester_id == request.user.pk and grant.is_active()
    return render(
        request,
        "privacy/unmask_detail.html",
        {
            "grant": grant,
            "form": form,
            "can_decide": can_decide,
            "can_revoke": can_revoke,
            "watchable": watchable,
        },
    )


@require_safe
@permission_required(Perm.REQUEST_UNMASK)
def unmask_watch(request, pk: int, camera_id: int):
    """The un-masked player: the original, watermarked, inside the grant only."""
    mode = (
        UnmaskGrant.objects.filter(pk=pk, requester=request.user).values_list("mode", flat=True)
    ).first()
    if mode is None:
        raise Http404("No such video.")
    grant, camera = unmask_active_grant(
        user=request.user, grant_id=pk, camera_id=camera_id, mode=mode
    )
    segments = []
    if mode == UnmaskGrant.Mode.RECORDED:
        segments = [
            reverse("privacy:unmask-segment", args=[grant.pk, camera.pk, segment.pk])
            for segment in unmask_original_segments(grant=grant, camera=camera)
        ]
    return render(
        request,
        "privacy/unmask_watch.html",
        {"grant": grant, "camera": camera, "segments": segments, "live": mode == "live"},
    )


@require_safe
@permission_required(Perm.REQUEST_UNMASK)
def unmask_segment(request, pk: int, camera_id: int, segment_id: int):
    """One original segment, clipped to the grant and watermarked for the viewer."""
    clip = unmask_segment_watch(
        user=request.user,
        grant_id=pk,
        camera_id=camera_id,
        segment_id=segment_id,
        request=request,
    )
    response = HttpResponse(clip.data, content_type="video/mp4")
    response["Cache-Control"] = "no-store, private"
    response["Content-Disposition"] = "inline"
    return response


@require_http_methods(["GET", "POST"])
@permission_required(Perm.SET_UNMASK_POLICY)
def unmask_policy(request):
    """The DPO's limits: longest grant, longest live un-mask."""
    policy = UnmaskPolicy.current()
    form = UnmaskPolicyForm(
        request.POST or None,
        initial={
            "max_grant_minutes": policy.max_grant_minutes,
            "max_live_minutes": policy.max_live_minutes,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            unmask_policy_set(actor=request.user, **form.cleaned_data, request=request)
        except (ValidationError, PermissionDenied) as error:
            apply_service_errors(form, error)
        else:
            return redirect("privacy:unmask-policy")
    return render(request, "privacy/unmask_policy.html", {"form": form, "policy": policy})
