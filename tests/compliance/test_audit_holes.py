"""django-auditlog's known holes, closed: a bulk ``QuerySet.update()`` / ``bulk_update()`` on
an audited model leaves change-log entries (chained like any other); ``auditlogflush`` cannot
erase the change log (ORM delete refused everywhere, TRUNCATE refused by PostgreSQL to the
application's role); ``disable_auditlog`` is used only where another record replaces the log."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError

from cameras.models import Camera
from compliance.chain import audit_verify
from compliance.models import AuditChainLink, ReadOnlyRecordError
from tests.factories import CameraFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def entries_for(camera) -> list[LogEntry]:
    return list(
        LogEntry.objects.get_for_object(camera).filter(action=LogEntry.Action.UPDATE).order_by("pk")
    )


def test_queryset_update_of_an_audited_field_leaves_an_entry_per_row_with_old_and_new():
    first, second = CameraFactory(retention_hours=72), CameraFactory(retention_hours=48)
    links_before = AuditChainLink.objects.count()

    changed = Camera.objects.filter(pk__in=[first.pk, second.pk]).update(retention_hours=24)

    assert changed == 2
    for camera, old in ((first, 72), (second, 48)):
        [entry] = entries_for(camera)
        assert entry.changes_dict["retention_hours"] == [str(old), "24"]
        assert entry.additional_data == {"written_by": "QuerySet.update"}
    assert AuditChainLink.objects.count() == links_before + 2  # chained like any other entry
    assert audit_verify().ok


def test_bulk_update_is_recorded_and_masked_fields_stay_masked():
    camera = CameraFactory(source_password="first-secret")
    camera.retention_hours = 12
    camera.source_password = "second-secret"
    Camera.objects.bulk_update([camera], ["retention_hours", "source_password"])

    [entry] = entries_for(camera)
    assert entry.changes_dict["retention_hours"] == ["72", "12"]
    text = str(entry.changes) + str(entry.serialized_data)
    assert "secret" not in text


def test_updates_of_untracked_fields_stay_one_plain_statement():
    camera = CameraFactory()
    Camera.objects.filter(pk=camera.pk).update(probe_failures=3, next_probe_at=None)
    assert entries_for(camera) == []


def test_auditlogflush_cannot_erase_the_change_log():
    CameraFactory()
    count = LogEntry.objects.count()
    assert count > 0
    with pytest.raises(ReadOnlyRecordError), transaction.atomic():
        call_command("auditlogflush", "--yes", stdout=io.StringIO())
    assert LogEntry.objects.count() == count


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL triggers")
def test_truncate_is_refused_to_the_application_role():
    CameraFactory()
    count = LogEntry.objects.count()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending
        cursor.execute("CREATE ROLE veil_app_probe NOSUPERUSER")
        cursor.execute("GRANT TRUNCATE ON auditlog_logentry TO veil_app_probe")
        cursor.execute("SET LOCAL ROLE veil_app_probe")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            call_command("auditlogflush", "--yes", "--truncate", stdout=io.StringIO())
        cursor.execute("RESET ROLE")
        transaction.set_rollback(True)  # the probe role goes with the transaction
    assert LogEntry.objects.count() == count


def test_disable_auditlog_is_used_only_where_a_deletion_record_replaces_the_log():
    allowed = {"analytics/retention.py"}  # expired alerts: one DeletionRecord per run
    users = set()
    for app in ("accounts", "cameras", "privacy", "analytics", "compliance", "vms"):
        for path in (ROOT / app).rglob("*.py"):
            text = path.read_text()
            if "disable_auditlog" in text or "auditlog.unregister" in text:
                users.add(str(path.relative_to(ROOT)))
    assert users == allowed
