"""What the engine sends out: alerts (with snapshot and clip), the live feed, camera status.

Alerts and status go through the services (database rows, audit, pushes on commit) on a small
thread pool, so a slow database never holds up the frames; the live feed goes straight to Redis
(one anonymised JPEG per frame, published once for every viewer). Nothing here analyses.
"""

from __future__ import annotations

import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np
import redis
from django.db import close_old_connections
from django.utils import timezone

from analytics import services
from analytics.rules import RuleHit
from analytics.worker.pipeline import AnalysedFrame, CameraState
from analytics.worker.recorder import RecordFrame
from analytics.worker.redis_link import RedisLink
from cameras.models import CameraStatus
from cameras.services.status import camera_status_record
from privacy.video import h264_bytes
from vms.realtime import live_channel, live_last_key, live_original_channel

logger = logging.getLogger(__name__)

CLIP_SECONDS = 4.0
LIVE_FRAME_TTL_MS = 10_000
STATUS_REFRESH_SECONDS = 30.0  # an online camera's "last seen" is refreshed this often
STATS_KEEP = 20_000  # batch records kept under VMS_ANALYTICS_STATS_KEY


def encode_clip(frames: list[tuple[float, bytes]], fps: float) -> bytes | None:
    """A short anonymised clip from already anonymised JPEG frames: H.264 in MP4 (yuv420p,
    faststart), which browsers play. None when there are fewer than two usable frames."""
    images = [cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR) for _, jpeg in frames]
    images = [image for image in images if image is not None]
    if len(images) < 2:
        return None
    size = images[0].shape
    images = [image for image in images if image.shape == size]
    return h264_bytes(images, fps=fps) if len(images) >= 2 else None


class Outputs:
    """Alerts, live frames and status reports of one engine process."""

    def __init__(self, *, link: RedisLink, stats_key: str = "") -> None:
        self.link = link
        # Off by default: when set, each batch's timings go to this Redis list (benchmarks).
        self.stats_key = stats_key
        self._writers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="veil-outputs")
        self.frames_delivered = 0

    def shutdown(self) -> None:
        """Wait for the alerts and reports already queued."""
        self._writers.shutdown(wait=True)

    # --- per frame ----------------------------------------------------------------------------
    def deliver(self, frame: AnalysedFrame) -> None:
        """Raise the frame's alerts, publish it live, and keep the camera's status fresh."""
        state = frame.state
        for hit in frame.hits:
            clip = [f for f in state.clip if f[0] >= frame.captured_at - CLIP_SECONDS]
            self._writers.submit(
                self._raise, state.camera_id, hit, frame.jpeg, clip, state.config.fps
            )
        self._publish_live(state.camera_id, frame.jpeg)
        if frame.original_jpeg is not None:
            self._publish_original(state.camera_id, frame.original_jpeg)
        self._record(frame)
        if state.reported_online is not True or time.time() - state.reported_at > (
            STATUS_REFRESH_SECONDS
        ):
            self._report_status(state, online=True)  # also keeps "last seen" fresh
        self.frames_delivered += 1

    def _record(self, frame: AnalysedFrame) -> None:
        state, config = frame.state, frame.state.config
        recorder = getattr(state, "recorder", None)
        if recorder is None or frame.original is None or frame.image is None:
            return
        recorder.offer(
            RecordFrame(
                captured_at=frame.captured_at,
                original=frame.original,
                anonymised=frame.image,
                alert=bool(frame.hits),
                mode=config.recording_mode,
                fps=config.fps,
                pre_roll=config.recording_pre_roll_seconds,
                post_roll=config.recording_post_roll_seconds,
            )
        )

    def camera_down(self, state: CameraState, hits: list[RuleHit]) -> None:
        """The camera stopped sending frames: say so, and raise what the rules made of it."""
        self._report_status(state, online=False, message=state.stream.last_error or "no frames")
        for hit in hits:
            self._writers.submit(self._raise, state.camera_id, hit, None, [], state.config.fps)

    def record_batch(
        self, frames: list[tuple[int, float]], started_at: float, inference: float, total: float
    ) -> None:
        """A batch's timings for the benchmarks, when ``stats_key`` is set."""
        if not self.stats_key or not self.link.available:
            return
        record = {
            "started_at": started_at,
            "inference_ms": round(inference * 1000, 2),
            "batch_ms": round(total * 1000, 2),
            "frames": [list(frame) for frame in frames],
        }
        try:
            pipe = self.link.client.pipeline(transaction=False)
            pipe.rpush(self.stats_key, json.dumps(record))
            pipe.ltrim(self.stats_key, -STATS_KEEP, -1)
            pipe.execute()
        except redis.RedisError as error:
            self.link.lost(error)

    # --- live feed ----------------------------------------------------------------------------
    def _publish_live(self, camera_id: int, jpeg: bytes) -> None:
        if not self.link.available:
            return  # nobody can watch while Redis is away; the link retries on its own
        try:
            pipe = self.link.client.pipeline(transaction=False)
            pipe.publish(live_channel(camera_id), jpeg)
            pipe.set(live_last_key(camera_id), jpeg, px=LIVE_FRAME_TTL_MS)
            pipe.execute()
        except redis.RedisError as error:
            self.link.lost(error)

    def _publish_original(self, camera_id: int, jpeg: bytes) -> None:
        """An original frame, for the un-mask socket alone (it re-checks the grant and
        watermarks): published, never kept as a "last frame" a later viewer could read."""
        if not self.link.available:
            return
        try:
            self.link.client.publish(live_original_channel(camera_id), jpeg)
        except redis.RedisError as error:
            self.link.lost(error)

    # --- database writes (on the pool) --------------------------------------------------------
    def _raise(self, camera_id, hit, jpeg_bytes, clip, fps) -> None:
        try:
            # The alert reaches browsers first; its clip follows a moment later.
            alert = services.alert_raise(camera_id=camera_id, hit=hit, snapshot_jpeg=jpeg_bytes)
            if alert is not None:
                clip_mp4 = encode_clip(clip, fps)
                if clip_mp4:
                    services.alert_clip_attach(alert=alert, clip_mp4=clip_mp4)
        except Exception:
            logger.exception("could not store alert %s", hit.dedupe_key)
        finally:
            close_old_connections()

    def _report_status(self, state: CameraState, *, online: bool, message: str = "") -> None:
        state.reported_online = online
        state.reported_at = time.time()
        self._writers.submit(self._record_status, state.camera_id, online, message)

    def _record_status(self, camera_id: int, online: bool, message: str) -> None:
        try:
            if online:
                camera_status_record(
                    camera_id=camera_id, status=CameraStatus.ONLINE, seen_at=timezone.now()
                )
            else:
                camera_status_record(
                    camera_id=camera_id, status=CameraStatus.OFFLINE, message=message
                )
        except Exception:
            logger.exception("could not record status of camera %s", camera_id)
        finally:
            close_old_connections()
