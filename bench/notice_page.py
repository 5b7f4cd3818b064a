"""The public privacy notice page: server time per request (target ≤ 50 ms), page weight,
and whether it needs JavaScript.

    source bin/bootstrap
    python bench/notice_page.py                  # a site with 40 cameras, 30 notice versions
    python bench/notice_page.py --cameras 200    # a bigger site

Builds a throwaway database (``veil_noticebench_<token>``, dropped at the end), a site with
``--cameras`` cameras (each with its own purpose), republishes its notice ``--versions``
times, then requests the current notice and an old version through Django's test client
(the whole middleware stack, anonymous) and prints p50/p95/max server time, queries per
request and bytes. Nothing asserts.
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


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cameras", type=int, default=40)
    parser.add_argument("--versions", type=int, default=30)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    db_name = f"veil_noticebench_{uuid.uuid4().hex[:8]}"
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", db_name], check=True)
    try:
        os.environ.update(
            DJANGO_SETTINGS_MODULE="vms.settings",
            VMS_DATABASE_URL=f"{POSTGRES}/{db_name}",
            VMS_REDIS_URL=os.environ.get("VMS_REDIS_URL", "redis://127.0.0.1:6379/13"),
            VMS_DATA_DIR=os.environ.get("VMS_DATA_DIR", f"/tmp/{db_name}-data"),
        )
        Path(os.environ["VMS_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        run(args)
    finally:
        from django.db import connections

        connections.close_all()
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", db_name], check=False)


def run(args) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from cameras.models import Camera, Site

    site = Site.objects.create(name="Bench depot", country="FR", time_zone="Europe/Paris")
    note = "Protecting staff and stock at the depot outweighs the limited intrusion here."
    for n in range(args.cameras):
        Camera.objects.create(
            site=site,
            name=f"Camera {n:03d}",
            source_url=f"rtsp://10.0.{n // 250}.{n % 250 + 1}:554/s",
            purpose=f"Detect intrusions at loading door {n} outside opening hours for evidence",
            lawful_basis="legitimate_interests",
            lawful_basis_note=note,
            subject_categories=["staff", "visitors"],
        )
    first = Camera.objects.filter(site=site).order_by("pk").first()
    for n in range(args.versions):
        first.name = f"Camera 000 rev {n}"
        first.save()  # each rename publishes a new version
    client = Client(SERVER_NAME="localhost")
    for label, url in (
        ("current", reverse("privacy:notice", args=[site.pk])),
        ("version 1", reverse("privacy:notice-version", args=[site.pk, 1])),
    ):
        warm = client.get(url)
        if warm.status_code != 200:
            raise SystemExit(f"{url}: {warm.status_code}")
        times, queries = [], 0
        for _ in range(args.requests):
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - start) * 1000)
            queries = len(captured)
        body = response.content.decode()
        print(
            f"notice {label:9s} ({args.cameras} cameras): p50 {statistics.median(times):5.1f} ms"
            f"  p95 {percentile(times, 0.95):5.1f} ms  max {max(times):5.1f} ms"
            f"  queries {queries}  bytes {len(body)}"
            f"  script tags {body.count('<script')}  target ≤ 50 ms"
        )


if __name__ == "__main__":
    main()
