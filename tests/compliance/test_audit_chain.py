"""The tamper-evident audit trail: every access event and change-log entry is chained in its
transaction; ``audit_verify`` finds an edit, a deletion, an insertion beside the chain and a
reordering, each with its id; checkpoints are signed; PostgreSQL refuses UPDATE and DELETE."""

from __future__ import annotations

import io
import json
import threading

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction

from compliance.chain import audit_checkpoint_create, audit_verify
from compliance.models import AccessEvent, AccessKind, AuditChainLink
from compliance.services import access_event_record
from tests.factories import CameraFactory, UserFactory

pytestmark = pytest.mark.django_db


def some_records(n: int = 3) -> list[AccessEvent]:
    user = UserFactory()
    CameraFactory()  # a change-log entry too
    return [
        access_event_record(kind=AccessKind.CAMERA_VIEW, actor=user, data={"n": i})
        for i in range(n)
    ]


def verify() -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit_verify", stdout=out, stderr=err)
    except CommandError as error:
        return 1, out.getvalue(), str(error) + err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def raw(sql: str, params) -> None:
    """What someone with database access, bypassing the application, does."""
    with connection.cursor() as cursor:
        # A superuser's way round every trigger (the application's role has no such power).
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        cursor.execute("SET LOCAL session_replication_role = origin")


def test_every_record_is_chained_and_an_intact_trail_verifies():
    events = some_records()
    links = AuditChainLink.objects.order_by("seq")
    assert [link.seq for link in links] == list(range(1, links.count() + 1))
    chained = {(link.record_type, link.record_id) for link in links}
    assert {("access_event", e.pk) for e in events} <= chained
    assert any(kind == "log_entry" for kind, _ in chained)
    assert LogEntry.objects.count() + AccessEvent.objects.count() == links.count()
    code, out, _ = verify()
    assert code == 0 and "Audit trail intact" in out


def test_an_edited_record_is_found_with_its_id():
    events = some_records()
    raw(
        "UPDATE compliance_accessevent SET reason = %s WHERE id = %s",
        ["nothing happened", events[1].pk],
    )
    code, _, err = verify()
    assert code == 1 and f"edited: access_event {events[1].pk}" in err


def test_a_deleted_record_is_found():
    events = some_records()
    raw("DELETE FROM compliance_accessevent WHERE id = %s", [events[0].pk])
    code, _, err = verify()
    assert code == 1 and f"deleted: access_event {events[0].pk}" in err


def test_a_record_inserted_beside_the_chain_is_found():
    some_records()
    sneaked = AccessEvent.objects.bulk_create([AccessEvent(kind=AccessKind.LOGIN)])[0]
    code, _, err = verify()
    assert code == 1 and f"inserted: access_event {sneaked.pk}" in err


def test_reordered_links_are_found():
    some_records(4)
    first, second = AuditChainLink.objects.order_by("seq")[1:3]
    # Two records swap places in the order (their links' numbers swapped).
    raw("UPDATE compliance_auditchainlink SET seq = -1 WHERE seq = %s", [first.seq])
    raw("UPDATE compliance_auditchainlink SET seq = %s WHERE seq = %s", [first.seq, second.seq])
    raw("UPDATE compliance_auditchainlink SET seq = %s WHERE seq = -1", [second.seq])
    code, _, err = verify()
    assert code == 1 and "reordered" in err


def test_postgresql_refuses_changes_to_audit_rows_whatever_the_code():
    event = some_records(1)[0]
    for sql in (
        "UPDATE compliance_accessevent SET reason = 'x' WHERE id = %s",
        "DELETE FROM compliance_accessevent WHERE id = %s",
        "DELETE FROM auditlog_logentry WHERE id >= %s",
    ):
        with (
            pytest.raises(Exception, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        call_command("auditlogflush", "--yes", stdout=io.StringIO())


def test_checkpoints_are_signed_and_pin_the_head(tmp_path):
    some_records()
    checkpoint = audit_checkpoint_create()
    assert checkpoint.seq == AuditChainLink.objects.order_by("-seq").first().seq
    out = tmp_path / "checkpoints.json"
    call_command("audit_checkpoint", "--export", str(out), stdout=io.StringIO())
    exported = json.loads(out.read_text())
    assert len(exported) == 2 and exported[0]["algorithm"] == "Ed25519"
    assert verify()[0] == 0
    # A forged checkpoint (the head moved after a rewrite) no longer verifies.
    raw(
        "UPDATE compliance_auditcheckpoint SET head_hash = %s WHERE id = %s",
        ["f" * 64, checkpoint.pk],
    )
    code, _, err = verify()
    assert code == 1 and f"checkpoint {checkpoint.pk}" in err and "signature" in err


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain():
    user = UserFactory()
    errors = []

    def write(n: int) -> None:
        try:
            for i in range(10):
                with transaction.atomic():
                    access_event_record(
                        kind=AccessKind.CAMERA_VIEW, actor=user, data={"w": n, "i": i}
                    )
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    seqs = list(AuditChainLink.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) >= 40
    assert audit_verify().ok


@pytest.mark.django_db(transaction=True)
def test_verifying_in_parallel_finds_what_one_pass_finds():
    """``--workers``: ranges verified by separate processes, each from the link before it."""
    events = some_records(12)
    assert audit_verify(workers=3).ok
    tenth = AuditChainLink.objects.order_by("seq").values_list("seq", flat=True)[9]
    with transaction.atomic():  # (what someone with database access does, committed)
        raw("UPDATE compliance_accessevent SET reason = 'edited' WHERE id = %s", [events[6].pk])
        raw("DELETE FROM compliance_auditchainlink WHERE seq = %s", [tenth])
    one_pass = audit_verify(workers=1)
    parallel = audit_verify(workers=3)
    assert parallel.links == one_pass.links
    assert [str(b) for b in parallel.breaks] == [str(b) for b in one_pass.breaks]
    assert any(b.problem == "edited" and str(events[6].pk) in b.record for b in parallel.breaks)
    assert any(b.problem == "deleted" and b.seq == tenth + 1 for b in parallel.breaks)
