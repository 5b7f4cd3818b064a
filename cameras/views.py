"""Pages for sites and cameras.

Every object is fetched through the permission gate with the action the page needs
(``view`` to read, ``change`` to edit or disable), so a camera someone may not see — or may
see but not change — answers the same 404 as one that does not exist. Writes go through
:mod:`cameras.services.registry`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cameras import selectors
from cameras.filters import CameraFilterSet, SiteFilterSet
from cameras.forms import CameraForm, SiteForm
from cameras.services import registry, retention
from vms.forms import apply_service_errors
from vms.permissions import Perm, has_permission, permission_required

PER_PAGE = 50


# --- Cameras ---------------------------------------------------------------------------------


@login_required
def camera_list(request):
    filterset = CameraFilterSet(
        request.GET or None, queryset=selectors.camera_list(user=request.user), request=request
    )
    page = Paginator(filterset.qs, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "cameras/camera_list.html",
        {
            "filter": filterset,
            "page": page,
            "can_add": has_permission(request.user, "cameras.add_camera"),
        },
    )


@login_required
def camera_detail(request, pk):
    camera = registry.camera_detail_open(actor=request.user, camera_id=pk, request=request)
    can_change = selectors.camera_list(user=request.user, action="change").filter(pk=pk).exists()
    # A camera granted on its own does not open its site: link the site only when visible.
    site_visible = selectors.site_list(user=request.user).filter(pk=camera.site_id).exists()
    return render(
        request,
        "cameras/camera_detail.html",
        {
            "camera": camera,
            "can_change": can_change,
            "site_visible": site_visible,
            # The source is the un-anonymised stream: only its holders see even the redacted URL.
            "can_view_source": has_permission(request.user, Perm.VIEW_CAMERA_SOURCE),
            "can_decide_retention": camera.retention_awaiting_approval
            and has_permission(request.user, Perm.APPROVE_RETENTION),
        },
    )


@require_POST
@permission_required(Perm.APPROVE_RETENTION)
def camera_retention_decide(request, pk):
    """A DPO approves or refuses the longer retention a camera asks for (with a note)."""
    decide = (
        retention.camera_retention_approve
        if request.POST.get("decision") == "approve"
        else retention.camera_retention_refuse
    )
    try:
        camera = decide(
            actor=request.user, camera_id=pk, note=request.POST.get("note", ""), request=request
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("cameras:camera-detail", pk=pk)
    verdict = "approved" if decide is retention.camera_retention_approve else "refused"
    messages.success(
        request, f"Retention {verdict}: {camera.effective_retention_hours} hours apply."
    )
    return redirect(camera)


@permission_required("cameras.add_camera")
def camera_create(request):
    sites = selectors.site_list(user=request.user)
    form = CameraForm(
        request.POST or None,
        sites=sites,
        initial={"site": request.GET.get("site")},
        with_source=has_permission(request.user, Perm.VIEW_CAMERA_SOURCE),
    )
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        site = fields.pop("site")
        try:
            camera = registry.camera_register(actor=request.user, site=site, **fields)
        except (ValidationError, PermissionDenied) as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"Registered {camera.name}.")
            return redirect(camera)
    return render(request, "cameras/camera_form.html", {"form": form, "camera": None})


@login_required
def camera_edit(request, pk):
    camera = selectors.camera_get(user=request.user, pk=pk, action="change")
    form = CameraForm(
        request.POST or None,
        instance=camera,
        sites=selectors.site_list(user=request.user),
        with_source=has_permission(request.user, Perm.VIEW_CAMERA_SOURCE),
    )
    if request.method == "POST" and form.is_valid():
        had_credentials = camera.has_credentials
        try:
            camera = registry.camera_update(
                actor=request.user, camera=camera, **form.service_fields()
            )
        except (ValidationError, PermissionDenied) as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"Saved {camera.name}.")
            if had_credentials and not camera.has_credentials:
                messages.warning(
                    request,
                    "The stored stream username and password were cleared: the stream's "
                    "scheme, host or port changed. Enter them again if the new source needs them.",
                )
            return redirect(camera)
    # The form may have changed the instance in memory while validating; show the stored one.
    stored = selectors.camera_get(user=request.user, pk=pk, action="change")
    return render(request, "cameras/camera_form.html", {"form": form, "camera": stored})


@login_required
def camera_disable(request, pk):
    """GET asks for confirmation; POST disables. Both need the right to change the camera."""
    camera = selectors.camera_get(user=request.user, pk=pk, action="change")
    if request.method == "POST":
        registry.camera_disable(actor=request.user, camera=camera)
        messages.success(request, f"Disabled {camera.name}. Its record and history stay.")
        return redirect(camera)
    return render(request, "cameras/camera_disable.html", {"camera": camera})


@require_POST
@login_required
def camera_enable(request, pk):
    camera = selectors.camera_get(user=request.user, pk=pk, action="change")
    try:
        registry.camera_update(actor=request.user, camera=camera, enabled=True)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Enabled {camera.name}.")
    return redirect(camera)


# --- Sites -----------------------------------------------------------------------------------


@login_required
def site_list(request):
    filterset = SiteFilterSet(
        request.GET or None, queryset=selectors.site_list(user=request.user), request=request
    )
    page = Paginator(filterset.qs, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "cameras/site_list.html",
        {
            "filter": filterset,
            "page": page,
            "can_add": has_permission(request.user, "cameras.add_site"),
        },
    )


@login_required
def site_detail(request, pk):
    site = selectors.site_get(user=request.user, pk=pk)
    cameras = selectors.camera_list(user=request.user, site_id=site.pk)
    can_change = selectors.site_list(user=request.user, action="change").filter(pk=pk).exists()
    return render(
        request,
        "cameras/site_detail.html",
        {
            "site": site,
            "cameras": cameras,
            "can_change": can_change,
            "can_add_camera": has_permission(request.user, "cameras.add_camera"),
        },
    )


@permission_required("cameras.add_site")
def site_create(request):
    form = SiteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            site = registry.site_create(actor=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"Created {site.name}.")
            return redirect(site)
    return render(request, "cameras/site_form.html", {"form": form, "site": None})


@login_required
def site_edit(request, pk):
    site = selectors.site_get(user=request.user, pk=pk, action="change")
    form = SiteForm(request.POST or None, instance=site)
    if request.method == "POST" and form.is_valid():
        try:
            site = registry.site_update(actor=request.user, site=site, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"Saved {site.name}.")
            return redirect(site)
    stored = selectors.site_get(user=request.user, pk=pk, action="change")
    return render(request, "cameras/site_form.html", {"form": form, "site": stored})
