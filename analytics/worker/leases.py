"""Camera ownership across workers, in PostgreSQL.

Each camera is analysed by one worker at a time. Every camera to analyse (enabled, analytics
on) has a :class:`~analytics.models.CameraLease` row naming the worker that holds it, or none;
every live worker has an :class:`~analytics.models.AnalyticsWorker` row whose ``expires_at``
its heartbeat pushes forward. A lease lasts as long as its worker's heartbeat, so renewing
everything a worker holds is one update of one row, however many cameras it holds.

A worker that dies stops beating; once its row has expired, the next scan of any other worker
deletes the row and frees its leases in one transaction (:meth:`CameraLeases.reap`), and free
leases are claimed with ``FOR UPDATE SKIP LOCKED`` from an index over free leases only — so a
scan costs in proportion to what changes hands, not to the number of cameras. The database's
clock is the only clock: workers on hosts whose clocks disagree still agree on who is alive.

Which cameras to hold, and what holding one means, is :mod:`analytics.worker.ownership`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from django.db import connection, transaction

from analytics.models import CameraLease

# The statements below are static SQL (values always as parameters) over the tables of
# AnalyticsWorker, CameraLease and Camera. A camera to analyse is enabled with analytics on,
# the same rule as ``selectors.cameras_for_analytics``.


@dataclass(frozen=True)
class Membership:
    """What one heartbeat learnt."""

    rejoined: bool  # our row was gone (we were presumed dead and our leases freed)
    live_workers: int
    cameras: int  # leases in all: held by live workers, or free

    def fair_share(self, capacity: int, *, freed: int = 0) -> int:
        """Cameras ÷ live workers, rounded up, at most ``capacity``; ``freed``: leases freed
        from dead workers since the heartbeat counted."""
        return min(capacity, math.ceil((self.cameras + freed) / max(1, self.live_workers)))


class CameraLeases:
    def __init__(self, worker_id: str, *, ttl_seconds: float = 15.0) -> None:
        self.worker_id = worker_id
        self.ttl_ms = int(ttl_seconds * 1000)
        self.last_beat = 0.0  # time.monotonic() of the last heartbeat or renewal

    def renew(self) -> bool:
        """Push this worker's expiry forward, nothing else (the engine does it meanwhile when a
        scan runs long, e.g. taking over thousands of cameras on a busy machine). False if the
        row is gone: the next heartbeat finds out what that means."""
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE analytics_analyticsworker "
                "SET expires_at = now() + %s * interval '1 millisecond' WHERE worker_id = %s",
                [self.ttl_ms, self.worker_id],
            )
            renewed = cursor.rowcount == 1
        if renewed:
            self.last_beat = time.monotonic()
        return renewed

    # --- worker membership ------------------------------------------------------------------
    def heartbeat(self, held: int) -> Membership:
        """Renew this worker (and so every lease it holds) and count the workers alive and
        the cameras to share; one statement."""
        with connection.cursor() as cursor:
            cursor.execute(
                """
                WITH beat AS (
                    INSERT INTO analytics_analyticsworker (worker_id, expires_at, held, started_at)
                    VALUES (%s, now() + %s * interval '1 millisecond', %s, now())
                    ON CONFLICT (worker_id) DO UPDATE
                        SET expires_at = EXCLUDED.expires_at, held = EXCLUDED.held
                    RETURNING (xmax = 0) AS inserted
                ), others AS (
                    SELECT count(*) AS n, coalesce(sum(held), 0) AS held FROM analytics_analyticsworker
                    WHERE expires_at > now() AND worker_id <> %s
                )
                SELECT (SELECT inserted FROM beat), others.n + 1,
                       others.held + %s + (SELECT count(*) FROM analytics_cameralease WHERE worker_id = '')
                FROM others
                """,
                [self.worker_id, self.ttl_ms, held, self.worker_id, held],
            )
            inserted, live, cameras = cursor.fetchone()
        self.last_beat = time.monotonic()
        return Membership(rejoined=bool(inserted), live_workers=int(live), cameras=int(cameras))

    def reap(self) -> tuple[list[str], int]:
        """Forget the workers whose heartbeat expired and free their leases, in one statement
        (a worker that beats meanwhile is not reaped: PostgreSQL re-checks the row it waited
        for). Returns the workers forgotten and how many leases were freed. At rest: one
        indexed statement that finds nothing."""
        with connection.cursor() as cursor:
            cursor.execute(
                """
                WITH dead AS (
                    DELETE FROM analytics_analyticsworker WHERE expires_at < now()
                    RETURNING worker_id
                ), freed AS (
                    UPDATE analytics_cameralease SET worker_id = '', claimed_at = NULL
                    WHERE worker_id IN (SELECT worker_id FROM dead)
                    RETURNING camera_id
                )
                SELECT (SELECT array_agg(worker_id) FROM dead), (SELECT count(*) FROM freed)
                """
            )
            dead, freed = cursor.fetchone()
        return list(dead or []), int(freed)

    def leave(self) -> None:
        """Give every lease back and leave (a clean shutdown)."""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE analytics_cameralease SET worker_id = '', claimed_at = NULL WHERE worker_id = %s",
                [self.worker_id],
            )
            cursor.execute(
                "DELETE FROM analytics_analyticsworker WHERE worker_id = %s", [self.worker_id]
            )

    # --- leases -----------------------------------------------------------------------------
    def claim(self, limit: int) -> list[int]:
        """Take up to ``limit`` free cameras; other workers claiming at the same moment skip
        the rows this one locked rather than wait for them."""
        if limit <= 0:
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                """
                WITH picked AS MATERIALIZED (
                    -- Evaluated once: a sub-select in WHERE may be re-run by the plan and,
                    -- skipping other rows each time, hand out more than LIMIT.
                    SELECT camera_id FROM analytics_cameralease WHERE worker_id = ''
                    ORDER BY camera_id LIMIT %s FOR UPDATE SKIP LOCKED
                ), claimed AS (
                    UPDATE analytics_cameralease lease
                    SET worker_id = %s, claimed_at = now()
                    FROM picked WHERE lease.camera_id = picked.camera_id
                    RETURNING lease.camera_id
                ), counted AS (
                    -- what others count as ours before our next heartbeat
                    UPDATE analytics_analyticsworker
                    SET held = held + (SELECT count(*) FROM claimed) WHERE worker_id = %s
                )
                SELECT camera_id FROM claimed
                """,
                [limit, self.worker_id, self.worker_id],
            )
            return sorted(row[0] for row in cursor.fetchall())

    def release(self, camera_ids: list[int]) -> None:
        if not camera_ids:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                """
                WITH released AS (
                    UPDATE analytics_cameralease SET worker_id = '', claimed_at = NULL
                    WHERE worker_id = %s AND camera_id = ANY(%s)
                    RETURNING camera_id
                )
                UPDATE analytics_analyticsworker
                SET held = greatest(0, held - (SELECT count(*) FROM released))
                WHERE worker_id = %s
                """,
                [self.worker_id, list(camera_ids), self.worker_id],
            )

    def owned(self) -> set[int]:
        """The cameras whose lease this worker holds, as the database has it."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT camera_id FROM analytics_cameralease WHERE worker_id = %s", [self.worker_id]
            )
            return {row[0] for row in cursor.fetchall()}

    # --- which cameras have a lease ---------------------------------------------------------
    def sync(self, camera_ids: list[int] | None = None) -> None:
        """Give a lease row to every camera to analyse and remove those of the others (disabled,
        analytics off); ``camera_ids`` limits this to those cameras (a change event), ``None``
        does all of them and frees leases left to workers that are gone (the safety resync).
        Deleted cameras lose theirs by cascade."""
        with transaction.atomic(), connection.cursor() as cursor:
            if camera_ids is None:
                cursor.execute(
                    "INSERT INTO analytics_cameralease (camera_id, worker_id) "
                    "SELECT id, '' FROM cameras_camera WHERE enabled AND analytics_enabled AND analytics_hold = '' "
                    "ON CONFLICT DO NOTHING"
                )
                cursor.execute(
                    "DELETE FROM analytics_cameralease WHERE camera_id NOT IN ("
                    "SELECT id FROM cameras_camera WHERE enabled AND analytics_enabled AND analytics_hold = '')"
                )
                cursor.execute(
                    "UPDATE analytics_cameralease SET worker_id = '', claimed_at = NULL "
                    "WHERE worker_id <> '' AND worker_id NOT IN "
                    "(SELECT worker_id FROM analytics_analyticsworker)"
                )
            else:
                ids = list(camera_ids)
                cursor.execute(
                    "INSERT INTO analytics_cameralease (camera_id, worker_id) "
                    "SELECT id, '' FROM cameras_camera "
                    "WHERE enabled AND analytics_enabled AND analytics_hold = '' AND id = ANY(%s) "
                    "ON CONFLICT DO NOTHING",
                    [ids],
                )
                cursor.execute(
                    "DELETE FROM analytics_cameralease WHERE camera_id = ANY(%s) "
                    "AND camera_id NOT IN ("
                    "SELECT id FROM cameras_camera WHERE enabled AND analytics_enabled AND analytics_hold = '')",
                    [ids],
                )


def lease_owner(camera_id: int) -> str | None:
    """The worker (``host:pid:nonce``) holding a camera's lease, if any."""
    owner = CameraLease.objects.filter(camera_id=camera_id).values_list("worker_id", flat=True)
    return next(iter(owner), "") or None
