"""The frame pipeline: decode → detect in batches → anonymise → rules.

Each camera the engine holds has a :class:`CameraState`: its decoding thread (ingest), its
rules, its anonymiser and the short history the outputs need (the frames of the next clip).
:meth:`FramePipeline.process` takes a batch — the newest frame of every camera that has one —
runs each detector once over the whole batch (CUDA when present, the CPU otherwise, with the
same code), applies the rules and anonymises. It yields the anonymised frames, those that raised
alerts first; it writes nothing and publishes nothing (that is :mod:`analytics.worker.outputs`).

What each frame costs is what limits how many cameras a worker holds, so the detectors run on
a schedule, per camera (staggered by camera id so every batch costs about the same):

* faces: at the frame's full resolution every ``FULL_FACE_EVERY``-th frame and at a reduced
  size (``QUICK_FACE_LONG_SIDE``) on the others. The reduced pass finds every face from about
  24 px wide in a 640×360 frame (``bench/anonymize_throughput.py`` measures it); the full pass
  finds the smaller ones. Every face found stays redacted through the camera's
  :class:`~privacy.tracking.StreamRedaction` (held ~0.8 s after its last detection, moved and
  grown), so a face found at full resolution is not lost on the quick frames after it, and
  a miss (occlusion, blur) does not show it. Plates: every frame, through the same tracker.
* people (for the rules only, not privacy): every ``PEOPLE_EVERY``-th frame with motion (off
  the full face pass's phase); the rules' own tracker bridges the frames between, and a
  visible face counts as a person on every frame.
"""

from __future__ import annotations

import collections
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from django.db import close_old_connections

from analytics import selectors, services
from analytics.detectors.motion import MotionDetector
from analytics.rules import Observation, Person, RuleEngine, RuleHit
from analytics.worker.ingest import CameraStream, ImageHealth, Sample
from analytics.worker.recorder import CameraRecorder
from privacy.anonymizer import Anonymizer
from privacy.detectors.base import Detection
from privacy.tracking import StreamRedaction
from vms.geometry import box_iou

logger = logging.getLogger(__name__)

JPEG_QUALITY = 80
MOTION_GATE = 0.002  # below this fraction of moving pixels, skip the people detector
CLIP_FRAMES_KEPT = 40
PEOPLE_OVERLAP = 0.3  # two person boxes overlapping more than this are one person
FULL_FACE_EVERY = int(os.environ.get("VMS_FULL_FACE_EVERY", "2"))
QUICK_FACE_LONG_SIDE = int(os.environ.get("VMS_QUICK_FACE_LONG_SIDE", "320"))
PEOPLE_EVERY = int(os.environ.get("VMS_PEOPLE_EVERY", "2"))


@dataclass
class CameraState:
    """One camera the engine holds: its stream, rules, anonymiser and recent output."""

    camera_id: int
    config: selectors.CameraAnalyticsConfig
    stream: CameraStream
    rules: RuleEngine
    anonymizer: Anonymizer
    motion: MotionDetector = field(default_factory=MotionDetector)
    health: ImageHealth = field(default_factory=ImageHealth)
    last_sequence: int = -1
    # What the outputs last reported of the stream (None: nothing yet), and when.
    reported_online: bool | None = None
    reported_at: float = 0.0
    # The newest anonymised JPEG frames (captured_at, bytes): an alert's clip is cut from them.
    clip: collections.deque = field(
        default_factory=lambda: collections.deque(maxlen=CLIP_FRAMES_KEPT)
    )
    # Faces and plates seen in recent frames, kept redacted while likely still there.
    redaction: StreamRedaction = field(default_factory=StreamRedaction)
    frames_analysed: int = 0
    # Recording from this decode (analytics.worker.recorder); idle while the mode is "off".
    recorder: CameraRecorder | None = None

    def due(self, every: int, *, phase: int = 0) -> bool:
        """Whether this frame is one of every ``every``-th (staggered by camera and phase)."""
        return every <= 1 or (self.frames_analysed + self.camera_id + phase) % every == 0


@dataclass(frozen=True)
class AnalysedFrame:
    """One camera's frame after the pipeline: anonymised, encoded, with the rules' hits."""

    state: CameraState
    captured_at: float
    jpeg: bytes
    hits: list[RuleHit]
    # Only while a live un-mask is open on the camera: the frame before redaction (privacy
    # masks still black: they cover what the camera must never film, whoever asks).
    original_jpeg: bytes | None = None
    # For the recorder, while the camera records (never published): the original (privacy
    # masks black, nothing else redacted) and the anonymised frame.
    original: np.ndarray | None = None
    image: np.ndarray | None = None


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


def merge_people(detections: list[Detection], width: int, height: int) -> list[Person]:
    """One person per overlapping group of boxes (the most confident), in frame fractions."""
    kept: list[Detection] = []
    for det in sorted(detections, key=lambda d: -d.score):
        if all(box_iou(det.box, k.box) < PEOPLE_OVERLAP for k in kept):
            kept.append(det)
    return [
        Person((d.box[0] / width, d.box[1] / height, d.box[2] / width, d.box[3] / height), d.score)
        for d in kept
    ]


class FramePipeline:
    """Detectors shared by every camera of this process, and what is done to each frame."""

    def __init__(
        self,
        *,
        face_detector=None,
        plate_detector=None,
        people_detector=None,
        quick_face_detector=None,
    ) -> None:
        self.face_detector = face_detector
        # Faces at a reduced size, on the frames between full-resolution passes; a given face
        # detector (tests, benchmarks) serves both unless a quick one is given too.
        self.quick_face_detector = quick_face_detector or face_detector
        self.plate_detector = plate_detector
        self.people_detector = people_detector
        # How long the detectors took on the last batch (benchmark records, see outputs).
        self.last_inference_seconds = 0.0

    # --- set-up ---------------------------------------------------------------------------
    def load_detectors(self) -> None:
        """Load the detectors not given, and record what runs in the model registry."""
        from analytics.detectors.people import HogPeopleDetector, TorchvisionPeopleDetector
        from analytics.model_registry import ModelRecord, model_records
        from privacy.anonymizer import default_face_detector, default_plate_detector

        if self.face_detector is None:
            from privacy.detectors.centerface import CenterFaceDetector

            self.face_detector = default_face_detector()
            self.quick_face_detector = CenterFaceDetector(input_long_side=QUICK_FACE_LONG_SIDE)
        self.quick_face_detector = self.quick_face_detector or self.face_detector
        self.plate_detector = self.plate_detector or default_plate_detector()
        records = model_records()
        weights = os.environ.get("VMS_PEOPLE_MODEL_PATH")
        if self.people_detector is None and weights:
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
            self.people_detector = detector
        if self.people_detector is None:
            self.people_detector = HogPeopleDetector()
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
        self.check_models_deployable(records)

    @staticmethod
    def check_models_deployable(records) -> None:
        """Refuse to run cameras with a model that has no approved, current assessment
        (``analytics.services.assessments``), saying which and why."""
        from analytics.services.assessments import ModelNotDeployableError, models_check_deployable

        try:
            models_check_deployable(records=records)
        except ModelNotDeployableError as refusal:
            logger.error("analytics worker refuses to start its cameras: %s", refusal)
            raise
        finally:
            close_old_connections()

    # --- cameras ----------------------------------------------------------------------------
    def open_camera(
        self, config: selectors.CameraAnalyticsConfig, *, last_hits: dict | None = None
    ) -> CameraState:
        """Start decoding a camera and build its rules and anonymiser; ``last_hits``: its
        rules' last alert times when the caller read them for many cameras at once."""
        stream = CameraStream(config.camera_id, config.stream_url, fps=config.fps)
        stream.start()
        return CameraState(
            camera_id=config.camera_id,
            config=config,
            stream=stream,
            rules=RuleEngine(
                config.rules,
                camera_id=config.camera_id,
                last_hits=selectors.rule_last_alert_times(config.camera_id)
                if last_hits is None
                else last_hits,
            ),
            anonymizer=self._anonymizer(config),
            recorder=CameraRecorder(config.camera_id),
        )

    def needs_reopen(self, state: CameraState, config: selectors.CameraAnalyticsConfig) -> bool:
        """Whether a new configuration changes the stream itself (a new decoder is needed)."""
        return config.stream_url != state.config.stream_url or config.fps != state.config.fps

    def reconfigure(self, state: CameraState, config: selectors.CameraAnalyticsConfig) -> None:
        """Saved rules, zones, masks and settings take effect on the next frame."""
        state.rules.set_rules(config.rules)
        state.anonymizer = self._anonymizer(config)
        state.config = config

    def close_camera(self, state: CameraState) -> None:
        state.stream.stop()
        if state.recorder is not None:
            state.recorder.close()  # the segment being encoded is finished and stored

    def _anonymizer(self, config: selectors.CameraAnalyticsConfig) -> Anonymizer:
        return Anonymizer(
            mode=config.anonymize_mode,
            privacy_masks=config.privacy_masks,
            face_detector=self.face_detector,
            plate_detector=self.plate_detector,
        )

    # --- frames -----------------------------------------------------------------------------
    def collect(self, states: list[CameraState]) -> list[tuple[CameraState, Sample]]:
        """A batch: the newest frame of every camera that has one due at its rate."""
        batch = []
        for state in states:
            sample = state.stream.latest(state.last_sequence)
            if sample is not None:
                state.last_sequence = sample.sequence
                batch.append((state, sample))
        return batch

    def process(self, batch: list[tuple[CameraState, Sample]]) -> Iterator[AnalysedFrame]:
        """Detect over the whole batch at once, apply the rules, then anonymise and encode
        each frame; frames that raised alerts come first, so their evidence is stored before
        frames that only feed the live view."""
        started = time.perf_counter()
        masked = [state.anonymizer.apply_masks(sample.frame) for state, sample in batch]
        full = [i for i, (state, _sample) in enumerate(batch) if state.due(FULL_FACE_EVERY)]
        quick = [i for i in range(len(batch)) if i not in full]
        faces: list[list[Detection]] = [[] for _ in batch]
        for indexes, detector in ((full, self.face_detector), (quick, self.quick_face_detector)):
            if indexes:
                found = detector.detect([masked[i] for i in indexes])
                for index, detections in zip(indexes, found, strict=True):
                    faces[index] = detections
        plates = self.plate_detector.detect(masked)
        motion = [state.motion.measure(sample.frame) for state, sample in batch]
        moving = [
            i
            for i, m in enumerate(motion)
            if m >= MOTION_GATE and batch[i][0].due(PEOPLE_EVERY, phase=1)
        ]
        people: list[list[Detection]] = [[] for _ in batch]
        if moving:
            for index, found in zip(
                moving, self.people_detector.detect([masked[i] for i in moving]), strict=True
            ):
                people[index] = found
        for state, _sample in batch:
            state.frames_analysed += 1
        self.last_inference_seconds = time.perf_counter() - started
        # Rules first (cheap), so frames that raise alerts are blurred and encoded first.
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
        for index in sorted(range(len(batch)), key=lambda i: not hits_by_index[i]):
            state, sample = batch[index]
            height, width = masked[index].shape[:2]
            held_faces, held_plates = state.redaction.update(
                faces[index], plates[index], at=sample.captured_at, width=width, height=height
            )
            # Before redaction, which works in place on the frame: the original, with only
            # the privacy masks black, for the recorder and an open live un-mask.
            # (A state built without a configuration, as tests build them, has neither.)
            live_until = getattr(state.config, "unmask_live_until", None)
            live_unmask = live_until is not None and time.time() < live_until
            recording = getattr(state.config, "recording_mode", "off") != "off" or (
                state.recorder is not None and state.recorder.active
            )
            original = masked[index].copy() if (live_unmask or recording) else None
            original_jpeg = None
            if live_unmask:
                ok, encoded = cv2.imencode(
                    ".jpg", original, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]
                )
                original_jpeg = encoded.tobytes() if ok else None
            anonymised = state.anonymizer.redact(masked[index], held_faces, held_plates)
            ok, jpeg = cv2.imencode(
                ".jpg", anonymised.image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]
            )
            if not ok:
                continue
            jpeg_bytes = jpeg.tobytes()
            state.clip.append((sample.captured_at, jpeg_bytes))
            yield AnalysedFrame(
                state,
                sample.captured_at,
                jpeg_bytes,
                hits_by_index[index],
                original_jpeg,
                original=original if recording else None,
                image=anonymised.image if recording else None,
            )

    def camera_down(self, state: CameraState) -> list[RuleHit]:
        """What the rules make of a camera that stopped sending frames (a health alert)."""
        return state.rules.observe(Observation(captured_at=time.time(), health="down"))
