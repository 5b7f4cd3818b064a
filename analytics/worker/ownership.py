"""Which cameras this engine process analyses, kept in step with the database and the leases.

Every scan renews the leases of the cameras held, gives back those no longer wanted (disabled,
analytics off, deleted) or no longer ours (another worker holds the lease), hands cameras over
when a new worker joins (each keeps its fair share), takes free cameras up to that share, and
applies saved configuration (rules, zones, masks, rate, source) without a restart.
"""

from __future__ import annotations

import logging
import threading

import redis

from analytics import selectors
from analytics.worker.leases import CameraLeases
from analytics.worker.pipeline import CameraState, FramePipeline

logger = logging.getLogger(__name__)


class CameraOwnership:
    """The cameras held by one engine process, each with its pipeline state."""

    def __init__(self, *, leases: CameraLeases, pipeline: FramePipeline, capacity: int) -> None:
        self.leases = leases
        self.pipeline = pipeline
        self.capacity = capacity
        self._cameras: dict[int, CameraState] = {}
        self._lock = threading.Lock()

    def states(self) -> list[CameraState]:
        """The cameras held right now (a copy: the scan may change the set meanwhile)."""
        with self._lock:
            return list(self._cameras.values())

    def held(self) -> list[int]:
        with self._lock:
            return sorted(self._cameras)

    def scan(self) -> None:
        """Renew, give back, take, reconfigure. Raises ``redis.RedisError`` when Redis is away:
        the caller backs off and the cameras held stay held meanwhile."""
        self.leases.heartbeat()
        wanted = selectors.cameras_for_analytics()
        share = self.leases.fair_share(len(wanted), self.capacity)
        for camera_id in self.held():
            if camera_id not in wanted or not self.leases.renew_or_acquire(camera_id):
                self._drop(camera_id)
        while len(self.held()) > share:  # a new worker joined: hand cameras over
            self._drop(max(self.held()))
        for camera_id in wanted:
            if len(self.held()) >= share:
                break
            if camera_id not in self._cameras and self.leases.try_acquire(camera_id):
                self._take(camera_id)
        for state in self.states():
            if selectors.camera_config_version(state.camera_id) != state.config.version:
                self._reload(state)

    def release_all(self) -> None:
        """Stop every camera and give its lease back (on shutdown); the leases simply expire
        if Redis is away."""
        held = self.held()
        for camera_id in held:
            self._drop(camera_id, release=False)
        try:
            for camera_id in held:
                self.leases.release(camera_id)
            self.leases.leave()
        except redis.RedisError:
            logger.info("Redis is away: the leases of this worker will expire on their own")

    # --- one camera ---------------------------------------------------------------------------
    def _take(self, camera_id: int) -> None:
        config = selectors.camera_analytics_config(camera_id)
        if config is None:
            self.leases.release(camera_id)
            return
        state = self.pipeline.open_camera(config)
        with self._lock:
            self._cameras[camera_id] = state
        logger.info("worker %s took camera %s", self.leases.worker_id, camera_id)

    def _reload(self, state: CameraState) -> None:
        config = selectors.camera_analytics_config(state.camera_id)
        if config is None:
            self._drop(state.camera_id)
        elif self.pipeline.needs_reopen(state, config):
            self._drop(state.camera_id)
            if self.leases.try_acquire(state.camera_id):
                self._take(state.camera_id)
        else:
            self.pipeline.reconfigure(state, config)
            logger.info("camera %s: configuration reloaded", state.camera_id)

    def _drop(self, camera_id: int, *, release: bool = True) -> None:
        with self._lock:
            state = self._cameras.pop(camera_id, None)
        if state is not None:
            self.pipeline.close_camera(state)
        if release:
            self.leases.release(camera_id)
