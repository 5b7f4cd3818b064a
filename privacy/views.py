"""Legal holds (supervisors, DPOs) and the deletion records of retention (DPO, Admin)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from cameras.models import Camera
from privacy.forms import LegalHoldForm, LegalHoldReleaseForm
from privacy.models import DeletionRecord
from privacy.services.holds import legal_hold_place, legal_hold_release, legal_holds_visible
from vms.forms import apply_service_errors
from vms.permissions import Perm, has_permission, permission_required

PER_PAGE = 50


@require_http_methods(["GET", "POST"])
@permission_required(Perm.PLACE_LEGAL_HOLD, "privacy.view_legalhold", one_of=True)
def hold_list(request):
    """Active and past holds on the cameras in the user's scope, and a form to place one."""
    can_place = has_permission(request.user, Perm.PLACE_LEGAL_HOLD)
    cameras = Camera.objects.restrict(request.user, "view").select_related("site")
    form = LegalHoldForm(request.POST or None, cameras=cameras) if can_place else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                hold = legal_hold_place(
                    actor=request.user,
                    camera_ids=[camera.pk for camera in data["cameras"]],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    reason=data["reason"],
                    reference=data["reference"],
                    expires_at=data["expires_at"],
                    request=request,
                )
            except (ValidationError, PermissionDenied) as error:
                apply_service_errors(form, error)
            else:
                return redirect("privacy:hold-detail", pk=hold.pk)
    holds = legal_holds_visible(user=request.user)
    page = Paginator(holds, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "privacy/hold_list.html", {"form": form, "page": page, "can_place": can_place}
    )


@require_http_methods(["GET", "POST"])
@permission_required(Perm.PLACE_LEGAL_HOLD, "privacy.view_legalhold", one_of=True)
def hold_detail(request, pk: int):
    hold = legal_holds_visible(user=request.user).filter(pk=pk).first()
    if hold is None:
        raise Http404("No such legal hold.")
    can_release = hold.released_at is None and has_permission(request.user, Perm.PLACE_LEGAL_HOLD)
    form = LegalHoldReleaseForm(request.POST or None) if can_release else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                legal_hold_release(
                    actor=request.user,
                    hold_id=hold.pk,
                    note=form.cleaned_data["note"],
                    request=request,
                )
            except (ValidationError, PermissionDenied) as error:
                apply_service_errors(form, error)
            else:
                return redirect("privacy:hold-detail", pk=hold.pk)
    return render(request, "privacy/hold_detail.html", {"hold": hold, "form": form})


@require_safe
@permission_required("privacy.view_deletionrecord")
def deletion_list(request):
    """What retention removed, run by run and camera: the proof of deletion."""
    records = DeletionRecord.objects.restrict(request.user, "view").select_related("camera")
    page = Paginator(records, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "privacy/deletion_list.html", {"page": page})
