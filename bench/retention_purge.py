"""Retention purge at volume: 100 000 expired items (recorded segments and alert snapshots,
sealed files in the media store plus their rows) deleted by one ``retention_purge`` run, on
PostgreSQL, with every camera-day's data key crypto-erased and its deletion records written.

    source bin/bootstrap
    python bench/retention_purge.py                  # 100 000 items (target: <= 60 s)
    python bench/retention_purge.py --items 10000    # a quick look

Prints the time to build the data set (files sealed one by one through the media store, rows
in bulk), then the purge: wall time, items per second, files and rows left, deletion records
and keys destroyed. ``--held N`` puts the first N segments of the first camera under a legal
hold: they (and that camera's day key) must be what is left. Nothing asserts; the figures are
the result.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench._harness import BenchStack, machine_description  # noqa: E402

PAYLOAD = os.urandom(2048)  # a small media file: the cost measured is per item, not per byte


def build(items: int, cameras: int, held: int, now: datetime):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.db import transaction

    from analytics.models import Alert
    from cameras.models import Camera, Site
    from privacy.models import LegalHold, RecordingSegment, RecordingTrack

    site = Site.objects.create(name="Bench depot", country="GB", time_zone="Europe/London")
    cams = [
        Camera.objects.create(
            site=site,
            name=f"Bench camera {n}",
            source_url="file:///dev/null",
            purpose="Benchmark: retention purge of expired footage at volume",
            lawful_basis="legitimate_interests",
            lawful_basis_note="Benchmark data only; no person is filmed.",
            retention_hours=72,
        )
        for n in range(cameras)
    ]
    segments, alerts = [], []
    for n in range(items):
        camera = cams[n % cameras]
        # Spread over four expired days (5 to 8 days old): four keys per camera to destroy.
        at = now - timedelta(days=5, seconds=(n // cameras) * 11 % (4 * 86_400))
        day = at.strftime("%Y/%m/%d")
        if n % 2 == 0:
            name = default_storage.save(
                f"recordings/{camera.pk}/{day}/{at:%H%M%S}-{n:06d}-anonymised.mp4",
                ContentFile(PAYLOAD),
            )
            segments.append(
                RecordingSegment(
                    camera=camera,
                    track=RecordingTrack.ANONYMISED,
                    started_at=at,
                    ended_at=at + timedelta(seconds=10),
                    name=name,
                    bytes=len(PAYLOAD),
                    frames=50,
                    fps=5,
                    width=1280,
                    height=720,
                )
            )
        else:
            name = default_storage.save(
                f"alerts/{camera.pk}/{day}/{n:06d}-snapshot.jpg", ContentFile(PAYLOAD)
            )
            alerts.append(
                Alert(
                    camera=camera,
                    kind="person_in_zone",
                    occurred_at=at,
                    dedupe_key=f"bench-{n}",
                    snapshot=name,
                )
            )
    with transaction.atomic():
        RecordingSegment.objects.bulk_create(segments, batch_size=5000)
        Alert.objects.bulk_create(alerts, batch_size=5000)
    hold = None
    if held:
        first = sorted(
            RecordingSegment.objects.filter(camera=cams[0]).values_list("started_at", flat=True)
        )[:held]
        if first:
            from accounts.models import User

            owner = User.objects.create(username="bench-dpo")
            hold = LegalHold.objects.create(
                starts_at=first[0],
                ends_at=first[-1] + timedelta(seconds=1),
                reason="Benchmark: footage a court asked for",
                reference="BENCH-1",
                expires_at=now + timedelta(days=30),
                created_by=owner,
            )
            hold.cameras.set([cams[0]])
    return cams, hold


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--cameras", type=int, default=20)
    parser.add_argument("--held", type=int, default=0, help="segments kept by a legal hold")
    args = parser.parse_args()

    with BenchStack(database="postgres") as stack:
        stack.setup_django()
        from django.core.files.storage import default_storage

        from analytics.models import Alert
        from privacy.models import DataKey, DeletionRecord, RecordingSegment
        from privacy.services.retention import retention_purge

        now = datetime.now(UTC)
        started = time.perf_counter()
        build(args.items, args.cameras, args.held, now)
        built = time.perf_counter() - started
        media = Path(default_storage.location)
        files_before = sum(1 for p in media.rglob("*") if p.is_file())

        started = time.perf_counter()
        summary = retention_purge(now=now)
        purge = time.perf_counter() - started

        files_after = sum(1 for p in media.rglob("*") if p.is_file())
        print(f"machine: {machine_description()}")
        print(
            f"data set: {args.items} expired items ({args.items // 2 + args.items % 2} "
            f"segments, {args.items // 2} alert snapshots) on {args.cameras} cameras, "
            f"built in {built:.1f} s ({files_before} sealed files)"
        )
        print(
            f"purge: {purge:.1f} s for {summary.items} items "
            f"({summary.items / purge:.0f} items/s), {summary.bytes / 1e6:.1f} MB, "
            f"{summary.keys_destroyed} data keys destroyed (target <= 60 s for 100 000)"
        )
        print(
            f"left: {files_after} files, "
            f"{RecordingSegment.objects.count()} segment rows, "
            f"{Alert.objects.exclude(snapshot='').count()} alerts with media; "
            f"held back {summary.held_back}"
        )
        print(
            f"deletion records: {DeletionRecord.objects.count()}, "
            f"destroyed keys: {DataKey.objects.filter(destroyed_at__isnull=False).count()}"
        )


if __name__ == "__main__":
    main()
