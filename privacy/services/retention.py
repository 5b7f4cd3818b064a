"""Retention with proof: delete what is past each camera's retention, keep what a legal hold
holds, crypto-erase the days that are wholly gone, and record every run.

Apps that store footage register a *collector* (``retention_register``) in their
``AppConfig.ready``: analytics registers alert snapshots and clips, and alert rows (the AI
decision log, kept longer than video). The purge walks cameras; for each it asks every collector
to remove, in batches of ``BATCH`` (each batch its own short transaction, so no table is locked
for long), the items captured before the collector's cutoff and outside every active hold; then
destroys the data keys of the camera-days that are wholly before the media cutoff and touched by
no hold; then writes one ``DeletionRecord`` per camera and kind.

Crash-safe and idempotent: a batch deletes files before it clears the rows that name them, so a
run killed anywhere leaves rows that the next run finishes (deleting a missing file is a no-op),
never orphans that nothing points to; keys go last. One purge at a time per camera (a
PostgreSQL advisory lock), so two schedulers cannot interleave.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from cameras.models import Camera
from compliance.models import AccessKind
from compliance.services import access_event_record
from privacy.models import DataKey, DeletionRecord, LegalHold
from privacy.services.keys import data_key_destroy

logger = logging.getLogger(__name__)

BATCH = 500
JOB = "privacy.retention_purge"

Ranges = list[tuple[datetime, datetime]]


@dataclass
class Removed:
    """What a collector removed for one camera in one run."""

    items: int = 0
    bytes: int = 0
    held_back: int = 0
    oldest: datetime | None = None
    newest: datetime | None = None

    def add(self, *, items: int, size: int, oldest: datetime | None, newest: datetime | None):
        self.items += items
        self.bytes += size
        if oldest and (self.oldest is None or oldest < self.oldest):
            self.oldest = oldest
        if newest and (self.newest is None or newest > self.newest):
            self.newest = newest


@dataclass(frozen=True)
class Collector:
    """Something retention removes: ``cutoff(camera, now)`` says from when items are kept;
    ``purge(camera, before, held, batch)`` removes one batch of items captured before
    ``before`` and outside ``held``, returning (items, bytes, oldest, newest) — (0, …) when
    nothing is left; ``held_count(camera, before, held)`` counts what the holds keep."""

    kind: str
    cutoff: Callable[[Camera, datetime], datetime]
    purge: Callable[..., tuple[int, int, datetime | None, datetime | None]]
    held_count: Callable[..., int]


_collectors: dict[str, Collector] = {}


def retention_register(collector: Collector) -> None:
    _collectors[collector.kind] = collector


def retention_collectors() -> list[Collector]:
    return list(_collectors.values())


def media_cutoff(camera: Camera, now: datetime) -> datetime:
    """Media older than this go: the camera's retention in effect (approved), in hours."""
    return now - timedelta(hours=camera.effective_retention_hours)


def held_ranges(camera: Camera, *, now: datetime) -> Ranges:
    """The time ranges of the camera's footage that active legal holds keep."""
    holds = LegalHold.objects.filter(
        cameras=camera, released_at__isnull=True, expires_at__gt=now
    ).values_list("starts_at", "ends_at")
    return [(start, end) for start, end in holds]


def outside(field_name: str, held: Ranges) -> Q:
    """A filter for items whose ``field_name`` falls in none of the held ranges."""
    query = Q()
    for start, end in held:
        query &= ~Q(**{f"{field_name}__gte": start, f"{field_name}__lt": end})
    return query


def inside(field_name: str, held: Ranges) -> Q:
    query = Q(pk__in=[])
    for start, end in held:
        query |= Q(**{f"{field_name}__gte": start, f"{field_name}__lt": end})
    return query


@contextlib.contextmanager
def _camera_lock(camera_id: int) -> Iterator[bool]:
    """One purge per camera at a time, across processes and hosts (PostgreSQL); elsewhere
    (the embedded SQLite) there is one scheduler, so the lock always succeeds."""
    if connection.vendor != "postgresql":
        yield True
        return
    key = zlib.crc32(b"veil-retention") << 20 | camera_id
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


@dataclass
class PurgeSummary:
    run: uuid.UUID
    cameras: int = 0
    items: int = 0
    bytes: int = 0
    keys_destroyed: int = 0
    held_back: int = 0
    skipped_locked: list[int] = field(default_factory=list)


def retention_purge(*, now: datetime | None = None, batch: int = BATCH) -> PurgeSummary:
    """Remove everything past retention on every camera; see the module's description."""
    now = now or timezone.now()
    summary = PurgeSummary(run=uuid.uuid4())
    for camera in Camera.objects.order_by("pk").iterator():
        with _camera_lock(camera.pk) as acquired:
            if not acquired:
                summary.skipped_locked.append(camera.pk)
                continue
            _purge_camera(camera, now=now, batch=batch, summary=summary)
    with transaction.atomic():
        access_event_record(
            kind=AccessKind.RETENTION_PURGE,
            actor_username="system",
            data={
                "run": str(summary.run),
                "cameras": summary.cameras,
                "items": summary.items,
                "bytes": summary.bytes,
                "keys_destroyed": summary.keys_destroyed,
                "held_back": summary.held_back,
            },
        )
    return summary


def _purge_camera(camera: Camera, *, now: datetime, batch: int, summary: PurgeSummary) -> None:
    started = timezone.now()
    held = held_ranges(camera, now=now)
    removed: dict[str, Removed] = {}
    for collector in retention_collectors():
        before = collector.cutoff(camera, now)
        result = removed.setdefault(collector.kind, Removed())
        while True:
            items, size, oldest, newest = collector.purge(
                camera=camera, before=before, held=held, batch=batch
            )
            if not items:
                break
            result.add(items=items, size=size, oldest=oldest, newest=newest)
        result.held_back = collector.held_count(camera=camera, before=before, held=held)
    destroyed = _destroy_expired_keys(camera, before=media_cutoff(camera, now), held=held)
    records = []
    for kind, result in removed.items():
        if result.items or result.held_back:
            records.append((kind, result, []))
    if destroyed:
        records.append(("data_keys", Removed(items=len(destroyed)), destroyed))
    finished = timezone.now()
    with transaction.atomic():
        for kind, result, keys in records:
            DeletionRecord.objects.create(
                run=summary.run,
                job=JOB,
                camera=camera,
                camera_label=str(camera)[:200],
                kind=kind,
                items=result.items,
                bytes=result.bytes,
                range_start=result.oldest,
                range_end=result.newest,
                keys_destroyed=keys,
                held_back=result.held_back,
                started_at=started,
                finished_at=finished,
            )
    summary.cameras += 1
    summary.items += sum(r.items for k, r, _ in records if k != "data_keys")
    summary.bytes += sum(r.bytes for _, r, _ in records)
    summary.held_back += sum(r.held_back for _, r, _ in records)
    summary.keys_destroyed += len(destroyed)


def _destroy_expired_keys(camera: Camera, *, before: datetime, held: Ranges) -> list[str]:
    """Crypto-erase the camera-days wholly before ``before`` that no hold touches."""
    destroyed = []
    scopes = DataKey.objects.filter(
        scope__startswith=f"camera:{camera.pk}:", destroyed_at__isnull=True
    ).values_list("scope", flat=True)
    for scope in scopes:
        try:
            day = date.fromisoformat(scope.rsplit(":", 1)[1])
        except ValueError:
            continue
        day_start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        day_end = day_start + timedelta(days=1)
        if day_end > before:
            continue
        if any(start < day_end and end > day_start for start, end in held):
            continue
        data_key_destroy(scope=scope, reason=f"retention of {camera.effective_retention_hours} h")
        destroyed.append(scope)
    return destroyed
