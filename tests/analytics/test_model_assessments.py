"""AI-model assessments: the shipped models run on their seeded, approved assessments; a model
without an approved, current assessment is refused by the worker, which says why; a DPO
approves assessments (with bias evidence and a vendor), nobody else."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from analytics.model_registry import ModelRecord, model_records
from analytics.models import ModelAssessment
from analytics.services.assessments import (
    SHIPPED,
    ModelNotDeployableError,
    model_assessment_approve,
    model_deployment_refusals,
)
from analytics.worker.pipeline import FramePipeline
from analytics.worker.simulate import NoDetections
from compliance.models import AccessEvent, AccessKind
from privacy.services.registers import register_save
from tests.factories import UserFactory

HOG = ModelRecord(
    name="opencv_hog_default_people",
    task="people detection",
    version="4",
    path=__import__("pathlib").Path(""),
    sha256="",
    licence="Apache-2.0",
    source_package="opencv-python",
)


def pipeline() -> FramePipeline:
    return FramePipeline(
        face_detector=NoDetections(), plate_detector=NoDetections(), people_detector=NoDetections()
    )


def new_model_record(name="vendorx_faces_v2", sha256="ab" * 32) -> ModelRecord:
    return ModelRecord(
        name=name,
        task="face detection",
        version="2.0",
        path=__import__("pathlib").Path("/models/x.onnx"),
        sha256=sha256,
        licence="proprietary",
        source_package="vendorx",
    )


# The worker closes its database connections between jobs: these run outside a test transaction.
@pytest.mark.django_db(transaction=True)
def test_the_shipped_models_are_assessed_and_run():
    assert set(SHIPPED) <= set(ModelAssessment.objects.values_list("model_name", flat=True))
    assert model_deployment_refusals(records=[*model_records(), HOG]) == {}
    pipeline().load_detectors()  # no refusal


@pytest.mark.django_db(transaction=True)
def test_the_worker_refuses_a_model_without_an_approved_current_assessment(caplog):
    ModelAssessment.objects.filter(model_name="centerface").delete()
    with pytest.raises(ModelNotDeployableError, match="centerface .* no assessment"):
        pipeline().load_detectors()
    assert "refuses to start its cameras" in caplog.text

    refusals = model_deployment_refusals(records=[new_model_record()])
    assert "has no assessment" in refusals["vendorx_faces_v2"]
    assessment = ModelAssessment.objects.create(
        model_name="vendorx_faces_v2",
        test_set="FairFace val",
        accuracy_summary="AP 0.91",
        false_positive_rates={"group A": 0.02, "group B": 0.05},
        intended_use="Anonymisation",
        limits="Night scenes",
        valid_until=date.today() + timedelta(days=30),
    )
    refusals = model_deployment_refusals(records=[new_model_record()])
    assert "not approved by a DPO" in refusals["vendorx_faces_v2"]
    ModelAssessment.objects.filter(pk=assessment.pk).update(
        approved_at=timezone.now(), valid_until=date(2026, 1, 31)
    )
    refusals = model_deployment_refusals(records=[new_model_record()])
    assert "expired on 2026-01-31" in refusals["vendorx_faces_v2"]
    # An assessment of one exact file does not cover another file of the same name.
    ModelAssessment.objects.filter(pk=assessment.pk).update(
        valid_until=date.today() + timedelta(days=30), sha256="cd" * 32
    )
    assert "vendorx_faces_v2" in model_deployment_refusals(records=[new_model_record()])
    assert model_deployment_refusals(records=[new_model_record(sha256="cd" * 32)]) == {}


@pytest.mark.django_db
def test_only_a_dpo_approves_and_only_with_evidence():
    dpo = UserFactory(role=Role.DPO)
    assessment = register_save(
        actor=dpo,
        model=ModelAssessment,
        fields={
            "model_name": "vendorx_faces_v2",
            "test_set": "FairFace val",
            "accuracy_summary": "AP 0.91",
            "intended_use": "Anonymisation",
            "limits": "Night scenes",
            "valid_until": date.today() + timedelta(days=365),
        },
    )
    with pytest.raises(ValidationError) as error:
        model_assessment_approve(actor=dpo, entry_id=assessment.pk)
    assert {"false_positive_rates", "vendor"} <= set(error.value.message_dict)
    with pytest.raises(ValidationError) as error:
        register_save(
            actor=dpo,
            model=ModelAssessment,
            instance_id=assessment.pk,
            fields={"false_positive_rates": {"group A": 3}},
        )
    assert "false_positive_rates" in error.value.message_dict
    vendor = register_save(
        actor=dpo,
        model=__import__("privacy.models", fromlist=["Vendor"]).Vendor,
        fields={"name": "VendorX", "services": "Face model", "review_date": date(2027, 6, 1)},
    )
    register_save(
        actor=dpo,
        model=ModelAssessment,
        instance_id=assessment.pk,
        fields={"false_positive_rates": {"group A": 0.02, "group B": 0.05}, "vendor": vendor},
    )
    for role in (Role.SUPERVISOR, Role.ADMIN):
        with pytest.raises(PermissionDenied):
            model_assessment_approve(actor=UserFactory(role=role), entry_id=assessment.pk)
    client = Client()
    client.force_login(dpo)
    url = f"/privacy/registers/model-assessments/{assessment.pk}/"
    assert "Not approved by a DPO" in client.get(url).content.decode()
    response = client.post(url, {"action": "approve", "note": "Bias within 3 points"})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.approved_by == dpo and assessment.is_current()
    event = AccessEvent.objects.get(kind=AccessKind.MODEL_ASSESSMENT_APPROVE)
    assert event.reason == "Bias within 3 points"
    assert model_deployment_refusals(records=[new_model_record()]) == {}
    guard = Client()
    guard.force_login(UserFactory(role=Role.GUARD))
    assert guard.get(url).status_code == 404


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_worker_process_exits_saying_which_model_and_why(analytics_workers):
    ModelAssessment.objects.filter(model_name="haarcascade_russian_plate_number").update(
        approved_at=None
    )
    finished = subprocess.run(
        [sys.executable, "manage.py", "analytics_worker"],
        cwd=settings.BASE_DIR,
        env=analytics_workers.env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    output = finished.stdout + finished.stderr
    assert finished.returncode != 0, output
    assert "No camera is run" in output
    assert "haarcascade_russian_plate_number" in output and "not approved by a DPO" in output
    # Only that one: the others' seeded assessments came back after earlier tests' flushes.
    assert "centerface" not in output


@pytest.mark.django_db
def test_the_live_false_positive_rate_from_triage_is_shown_next_to_the_assessed(client):
    from analytics.models import Alert, DetectorModel
    from tests.factories import CameraFactory

    DetectorModel.objects.create(name="opencv_hog_default_people", task="people detection")
    camera = CameraFactory()
    now = timezone.now()
    for n, status in enumerate(["dismissed", "confirmed", "confirmed", "confirmed", "open"]):
        Alert.objects.create(
            camera=camera, kind="person_in_zone", occurred_at=now, status=status, dedupe_key=n
        )
    Alert.objects.create(
        camera=camera, kind="unusual_motion", occurred_at=now, status="dismissed", dedupe_key="m"
    )
    people = ModelAssessment.objects.get(model_name="opencv_hog_default_people")
    assert people.live_false_positive_rate == 0.25
    assert ModelAssessment.objects.get(model_name="centerface").live_false_positive_rate is None
    client.force_login(UserFactory(role=Role.DPO))
    page = client.get(f"/privacy/registers/model-assessments/{people.pk}/").content.decode()
    assert "Live false-positive rate" in page and "0.25" in page
    assert "all (not broken down by the maker)" in page
