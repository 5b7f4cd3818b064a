"""The DPO's desk in a real browser: the DPO logs in and lands on the dashboard, asks for an
audit report of the last week, watches the progress bar move while a real Celery worker
builds it, and downloads the PDF and the CSV zip. The PDF's text (pypdf) holds the events
this test created (a live view, an alert decision, a retention change) and the verification
statement; the CSV files hold the same rows. The first pages are rendered to PNG
(pypdfium2) into ``test-artifacts/`` to be looked at.

Daphne and a Celery worker (sharing one media folder and one queue), no stream and no
analytics worker: a module of its own.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from types import SimpleNamespace

import pytest
from pypdf import PdfReader

from tests.browser.conftest import (
    ARTIFACTS,
    People,
    _server_env,
    _start_daphne,
    _stop,
    _test_database,
    save_screenshot,
    totp_keys,
)
from tests.fixtures.worker import celery_worker

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.slow]

# Every value the progress bar shows, as the page shows it (its aria-valuenow changes).
PROGRESS_RECORDER = """
(() => {
  window.__veilProgress = [];
  const watch = () => {
    const bar = document.querySelector("#report-progress .progress-bar");
    if (!bar) return;
    window.__veilProgress.push(Number(bar.getAttribute("aria-valuenow")));
    new MutationObserver(() => {
      window.__veilProgress.push(Number(bar.getAttribute("aria-valuenow")));
      sessionStorage.setItem("veilProgress", JSON.stringify(window.__veilProgress));
    }).observe(bar, { attributes: true, attributeFilter: ["aria-valuenow"] });
  };
  document.addEventListener("DOMContentLoaded", watch);
})();
"""


@pytest.fixture(scope="module")
def desk(django_db_setup, django_db_blocker, channel_prefix_module, tmp_path_factory):
    """Daphne and a Celery worker on one media folder; a DPO, a guard, a camera with a rule."""
    from django.core.management import call_command
    from django.db import connections

    from accounts.roles import Role
    from analytics.models import Rule, Zone
    from compliance.services import acting_as
    from tests.factories import CameraFactory, SiteFactory, UserFactory

    media_root = tmp_path_factory.mktemp("desk-media")
    log_dir = tmp_path_factory.mktemp("desk-logs")
    daphne = None
    with django_db_blocker.unblock(), _test_database():
        try:
            with acting_as():
                site = SiteFactory(name="Harbour depot")
                camera = CameraFactory(site=site, name="Loading bay")
                zone = Zone.objects.create(
                    camera=camera, name="Dock", points=[[0, 0], [1, 0], [1, 1], [0, 1]]
                )
                rule = Rule.objects.create(
                    camera=camera, name="Person on the dock", kind=Rule.Kind.PERSON_IN_ZONE,
                    zone=zone,
                )  # fmt: skip
            dpo = UserFactory(username="dora-dpo", role=Role.DPO, first_name="Dora",
                              last_name="Pereira")  # fmt: skip
            admin = UserFactory(username="alan-admin", role=Role.ADMIN)
            guard = UserFactory(username="gus-guard", role=Role.GUARD, sites=[site])
            with celery_worker(
                ["--pool", "prefork", "--concurrency", "1", "--loglevel", "INFO"],
                log_path=log_dir / "worker.log",
                env={"VMS_MEDIA_ROOT": str(media_root)},
            ) as worker:
                env = _server_env(channel_prefix_module, media_root, VMS_CELERY_QUEUE=worker.queue)
                daphne = _start_daphne(env, log_dir)
                yield SimpleNamespace(
                    url=daphne.url, dpo=dpo, admin=admin, guard=guard, camera=camera,
                    rule=rule, worker=worker, totp_keys=totp_keys([dpo, admin]),
                )  # fmt: skip
        finally:
            if daphne is not None:
                _stop(daphne.process)
            call_command("flush", interactive=False, verbosity=0)
            for connection in connections.all():
                connection.close()


@pytest.fixture
def people(chromium, desk, request):
    crowd = People(chromium, desk.url, request.node.name, desk.totp_keys)
    yield crowd
    crowd.screenshot_all("end")
    crowd.close()


def _events(desk) -> dict:
    """A live view, an alert dismissed as a false positive, a retention change: through the
    services, as the console would write them."""
    from auditlog.context import set_actor

    from analytics import services as analytics_services
    from cameras.services.registry import camera_update
    from compliance.models import AccessKind
    from compliance.services import access_event_record
    from tests.analytics.test_triage import raise_alert

    access_event_record(kind=AccessKind.LIVE_VIEW, actor=desk.guard, target=desk.camera)
    alert = raise_alert(desk.camera, desk.rule, snapshot=False)
    analytics_services.alert_decide(
        actor=desk.guard, alert=alert, action="dismiss", reason="animal", note="A fox"
    )
    with set_actor(desk.admin):
        camera_update(
            actor=desk.admin, camera=desk.camera, retention_hours=240,
            retention_justification="Insurance claims arrive up to ten days later",
        )  # fmt: skip
    return {"alert": alert}


def test_dpo_generates_and_downloads_last_weeks_report(people, desk, orm, tmp_path):
    created = _events(desk)
    page = people.open(desk.dpo, "dpo", path="/")
    assert page.url.endswith("/audit/dashboard/"), page.url
    assert page.locator("[data-tile=audit-chain]").count() == 1
    assert page.locator("[data-tile=dsar]").count() == 1  # a slot for a later capability
    save_screenshot(page, "dpo-dashboard")

    with page.expect_navigation():
        page.click("text=Generate an audit report")
    page.context.add_init_script(PROGRESS_RECORDER)
    today = dt.date.today()
    page.fill("input[name=date_from]", (today - dt.timedelta(days=7)).isoformat())
    page.fill("input[name=date_to]", today.isoformat())
    with page.expect_navigation():
        page.click("#report-form button[type=submit]")
    assert "/audit/reports/" in page.url
    # The page reloads itself when the report is ready and then offers the downloads.
    page.wait_for_selector("#download-pdf", timeout=120_000)
    seen = page.evaluate("() => JSON.parse(sessionStorage.getItem('veilProgress') || '[]')")
    assert any(0 < value < 100 for value in seen), f"the bar never moved: {seen}"
    assert seen == sorted(seen), f"the bar went backwards: {seen}"

    with page.expect_download() as pdf_download:
        page.click("#download-pdf")
    pdf_path = tmp_path / "report.pdf"
    pdf_download.value.save_as(pdf_path)
    with page.expect_download() as csv_download:
        page.click("#download-csv")
    zip_path = tmp_path / "report.zip"
    csv_download.value.save_as(zip_path)

    reader = PdfReader(pdf_path)
    raw = "\n".join(p.extract_text() for p in reader.pages)
    text = " ".join(raw.split())  # table cells wrap: compare words, not line breaks
    assert "Audit report" in text and "Dora Pereira (dora-dpo)" in text
    # The live view, per camera and person.
    assert "Loading bay" in text and "gus-guard" in text
    # The alert decision, with its reason.
    assert f"#{created['alert'].pk}" in text and "Dismissed as false positive" in text
    # The retention change, with who made it.
    assert "retention hours" in text and "240" in text and "alan-admin" in text
    assert "VERIFIED: no record was edited, deleted, inserted or reordered" in text
    assert "Public key fingerprint" in text

    archive = zipfile.ZipFile(zip_path)

    def rows(name):
        return list(csv.reader(io.StringIO(archive.read(name).decode())))

    views = rows("video_views_per_camera_and_person.csv")
    assert any(
        r[0].startswith("Loading bay") and r[1] == "gus-guard" and r[2] == "1" for r in views
    )
    decisions = rows("alert_decisions.csv")
    assert any(r[1] == f"#{created['alert'].pk}" and r[4] == "gus-guard" for r in decisions)
    changes = rows("camera_configuration_changes.csv")
    assert any(
        r[3] == "retention hours" and r[5] == "240" and r[6] == "alan-admin" for r in changes
    )
    checkpoints = rows("verification_checkpoints.csv")
    assert len(checkpoints) >= 2 and all(r[4] in raw.replace("\n", "") for r in checkpoints[1:])

    import pypdfium2

    ARTIFACTS.mkdir(exist_ok=True)
    document = pypdfium2.PdfDocument(str(pdf_path))
    for index in range(min(4, len(document))):
        image = document[index].render(scale=1.5).to_pil()
        image.save(ARTIFACTS / f"dpo-report-page-{index + 1}.png")
        assert image.size[0] > 800


@pytest.mark.parametrize("who", ["guard"])
def test_a_guard_finds_no_dpo_pages(people, desk, who):
    page = people.open(getattr(desk, who), who, path="/analytics/wall/")
    for path in ("/audit/dashboard/", "/audit/reports/"):
        response = page.goto(path)
        assert response.status == 404, path
