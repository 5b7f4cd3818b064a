"""The DPO's desk: the dashboard, audit reports (ask, watch progress, download).

Only holders of ``Perm.RUN_REPORT`` reach these pages; everyone else gets the 404 of a page
that is not there."""

from __future__ import annotations

import datetime as dt
import logging

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from compliance.dashboard import dashboard_tiles
from compliance.models import Report
from compliance.reports import services
from compliance.reports.registry import report_scope_choices
from vms.forms import apply_service_errors
from vms.permissions import Perm, get_restricted_or_404, permission_required

logger = logging.getLogger(__name__)
desk = permission_required(Perm.RUN_REPORT)


@require_safe
@desk
def dashboard(request):
    """Every registered tile, built for this user; a tile that fails shows as unavailable
    rather than taking the page down."""
    groups: dict[str, list] = {}
    for spec in dashboard_tiles():
        try:
            tile = spec.build(request.user)
        except Exception:
            import logging

            logging.getLogger(__name__).exception("dashboard tile %s failed", spec.key)
            tile = None
        groups.setdefault(spec.group, []).append((spec, tile))
    return render(request, "compliance/dashboard.html", {"groups": groups})


@require_POST
@desk
def audit_verify_now(request):
    """Recompute the chain in the background; the audit-trail tile shows the result."""
    from compliance.tasks import audit_verification_run

    transaction.on_commit(lambda: audit_verification_run.delay(request.user.pk))
    messages.info(request, "Verifying the audit trail; the tile shows the result when done.")
    return redirect("compliance:dashboard")


def _last_week() -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday() + 7)
    return monday, monday + dt.timedelta(days=6)


class ReportForm(forms.Form):
    date_from = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(
        label="To (inclusive)", widget=forms.DateInput(attrs={"type": "date"})
    )
    scope = forms.ChoiceField(label="Scope", help_text="The whole organisation, a site, a "
                              "camera, or one person's actions.")  # fmt: skip

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = [
            (f"{kind}:{object_id}", label) for kind, object_id, label in report_scope_choices(user)
        ]

    def period(self) -> tuple[dt.datetime, dt.datetime]:
        zone = timezone.get_current_timezone()
        start = dt.datetime.combine(self.cleaned_data["date_from"], dt.time.min, tzinfo=zone)
        end_day = self.cleaned_data["date_to"] + dt.timedelta(days=1)
        return start, dt.datetime.combine(end_day, dt.time.min, tzinfo=zone)

    def scope_parts(self) -> tuple[str, str]:
        kind, _, object_id = self.cleaned_data["scope"].partition(":")
        return kind, object_id


@require_http_methods(["GET", "HEAD", "POST"])
@desk
def report_list(request):
    """The reports generated so far, and the form to ask for one (last week by default)."""
    start, end = _last_week()
    form = ReportForm(
        request.POST or None,
        user=request.user,
        initial={"date_from": start, "date_to": end, "scope": "all:"},
    )
    if request.method == "POST" and form.is_valid():
        period_start, period_end = form.period()
        try:
            report = services.report_request(
                user=request.user, period_start=period_start, period_end=period_end,
                scope=form.scope_parts()[0], scope_id=form.scope_parts()[1],
                request=request,
            )  # fmt: skip
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return redirect("compliance:report-detail", uid=report.uid)
    reports = Report.objects.restrict(request.user, "view").select_related("requested_by")[:100]
    return render(request, "compliance/report_list.html", {"form": form, "reports": reports})


@require_safe
@desk
def report_detail(request, uid):
    report = get_restricted_or_404(
        Report.objects.select_related("requested_by"), request.user, uid=uid
    )
    return render(request, "compliance/report_detail.html", {"report": report})


@require_safe
@desk
def report_progress(request, uid):
    """What the page polls: status, progress 0–100, the stage being built."""
    report = get_restricted_or_404(Report.objects.all(), request.user, uid=uid)
    return JsonResponse(
        {
            "status": report.status,
            "progress": report.progress,
            "stage": report.stage,
            "ready": report.status == Report.Status.DONE,
        }  # fmt: skip
    )


@require_safe
@desk
def report_download(request, uid, part):
    report = get_restricted_or_404(Report.objects.all(), request.user, uid=uid)
    if part not in ("pdf", "csv"):
        raise Http404("No such file.")
    try:
        handle, filename, content_type = services.report_download(
            user=request.user, report=report, part=part, request=request
        )
    except ValidationError:
        return redirect("compliance:report-detail", uid=report.uid)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
