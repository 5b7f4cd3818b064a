"""Records of processing (GDPR Art. 30) for the DPO: a page, a PDF and a CSV, each
generated from the live configuration when asked."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from compliance.models import AccessKind
from compliance.services import access_event_record
from privacy.records import records_csv, records_of_processing, records_pdf
from vms.permissions import Perm, permission_required


@require_safe
@permission_required(Perm.RUN_REPORT)
def records_page(request):
    records = records_of_processing(user=request.user)
    return render(request, "privacy/records.html", {"records": records})


@require_safe
@permission_required(Perm.RUN_REPORT)
def records_download(request, fmt: str):
    """The records as PDF or CSV; the download is recorded."""
    records = records_of_processing(user=request.user)
    with transaction.atomic():
        access_event_record(
            kind=AccessKind.REPORT_DOWNLOAD,
            actor=request.user,
            data={"report": "records_of_processing", "format": fmt, "records": len(records)},
            request=request,
        )
    if fmt == "csv":
        response = HttpResponse(records_csv(records), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(records_pdf(records), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="records-of-processing.{fmt}"'
    return response


CHECKLISTS = {
    "surveillance-code": "UK Surveillance Camera Code: 12 principles",
    "ico": "ICO CCTV checklist",
}


def _checklist(name: str):
    from django.http import Http404

    from privacy.assessment import ICO_CHECKLIST, SURVEILLANCE_CODE

    if name not in CHECKLISTS:
        raise Http404("No such checklist.")
    return CHECKLISTS[name], (ICO_CHECKLIST if name == "ico" else SURVEILLANCE_CODE)


@require_safe
@permission_required(Perm.RUN_REPORT)
def assessment_page(request, name: str):
    """A self-assessment, red/amber/green from the live configuration, with evidence and gaps."""
    from privacy.assessment import self_assessment

    title, checklist = _checklist(name)
    items = self_assessment(user=request.user, checklist=checklist)
    return render(
        request,
        "privacy/assessment.html",
        {"title": title, "name": name, "items": items, "checklists": CHECKLISTS},
    )


@require_safe
@permission_required(Perm.RUN_REPORT)
def assessment_pdf(request, name: str):
    """The self-assessment as a PDF a DPO can publish; the download is recorded."""
    from privacy.assessment import self_assessment
    from privacy.records import assessment_pdf as render_pdf

    title, checklist = _checklist(name)
    items = self_assessment(user=request.user, checklist=checklist)
    with transaction.atomic():
        access_event_record(
            kind=AccessKind.REPORT_DOWNLOAD,
            actor=request.user,
            data={"report": f"self_assessment_{name}"},
            request=request,
        )
    response = HttpResponse(render_pdf(title, items), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="self-assessment-{name}.pdf"'
    return response
