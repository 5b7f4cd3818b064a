"""Retention with proof and legal holds: what is past a camera's retention goes (files, then
references, then the day's data key), what a hold covers stays until it is released, every run
leaves deletion records, and a purge killed mid-run and run again ends as an uninterrupted one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connections
from django.http import Http404

from accounts.roles import Role
from analytics.models import Alert
from compliance.models import AccessEvent, AccessKind
from privacy.models import DataKey, DeletionRecord, LegalHold
from privacy.services.holds import legal_hold_place, legal_hold_release
from privacy.services.keys import KeyDestroyedError
from privacy.services.retention import retention_purge
from tests.factories import CameraFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
JPEG = b"\xff\xd8\xff\xe0" + os.urandom(3000)


def alert_at(camera, when: datetime, n: int = 0) -> Alert:
    alert = Alert.objects.create(
        camera=camera, kind="person_in_zone", occurred_at=when, dedupe_key=f"{camera.pk}-{when}-{n}"
    )
    alert.snapshot.save("snapshot.jpg", ContentFile(JPEG), save=False)
    alert.clip.save("clip.mp4", ContentFile(JPEG[:1000]), save=True)
    return alert


def media_files(settings) -> list[Path]:
    return sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())


@pytest.fixture
def camera():
    return CameraFactory(retention_hours=72)


def test_media_past_retention_go_with_their_day_key_and_a_record(camera, settings):
    old = alert_at(camera, NOW - timedelta(days=5))  # 2026-11-26: wholly past 72 h
    edge = alert_at(camera, NOW - timedelta(hours=73))  # 2026-11-28 11:00: past, day is not
    fresh = alert_at(camera, NOW - timedelta(hours=2))
    old_name = old.snapshot.name

    summary = retention_purge(now=NOW)

    for alert in (old, edge):
        alert.refresh_from_db()
        assert not alert.snapshot and not alert.clip  # the row stays: the decision log
    fresh.refresh_from_db()
    assert fresh.snapshot.open("rb").read() == JPEG
    assert not default_storage.exists(old_name)
    assert len(media_files(settings)) == 2  # only the fresh alert's two files remain
    destroyed = DataKey.objects.filter(destroyed_at__isnull=False).values_list("scope", flat=True)
    assert list(destroyed) == [f"camera:{camera.pk}:2026-11-26"]  # 11-28 still has kept hours
    records = {r.kind: r for r in DeletionRecord.objects.filter(run=summary.run)}
    assert records["alert_media"].items == 2 and records["alert_media"].bytes > 2 * len(JPEG)
    assert records["alert_media"].range_start == old.occurred_at
    assert records["alert_media"].range_end == edge.occurred_at
    assert records["data_keys"].keys_destroyed == [f"camera:{camera.pk}:2026-11-26"]
    event = AccessEvent.objects.get(kind=AccessKind.RETENTION_PURGE)
    assert event.data["items"] == 2 and event.data["keys_destroyed"] == 1

    again = retention_purge(now=NOW)  # idempotent: nothing more to do
    assert again.items == 0 and again.keys_destroyed == 0


def test_a_legal_hold_keeps_footage_until_released(camera):
    supervisor = UserFactory(role=Role.SUPERVISOR, sites=[camera.site])
    held = alert_at(camera, NOW - timedelta(days=5))
    not_held = alert_at(camera, NOW - timedelta(days=6))
    hold = legal_hold_place(
        actor=supervisor,
        camera_ids=[camera.pk],
        starts_at=held.occurred_at - timedelta(minutes=5),
        ends_at=held.occurred_at + timedelta(minutes=5),
        reason="Police request 2026/4411: assault in the car park",
        reference="PR-4411",
        expires_at=NOW + timedelta(days=30),
    )
    summary = retention_purge(now=NOW)
    held.refresh_from_db()
    not_held.refresh_from_db()
    assert held.snapshot.open("rb").read() == JPEG
    assert not not_held.snapshot
    assert summary.held_back == 1
    # The held day's key survives; the other day's is destroyed.
    assert not DataKey.objects.get(scope=f"camera:{camera.pk}:2026-11-26").destroyed_at
    assert DataKey.objects.get(scope=f"camera:{camera.pk}:2026-11-25").destroyed_at

    legal_hold_release(actor=supervisor, hold_id=hold.pk, note="Case closed, footage handed over")
    retention_purge(now=NOW)
    held.refresh_from_db()
    assert not held.snapshot
    assert DataKey.objects.get(scope=f"camera:{camera.pk}:2026-11-26").destroyed_at
    kinds = list(
        AccessEvent.objects.filter(kind__startswith="legal_hold").values_list("kind", flat=True)
    )
    assert sorted(kinds) == [AccessKind.LEGAL_HOLD_PLACE, AccessKind.LEGAL_HOLD_RELEASE]


def test_an_expired_hold_keeps_nothing(camera):
    dpo = UserFactory(role=Role.DPO)
    alert = alert_at(camera, NOW - timedelta(days=5))
    hold = legal_hold_place(
        actor=dpo,
        camera_ids=[camera.pk],
        starts_at=NOW - timedelta(days=6),
        ends_at=NOW - timedelta(days=4),
        reason="Complaint, reviewed",
        expires_at=NOW + timedelta(days=1),
    )
    LegalHold.objects.filter(pk=hold.pk).update(expires_at=NOW - timedelta(minutes=1))
    retention_purge(now=NOW)
    alert.refresh_from_db()
    assert not alert.snapshot


def test_alert_rows_outlive_their_media_for_the_decision_log(camera, settings):
    settings.DECISION_LOG_RETENTION_DAYS = 10  # below the floor of 183: the floor wins
    young = alert_at(camera, NOW - timedelta(days=100))
    old = alert_at(camera, NOW - timedelta(days=200))
    summary = retention_purge(now=NOW)
    assert Alert.objects.filter(pk=young.pk).exists()
    assert not Alert.objects.filter(pk=old.pk).exists()
    record = DeletionRecord.objects.get(run=summary.run, kind="alerts")
    assert record.items == 1 and record.range_start == old.occurred_at


def test_deletion_records_are_never_changed(camera):
    alert_at(camera, NOW - timedelta(days=5))
    retention_purge(now=NOW)
    record = DeletionRecord.objects.first()
    from compliance.models import ReadOnlyRecordError

    record.items = 0
    with pytest.raises(ReadOnlyRecordError):
        record.save()
    with pytest.raises(ReadOnlyRecordError):
        record.delete()


# --- holds: who may, and what is refused ---------------------------------------------------
def test_holds_need_the_capability_and_cameras_in_scope(camera):
    guard = UserFactory(role=Role.GUARD, sites=[camera.site])
    supervisor = UserFactory(role=Role.SUPERVISOR, sites=[camera.site])
    elsewhere = CameraFactory(site=SiteFactory())
    args = {"starts_at": NOW - timedelta(days=1), "ends_at": NOW, "reason": "Incident 7"}
    with pytest.raises(PermissionDenied):
        legal_hold_place(actor=guard, camera_ids=[camera.pk], **args)
    with pytest.raises(Http404):
        legal_hold_place(actor=supervisor, camera_ids=[camera.pk, elsewhere.pk], **args)
    with pytest.raises(ValidationError) as refused:
        legal_hold_place(
            actor=supervisor, camera_ids=[camera.pk], starts_at=NOW, ends_at=NOW, reason=" "
        )
    assert set(refused.value.error_dict) == {"ends_at", "reason"}
    assert not LegalHold.objects.exists()


def test_hold_pages_place_and_release_through_the_browser_forms(client, camera):
    supervisor = UserFactory(role=Role.SUPERVISOR, sites=[camera.site])
    client.force_login(supervisor)
    page = client.get("/privacy/holds/")
    assert page.status_code == 200 and camera.name in page.content.decode()
    start = datetime.now(UTC) - timedelta(hours=3)
    response = client.post(
        "/privacy/holds/",
        {
            "cameras": [camera.pk],
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "reason": "Shoplifting reported by the store manager",
            "reference": "INC-88",
        },
    )
    hold = LegalHold.objects.get()
    assert response.status_code == 302 and response.url == f"/privacy/holds/{hold.pk}/"
    detail = client.get(response.url).content.decode()
    assert "INC-88" in detail and "Active until" in detail
    response = client.post(response.url, {"note": ""})
    assert "Say why" in response.content.decode() or "required" in response.content.decode()
    client.post(f"/privacy/holds/{hold.pk}/", {"note": "Store withdrew the complaint"})
    hold.refresh_from_db()
    assert hold.released_by == supervisor
    # A guard does not see the page at all; another site's supervisor does not see the hold.
    client.force_login(UserFactory(role=Role.GUARD, sites=[camera.site]))
    assert client.get("/privacy/holds/").status_code == 404
    client.force_login(UserFactory(role=Role.SUPERVISOR, sites=[SiteFactory()]))
    assert client.get(f"/privacy/holds/{hold.pk}/").status_code == 404


def test_deletion_records_page_for_the_dpo(client, camera):
    alert_at(camera, NOW - timedelta(days=5))
    retention_purge(now=NOW)
    client.force_login(UserFactory(role=Role.DPO))
    body = client.get("/privacy/deletions/").content.decode()
    assert f"camera:{camera.pk}:2026-11-26" in body and "alert_media" in body
    client.force_login(UserFactory(role=Role.SUPERVISOR, sites=[camera.site]))
    assert client.get("/privacy/deletions/").status_code == 404


# --- crash safety ---------------------------------------------------------------------------
KILLER = r"""
import os, signal, django
django.setup()
from datetime import datetime
from analytics import retention as analytics_retention
from privacy.services import retention

class DyingStorage:
    # The real storage, but the process is killed at the 5th file deletion: in the middle
    # of a batch whose files are partly gone and whose rows are not yet cleared.
    def __init__(self, real):
        self.real, self.deleted = real, 0
    def __getattr__(self, name):
        return getattr(self.real, name)
    def delete(self, name):
        self.real.delete(name)
        self.deleted += 1
        if self.deleted == 5:
            os.kill(os.getpid(), signal.SIGKILL)

analytics_retention.default_storage = DyingStorage(analytics_retention.default_storage)
retention.retention_purge(now=datetime.fromisoformat(os.environ["PURGE_NOW"]), batch=2)
"""


@pytest.mark.django_db(transaction=True)
def test_a_purge_killed_mid_run_and_run_again_ends_like_an_uninterrupted_one(camera, settings):
    for n in range(7):
        alert_at(camera, NOW - timedelta(days=5, minutes=n), n)
    keep = alert_at(camera, NOW - timedelta(hours=1))
    db = connections["default"].settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "vms.settings",
        "VMS_DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "VMS_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "VMS_DATA_DIR": str(settings.DATA_DIR),
        "PURGE_NOW": NOW.isoformat(),
    }
    killed = subprocess.run(
        [sys.executable, "-c", KILLER],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert Alert.objects.exclude(snapshot="").count() > 1  # it died half-way

    retention_purge(now=NOW)
    assert list(Alert.objects.exclude(snapshot="").values_list("pk", flat=True)) == [keep.pk]
    assert len(media_files(settings)) == 2
    with pytest.raises(KeyDestroyedError):
        default_storage.save(f"alerts/{camera.pk}/2026/11/26/late.jpg", ContentFile(b"x"))
