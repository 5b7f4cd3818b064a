"""Writes of audit reports: asking for one (audited), generating it (the Celery task's one
service, reporting progress), downloading it (audited), and verification runs."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import io
import logging
import os
import uuid
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from compliance.models import AccessKind, AuditChainLink, AuditCheckpoint, Report, VerificationRun
from compliance.reports.pdf import render_pdf
from compliance.reports.registry import (
    ReportContext,
    ReportScope,
    report_scope_resolve,
    report_sections,
)
from compliance.services import access_event_record
from vms.permissions import Perm, require_permission

logger = logging.getLogger(__name__)

MAX_PERIOD_DAYS = 400


def _organisation() -> str:
    # The name on the cover: the deployment's (VMS_ORGANISATION), else a neutral one.
    return (
        getattr(settings, "VEIL_ORGANISATION", "")
        or os.environ.get("VMS_ORGANISATION", "")
        or "Veil deployment"
    )


def report_request(
    *, user, period_start: dt.datetime, period_end: dt.datetime, scope: str = "all",
    scope_id: str = "", request=None,
) -> Report:  # fmt: skip
    """Ask for a report of ``[period_start, period_end)`` for a scope; recorded as a REPORT
    access event in the same transaction; generation starts once it commits."""
    require_permission(user, Perm.RUN_REPORT, "You may not produce audit reports.")
    if period_end <= period_start:
        raise ValidationError({"period_end": "The period must end after it starts."})
    if period_end - period_start > dt.timedelta(days=MAX_PERIOD_DAYS):
        raise ValidationError({"period_start": f"At most {MAX_PERIOD_DAYS} days per report."})
    resolved = report_scope_resolve(scope, scope_id)
    if resolved is None:
        raise ValidationError({"scope": "No such site, camera or user."})
    with transaction.atomic():
        report = Report.objects.create(
            uid=uuid.uuid4(), requested_by=user, period_start=period_start,
            period_end=period_end, scope=scope, scope_id=scope_id, scope_label=resolved.label,
        )  # fmt: skip
        access_event_record(
            kind=AccessKind.REPORT, actor=user, target=report, request=request,
            data={"period_start": period_start.isoformat(), "period_end": period_end.isoformat(),
                  "scope": resolved.label},
        )  # fmt: skip
        from compliance.tasks import report_generate as task

        transaction.on_commit(lambda: task.delay(report.pk))
    return report


def _progress(report: Report, progress: int, stage: str) -> None:
    # Autocommit, outside any transaction: the page polling it sees each step.
    Report.objects.filter(pk=report.pk).update(progress=progress, stage=stage)


def report_generate(*, report_id: int) -> Report:
    """Build every registered section, write the PDF and the CSV zip to storage with their
    SHA-256, and mark the report ready (or failed, with the reason)."""
    report = Report.objects.select_related("requested_by").get(pk=report_id)
    Report.objects.filter(pk=report.pk).update(status=Report.Status.RUNNING, progress=1)
    try:
        scope = report_scope_resolve(report.scope, report.scope_id) or ReportScope(
            kind=report.scope, object_id=report.scope_id, label=report.scope_label
        )
        context = ReportContext(
            period_start=report.period_start, period_end=report.period_end, scope=scope,
            generated_by=_person(report.requested_by), generated_at=timezone.now(),
            organisation=_organisation(),
        )  # fmt: skip
        _progress(report, 5, "Verifying the audit trail")
        context.extra.update(_verification_for(report, context))
        sections = report_sections()
        built = []
        for index, section in enumerate(sections):
            _progress(report, 15 + int(65 * index / len(sections)), f"Building: {section.title}")
            built.append((section, section.build(context)))
        _progress(report, 82, "Writing the PDF")
        ref = str(report.uid).split("-")[0].upper()
        pdf = render_pdf(context, built, ref)
        _progress(report, 94, "Writing the CSV files")
        archive = _csv_zip(built)
        folder = f"reports/{report.requested_at:%Y/%m}/{report.uid}"
        pdf_name = default_storage.save(f"{folder}/audit-report-{ref}.pdf", ContentFile(pdf))
        zip_name = default_storage.save(
            f"{folder}/audit-report-{ref}-csv.zip", ContentFile(archive)
        )
        Report.objects.filter(pk=report.pk).update(
            status=Report.Status.DONE, progress=100, stage="Ready", finished_at=timezone.now(),
            pdf=pdf_name, pdf_sha256=hashlib.sha256(pdf).hexdigest(),
            csv_zip=zip_name, csv_sha256=hashlib.sha256(archive).hexdigest(),
            summary={s.key: [[f.label, str(f.value)] for f in c.figures] for s, c in built},
        )  # fmt: skip
    except Exception as error:
        logger.exception("report %s failed", report.pk)
        Report.objects.filter(pk=report.pk).update(
            status=Report.Status.FAILED, stage="Failed", error=type(error).__name__
        )
        raise
    report.refresh_from_db()
    return report


def _person(user) -> str:
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return f"{full} ({user.get_username()})" if full else user.get_username()


def _verification_for(report: Report, context: ReportContext) -> dict:
    """Pin the chain's head now with a signed checkpoint, then recompute the chain from the
    last checkpoint signed before the period (so the period lies between two signed heads)."""
    from compliance.chain import audit_checkpoint_create, public_key_text

    closing = audit_checkpoint_create()
    opening = (
        AuditCheckpoint.objects.filter(created_at__lt=context.period_start)
        .order_by("-seq", "-pk")
        .first()
    )
    since = opening.seq + 1 if opening and opening.seq else 0
    run = audit_verification_run(actor=report.requested_by, since=since)
    checkpoints = list(
        AuditCheckpoint.objects.filter(seq__gte=opening.seq if opening else 0)
        .filter(created_at__lte=closing.created_at)
        .order_by("seq", "pk")
    )
    public_key = public_key_text()
    fingerprint = hashlib.sha256(base64.b64decode(public_key)).hexdigest()
    return {
        "verification": run,
        "checkpoints": checkpoints,
        "public_key": public_key,
        "key_fingerprint": ":".join(fingerprint[i : i + 4] for i in range(0, 32, 4)),
    }


def audit_verification_run(*, actor=None, since: int = 0, workers: int = 1) -> VerificationRun:
    """Recompute the chain (``compliance.chain.audit_verify``) and keep the result, for the
    dashboard and reports; recorded as an AUDIT_VERIFY access event."""
    from compliance.chain import audit_verify

    started = timezone.now()
    result = audit_verify(since=since, workers=workers)
    with transaction.atomic():
        run = VerificationRun.objects.create(
            started_at=started, finished_at=timezone.now(), since_seq=since, ok=result.ok,
            links=result.links, checkpoints=result.checkpoints,
            first_break=str(result.breaks[0]) if result.breaks else "",
            actor_username=actor.get_username() if actor is not None else "",
        )  # fmt: skip
        access_event_record(
            kind=AccessKind.AUDIT_VERIFY, actor=actor, target=run,
            data={"ok": result.ok, "links": result.links, "since": since,
                  "head": AuditChainLink.objects.order_by("-seq").values_list("seq", flat=True)
                  .first()},
        )  # fmt: skip
    run.result = result  # the breaks themselves, for the command that prints them
    return run


def report_download(*, user, report: Report, part: str, request=None):
    """Open a stored report file (``part``: ``pdf`` or ``csv``) for ``user``; the download is
    recorded as a REPORT_DOWNLOAD access event. Returns ``(file, filename, content_type)``."""
    require_permission(user, Perm.RUN_REPORT, "You may not download audit reports.")
    name = report.pdf if part == "pdf" else report.csv_zip
    if report.status != Report.Status.DONE or not name:
        raise ValidationError("The report is not ready.")
    access_event_record(
        kind=AccessKind.REPORT_DOWNLOAD, actor=user, target=report, request=request,
        data={"part": part, "sha256": report.pdf_sha256 if part == "pdf" else report.csv_sha256},
    )  # fmt: skip
    content_type = "application/pdf" if part == "pdf" else "application/zip"
    return default_storage.open(name, "rb"), name.rsplit("/", 1)[-1], content_type


def _csv_zip(built) -> bytes:
    """One CSV file per table, in a zip, with a manifest naming the sections."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for section, content in built:
            for table in content.tables:
                text = io.StringIO()
                writer = csv.writer(text)
                writer.writerow(table.columns)
                writer.writerows(_csv_safe(row) for row in table.rows)
                archive.writestr(f"{table.key}.csv", text.getvalue())
            if content.figures:
                text = io.StringIO()
                writer = csv.writer(text)
                writer.writerow(["Figure", "Value"])
                writer.writerows(_csv_safe([f.label, f.value]) for f in content.figures)
                archive.writestr(f"summary_{section.key}.csv", text.getvalue())
    return buffer.getvalue()


def _csv_safe(row) -> list:
    # A cell starting with = + - @ is a formula to a spreadsheet: quote it (CSV injection).
    return [
        "'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r") else v
        for v in row
    ]
