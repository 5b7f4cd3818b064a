"""Veil's web layer at the size of a city: every page, for every role, on a big data set.

    source bin/bootstrap
    nice -n 10 python bench/scale_web.py                 # 50 sites, 10 000 cameras, 1 M + 1 M
    nice -n 10 python bench/scale_web.py --scale 0.1     # a tenth of the rows; a few minutes
    python bench/scale_web.py --keep-db                  # keep the database (it is printed)

Builds a throwaway PostgreSQL database (``veil_scaleweb_<token>``, dropped at the end): 50 sites,
10 000 cameras with a rule each, 1 000 000 alerts over 30 days (recent ones open, older ones
decided, one decision each), 1 000 000 access events, by ``INSERT … SELECT generate_series``
on the server (bulk inserts; the time taken is printed). Then, through Django's test client
(the whole middleware stack, sessions and MFA included) for a guard with 2 sites, a supervisor
with 10, a DPO and an admin, it requests each list (first page, a deep page, each filter),
detail page, the wall, the review and the audit lists, and prints per endpoint and role: p50,
p95 (ms), queries per request and the slowest query (ms, and its first characters).

Nothing asserts; targets (issue 14): lists and details p95 ≤ 50 ms, wall ≤ 100 ms, review ≤
300 ms, audit list filtered ≤ 200 ms.
"""

from __future__ import annotations

import argparse
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
SITES, CAMERAS, ALERTS, EVENTS, DAYS = 50, 10_000, 1_000_000, 1_000_000, 30
TARGET_MS = {"list": 50, "detail": 50, "wall": 100, "review": 300, "audit": 200}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def setup_django(db_name: str) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="vms.settings",
        VMS_DATABASE_URL=f"{POSTGRES}/{db_name}",
        VMS_REDIS_URL=os.environ.get("VMS_REDIS_URL", "redis://127.0.0.1:6379/3"),
        VMS_DATA_DIR=os.environ.get("VMS_DATA_DIR", f"/tmp/{db_name}-data"),
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


def timed(label: str, work) -> None:
    start = time.perf_counter()
    work()
    print(f"  {label:<46} {time.perf_counter() - start:7.1f} s", flush=True)


def build(scale: float) -> dict:
    """The data set; returns the people and a few ids the requests use."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from guardian.shortcuts import assign_perm

    from accounts.roles import Role
    from analytics.models import Rule
    from cameras.models import Camera, Site

    cameras_n, alerts_n, events_n = (round(n * scale) for n in (CAMERAS, ALERTS, EVENTS))
    print(f"Data set: {SITES} sites, {cameras_n} cameras, {alerts_n} alerts, {events_n} events")
    started = time.perf_counter()

    def sites_and_cameras():
        Site.objects.bulk_create(
            Site(name=f"Site {i:02d}", country="DE", time_zone="Europe/Berlin")
            for i in range(SITES)
        )
        sites = list(Site.objects.order_by("pk"))
        Camera.objects.bulk_create(
            (
                Camera(
                    name=f"Camera {i:05d}",
                    site=sites[i % SITES],
                    source_url=f"rtsp://10.{i // 250 % 250}.{i % 250}.1:554/s",
                    purpose="Detect unauthorised entry to the depot outside opening hours",
                    lawful_basis="legitimate_interests",
                    status=["online", "online", "online", "offline", "error"][i % 5],
                )
                for i in range(cameras_n)
            ),
            batch_size=2000,
        )
        Rule.objects.bulk_create(
            (
                Rule(camera_id=pk, name="After hours", kind=Rule.Kind.CROWD)
                for pk in Camera.objects.order_by("pk").values_list("pk", flat=True)
            ),
            batch_size=2000,
        )

    timed("sites, cameras, rules (bulk_create)", sites_and_cameras)

    User = get_user_model()
    sites = list(Site.objects.order_by("pk"))
    people = {}
    for role, name, site_count in (
        (Role.GUARD, "bench-guard", 2),
        (Role.SUPERVISOR, "bench-supervisor", 10),
        (Role.DPO, "bench-dpo", 0),
        (Role.ADMIN, "bench-admin", 0),
    ):
        user = User.objects.create_user(username=name, password=uuid.uuid4().hex)
        user.groups.add(Group.objects.get(name=role.value))
        for site in sites[:site_count]:
            assign_perm("cameras.view_site", user, site)
        user.otp_device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
        people[role.value] = user
    deciders = [people["Guard"].pk, people["Supervisor"].pk]

    def alerts():
        # Cameras and rules were created in the same order: the n-th camera has the n-th rule.
        sql(
            """
            WITH cams AS (
                   SELECT c.id, r.id AS rule_id, row_number() OVER (ORDER BY c.id) - 1 AS k
                   FROM cameras_camera c JOIN analytics_rule r ON r.camera_id = c.id),
                 rows AS (
                   SELECT g, (g * 7919) %% (SELECT count(*) FROM cams) AS k,
                          now() - (random() * %(days)s * interval '1 day') AS at, random() AS r
                   FROM generate_series(1, %(n)s) g)
            INSERT INTO analytics_alert (uid, camera_id, rule_id, kind, occurred_at, created_at,
                confidence, message, boxes, snapshot, clip, dedupe_key, status)
            SELECT md5(g::text)::uuid, cams.id, cams.rule_id, 'crowd', at, at,
                   round((0.3 + random() * 0.7)::numeric, 3), '', '[]', '', '',
                   'bench-' || g,
                   CASE WHEN at > now() - interval '1 day' AND r < 0.6 THEN 'open'
                        WHEN r < 0.55 THEN 'dismissed' WHEN r < 0.8 THEN 'acknowledged'
                        WHEN r < 0.97 THEN 'confirmed' ELSE 'escalated' END
            FROM rows JOIN cams USING (k)
            """,
            {"n": alerts_n, "days": DAYS},
        )

    timed("alerts (INSERT … SELECT generate_series)", alerts)

    def decisions():
        sql(
            """
            INSERT INTO analytics_alertdecision (alert_id, actor_id, action, reason, note,
                escalated_to_id, decided_at, seconds_to_decide)
            SELECT id, (%(deciders)s::int[])[1 + id %% 2],
                   CASE status WHEN 'dismissed' THEN 'dismiss' WHEN 'acknowledged'
                        THEN 'acknowledge' WHEN 'confirmed' THEN 'confirm' ELSE 'escalate' END,
                   CASE status WHEN 'dismissed' THEN 'light_or_shadow' ELSE '' END, '',
                   CASE status WHEN 'escalated' THEN %(supervisor)s END,
                   occurred_at + interval '1 minute', 20 + (id %% 100)
            FROM analytics_alert WHERE status <> 'open'
            """,
            {"deciders": deciders, "supervisor": people["Supervisor"].pk},
        )
        sql(
            "UPDATE analytics_alert SET escalated_to_id = %s WHERE status = 'escalated'",
            [people["Supervisor"].pk],
        )

    timed("decisions, one per decided alert", decisions)

    def events():
        from django.contrib.contenttypes.models import ContentType

        camera_type = ContentType.objects.get_for_model(Camera).pk
        sql(
            """
            WITH users AS (SELECT id, username, row_number() OVER (ORDER BY id) - 1 AS u
                           FROM accounts_user),
                 cams AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k
                          FROM cameras_camera),
                 rows AS (SELECT g, g %% (SELECT count(*) FROM users) AS u,
                                 (g * 7919) %% (SELECT count(*) FROM cams) AS k
                          FROM generate_series(1, %(n)s) g)
            INSERT INTO compliance_accessevent (occurred_at, kind, actor_id, actor_username,
                target_type_id, target_id, target_repr, reason, data, user_agent)
            SELECT now() - (random() * %(days)s * interval '1 day'),
                   (ARRAY['camera_view','live_view','clip_view','login','export','report'])
                       [1 + g %% 6],
                   users.id, users.username, %(camera_type)s, cams.id::text,
                   'Camera', '', '{}', 'bench'
            FROM rows JOIN users USING (u) JOIN cams USING (k)
            """,
            {"n": events_n, "days": DAYS, "camera_type": camera_type},
        )

    timed("access events (INSERT … SELECT generate_series)", events)
    timed("ANALYZE", lambda: sql("ANALYZE"))
    print(f"  {'data set built in':<46} {time.perf_counter() - started:7.1f} s\n", flush=True)
    return people


def client_for(user):
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = user.otp_device.persistent_id  # as after both steps
    session.save()
    return client


def measure(client, url: str, repeat: int) -> dict:
    from django.db import connection, reset_queries

    response = client.get(url, secure=True)  # warm-up (and the status to report)
    times, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        client.get(url, secure=True)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    connection.force_debug_cursor = True
    reset_queries()
    client.get(url, secure=True)
    queries = list(connection.queries)
    connection.force_debug_cursor = False
    slowest = max(queries, key=lambda q: float(q["time"]), default={"time": "0", "sql": ""})
    return {
        "status": response.status_code,
        "p50": statistics.median(times),
        "p95": percentile(times, 0.95),
        "cpu": statistics.median(cpu),
        "sql_ms": sum(float(q["time"]) for q in queries) * 1000,
        "queries": len(queries),
        "slow_ms": float(slowest["time"]) * 1000,
        "slow_sql": " ".join(slowest["sql"].split())[:70],
        "bytes": len(response.content),
    }


def endpoints(people) -> list[tuple[str, str, str, list[str]]]:
    """(group, name, url, roles) for every request measured."""
    from analytics.models import Alert
    from cameras.models import Camera
    from vms.pagination import _encode

    guard, supervisor = people["Guard"], people["Supervisor"]
    guard_camera = Camera.objects.restrict(guard).order_by("pk").first()
    guard_site = guard_camera.site_id
    guard_alert = Alert.objects.filter(camera=guard_camera).order_by("-pk").first()
    old = Alert.objects.filter(camera=guard_camera).order_by("occurred_at", "id").first()
    deep = _encode("n", old.occurred_at, old.pk)  # a page ~30 days deep
    from compliance.models import AccessEvent

    old_event = AccessEvent.objects.order_by("occurred_at", "id")[1000]
    deep_event = _encode("n", old_event.occurred_at, old_event.pk)
    day = (old_event.occurred_at.date()).isoformat()
    staff = ["Guard", "Supervisor", "DPO", "Admin"]
    watchers = ["Guard", "Supervisor", "Admin"]
    audit = ["DPO", "Admin"]
    a, api = "/analytics/alerts/", "/api/v1/alerts/"
    rows = [
        ("list", "alerts HTML first page", a, staff),
        ("list", "alerts HTML deep page (30 days back)", f"{a}?cursor={deep}", staff),
        ("list", "alerts HTML status=open", f"{a}?status=open", staff),
        ("list", "alerts HTML status=confirmed", f"{a}?status=confirmed", staff),
        ("list", "alerts HTML camera=", f"{a}?camera={guard_camera.pk}", staff),
        ("list", "alerts HTML site=", f"{a}?site={guard_site}", staff),
        ("list", "alerts HTML kind=crowd period=24h", f"{a}?kind=crowd&period=24h", staff),
        ("list", "alerts HTML escalated to me", f"{a}?escalated_to_me=true", ["Supervisor"]),
        ("list", "alerts API first page", api, staff),
        ("list", "alerts API deep page", f"{api}?cursor={deep}", staff),
        ("list", "alerts API status=dismissed", f"{api}?status=dismissed", staff),
        ("list", "alerts API camera=", f"{api}?camera={guard_camera.pk}", staff),
        ("detail", "alert detail HTML", f"/analytics/alerts/{guard_alert.pk}/", staff),
        ("detail", "alert detail API", f"{api}{guard_alert.pk}/", staff),
        ("list", "cameras HTML", "/cameras/", staff),
        ("list", "cameras API", "/api/v1/cameras/", staff),
        ("detail", "camera detail HTML", f"/cameras/{guard_camera.pk}/", staff),
        ("detail", "camera detail API", f"/api/v1/cameras/{guard_camera.pk}/", staff),
        ("wall", "wall", "/analytics/wall/", watchers),
        ("wall", "wall page 3", "/analytics/wall/?page=3", watchers),
        ("wall", "wall site=", f"/analytics/wall/?site={guard_site}", watchers),
        ("wall", "wall with open alerts", "/analytics/wall/?open=on", watchers),
        ("wall", "wall status=offline", "/analytics/wall/?status=offline", watchers),
        ("wall", "wall search", "/analytics/wall/?q=Camera%200001", watchers),
        ("review", "review (30 days)", "/analytics/review/?days=30", ["Supervisor", *audit]),
        ("review", "review (7 days)", "/analytics/review/?days=7", ["Supervisor", *audit]),
        ("audit", "access events HTML", "/audit/access/", audit),
        ("audit", "access events HTML deep", f"/audit/access/?cursor={deep_event}", audit),
        ("audit", "access events HTML kind=", "/audit/access/?kind=export", audit),
        ("audit", "access events HTML actor=", "/audit/access/?actor=bench-guard", audit),
        (
            "audit",
            "access events HTML date",
            f"/audit/access/?date_from={day}&date_to={day}",
            audit,
        ),
        ("audit", "access events API actor=", f"/api/v1/access-events/?actor={guard.pk}", audit),
        ("audit", "change log HTML", "/audit/changes/", audit),
        ("audit", "change log API actor=", f"/api/v1/change-log/?actor={supervisor.pk}", audit),
    ]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the rows")
    parser.add_argument("--repeat", type=int, default=10, help="timed requests per endpoint")
    parser.add_argument("--keep-db", action="store_true", help="keep the database")
    parser.add_argument("--db", help="reuse this (built, kept) database: measure only")
    args = parser.parse_args()
    db_name = args.db or f"veil_scaleweb_{uuid.uuid4().hex[:8]}"
    if not args.db:
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", db_name], check=True)
    try:
        setup_django(db_name)
        from django.contrib.auth import get_user_model
        from django_otp.plugins.otp_totp.models import TOTPDevice

        if args.db:
            people = {}
            for role in ("Guard", "Supervisor", "DPO", "Admin"):
                user = get_user_model().objects.get(username=f"bench-{role.lower()}")
                user.otp_device = TOTPDevice.objects.get(user=user)
                people[role] = user
        else:
            people = build(args.scale)
        from django.urls import reverse

        assert reverse("compliance:access-event-list") == "/audit/access/", "URLs moved"
        clients = {role: client_for(user) for role, user in people.items()}
        print(
            f"{'endpoint':<40} {'role':<10} {'st':>3} {'p50':>7} {'p95':>7} {'tgt':>4} "
            f"{'cpu50':>6} {'sql':>6} {'q':>3} {'slowest':>7}  slowest query"
        )
        misses = []
        for group, name, url, roles in endpoints(people):
            for role in roles:
                m = measure(clients[role], url, args.repeat)
                target = TARGET_MS[group]
                flag = "" if m["p95"] <= target else " *"
                if flag:
                    misses.append(f"{name} ({role}): p95 {m['p95']:.0f} ms > {target}")
                print(
                    f"{name:<40} {role:<10} {m['status']:>3} {m['p50']:7.1f} {m['p95']:7.1f} "
                    f"{target:>4} {m['cpu']:6.1f} {m['sql_ms']:6.1f} {m['queries']:>3} "
                    f"{m['slow_ms']:7.1f}  {m['slow_sql']}{flag}",
                    flush=True,
                )
        print(f"\n{len(misses)} over target" + (":\n  " + "\n  ".join(misses) if misses else ""))
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep_db or args.db:
            print(f"database kept: {db_name}")
        else:
            subprocess.run(
                ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--force", db_name], check=False
            )


if __name__ == "__main__":
    main()
