"""The DPO's desk at scale: an audit report over a million access events, ``audit_verify``
over a million chained records, and what the hash chain adds to writing one audit record.

    source bin/bootstrap
    nice -n 10 python bench/audit_reports.py               # 1 000 000 events; ~10 min
    nice -n 10 python bench/audit_reports.py --scale 0.1   # 100 000 events; ~1 min
    python bench/audit_reports.py --keep-db                # keep the database (it is printed)

Builds a throwaway PostgreSQL database (``veil_auditbench_<token>``, dropped at the end): one
site, 200 cameras, 40 people, 1 000 000 access events over 30 days by ``INSERT … SELECT
generate_series`` (live views, camera views, clip and recorded views, log-ins, alert
decisions; exports, un-masks and grants one in a thousand, as in real use), then their chain
links, hashed by ``compliance.chain`` itself (the verifier must recompute the same hashes) and
loaded with ``COPY``. Then it prints:

* the report for those 30 days, whole organisation: building every registered section
  (aggregated in SQL), writing the PDF, writing the CSV zip; and the whole
  ``report_generate`` (which also signs a checkpoint and verifies the chain);
* ``audit_verify`` over every link (records / s);
* writing one access event through ``access_event_record``, in its own transaction, with the
  chain and without it (the chain's signal disconnected), interleaved in one run: µs each.

Nothing asserts; targets (issue 11): report ≤ 10 s and ``audit_verify`` ≤ 30 s at 1 000 000.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

POSTGRES = "postgres://postgres@127.0.0.1:5432"
EVENTS, CAMERAS, PEOPLE, DAYS = 1_000_000, 200, 40, 30


def setup_django(db_name: str) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="vms.settings",
        VMS_DATABASE_URL=f"{POSTGRES}/{db_name}",
        VMS_REDIS_URL=os.environ.get("VMS_REDIS_URL", "redis://127.0.0.1:6379/13"),
        VMS_DATA_DIR=os.environ.get("VMS_DATA_DIR", f"/tmp/{db_name}-data"),
        VMS_MEDIA_ROOT=f"/tmp/{db_name}-data/media",
    )
    Path(os.environ["VMS_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def sql(statement: str, params=None) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def timed(label: str, work):
    start = time.perf_counter()
    result = work()
    print(f"  {label:<58} {time.perf_counter() - start:8.2f} s", flush=True)
    return result


def build(events_n: int) -> dict:
    from accounts.roles import Role
    from compliance.services import acting_as
    from tests.factories import CameraFactory, SiteFactory, UserFactory

    with acting_as():
        site = SiteFactory(name="Bench estate")
        for n in range(CAMERAS):
            CameraFactory(site=site, name=f"Camera {n:03d}")
        people = [UserFactory(username=f"guard-{n:02d}", role=Role.GUARD, sites=[site])
                  for n in range(PEOPLE)]  # fmt: skip
        dpo = UserFactory(username="bench-dpo", role=Role.DPO)

    def events():
        from django.contrib.contenttypes.models import ContentType

        from cameras.models import Camera

        camera_type = ContentType.objects.get_for_model(Camera).pk
        sql(
            """
            WITH users AS (SELECT id, username, row_number() OVER (ORDER BY id) - 1 AS u
                           FROM accounts_user WHERE username LIKE 'guard-%%'),
                 cams AS (SELECT id, name, row_number() OVER (ORDER BY id) - 1 AS k
                          FROM cameras_camera),
                 rows AS (SELECT g, g %% (SELECT count(*) FROM users) AS u,
                                 (g * 7919) %% (SELECT count(*) FROM cams) AS k
                          FROM generate_series(1::bigint, %(n)s) g)
            INSERT INTO compliance_accessevent (occurred_at, kind, actor_id, actor_username,
                target_type_id, target_id, target_repr, reason, data, user_agent)
            SELECT now() - (random() * %(days)s * interval '1 day'),
                   CASE WHEN g %% 1000 = 0 THEN
                          (ARRAY['export','unmask_approve','access_grant','report'])[1 + (g / 1000) %% 4]
                        ELSE (ARRAY['live_view','camera_view','clip_view','recording_view',
                                    'login','alert_decision','logout'])[1 + g %% 7] END,
                   users.id, users.username, %(camera_type)s, cams.id::text, cams.name,
                   CASE WHEN g %% 1000 = 0 THEN 'Bench reason ' || g ELSE '' END, '{}', 'bench'
            FROM rows JOIN users USING (u) JOIN cams USING (k)
            """,
            {"n": events_n, "days": DAYS, "camera_type": camera_type},
        )

    timed(f"{events_n:,} access events (INSERT … SELECT generate_series)", events)
    timed("chain links for every record (hashed in Python, COPY)", chain_everything)
    timed("ANALYZE", lambda: sql("ANALYZE"))
    return {"dpo": dpo, "people": people}


def chain_everything(batch: int = 20_000) -> None:
    """Links for every record not yet chained, in (time, id) order, exactly as
    ``compliance.chain.chain_append`` computes them; loaded with COPY."""
    from auditlog.models import LogEntry
    from django.db import connection

    from compliance.chain import GENESIS, chain_hash, content_hash
    from compliance.models import AccessEvent, AuditChainLink

    last = AuditChainLink.objects.order_by("-seq").values_list("seq", "chain_hash").first()
    seq, previous = last if last else (0, GENESIS)
    linked = set(AuditChainLink.objects.filter(record_type="access_event")
                 .values_list("record_id", flat=True))  # fmt: skip
    linked_log = set(AuditChainLink.objects.filter(record_type="log_entry")
                     .values_list("record_id", flat=True))  # fmt: skip
    for record_type, model, done in (("log_entry", LogEntry, linked_log),
                                      ("access_event", AccessEvent, linked)):  # fmt: skip
        after = 0
        while True:
            rows = list(model._base_manager.filter(pk__gt=after).order_by("pk")[:batch])
            if not rows:
                break
            after = rows[-1].pk
            buffer = io.StringIO()
            for record in rows:
                if record.pk in done:
                    continue
                seq += 1
                digest = content_hash(record)
                previous = chain_hash(previous, seq, record_type, record.pk, digest)
                buffer.write(f"{seq}\t{record_type}\t{record.pk}\t{digest}\t{previous}\n")
            buffer.seek(0)
            with (
                connection.cursor() as cursor,
                cursor.copy(
                    "COPY compliance_auditchainlink (seq, record_type, record_id, content_hash, "
                    "chain_hash) FROM STDIN"
                ) as copy,
            ):
                copy.write(buffer.read())


def report_figures(dpo) -> None:
    from django.utils import timezone

    from compliance.models import Report
    from compliance.reports.pdf import render_pdf
    from compliance.reports.registry import ReportContext, ReportScope, report_sections
    from compliance.reports.services import _csv_zip, report_generate

    end = timezone.now() + dt.timedelta(minutes=1)
    start = end - dt.timedelta(days=DAYS + 1)
    context = ReportContext(period_start=start, period_end=end, scope=ReportScope(),
                            generated_by="bench-dpo", generated_at=timezone.now(),
                            organisation="Bench Ltd")  # fmt: skip
    built = []
    sections_started = time.perf_counter()
    for section in report_sections():
        if section.key == "verification":
            continue
        begun = time.perf_counter()
        content = section.build(context)
        rows = sum(len(t.rows) for t in content.tables)
        print(f"    section {section.key:<20} {time.perf_counter() - begun:8.2f} s  "
              f"({rows:,} table rows)", flush=True)  # fmt: skip
        built.append((section, content))
    print(f"  {'every section (SQL aggregation)':<58} "
          f"{time.perf_counter() - sections_started:8.2f} s")  # fmt: skip
    pdf = timed("PDF (ReportLab)", lambda: render_pdf(context, built, "BENCH"))
    archive = timed("CSV zip", lambda: _csv_zip(built))
    print(f"  {'PDF size / CSV zip size':<58} {len(pdf) / 1e6:6.2f} MB / "
          f"{len(archive) / 1e6:.2f} MB")  # fmt: skip
    report = Report.objects.create(uid=uuid.uuid4(), requested_by=dpo, period_start=start,
                                   period_end=end)  # fmt: skip
    timed("report_generate end to end (incl. checkpoint + audit_verify)",
          lambda: report_generate(report_id=report.pk))  # fmt: skip


def verify_figures() -> None:
    from compliance.chain import audit_verify

    started = time.perf_counter()
    result = audit_verify()
    took = time.perf_counter() - started
    print(
        f"  {'audit_verify, every link':<58} {took:8.2f} s  "
        f"({result.links:,} links, {result.links / took:,.0f} / s, ok={result.ok})"
    )


def write_cost(rounds: int = 10, per_round: int = 200) -> None:
    """µs per access event written in its own transaction, chained or not, interleaved."""
    from django.db import transaction
    from django.db.models.signals import post_save

    from compliance.models import AccessEvent, AccessKind
    from compliance.services import access_event_record
    from compliance.signals import chain_new_record
    from tests.factories import UserFactory

    actor = UserFactory(username="bench-writer", role="")
    timings = {"with the chain": [], "without the chain": []}
    for _ in range(rounds):
        for label in timings:
            chained = label == "with the chain"
            if not chained:
                post_save.disconnect(sender=AccessEvent, dispatch_uid="veil-chain-access")
            try:
                begun = time.perf_counter()
                for _ in range(per_round):
                    with transaction.atomic():
                        access_event_record(kind=AccessKind.CAMERA_VIEW, actor=actor)
                timings[label].append((time.perf_counter() - begun) / per_round * 1e6)
            finally:
                if not chained:
                    post_save.connect(chain_new_record, sender=AccessEvent,
                                      dispatch_uid="veil-chain-access")  # fmt: skip
    medians = {label: statistics.median(values) for label, values in timings.items()}
    for label, value in medians.items():
        print(f"  {'one access event, ' + label:<58} {value:8.0f} µs (median of {rounds} "
              f"rounds of {per_round})")  # fmt: skip
    extra = medians["with the chain"] - medians["without the chain"]
    print(f"  {'the chain adds':<58} {extra:8.0f} µs per record")
    chain_everything()  # the unchained ones join, so the database stays verifiable


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of 1 000 000 events")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--db", help="measure again on a kept database (no build; kept)")
    args = parser.parse_args()
    events_n = max(1000, int(EVENTS * args.scale))
    if args.db:
        return remeasure(args.db)
    db_name = f"veil_auditbench_{uuid.uuid4().hex[:8]}"
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", db_name], check=True)
    try:
        from bench._harness import machine_description

        print(f"Machine: {machine_description()}")
        print(f"Database: {db_name}; scale {args.scale} ({events_n:,} access events)\n")
        timed("migrate", lambda: setup_django(db_name))
        print("Building the data set:")
        people = build(events_n)
        print("\nWriting one audit record:")
        write_cost()
        print(f"\nReport over {DAYS} days, whole organisation:")
        report_figures(people["dpo"])
        print("\nVerifying the chain:")
        verify_figures()
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep_db:
            print(f"\nKept {db_name}")
        else:
            subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--force", db_name],
                           check=False)  # fmt: skip


def remeasure(db_name: str) -> None:
    """The report and the verification again, on a database a run kept."""
    from bench._harness import machine_description

    print(f"Machine: {machine_description()}\nDatabase: {db_name} (kept)\n")
    setup_django(db_name)
    from django.contrib.auth import get_user_model

    from compliance.models import AccessEvent

    print(f"{AccessEvent.objects.count():,} access events")
    print(f"\nReport over {DAYS} days, whole organisation:")
    report_figures(get_user_model().objects.get(username="bench-dpo"))
    print("\nVerifying the chain:")
    verify_figures()


if __name__ == "__main__":
    main()
