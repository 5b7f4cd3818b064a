"""The analytics engine: a process of its own (``python manage.py analytics_worker``) that
analyses the cameras it holds, on CUDA when present and on the CPU otherwise, with the same code.

Three parts, one job each:

* **ownership** (:mod:`~analytics.worker.ownership` over :mod:`~analytics.worker.leases`):
  which cameras this process holds, shared with the other engine processes through Redis;
* **the frame pipeline** (:mod:`~analytics.worker.ingest`, :mod:`~analytics.worker.pipeline`):
  decode once per camera, detect in batches, apply the rules, anonymise;
* **outputs** (:mod:`~analytics.worker.outputs`): alerts, the live feed, camera status.

This module runs them: a scan thread (ownership, woken early by configuration events, see
:mod:`~analytics.worker.config_feed`), the feed's thread, a thread that waits out Redis while it
is away (:mod:`~analytics.worker.redis_link`) and an analysis thread (pipeline → outputs).
Ownership lives in PostgreSQL, so it goes on while Redis is away; configuration changes are then
found by polling the database.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid

from django.conf import settings
from django.db import close_old_connections, connections

from analytics.worker.config_feed import ConfigFeed
from analytics.worker.ingest import FRAME_DECODED
from analytics.worker.leases_portable import camera_leases
from analytics.worker.outputs import Outputs
from analytics.worker.ownership import CameraOwnership
from analytics.worker.pipeline import FramePipeline
from analytics.worker.redis_link import BACKOFF_MAX_SECONDS, RedisLink, engine_redis_client

logger = logging.getLogger(__name__)

# No camera had a frame due: wait for the next decoded frame (any camera's), at most this long.
# A frame decoded but not yet due at its camera's rate is looked at again when the next frame
# arrives (live sources send faster than the analytics rate), or after this wait at the latest.
IDLE_WAIT_SECONDS = 0.5
DOWN_CHECK_SECONDS = 1.0  # how often the cameras held are checked for a stream that went down


class AnalyticsEngine:
    """Ownership, pipeline and outputs of one process, and the threads that drive them."""

    def __init__(
        self,
        *,
        redis_url: str | None = None,
        capacity: int | None = None,
        scan_seconds: float = 3.0,
        lease_seconds: float = 15.0,
        resync_seconds: float = 300.0,
        poll_seconds: float = 15.0,
        redis_backoff_max: float = BACKOFF_MAX_SECONDS,
        face_detector=None,
        plate_detector=None,
        people_detector=None,
    ) -> None:
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        client = engine_redis_client(redis_url or settings.REDIS_URL)
        self.link = RedisLink(client, backoff_max=redis_backoff_max)
        self.pipeline = FramePipeline(
            face_detector=face_detector,
            plate_detector=plate_detector,
            people_detector=people_detector,
        )
        self.ownership = CameraOwnership(
            leases=camera_leases(self.worker_id, ttl_seconds=lease_seconds),
            pipeline=self.pipeline,
            capacity=capacity or int(os.environ.get("VMS_WORKER_CAMERAS", "16")),
        )
        self.outputs = Outputs(
            link=self.link, stats_key=os.environ.get("VMS_ANALYTICS_STATS_KEY", "")
        )
        self.feed = ConfigFeed(client, link=self.link)
        self.scan_seconds = scan_seconds
        # Every camera held is compared with the database this often (events missed), or every
        # ``poll_seconds`` while configuration events are unavailable (Redis away).
        self.resync_seconds = resync_seconds
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # --- life cycle ---------------------------------------------------------------------------
    def start(self) -> None:
        self.pipeline.load_detectors()
        self.feed.start()
        for target, name in (
            (self._scan_loop, "veil-scan"),
            (self._redis_loop, "veil-redis-link"),
            (self._renew_loop, "veil-renew"),
            (self._analysis_loop, "veil-analysis"),
        ):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        logger.info(
            "analytics worker %s started (capacity %s)", self.worker_id, self.ownership.capacity
        )

    def stop(self) -> None:
        self._stop.set()
        self.feed.wake.set()
        for thread in self._threads:
            thread.join(timeout=10)
        self.feed.stop()
        try:
            self.ownership.release_all()
        except Exception:
            logger.exception("could not give the leases back; they expire on their own")
        finally:
            close_old_connections()
        self.outputs.shutdown()
        logger.info("analytics worker %s stopped", self.worker_id)

    # --- ownership ----------------------------------------------------------------------------
    def _scan_loop(self) -> None:
        next_resync = 0.0
        while not self._stop.is_set():
            self.feed.wake.clear()
            changed, missed = self.feed.take()
            now = time.monotonic()
            resync = missed or now >= next_resync
            try:
                self.ownership.scan(changed=changed, resync=resync)
                if resync:
                    interval = self.resync_seconds if self.feed.live else self.poll_seconds
                    next_resync = now + interval
            except Exception:
                logger.exception("analytics scan failed")
                next_resync = 0.0  # what the failed scan was to apply, the next resync does
            finally:
                close_old_connections()
            self.feed.wake.wait(self.scan_seconds)
        connections.close_all()  # this thread's own

    def _renew_loop(self) -> None:
        """Keep this worker alive while a scan runs long (a takeover of thousands of cameras
        on a busy machine): renew when no heartbeat came for a third of the lease. At rest the
        scans beat often enough that this never queries."""
        leases = self.ownership.leases
        ttl = leases.ttl_ms / 1000
        while not self._stop.wait(ttl / 6):
            if not leases.last_beat or time.monotonic() - leases.last_beat < ttl / 3:
                continue
            try:
                leases.renew()
            except Exception:
                logger.exception("could not renew this worker's leases")
            finally:
                close_old_connections()
        connections.close_all()  # this thread's own

    def _redis_loop(self) -> None:
        """While Redis is away: wait out the back-off and ping, until it answers again."""
        while not self._stop.is_set():
            if self.link.available:
                self._stop.wait(1.0)
            else:
                self.link.retry(self._stop)

    # --- analysis -----------------------------------------------------------------------------
    def _analysis_loop(self) -> None:
        # Woken by decoded frames rather than polling every camera every few milliseconds:
        # idle, this loop costs nothing in proportion to the cameras held.
        checked_down_at = 0.0
        while not self._stop.is_set():
            FRAME_DECODED.clear()
            states = self.ownership.states()
            if time.monotonic() - checked_down_at >= DOWN_CHECK_SECONDS:
                checked_down_at = time.monotonic()
                for state in states:
                    if state.stream.is_down and state.reported_online is not False:
                        self.outputs.camera_down(state, self.pipeline.camera_down(state))
            batch = self.pipeline.collect(states)
            if not batch:
                FRAME_DECODED.wait(IDLE_WAIT_SECONDS)
                continue
            started_at, started = time.time(), time.perf_counter()
            try:
                for frame in self.pipeline.process(batch):
                    self.outputs.deliver(frame)
                self.outputs.record_batch(
                    [(state.camera_id, sample.captured_at) for state, sample in batch],
                    started_at,
                    self.pipeline.last_inference_seconds,
                    time.perf_counter() - started,
                )
            except Exception:
                logger.exception("analytics batch failed; frames dropped, nothing published")
            finally:
                close_old_connections()
        connections.close_all()  # this thread's own
