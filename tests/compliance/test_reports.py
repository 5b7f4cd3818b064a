"""Audit reports and the DPO dashboard: each section's figures on a small data set, the PDF
and the CSV zip a report produces, who may reach the pages (DPO only; 404 otherwise), and
that asking for and downloading a report are audited."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from auditlog.context import set_actor
from django.conf import settings
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.roles import Role
from analytics import services as analytics_services
from analytics.services.missed import missed_event_record
from cameras.services.registry import camera_update
from compliance.models import AccessEvent, AccessKind, Report, VerificationRun
from compliance.reports.registry import ReportContext, ReportScope, report_scope_resolve
from compliance.reports.services import audit_verification_run, report_generate, report_request
from compliance.services import access_event_record
from privacy.models import DeletionRecord
from tests.analytics.test_triage import raise_alert, scene  # noqa: F401
from tests.factories import CameraFactory, UserFactory

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


def _context(scope=None, days=7) -> ReportContext:
    now = timezone.now()
    return ReportContext(
        period_start=now - dt.timedelta(days=days), period_end=now + dt.timedelta(minutes=1),
        scope=scope or ReportScope(), generated_by="dpo", generated_at=now,
        organisation="Acme Security Ltd",
    )  # fmt: skip


def _figures(content) -> dict:
    return {f.label: f.value for f in content.figures}


def _section(key):
    from compliance.reports import report_sections

    return next(s for s in report_sections() if s.key == key)


@pytest.fixture
def data(scene):  # noqa: F811
    """Views, an export, alert decisions, a missed event, a retention change, a deletion and
    an un-mask approval, on the scene's cameras."""
    dpo = UserFactory(role=Role.DPO, username="dana-dpo")
    admin = UserFactory(role=Role.ADMIN, username="adam-admin")
    for _ in range(2):
        access_event_record(kind=AccessKind.LIVE_VIEW, actor=scene.guard, target=scene.camera)
    access_event_record(kind=AccessKind.RECORDING_VIEW, actor=scene.guard, target=scene.camera)
    access_event_record(
        kind=AccessKind.LIVE_VIEW, actor=scene.supervisor, target=scene.other_camera
    )
    access_event_record(
        kind=AccessKind.EXPORT, actor=dpo, target=scene.camera, reason="Police request 4471"
    )
    access_event_record(
        kind=AccessKind.UNMASK_APPROVE, actor=dpo, target=scene.camera, reason="Theft at gate",
        data={"requested_by": "guard-depot", "scope": "Depot gate 10:00–10:05"},
    )  # fmt: skip
    second, third = raise_alert(scene.camera, scene.rule), raise_alert(scene.camera, scene.rule)
    analytics_services.alert_decide(
        actor=scene.guard, alert=scene.alert, action="confirm", note="Person at the gate"
    )
    analytics_services.alert_decide(
        actor=scene.guard, alert=second, action="dismiss", reason="animal"
    )
    analytics_services.alert_decide(
        actor=scene.guard, alert=third, action="escalate", note="Unsure",
        escalate_to=scene.supervisor.pk,
    )  # fmt: skip
    missed_event_record(
        actor=scene.guard, camera=scene.camera, rule=scene.rule,
        occurred_at=timezone.now() - dt.timedelta(hours=2), description="Person climbed the fence",
    )  # fmt: skip
    with set_actor(admin):
        camera_update(actor=admin, camera=scene.camera, retention_hours=168,
                      retention_justification="Night-time thefts need a week to be noticed")  # fmt: skip
    now = timezone.now()
    DeletionRecord.objects.create(
        run=uuid.uuid4(), job="alert media", camera=scene.camera, camera_label="Depot gate",
        kind="alert media", items=12, bytes=4096, range_start=now - dt.timedelta(days=4),
        range_end=now - dt.timedelta(days=3), keys_destroyed=["k1"], started_at=now,
        finished_at=now,
    )  # fmt: skip
    return SimpleNamespace(scene=scene, dpo=dpo, admin=admin)


def test_access_section_counts_events_per_day_by_kind(data):
    content = _section("access").build(_context())
    by_kind = {row[0]: row[1] for row in content.tables[0].rows}
    assert by_kind["Viewed live video"] == 3
    assert by_kind["Exported"] == 1
    assert by_kind["Decided on an alert"] == 3
    assert _figures(content)["Access events"] == sum(by_kind.values())
    assert content.charts and content.charts[0].kind == "stacked"


def test_views_section_counts_live_and_recorded_views_per_camera_and_person(data):
    content = _section("views").build(_context())
    rows = {(r[0], r[1]): r[2:5] for r in content.tables[0].rows}
    assert rows[("Depot gate (Depot)", "guard-depot")] == [2, 1, 0]
    assert rows[("Airport apron (Airport)", "sup-depot")] == [1, 0, 0]
    assert _figures(content)["Live views"] == 3


def test_scope_of_a_camera_keeps_its_events_only(data):
    scope = report_scope_resolve("camera", str(data.scene.camera.pk))
    assert scope.camera_ids == (data.scene.camera.pk,)
    content = _section("views").build(_context(scope))
    assert [r[0] for r in content.tables[0].rows] == ["Depot gate (Depot)"]
    user_scope = report_scope_resolve("user", str(data.scene.supervisor.pk))
    content = _section("views").build(_context(user_scope))
    assert [(r[0], r[1]) for r in content.tables[0].rows] == [
        ("Airport apron (Airport)", "sup-depot")
    ]


def test_alerts_section_gives_outcomes_false_positive_rate_and_recall(data):
    content = _section("alerts").build(_context())
    row = next(r for r in content.tables[0].rows if r[0] == "Depot gate")
    # Alerts, confirmed, false positive, escalated, open, missed, FP rate, precision, recall
    assert row[2:] == [3, 1, 1, 1, 0, 1, "50%", "50%", "50%"]
    assert "Person climbed the fence" in content.tables[1].rows[0]


def test_decisions_section_flags_rubber_stamping(data):
    scene = data.scene  # noqa: F811
    stamper = UserFactory(role=Role.GUARD, sites=[scene.camera.site], username="quick-quinn")
    for _ in range(10):
        alert = raise_alert(scene.camera, scene.rule)
        analytics_services.alert_decide(
            actor=stamper, alert=alert, action="confirm", note="Person at the gate"
        )
    content = _section("decisions").build(_context())
    per_person = {r[0]: r for r in content.tables[0].rows}
    assert per_person["quick-quinn"][1:4] == [10, 10, 0]
    assert per_person["quick-quinn"][-1] == "RUBBER-STAMP?"
    assert per_person["guard-depot"][1:5] == [3, 1, 1, 1]
    assert per_person["guard-depot"][-1] == ""
    assert _figures(content)["Flagged for rubber-stamping"] == 1


def test_privacy_sections_list_unmasks_and_deletions(data):
    unmasks = _section("unmasks").build(_context())
    assert _figures(unmasks)["Un-masks approved"] == 1
    assert "Theft at gate" in unmasks.tables[0].rows[0]
    deletions = _section("retention").build(_context())
    assert _figures(deletions)["Items deleted by retention"] == 12
    assert deletions.tables[0].rows[0][1] == "Depot gate"


def test_camera_configuration_section_lists_the_retention_change(data):
    content = _section("camera-config").build(_context())
    retention = [r for r in content.tables[0].rows if r[3] == "retention hours"]
    assert retention == [
        [
            retention[0][0],
            "Depot gate (Depot)",
            "Retention",
            "retention hours",
            "72",
            "168",
            "adam-admin",
        ]
    ]
    registered = [r for r in content.tables[0].rows if r[2] == "Registered"]
    assert "retention hours: 72" in registered[0][5]


def test_a_report_is_generated_as_pdf_and_csv_zip_with_the_verification_statement(
    data, django_capture_on_commit_callbacks
):
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=False):
        report = report_request(
            user=data.dpo, period_start=now - dt.timedelta(days=7),
            period_end=now + dt.timedelta(hours=1),
        )  # fmt: skip
    assert AccessEvent.objects.filter(kind=AccessKind.REPORT, target_id=str(report.pk)).exists()
    report = report_generate(report_id=report.pk)
    assert (report.status, report.progress) == ("done", 100)
    pdf = default_storage.open(report.pdf).read()
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Audit report" in text and "dana-dpo" in text
    assert "Depot gate" in text and "Police request 4471" in text
    assert "Night-time thefts" in text or "168" in text
    assert "VERIFIED" in text and "Public key fingerprint" in text
    archive = zipfile.ZipFile(io.BytesIO(default_storage.open(report.csv_zip).read()))
    views = list(
        csv.reader(io.StringIO(archive.read("video_views_per_camera_and_person.csv").decode()))
    )
    assert ["Depot gate (Depot)", "guard-depot", "2", "1", "0"] in [row[:5] for row in views]
    # An artefact to look at (git-ignored): the pages rendered by the browser test too.
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "audit-report-service.pdf").write_bytes(pdf)
    assert "alerts_by_rule.csv" in archive.namelist()
    assert VerificationRun.objects.filter(ok=True).exists()


def test_dpo_lands_on_the_dashboard_and_every_tile_renders(data):
    audit_verification_run(actor=data.dpo)
    client = Client()
    client.force_login(data.dpo)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("compliance:dashboard")
    body = response.content.decode()
    for key in ("unmasks", "exports", "access-trend", "retention", "recognition", "fp-rates",
                "rubber-stamp", "audit-chain", "dsar", "breaches", "notices", "dpia"):  # fmt: skip
        assert f'data-tile="{key}"' in body
    assert "Unavailable just now" not in body
    assert "Intact" in body
    assert "Depot gate: 168 h" in body


@pytest.mark.parametrize("role", [Role.GUARD, Role.SUPERVISOR, Role.ADMIN])
def test_desk_pages_are_404_for_everyone_but_the_dpo(data, role):
    client = Client()
    client.force_login(UserFactory(role=role, sites=[data.scene.camera.site]))
    report = Report.objects.create(
        uid=uuid.uuid4(), requested_by=data.dpo, period_start=timezone.now(),
        period_end=timezone.now() + dt.timedelta(days=1),
    )  # fmt: skip
    for url in (
        reverse("compliance:dashboard"),
        reverse("compliance:report-list"),
        reverse("compliance:report-detail", args=[report.uid]),
        reverse("compliance:report-progress", args=[report.uid]),
        reverse("compliance:report-download", args=[report.uid, "pdf"]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("compliance:report-list"), {}).status_code == 404


def test_downloading_a_report_is_audited(data, django_capture_on_commit_callbacks):
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=False):
        report = report_request(
            user=data.dpo, period_start=now - dt.timedelta(days=1), period_end=now
        )
    report_generate(report_id=report.pk)
    client = Client()
    client.force_login(data.dpo)
    response = client.get(reverse("compliance:report-download", args=[report.uid, "csv"]))
    assert response.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()
    event = AccessEvent.objects.get(kind=AccessKind.REPORT_DOWNLOAD)
    assert event.actor == data.dpo and event.data["part"] == "csv"


def test_a_guard_records_a_missed_event_through_the_form(scene):  # noqa: F811
    client = Client()
    client.force_login(scene.guard)
    response = client.post(reverse("analytics:missed-event-create"), {
        "camera": scene.camera.pk, "rule": scene.rule.pk,
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "description": "Van left without an alert",
    })  # fmt: skip
    assert response.status_code == 302
    assert AccessEvent.objects.filter(kind=AccessKind.MISSED_EVENT, actor=scene.guard).exists()
    hidden = CameraFactory()
    response = client.post(reverse("analytics:missed-event-create"), {
        "camera": hidden.pk, "occurred_at": "2026-01-01T10:00", "description": "x",
    })  # fmt: skip
    assert response.status_code == 200  # the hidden camera is not a choice


def test_the_report_form_offers_sites_cameras_and_people_and_queues_a_scoped_report(
    data, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(data.dpo)
    page = client.get(reverse("compliance:report-list")).content.decode()
    camera = data.scene.camera
    assert f'value="camera:{camera.pk}"' in page and "Camera: Depot gate (Depot)" in page
    assert f'value="site:{camera.site_id}"' in page and "User: guard-depot" in page
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("compliance:report-list"), {
            "date_from": (today - dt.timedelta(days=7)).isoformat(),
            "date_to": today.isoformat(), "scope": f"camera:{camera.pk}",
        })  # fmt: skip
    report = Report.objects.get()
    assert response.url == reverse("compliance:report-detail", args=[report.uid])
    assert (report.scope, report.scope_label) == ("camera", "Camera: Depot gate (Depot)")
    assert len(callbacks) == 1  # the Celery task, sent once the request commits
    progress = client.get(reverse("compliance:report-progress", args=[report.uid])).json()
    assert progress == {"status": "queued", "progress": 0, "stage": "", "ready": False}


def test_verify_now_runs_the_verification_in_the_background_for_the_dpo_only(
    data, django_capture_on_commit_callbacks
):
    from compliance.tasks import audit_verification_run as task

    guard = Client()
    guard.force_login(data.scene.guard)
    assert guard.post(reverse("compliance:audit-verify")).status_code == 404
    client = Client()
    client.force_login(data.dpo)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("compliance:audit-verify"))
    assert response.url == reverse("compliance:dashboard") and len(callbacks) == 1
    task(data.dpo.pk)  # what the worker runs
    run = VerificationRun.objects.get()
    assert run.ok and run.actor_username == "dana-dpo"
    assert AccessEvent.objects.filter(kind=AccessKind.AUDIT_VERIFY, actor=data.dpo).exists()
    assert "Verify now" in client.get(reverse("compliance:dashboard")).content.decode()
