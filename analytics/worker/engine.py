"""The analytics worker: owns cameras through leases, decodes once, detects in batches,
anonymises, publishes the live feed, applies rules and raises alerts.

It runs inside a Celery worker process (started by the bootstep in ``vms/celery.py`` when
the worker is started with ``--analytics``), on CUDA when present and on the CPU otherwise,
with the same code.
"""

from __future__ import annotations

import collections
import json
import logging
import os
import socket
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import redis
from django.conf import settings
from django.db import close_old_connections

from analytics import selectors, services
from analytics.detectors.motion import MotionDetector
from analytics.rules import Observation, Person, RuleEngine
from analytics.worker.ingest import CameraStream, ImageHealth
from analytics.worker.leases import CameraLeases
from privacy.anonymizer import Anonymizer
from privacy.detectors.base import Detection

logger = logging.getLogger(__name__)

CLIP_SECONDS = 4.0
JPEG_QUALITY = 80
LIVE_FRAME_TTL_MS = 10_000
MOTION_GATE = 0.002  # below this fraction of moving pixels, skip the people detector
STATS_KEEP = 20_000  # batch records kept under VMS_ANALYTICS_STATS_KEY


def redis_prefix() -> str:
    """The deployment's Redis namespace (the channel layer's prefix): live channels and camera
    leases live under it, so two deployments (or test runs) sharing a Redis never meet."""
    return settings.CHANNEL_LAYERS["default"]["CONFIG"].get("prefix", "veil")


def live_channel(camera_id: int) -> str:
    return f"{redis_prefix()}:live:{camera_id}"


def live_last_key(camera_id: int) -> str:
    return live_channel(camera_id) + ":last"


@dataclass
class CameraState:
    camera_id: int
    config: selectors.CameraAnalyticsConfig
    stream: CameraStream
    rules: RuleEngine
    anonymizer: Anonymizer
    motion: MotionDetector = field(default_factory=MotionDetector)
    health: ImageHealth = field(default_factory=ImageHealth)
    last_sequence: int = -1
    reported_online: bool | None = None
    reported_at: float = 0.0
    clip: collections.deque = field(default_factory=lambda: collections.deque(maxlen=40))


def people_from_faces(faces: list[Detection], width: int, height: int) -> list[Detection]:
    """A visible face means a person: extend its box to a body-sized box below it."""
    bodies = []
    for face in faces:
        x1, y1, x2, y2 = face.box
        w, h = x2 - x1, y2 - y1
        box = (
            max(0, int(x1 - w)),
            max(0, int(y1 - 0.3 * h)),
            min(width, int(x2 + w)),
            min(height, int(y2 + 6 * h)),
        )
        bodies.append(Detection(box, face.score, "person"))
    return bodies


def _iou(a, b) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union else 0.0


def merge_people(detections: list[Detection], width: int, height: int) -> list[Person]:
    kept: list[Detection] = []
    for det in sorted(detections, key=lambda d: -d.score):
        if all(_iou(det.box, k.box) < 0.3 for k in kept):
            kept.append(det)
    return [
        Person((d.box[0] / width, d.box[1] / height, d.box[2] / width, d.box[3] / height), d.score)
        for d in kept
    ]


def encode_clip(frames: list[tuple[float, bytes]], fps: float) -> bytes | None:
    """A short anonymised clip from already anonymised JPEG frames."""
    if len(frames) < 2:
        return None
    first = cv2.imdecode(np.frombuffer(frames[0][1], np.uint8), cv2.IMREAD_COLOR)
    height, width = first.shape[:2]
    with tempfile.NamedTemporaryFile(suffix=".mp4") as handle:
        writer = cv2.VideoWriter(handle.name, cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
        for _, jpeg in frames:
            image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
            if image is not None and image.shape[:2] == (height, width):
                writer.write(image)
        writer.release()
        return Path(handle.name).read_bytes()


class AnalyticsWorker:
    """Everything one worker process does for the cameras it owns."""

    def __init__(
        self,
        *,
        redis_url: str | None = None,
        capacity: int | None = None,
        scan_seconds: float = 3.0,
        lease_seconds: float = 15.0,
        face_detector=None,
        plate_detector=None,
        people_detector=None,
    ) -> None:
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.redis = redis.Redis.from_url(redis_url or settings.REDIS_URL)
        self.leases = CameraLeases(
            self.redis, self.worker_id, ttl_seconds=lease_seconds, prefix=redis_prefix()
        )
        self.capacity = capacity or int(os.environ.get("VMS_WORKER_CAMERAS", "16"))
        self.scan_seconds = scan_seconds
        self.cameras: dict[int, CameraState] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._alerts = ThreadPoolExecutor(max_workers=4, thread_name_prefix="veil-alerts")
        self._face_detector = face_detector
        self._plate_detector = plate_detector
        self._people_detector = people_detector
        self._threads: list[threading.Thread] = []
        self.frames_processed = 0
        # Off by default: when set, each batch's timings go to this Redis list (benchmarks).
        self.stats_key = os.environ.get("VMS_ANALYTICS_STATS_KEY", "")

    # --- life cycle ---------------------------------------------------------------------------
    def start(self) -> None:
        self._load_detectors()
        for target, name in (
            (self._scan_loop, "veil-scan"),
            (self._process_loop, "veil-analytics"),
        ):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        logger.info("analytics worker %s started (capacity %s)", self.worker_id, self.capacity)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)
        for camera_id in list(self.cameras):
            self._drop(camera_id)
        self.leases.leave()
        self._alerts.shutdown(wait=True)

    def _load_detectors(self) -> None:
        from analytics.detectors.people import HogPeopleDetector, TorchvisionPeopleDetector
        from analytics.model_registry import ModelRecord, model_records
        from privacy.anonymizer import default_face_detector, default_plate_detector

        self._face_detector = self._face_detector or default_face_detector()
        self._plate_detector = self._plate_detector or default_plate_detector()
        records = model_records()
        weights = os.environ.get("VMS_PEOPLE_MODEL_PATH")
        if self._people_detector is None and weights:
            # An operator-provided torchvision model; its file hash goes into the registry.
            import torchvision

            detector = TorchvisionPeopleDetector(
                weights_path=weights,
                architecture=os.environ.get(
                    "VMS_PEOPLE_MODEL_ARCH", "fasterrcnn_mobilenet_v3_large_320_fpn"
                ),
            )
            records.append(
                ModelRecord(
                    name=detector.architecture,
                    task="people detection",
                    version=torchvision.__version__,
                    path=Path(weights),
                    sha256=detector.sha256,
                    licence="operator-supplied",
                    source_package="torchvision",
                )
            )
            self._people_detector = detector
        if self._people_detector is None:
            self._people_detector = HogPeopleDetector()
            records.append(
                ModelRecord(
                    name="opencv_hog_default_people",
                    task="people detection",
                    version=cv2.__version__,
                    path=Path(""),
                    sha256="",
                    licence="Apache-2.0",
                    source_package="opencv-python",
                )
            )
        try:
            services.detector_models_record(records=records)
        except Exception:
            logger.exception("could not record the model registry")
        finally:
            close_old_connections()

    # --- ownership ----------------------------------------------------------------------------
    def _scan_loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.scan()
            except Exception:
                logger.exception("analytics scan failed")
            finally:
                close_old_connections()
            self._stop.wait(self.scan_seconds)

    def scan(self) -> None:
        """Renew leases, give back what is no longer ours to hold, take free cameras."""
        self.leases.heartbeat()
        wanted = selectors.cameras_for_analytics()
        share = self.leases.fair_share(len(wanted), self.capacity)
        for camera_id in list(self.cameras):
            if camera_id not in wanted or not self.leases.renew(camera_id):
                self._drop(camera_id)
        while len(self.cameras) > share:  # a new worker joined: hand cameras over
            self._drop(max(self.cameras))
        for camera_id in wanted:
            if len(self.cameras) >= share:
                break
            if camera_id not in self.cameras and self.leases.try_acquire(camera_id):
                self._take(camera_id)
        for camera_id, state in list(self.cameras.items()):
            if selectors.camera_config_version(camera_id) != state.config.version:
                self._reload(camera_id)

    def _take(self, camera_id: int) -> None:
        config = selectors.camera_analytics_config(camera_id)
        if config is None:
            self.leases.release(camera_id)
            return
        stream = CameraStream(camera_id, config.stream_url, fps=config.fps)
        stream.start()
        state = CameraState(
            camera_id=camera_id,
            config=config,
            stream=stream,
            rules=RuleEngine(
                config.rules,
                camera_id=camera_id,
                last_hits=selectors.rule_last_alert_times(camera_id),
            ),
            anonymizer=self._anonymizer(config),
        )
        with self._lock:
            self.cameras[camera_id] = state
        logger.info("worker %s took camera %s", self.worker_id, camera_id)

    def _reload(self, camera_id: int) -> None:
        """Saved rules, zones, masks and settings take effect without a restart."""
        config = selectors.camera_analytics_config(camera_id)
        state = self.cameras.get(camera_id)
        if state is None:
            return
        if config is None:
            self._drop(camera_id)
            return
        if config.stream_url != state.config.stream_url or config.fps != state.config.fps:
            self._drop(camera_id)
            if self.leases.try_acquire(camera_id):
                self._take(camera_id)
            return
        state.rules.set_rules(config.rules)
        state.anonymizer = self._anonymizer(config)
        state.config = config
        logger.info("camera %s: configuration reloaded", camera_id)

    def _drop(self, camera_id: int) -> None:
        with self._lock:
            state = self.cameras.pop(camera_id, None)
        if state is not None:
            state.stream.stop()
        self.leases.release(camera_id)

    def _anonymizer(self, config) -> Anonymizer:
        return Anonymizer(
            mode=config.anonymize_mode,
            privacy_masks=config.privacy_masks,
            face_detector=self._face_detector,
            plate_detector=self._plate_detector,
        )

    # --- analysis -----------------------------------------------------------------------------
    def _process_loop(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                states = list(self.cameras.values())
            batch = []
            for state in states:
                sample = state.stream.latest(state.last_sequence)
                if sample is not None:
                    state.last_sequence = sample.sequence
                    batch.append((state, sample))
                elif state.stream.is_down and state.reported_online is not False:
                    self._report_down(state)
            if not batch:
                self._stop.wait(0.005)
                continue
            try:
                self.process(batch)
            except Exception:
                logger.exception("analytics batch failed; frames dropped, nothing published")
            finally:
                close_old_connections()

    def process(self, batch) -> None:
        """One batch: a frame from each camera that has a new one, detected together."""
        started_at, started = time.time(), time.perf_counter()
        masked = [state.anonymizer.apply_masks(sample.frame) for state, sample in batch]
        faces = self._face_detector.detect(masked)
        plates = self._plate_detector.detect(masked)
        motion = [state.motion.measure(sample.frame) for state, sample in batch]
        moving = [i for i, m in enumerate(motion) if m >= MOTION_GATE]
        people = [[] for _ in batch]
        if moving:
            for index, found in zip(
                moving, self._people_detector.detect([masked[i] for i in moving]), strict=True
            ):
                people[index] = found
        inference_seconds = time.perf_counter() - started
        # Rules first (cheap), so frames that raise alerts are blurred, encoded and stored
        # before the frames that only feed the live view.
        hits_by_index = {}
        for index, (state, sample) in enumerate(batch):
            height, width = masked[index].shape[:2]
            persons = merge_people(
                people[index] + people_from_faces(faces[index], width, height), width, height
            )
            observation = Observation(
                captured_at=sample.captured_at,
                people=persons,
                motion=motion[index],
                health=state.health.assess(sample.frame),
            )
            hits_by_index[index] = state.rules.observe(observation)
        order = sorted(range(len(batch)), key=lambda i: not hits_by_index[i])
        for index in order:
            state, sample = batch[index]
            anonymised = state.anonymizer.redact(masked[index], faces[index], plates[index])
            ok, jpeg = cv2.imencode(
                ".jpg", anonymised.image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]
            )
            if not ok:
                continue
            jpeg_bytes = jpeg.tobytes()
            state.clip.append((sample.captured_at, jpeg_bytes))
            for hit in hits_by_index[index]:
                clip = [f for f in state.clip if f[0] >= sample.captured_at - CLIP_SECONDS]
                self._alerts.submit(
                    self._raise, state.camera_id, hit, jpeg_bytes, clip, state.config.fps
                )
            self._publish_live(state.camera_id, jpeg_bytes)
            if state.reported_online is not True or time.time() - state.reported_at > 30:
                self._report_status(state, online=True)  # also keeps "last seen" fresh
            self.frames_processed += 1
        if self.stats_key:
            self._record_stats(batch, started_at, inference_seconds, time.perf_counter() - started)

    def _record_stats(self, batch, started_at, inference_seconds, batch_seconds) -> None:
        record = {
            "started_at": started_at,
            "inference_ms": round(inference_seconds * 1000, 2),
            "batch_ms": round(batch_seconds * 1000, 2),
            "frames": [[state.camera_id, sample.captured_at] for state, sample in batch],
        }
        pipe = self.redis.pipeline(transaction=False)
        pipe.rpush(self.stats_key, json.dumps(record))
        pipe.ltrim(self.stats_key, -STATS_KEEP, -1)
        pipe.execute()

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

    def _publish_live(self, camera_id: int, jpeg: bytes) -> None:
        pipe = self.redis.pipeline(transaction=False)
        pipe.publish(live_channel(camera_id), jpeg)
        pipe.set(live_last_key(camera_id), jpeg, px=LIVE_FRAME_TTL_MS)
        pipe.execute()

    def _report_status(self, state: CameraState, *, online: bool, message: str = "") -> None:
        state.reported_online = online
        state.reported_at = time.time()
        self._alerts.submit(self._record_status, state.camera_id, online, message)

    def _record_status(self, camera_id: int, online: bool, message: str) -> None:
        try:
            services.camera_stream_status_record(
                camera_id=camera_id, online=online, message=message
            )
        except Exception:
            logger.exception("could not record status of camera %s", camera_id)
        finally:
            close_old_connections()

    def _report_down(self, state: CameraState) -> None:
        self._report_status(state, online=False, message=state.stream.last_error or "no frames")
        for hit in state.rules.observe(Observation(captured_at=time.time(), health="down")):
            self._alerts.submit(self._raise, state.camera_id, hit, None, [], state.config.fps)
