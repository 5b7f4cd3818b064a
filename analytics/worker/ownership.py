"""Which cameras this engine process analyses, kept in step with the database and the leases.

Every scan beats this worker's heartbeat (which renews every lease it holds), frees the leases
of workers that died, hands cameras over when a new worker joins and takes free cameras, each
worker keeping its fair share (cameras ÷ live workers). At rest that is two or three indexed
statements, whatever the number of cameras.

Saved configuration (rules, zones, masks, rate, source) takes effect without a restart: the
engine passes the cameras that configuration events named (:mod:`analytics.worker.config_feed`)
and only those are reloaded. A resync — every few minutes, or at every poll while events are
unavailable — compares the versions of every camera held in four queries and catches anything
an event missed.
"""

from __future__ import annotations

import logging
import threading

from analytics import selectors
from analytics.worker.leases import CameraLeases
from analytics.worker.pipeline import CameraState, FramePipeline

logger = logging.getLogger(__name__)

# Most cameras taken in one scan: a worker starting alone does not take every camera only to
# hand most of them over when the others have registered a moment later.
CLAIM_BATCH = 2000


class CameraOwnership:
    """The cameras held by one engine process, each with its pipeline state."""

    def __init__(
        self,
        *,
        leases: CameraLeases,
        pipeline: FramePipeline,
        capacity: int,
        claim_batch: int = CLAIM_BATCH,
    ) -> None:
        self.leases = leases
        self.pipeline = pipeline
        self.capacity = capacity
        self.claim_batch = claim_batch
        self._cameras: dict[int, CameraState] = {}
        self._lock = threading.Lock()
        self._registered = False

    def states(self) -> list[CameraState]:
        """The cameras held right now (a copy: the scan may change the set meanwhile)."""
        with self._lock:
            return list(self._cameras.values())

    def held(self) -> list[int]:
        with self._lock:
            return sorted(self._cameras)

    def scan(self, *, changed: set[int] | frozenset[int] = frozenset(), resync: bool = False):
        """Renew, free the dead's, hand over, take; reload the ``changed`` cameras, or compare
        every camera held with the database when ``resync``."""
        # Lease rows first, so the heartbeat counts the cameras as they are now.
        if resync or changed:
            self.leases.sync(None if resync else sorted(changed))
        membership = self.leases.heartbeat(len(self._cameras))
        if membership.rejoined and self._registered:
            # Our heartbeat lapsed long enough for another worker to free our leases: what we
            # held may be someone else's now.
            logger.warning(
                "worker %s was presumed dead and its cameras freed; starting over",
                self.leases.worker_id,
            )
            for camera_id in self.held():
                self._drop(camera_id, release=False)
            membership = self.leases.heartbeat(0)  # others count what we hold: nothing now
        self._registered = True
        if resync:
            self._resync()
        elif changed:
            self._apply_changes(changed)
        share = membership.fair_share(self.capacity, freed=self._freed(self.leases.reap()))
        held = self.held()
        if len(held) > share:  # a worker joined: hand cameras over
            excess = held[share:]
            for camera_id in excess:
                self._drop(camera_id, release=False)
            self.leases.release(excess)
            logger.info(
                "worker %s handed %d camera(s) over (fair share %d): %s",
                self.leases.worker_id,
                len(excess),
                share,
                _ids_summary(excess),
            )
        elif len(held) < share:
            self._take(self.leases.claim(min(share - len(held), self.claim_batch)))

    def release_all(self) -> None:
        """Stop every camera and give its lease back (on shutdown)."""
        for camera_id in self.held():
            self._drop(camera_id, release=False)
        self.leases.leave()

    # --- changes ----------------------------------------------------------------------------
    def _apply_changes(self, changed: set[int] | frozenset[int]) -> None:
        """Cameras named by configuration events: their lease rows follow (a camera disabled
        loses its lease, one enabled gets one: see ``scan``), and those held are reloaded."""
        with self._lock:
            states = [self._cameras[c] for c in sorted(changed) if c in self._cameras]
        for state in states:
            self._reload(state, selectors.camera_analytics_config(state.camera_id))

    def _resync(self) -> None:
        """The safety net (lease rows for every camera are synced by ``scan``): the leases we
        hold as the database has them, and every held camera's configuration version."""
        owned = self.leases.owned()
        held = set(self.held())
        for camera_id in held - owned:  # no longer ours (camera gone, or lease lost)
            self._drop(camera_id, release=False)
        self.leases.release(sorted(owned - held))  # ours in the database, not running here
        states = self.states()
        versions = selectors.camera_config_versions([state.camera_id for state in states])
        stale = [s for s in states if versions.get(s.camera_id, "gone") != s.config.version]
        if stale:
            configs = selectors.camera_analytics_configs([s.camera_id for s in stale])
            for state in stale:
                self._reload(state, configs.get(state.camera_id))

    def _freed(self, reaped: tuple[list[str], int]) -> int:
        """Leases just freed from dead workers: not counted by the heartbeat (neither held by
        a live worker nor free when it looked)."""
        dead, freed = reaped
        if dead:
            logger.info("worker(s) %s gone: %d camera(s) freed", ", ".join(dead), freed)
        return freed

    # --- cameras ------------------------------------------------------------------------------
    def _take(self, camera_ids: list[int]) -> None:
        if not camera_ids:
            return
        configs = selectors.camera_analytics_configs(camera_ids)
        unwanted = [camera_id for camera_id in camera_ids if camera_id not in configs]
        self.leases.release(unwanted)
        last_hits = selectors.rules_last_alert_times(sorted(configs))
        for camera_id in camera_ids:
            if camera_id in configs:
                state = self.pipeline.open_camera(
                    configs[camera_id], last_hits=last_hits[camera_id]
                )
                with self._lock:
                    self._cameras[camera_id] = state
        logger.info(
            "worker %s took %d camera(s): %s",
            self.leases.worker_id,
            len(configs),
            _ids_summary(sorted(configs)),
        )

    def _reload(self, state: CameraState, config: selectors.CameraAnalyticsConfig | None) -> None:
        if config is None:
            self._drop(state.camera_id)
        elif config.version == state.config.version:
            return
        elif self.pipeline.needs_reopen(state, config):
            self.pipeline.close_camera(state)
            reopened = self.pipeline.open_camera(config)
            with self._lock:
                self._cameras[state.camera_id] = reopened
            logger.info("camera %s: configuration reloaded (stream reopened)", state.camera_id)
        else:
            self.pipeline.reconfigure(state, config)
            logger.info("camera %s: configuration reloaded", state.camera_id)

    def _drop(self, camera_id: int, *, release: bool = True) -> None:
        with self._lock:
            state = self._cameras.pop(camera_id, None)
        if state is not None:
            self.pipeline.close_camera(state)
        if release:
            self.leases.release([camera_id])


def _ids_summary(camera_ids: list[int]) -> str:
    if len(camera_ids) <= 10:
        return ", ".join(map(str, camera_ids))
    return f"{camera_ids[0]}…{camera_ids[-1]}"
