"""Subject-access requests: the DPO's list and detail with the clock, and the public intake
form a site's notice links to (no log-in; CSRF-protected, rate-limited, with a honeypot)."""

from __future__ import annotations

from contextlib import nullcontext
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from cameras.models import Camera, Site
from privacy.forms_requests import (
    CloseForm,
    ExtendForm,
    PublicSubjectRequestForm,
    SubjectRequestForm,
    VerifyForm,
)
from privacy.models import SubjectAccessRequest
from privacy.selectors import subject_requests_visible
from privacy.selectors.recording import subject_request_footage
from privacy.services import requests as services
from vms.client_address import client_address
from vms.forms import apply_service_errors
from vms.permissions import has_permission, permission_required

PER_PAGE = 50
VIEW = "privacy.view_subjectaccessrequest"
ADD = "privacy.add_subjectaccessrequest"
CHANGE = "privacy.change_subjectaccessrequest"
PUBLIC_LIMIT_PER_HOUR = getattr(settings, "VMS_PUBLIC_REQUEST_LIMIT", 5)
SESSION_KEY = "subject_request_reference"


def _in_site_time(site: Site):
    return timezone.override(ZoneInfo(site.time_zone or "UTC"))


def _fields(form) -> dict:
    data = dict(form.cleaned_data)
    data.pop("website", None)
    return data


@require_http_methods(["GET", "POST"])
@permission_required(VIEW)
def request_list(request):
    """Requests newest first, open ones with days remaining; the intake form for the DPO."""
    user = request.user
    form = None
    if has_permission(user, ADD):
        sites = Site.objects.restrict(user, "view")
        cameras = Camera.objects.restrict(user, "view").select_related("site")
        form = SubjectRequestForm(
            request.POST or None, request.FILES or None, sites=sites, cameras=cameras
        )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        site = Site.objects.restrict(user, "view").filter(pk=request.POST.get("site")).first()
        with _in_site_time(site) if site else nullcontext():
            valid = form.is_valid()
        if valid:
            data = _fields(form)
            try:
                created = services.subject_request_receive(
                    actor=user,
                    site_id=data["site"].pk,
                    camera_ids=[camera.pk for camera in data["cameras"]],
                    kind=data["kind"],
                    requester_name=data["requester_name"],
                    requester_contact=data["requester_contact"],
                    window_start=data["window_start"],
                    window_end=data["window_end"],
                    description=data["description"],
                    photo=data["photo"],
                    received_at=data["received_at"],
                    request=request,
                )
            except (ValidationError, PermissionDenied) as error:
                apply_service_errors(form, error)
            else:
                return redirect(created)
    state = request.GET.get("state", "open")
    requests = subject_requests_visible(user=user, state=state)
    page = Paginator(requests, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "privacy/request_list.html", {"page": page, "form": form, "state": state}
    )


STEPS = {
    "verify": VerifyForm,
    "extend": ExtendForm,
    "close": CloseForm,
    "acknowledge": None,
    "start": None,
}


@require_http_methods(["GET", "POST"])
@permission_required(VIEW)
def request_detail(request, pk: int):
    """One request: its clock, its hold, and the next steps."""
    user = request.user
    subject_request = subject_requests_visible(user=user, state="all").filter(pk=pk).first()
    if subject_request is None:
        raise Http404("No such subject-access request.")
    can_change = subject_request.is_open and has_permission(user, CHANGE)
    step = request.POST.get("step") if request.method == "POST" else None
    forms = {}
    if can_change:
        for name, form_class in STEPS.items():
            if form_class is not None:
                forms[name] = form_class(request.POST if step == name else None, prefix=name)
    if request.method == "POST":
        if not can_change or step not in STEPS:
            raise PermissionDenied
        form = forms.get(step)
        if form is None or form.is_valid():
            data = form.cleaned_data if form is not None else {}
            try:
                getattr(services, f"subject_request_{step}")(
                    actor=user, request_id=subject_request.pk, request=request, **data
                )
            except ValidationError as error:
                if form is None:
                    return render(
                        request,
                        "privacy/request_detail.html",
                        {"item": subject_request, "forms": forms, "step_error": error.messages},
                        status=400,
                    )
                apply_service_errors(form, error)
            else:
                return redirect(subject_request)
    footage = subject_request_footage(user=user, subject_request=subject_request)
    return render(
        request,
        "privacy/request_detail.html",
        {"item": subject_request, "forms": forms, "footage": footage},
    )


@require_safe
@permission_required(VIEW)
def request_photo(request, pk: int):
    """The requester's own photo, for the DPO finding them; each view audited."""
    stream = services.subject_request_photo_open(actor=request.user, request_id=pk, request=request)
    return FileResponse(
        stream,
        content_type="application/octet-stream",
        as_attachment=True,
        filename=f"request-{pk}-photo",
    )


def _rate_limited(request, site: Site) -> bool:
    """At most PUBLIC_LIMIT_PER_HOUR submissions an hour from one address."""
    key = f"privacy:public-request:{client_address(request).ip or 'unknown'}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:
        count = 1
    return count > PUBLIC_LIMIT_PER_HOUR


@require_http_methods(["GET", "POST"])
def public_request(request, site_id: int):
    """The public form: anyone may ask what footage a site holds of them. No log-in."""
    site = get_object_or_404(Site, pk=site_id)
    form = PublicSubjectRequestForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if _rate_limited(request, site):
            form.add_error(
                None,
                "Too many requests from your address: try again in an hour, "
                "or write to the privacy officer.",
            )
            status = 429
        else:
            with _in_site_time(site):
                valid = form.is_valid()
            if valid and form.cleaned_data["website"]:
                # A robot filled the field people cannot see: thank it, keep nothing.
                request.session.pop(SESSION_KEY, None)
                return redirect("privacy:public-request-received", site_id=site.pk)
            if valid:
                data = _fields(form)
                try:
                    created = services.subject_request_receive(
                        site_id=site.pk, request=request, **data
                    )
                except ValidationError as error:
                    apply_service_errors(form, error)
                else:
                    request.session[SESSION_KEY] = created.reference
                    return redirect("privacy:public-request-received", site_id=site.pk)
            status = 400
    return render(
        request, "privacy/public_request.html", {"site": site, "form": form}, status=status
    )


@require_safe
def public_request_received(request, site_id: int):
    """The acknowledgement: the reference to quote, and when the answer is due."""
    site = get_object_or_404(Site, pk=site_id)
    reference = request.session.get(SESSION_KEY)
    item = (
        SubjectAccessRequest.objects.filter(reference=reference, site=site).first()
        if reference
        else None
    )
    return render(request, "privacy/public_request_received.html", {"site": site, "item": item})
