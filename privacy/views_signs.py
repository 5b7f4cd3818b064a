"""The signage register's pages (Admin changes, DPO reads): signs, their prints and their
inspections. Every write goes through ``privacy.services.signs``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from cameras.models import Camera, Site
from privacy.forms import SignForm, SignInspectionForm
from privacy.selectors import cameras_without_covering_sign, sign_inspections_overdue
from privacy.services.signs import sign_inspection_record, sign_print_record, sign_register
from privacy.sign_models import Sign, next_inspection_due
from vms.forms import apply_service_errors
from vms.permissions import get_restricted_or_404, has_permission, permission_required


@require_http_methods(["GET"])
@permission_required("privacy.view_sign")
def sign_list(request):
    signs = Sign.objects.restrict(request.user, "view").select_related("site")
    overdue = {sign.pk for sign in sign_inspections_overdue(user=request.user)}
    return render(
        request,
        "privacy/sign_list.html",
        {
            "signs": signs,
            "overdue": overdue,
            "uncovered": cameras_without_covering_sign(user=request.user),
            "can_add": has_permission(request.user, "privacy.add_sign"),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required("privacy.add_sign")
def sign_create(request):
    sites = Site.objects.restrict(request.user, "view")
    cameras = Camera.objects.restrict(request.user, "view").select_related("site")
    form = SignForm(
        request.POST or None,
        request.FILES or None,
        sites=sites,
        cameras=cameras,
        initial={"installed_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            sign = sign_register(
                actor=request.user,
                site=data.pop("site"),
                cameras=data.pop("cameras"),
                photo=data.pop("photo"),
                **data,
            )
        except (ValidationError, PermissionDenied) as error:
            apply_service_errors(form, error)
        else:
            return redirect("privacy:sign-detail", pk=sign.pk)
    return render(request, "privacy/sign_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@permission_required("privacy.view_sign")
def sign_detail(request, pk: int):
    sign = get_restricted_or_404(
        Sign.objects.select_related("site").prefetch_related("cameras"),
        request.user,
        "view",
        pk=pk,
    )
    can_change = has_permission(request.user, "privacy.change_sign")
    form = SignInspectionForm(
        request.POST or None, request.FILES or None, initial={"inspected_on": timezone.localdate()}
    )
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        if form.is_valid():
            try:
                sign_inspection_record(actor=request.user, sign_id=sign.pk, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as error:
                apply_service_errors(form, error)
            else:
                return redirect("privacy:sign-detail", pk=sign.pk)
    inspections = list(sign.inspections.select_related("inspector"))
    return render(
        request,
        "privacy/sign_detail.html",
        {
            "sign": sign,
            "inspections": inspections,
            "next_due": next_inspection_due(sign, inspections[0] if inspections else None),
            "form": form if can_change else None,
            "can_change": can_change,
        },
    )


@require_POST
@permission_required("privacy.change_sign")
def sign_print(request, pk: int):
    """Record that the sign was re-printed from the current notice and put up."""
    sign_print_record(actor=request.user, sign_id=pk, request=request)
    return redirect("privacy:sign-detail", pk=pk)
