"""Alert fan-out to 500 websocket clients on one daphne: who receives what, how fast, and what
each connection costs.

1. A throwaway PostgreSQL database: ``--sites`` sites (50) of ``--cameras-per-site`` cameras;
   ``--clients`` guards (500), each granted one or two random sites, each logged in (a real
   session row, as the log-in page makes).
2. One real daphne; a separate process (its CPU is not daphne's) opens one ``/ws/alerts/``
   socket per guard and checks each one's ``hello`` (the cameras it was subscribed to) against
   the guard's sites. daphne's resident memory is read before and after: the difference ÷ the
   clients is the memory per connection.
3. ``--alerts`` alerts (200) are raised through ``analytics.services.alert_raise`` on random
   cameras, one every ``--interval`` s; the commit time is taken by an on-commit callback
   registered before the alert's own push. Each client records what it receives.
4. Printed: leaks (an alert received by a guard not granted its site) and misses (a guard
   granted the site who did not receive it) — both should be 0 —, and commit → receipt latency
   (p50, p95, max) over every delivery.

Nothing asserts. Run from the repository root: ``python bench/scale_ws.py`` (~2-4 min).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import BenchStack, machine_description, percentile

OPENING_AT_ONCE = 10
CONNECT_ATTEMPTS = 5


# --- the clients' process ---------------------------------------------------------------------
async def _client(index, url, origin, cookie, hellos, received, opening) -> None:
    import websockets

    async with opening:
        for attempt in range(CONNECT_ATTEMPTS):
            # A loaded machine can keep daphne past its handshake deadline: try again, as a
            # browser's reconnect would.
            try:
                socket = await websockets.connect(
                    url,
                    origin=origin,
                    additional_headers={"Cookie": f"sessionid={cookie}"},
                    open_timeout=60,
                )
                hellos[index] = json.loads(await socket.recv()).get("cameras", [])
                break
            except (OSError, websockets.InvalidMessage, websockets.InvalidHandshake):
                if attempt == CONNECT_ATTEMPTS - 1:
                    raise
                await asyncio.sleep(1.0)
    try:
        async for raw in socket:
            now = time.time()
            message = json.loads(raw)
            if message.get("type") == "alert" and not message.get("replayed"):
                received.append((index, message["alert"]["id"], now))
    except websockets.ConnectionClosed:
        pass


async def _clients(args) -> None:
    cookies = json.loads(Path(args.cookies).read_text())
    hellos: dict[int, list[int]] = {}
    received: list = []
    opening = asyncio.Semaphore(OPENING_AT_ONCE)
    tasks = [
        asyncio.create_task(_client(i, args.url, args.origin, c, hellos, received, opening))
        for i, c in enumerate(cookies)
    ]
    while len(hellos) < len(cookies):
        failed = [t for t in tasks if t.done() and t.exception()]
        if failed:
            raise failed[0].exception()
        await asyncio.sleep(0.1)
    print("READY", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.readline)  # the parent says stop
    await asyncio.sleep(1.0)  # the last deliveries
    Path(args.results).write_text(json.dumps({"hellos": hellos, "received": received}))
    for task in tasks:
        task.cancel()


def clients_main(argv) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url")
    parser.add_argument("--origin")
    parser.add_argument("--cookies")
    parser.add_argument("--results")
    asyncio.run(_clients(parser.parse_args(argv)))


# --- the bench ----------------------------------------------------------------------------------
def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def build(stack: BenchStack, args, rng: random.Random):
    """Sites, cameras, guards with one or two sites each; their session cookies."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client
    from guardian.shortcuts import assign_perm

    from accounts.roles import Role
    from cameras.models import Camera, LawfulBasis, Site
    from compliance.services import acting_as

    with acting_as():
        sites = [
            Site.objects.create(name=f"Bench site {n}", country="GB") for n in range(args.sites)
        ]
        cameras = Camera.objects.bulk_create(
            Camera(
                site=site,
                name=f"Site {site.pk} camera {n}",
                source_url=f"sim://camera/{site.pk}/{n}",
                purpose="Measure how alerts fan out to guards' websockets for benchmark purposes",
                lawful_basis=LawfulBasis.LEGITIMATE_INTERESTS,
            )
            for site in sites
            for n in range(args.cameras_per_site)
        )
        guard_group = Group.objects.get(name=Role.GUARD.value)
        cookies, granted = [], []
        for index in range(args.clients):
            user = get_user_model().objects.create_user(username=f"bench-guard-{index}")
            user.groups.add(guard_group)
            mine = rng.sample(sites, rng.choice((1, 2)))
            for site in mine:
                assign_perm("cameras.view_site", user, site)
            client = Client()
            client.force_login(user)
            cookies.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
            granted.append({site.pk for site in mine})
    site_of = {camera.pk: camera.site_id for camera in cameras}
    return cookies, granted, site_of


def raise_alerts(args, rng: random.Random, site_of: dict[int, int]) -> dict[int, tuple]:
    """Alert id → (camera id, commit time)."""
    from django.db import transaction

    from analytics.rules import RuleHit
    from analytics.services import alert_raise

    raised = {}
    cameras = sorted(site_of)
    for number in range(args.alerts):
        camera_id = rng.choice(cameras)
        committed = []
        with transaction.atomic():
            # Registered first: runs at commit, before the alert's own push.
            transaction.on_commit(lambda done=committed: done.append(time.time()))
            alert = alert_raise(
                camera_id=camera_id,
                hit=RuleHit(
                    rule_id=0,
                    kind="person_in_zone",
                    confidence=0.9,
                    captured_at=time.time(),
                    message=f"bench alert {number}",
                    dedupe_key=f"bench-{number}",
                ),
            )
        raised[alert.pk] = (camera_id, committed[0])
        time.sleep(args.interval)
    return raised


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--clients-process":
        clients_main(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--sites", type=int, default=50)
    parser.add_argument("--cameras-per-site", type=int, default=4)
    parser.add_argument("--alerts", type=int, default=200)
    parser.add_argument("--interval", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--keep-logs", action="store_true")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with BenchStack(database="postgres", keep_logs=args.keep_logs) as stack:
        stack.setup_django()
        started = time.monotonic()
        cookies, granted, site_of = build(stack, args, rng)
        print(
            f"{args.sites} sites × {args.cameras_per_site} cameras, {args.clients} guards "
            f"(1-2 sites each) with sessions, in {time.monotonic() - started:.1f} s"
        )
        daphne = stack.start_daphne()
        time.sleep(2.0)
        rss_before = rss_kib(daphne.pid)
        cookies_path = stack.work_dir / "cookies.json"
        cookies_path.write_text(json.dumps(cookies))
        results_path = stack.work_dir / "received.json"
        clients = subprocess.Popen(
            [
                sys.executable, __file__, "--clients-process",
                "--url", stack.ws_url("/ws/alerts/"), "--origin", stack.origin,
                "--cookies", str(cookies_path), "--results", str(results_path),
            ],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        started = time.monotonic()
        line = clients.stdout.readline()
        if line.strip() != "READY":
            raise RuntimeError(f"the clients did not connect: {line!r}\n{daphne.log()[-3000:]}")
        connected = time.monotonic() - started
        time.sleep(3.0)
        rss_after = rss_kib(daphne.pid)
        print(f"{args.clients} websockets connected in {connected:.1f} s")
        raised = raise_alerts(args, rng, site_of)
        clients.stdin.write("stop\n")
        clients.stdin.flush()
        clients.wait(timeout=60)
        results = json.loads(results_path.read_text())
    report(args, granted, site_of, raised, results, rss_before, rss_after)


def report(args, granted, site_of, raised, results, rss_before, rss_after) -> None:
    hellos = {int(k): set(v) for k, v in results["hellos"].items()}
    subscribed_wrong = sum(
        1
        for index, cameras in hellos.items()
        if cameras != {c for c, s in site_of.items() if s in granted[index]}
    )
    got = {(index, alert_id): at for index, alert_id, at in results["received"]}
    leaks, misses, latencies = [], [], []
    for alert_id, (camera_id, committed_at) in raised.items():
        for index in range(args.clients):
            allowed = site_of[camera_id] in granted[index]
            at = got.get((index, alert_id))
            if at is not None and not allowed:
                leaks.append((alert_id, index))
            elif at is None and allowed:
                misses.append((alert_id, index))
            elif at is not None:
                latencies.append((at - committed_at) * 1000)
    deliveries = len(latencies)
    expected = sum(
        1
        for camera_id, _ in raised.values()
        for index in range(args.clients)
        if site_of[camera_id] in granted[index]
    )
    print(f"sockets whose subscriptions differ from their guard's sites: {subscribed_wrong}")
    print(
        f"{len(raised)} alerts: {expected} deliveries expected, {deliveries} made; "
        f"leaks (received, not allowed): {len(leaks)}; misses (allowed, not received): "
        f"{len(misses)}"
    )
    for alert_id, index in (leaks + misses)[:10]:
        print(f"  alert {alert_id}, guard {index}")
    print(
        f"commit → receipt: p50 {percentile(latencies, 50):.1f} ms, "
        f"p95 {percentile(latencies, 95):.1f} ms, max {max(latencies, default=0):.1f} ms"
    )
    delta = rss_after - rss_before
    print(
        f"daphne RSS {rss_before / 1024:.1f} MiB idle → {rss_after / 1024:.1f} MiB with "
        f"{args.clients} sockets: {delta / args.clients:.1f} KiB per connection"
    )
    print("machine:", machine_description())


if __name__ == "__main__":
    main()
