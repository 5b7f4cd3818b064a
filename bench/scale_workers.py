"""Analytics workers at 10 000 cameras: lease balance, takeover after a kill, database load at
rest — measured with simulated cameras (``manage.py analytics_worker --simulate``: everything
real but the frames: leases, heartbeats, configuration events, each camera's rules).

1. A throwaway PostgreSQL database (migrated), ``--small`` simulated cameras (one site per 200,
   a whole-frame zone and a person-in-zone rule each, written with ``bulk_create``).
2. Three real worker processes; once every camera is leased: the database's transactions and
   rows read/written per second over ``--window`` s at rest (``pg_stat_database``; each query of
   the workers is a transaction of its own: autocommit), and the workers' CPU.
3. The same again at ``--large`` cameras (workers restarted on the bigger set), then: the lease
   balance (each worker's share against cameras ÷ 3), a rule saved through the ORM → the time
   until its worker logs the reload (the configuration event), and one worker killed with
   SIGKILL → the time until every one of its cameras is held by a survivor.

Nothing asserts; it prints figures. ``--keep-logs`` keeps the workers' logs.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import BenchStack, cpu_seconds, machine_description

CAMERAS_PER_SITE = 200
WHOLE_FRAME = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]


def create_cameras(count: int, start: int) -> None:
    """``count`` more simulated cameras, numbered from ``start``, in bulk."""
    from analytics.models import Rule, Zone
    from cameras.models import Camera, LawfulBasis, Site

    sites = {}
    cameras = []
    for number in range(start, start + count):
        site_number = number // CAMERAS_PER_SITE
        if site_number not in sites:
            sites[site_number] = Site.objects.get_or_create(
                name=f"Bench site {site_number}", defaults={"country": "GB"}
            )[0]
        cameras.append(
            Camera(
                site=sites[site_number],
                name=f"Simulated camera {number}",
                source_url=f"sim://camera/{number}",
                purpose="Measure what owning ten thousand cameras costs the analytics workers",
                lawful_basis=LawfulBasis.LEGITIMATE_INTERESTS,
                analytics_fps=1.0,
            )
        )
    cameras = Camera.objects.bulk_create(cameras, batch_size=2000)
    zones = Zone.objects.bulk_create(
        [Zone(camera=c, name="Whole frame", points=WHOLE_FRAME) for c in cameras], batch_size=2000
    )
    Rule.objects.bulk_create(
        [
            Rule(camera=z.camera, name="Anyone in view", kind=Rule.Kind.PERSON_IN_ZONE, zone=z)
            for z in zones
        ],
        batch_size=2000,
    )


def lease_counts() -> dict[str, int]:
    from django.db.models import Count

    from analytics.models import CameraLease

    rows = CameraLease.objects.values("worker_id").annotate(n=Count("pk"))
    return {row["worker_id"]: row["n"] for row in rows}


def worker_of(pid: int, counts: dict[str, int]) -> str | None:
    return next((w for w in counts if w and w.split(":")[1] == str(pid)), None)


def database_counters(db_name: str) -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT xact_commit + xact_rollback, tup_returned, tup_fetched, "
            "tup_inserted + tup_updated + tup_deleted FROM pg_stat_database WHERE datname = %s",
            [db_name],
        )
        xacts, returned, fetched, written = cursor.fetchone()
    return {"xacts": xacts, "returned": returned, "fetched": fetched, "written": written}


def start_workers(stack: BenchStack, count: int) -> list:
    workers = []
    for index in range(count):
        child = stack._spawn(
            f"worker{index + 1}-{int(time.time())}",
            [sys.executable, "manage.py", "analytics_worker", "--simulate", "--cameras", "100000"],
        )
        workers.append(child)
    return workers


def wait_all_leased(workers, total: int, timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        counts = lease_counts()
        held = sum(n for w, n in counts.items() if w)
        if held == total and all(worker_of(w.pid, counts) for w in workers):
            return time.monotonic() - started
        for worker in workers:
            if worker.process.poll() is not None:
                raise RuntimeError(f"{worker.name} exited:\n{worker.log()[-3000:]}")
        time.sleep(0.5)
    raise RuntimeError(f"not every camera leased within {timeout:.0f} s: {lease_counts()}")


def at_rest(stack: BenchStack, workers, window: float) -> dict:
    from django.db import connection, connections

    time.sleep(10)  # settle: hand-overs between workers
    with connection.cursor() as cursor:
        # What autovacuum does to a table whose rows just changed hands by thousands (here it
        # might do it mid-window): until then the index of free leases still lists the dead
        # versions of every lease claimed, and counting free leases visits them.
        cursor.execute("VACUUM ANALYZE analytics_cameralease")
    time.sleep(5)

    cpu_before = {w.pid: cpu_seconds(w.pid) for w in workers}
    before = database_counters(stack.db_name)
    connections.close_all()  # nothing of ours in the window
    time.sleep(window)
    after = database_counters(stack.db_name)
    cpu = sum(cpu_seconds(w.pid) - cpu_before[w.pid] for w in workers)
    rates = {key: (after[key] - before[key]) / window for key in before}
    rates["cpu_percent"] = 100 * cpu / window
    return rates


def stop_workers(stack: BenchStack, workers) -> None:
    for worker in workers:  # all at once: one stopping hands its cameras to the others
        worker.process.terminate()
    for worker in workers:
        stack._stop_child(worker)
        stack.children.remove(worker)


def balance(workers, total: int) -> list[str]:
    counts = lease_counts()
    target = total / len(workers)
    lines = []
    for worker in workers:
        held = counts.get(worker_of(worker.pid, counts) or "-", 0)
        lines.append(f"{worker.name}: {held} cameras ({100 * (held - target) / target:+.1f} %)")
    return lines


def config_event_latency(workers) -> float | None:
    """Save one held camera's rule through the ORM (the signal → the stream on commit) and
    time until the worker holding it logs the reload."""
    from analytics.models import CameraLease, Rule

    lease = CameraLease.objects.exclude(worker_id="").order_by("camera_id").first()
    holder = next(w for w in workers if lease.worker_id.split(":")[1] == str(w.pid))
    line = f"camera {lease.camera_id}: configuration reloaded"
    rule = Rule.objects.filter(camera_id=lease.camera_id).first()
    rule.min_confidence = 0.55
    started = time.monotonic()
    rule.save()
    while time.monotonic() - started < 30:
        if line in holder.log():
            return time.monotonic() - started
        time.sleep(0.02)
    return None


def takeover(workers, total: int, timeout: float = 120.0) -> tuple[int, float | None]:
    victim = workers[0]
    counts = lease_counts()
    victim_id = worker_of(victim.pid, counts)
    orphaned = counts.get(victim_id, 0)
    import os
    import signal

    os.killpg(victim.pid, signal.SIGKILL)
    victim.process.wait()
    killed_at = time.monotonic()
    survivors = {worker_of(w.pid, counts) for w in workers[1:]}
    while time.monotonic() - killed_at < timeout:
        counts = lease_counts()
        if victim_id not in counts and sum(counts.get(s, 0) for s in survivors) == total:
            return orphaned, time.monotonic() - killed_at
        time.sleep(0.25)
    return orphaned, None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=10000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--window", type=float, default=30.0, help="seconds measured at rest")
    parser.add_argument("--keep-logs", action="store_true")
    args = parser.parse_args()
    results = {}
    with BenchStack(database="postgres", keep_logs=args.keep_logs) as stack:
        started = time.monotonic()
        stack.setup_django()
        print(f"database {stack.db_name} migrated in {time.monotonic() - started:.1f} s")
        created = 0
        for total in (args.small, args.large):
            started = time.monotonic()
            create_cameras(total - created, created)
            created = total
            from django.db import connection

            with connection.cursor() as cursor:  # autovacuum would analyse them mid-window
                cursor.execute("VACUUM ANALYZE")
            print(f"{total} simulated cameras in the database ({time.monotonic() - started:.1f} s)")
            workers = start_workers(stack, args.workers)
            took = wait_all_leased(workers, total, timeout=300)
            print(f"  {args.workers} workers started; every camera leased after {took:.1f} s")
            results[total] = at_rest(stack, workers, args.window)
            rates = results[total]
            print(
                f"  at rest: {rates['xacts']:.1f} queries/s, rows read "
                f"{rates['returned'] + rates['fetched']:.0f}/s, rows written "
                f"{rates['written']:.1f}/s; workers' CPU {rates['cpu_percent']:.1f} % of a core"
            )
            if total != args.large:
                stop_workers(stack, workers)
        print(
            "lease balance at", args.large, "cameras (target", args.large / args.workers, "each):"
        )
        for line in balance(workers, args.large):
            print("  " + line)
        latency = config_event_latency(workers)
        print(
            "configuration event: rule saved → its worker reloaded that camera in "
            + (f"{latency * 1000:.0f} ms" if latency is not None else "NOT within 30 s")
        )
        orphaned, seconds = takeover(workers, args.large)
        print(
            f"worker killed (SIGKILL) holding {orphaned} cameras: all taken over in "
            + (f"{seconds:.1f} s" if seconds is not None else "NOT within 120 s")
            + " (lease = heartbeat TTL 15 s + scan every 3 s)"
        )
        for worker in workers:
            reloads = len(re.findall(r"configuration reloaded", worker.log()))
            if reloads > 1:
                print(f"  note: {worker.name} logged {reloads} reloads")
        small, large = results[args.small], results[args.large]
        print(
            f"queries/s at rest: {small['xacts']:.1f} at {args.small} cameras, "
            f"{large['xacts']:.1f} at {args.large} ({large['xacts'] / small['xacts']:.2f}x)"
        )
        print("machine:", machine_description())


if __name__ == "__main__":
    main()
