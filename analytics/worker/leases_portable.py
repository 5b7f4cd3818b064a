"""The same camera ownership as :mod:`analytics.worker.leases`, in portable ORM statements, for
databases other than PostgreSQL: the embedded default's SQLite, where one process writes at a
time (SQLite serialises writing transactions), so ``SKIP LOCKED`` and one-statement CTEs are not
needed for correctness. Same rows, same meaning; a few more statements per scan, which the
embedded set-up (one engine, a handful of cameras) does not feel. The clock is this host's
(an embedded deployment is one host)."""

from __future__ import annotations

import time
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, F, Sum
from django.db.models.functions import Greatest
from django.utils import timezone

from analytics.models import AnalyticsWorker, CameraLease
from analytics.worker.leases import CameraLeases, Membership
from cameras.models import Camera


class PortableCameraLeases(CameraLeases):
    def _expiry(self):
        return timezone.now() + timedelta(milliseconds=self.ttl_ms)

    def renew(self) -> bool:
        renewed = (
            AnalyticsWorker.objects.filter(worker_id=self.worker_id).update(
                expires_at=self._expiry()
            )
            == 1
        )
        if renewed:
            self.last_beat = time.monotonic()
        return renewed

    def heartbeat(self, held: int) -> Membership:
        with transaction.atomic():
            _, created = AnalyticsWorker.objects.update_or_create(
                worker_id=self.worker_id, defaults={"expires_at": self._expiry(), "held": held}
            )
            others = (
                AnalyticsWorker.objects.filter(expires_at__gt=timezone.now())
                .exclude(worker_id=self.worker_id)
                .aggregate(n=Count("worker_id"), held=Sum("held"))
            )
            free = CameraLease.objects.filter(worker_id="").count()
        self.last_beat = time.monotonic()
        return Membership(
            rejoined=created,
            live_workers=others["n"] + 1,
            cameras=(others["held"] or 0) + held + free,
        )

    def reap(self) -> tuple[list[str], int]:
        with transaction.atomic():
            dead = list(
                AnalyticsWorker.objects.filter(expires_at__lt=timezone.now()).values_list(
                    "worker_id", flat=True
                )
            )
            if not dead:
                return [], 0
            AnalyticsWorker.objects.filter(worker_id__in=dead).delete()
            freed = CameraLease.objects.filter(worker_id__in=dead).update(
                worker_id="", claimed_at=None
            )
        return dead, freed

    def leave(self) -> None:
        with transaction.atomic():
            CameraLease.objects.filter(worker_id=self.worker_id).update(
                worker_id="", claimed_at=None
            )
            AnalyticsWorker.objects.filter(worker_id=self.worker_id).delete()

    def claim(self, limit: int) -> list[int]:
        if limit <= 0:
            return []
        with transaction.atomic():
            picked = list(
                CameraLease.objects.filter(worker_id="")
                .order_by("camera_id")
                .values_list("camera_id", flat=True)[:limit]
            )
            CameraLease.objects.filter(camera_id__in=picked, worker_id="").update(
                worker_id=self.worker_id, claimed_at=timezone.now()
            )
            claimed = sorted(
                CameraLease.objects.filter(
                    camera_id__in=picked, worker_id=self.worker_id
                ).values_list("camera_id", flat=True)
            )
            AnalyticsWorker.objects.filter(worker_id=self.worker_id).update(
                held=F("held") + len(claimed)
            )
        return claimed

    def release(self, camera_ids: list[int]) -> None:
        if not camera_ids:
            return
        with transaction.atomic():
            released = CameraLease.objects.filter(
                worker_id=self.worker_id, camera_id__in=list(camera_ids)
            ).update(worker_id="", claimed_at=None)
            AnalyticsWorker.objects.filter(worker_id=self.worker_id).update(
                held=Greatest(0, F("held") - released)
            )

    def sync(self, camera_ids: list[int] | None = None) -> None:
        with transaction.atomic():
            wanted_cameras = Camera.objects.filter(
                enabled=True, analytics_enabled=True, analytics_hold=""
            )
            leases = CameraLease.objects.all()
            if camera_ids is not None:
                wanted_cameras = wanted_cameras.filter(pk__in=list(camera_ids))
                leases = leases.filter(camera_id__in=list(camera_ids))
            wanted = set(wanted_cameras.values_list("pk", flat=True))
            have = set(leases.values_list("camera_id", flat=True))
            CameraLease.objects.bulk_create(
                [CameraLease(camera_id=pk, worker_id="") for pk in sorted(wanted - have)],
                ignore_conflicts=True,
            )
            leases.exclude(camera_id__in=wanted).delete()
            if camera_ids is None:
                alive = AnalyticsWorker.objects.values_list("worker_id", flat=True)
                CameraLease.objects.exclude(worker_id="").exclude(worker_id__in=alive).update(
                    worker_id="", claimed_at=None
                )


def camera_leases(worker_id: str, *, ttl_seconds: float = 15.0) -> CameraLeases:
    """The lease store for this database: one-statement PostgreSQL, or the portable ORM form."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return CameraLeases(worker_id, ttl_seconds=ttl_seconds)
    return PortableCameraLeases(worker_id, ttl_seconds=ttl_seconds)
