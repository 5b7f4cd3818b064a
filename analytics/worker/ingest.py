"""Ingest: one decoding thread per camera.

The thread decodes every frame the source sends (a live stream must be drained or it lags)
and keeps the newest frame with the time it was captured; the engine takes frames from it at
the camera's analytics rate.
Analytics and the anonymised live feed both take their frames from here: one decode per
camera. A drop reconnects with exponential backoff; a camera that stays down is reported.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import cv2
import numpy as np

from cameras.sources import open_capture

logger = logging.getLogger(__name__)

BACKOFF_START_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 30.0
DOWN_AFTER_SECONDS = 10.0
# Opening a source, and then each frame, may take this long before the connection counts as
# lost (and is opened again, backing off; a camera down for DOWN_AFTER_SECONDS is reported).
OPEN_TIMEOUT_SECONDS = 8.0
READ_TIMEOUT_SECONDS = 8.0

# Set whenever any camera of this process decodes a frame: the engine's analysis loop waits on
# it when no camera has a frame due, instead of polling every camera.
FRAME_DECODED = threading.Event()

# ``manage.py analytics_worker --simulate``: every source is simulated (see ``CameraStream``).
SIMULATE_ALL_SOURCES = False


@dataclass
class Sample:
    frame: np.ndarray
    captured_at: float  # epoch seconds, taken when the frame was decoded
    sequence: int


class CameraStream(threading.Thread):
    """Decodes one camera and keeps its latest analytics sample."""

    def __init__(
        self, camera_id: int, url: str, *, fps: float = 5.0, loop_files: bool = True
    ) -> None:
        super().__init__(name=f"veil-ingest-{camera_id}", daemon=True)
        self.camera_id = camera_id
        self.url = url
        self.interval = 1.0 / max(fps, 0.1)
        self.is_file = urlsplit(url).scheme == "file"
        # A simulated camera (``sim://`` or the worker's ``--simulate``) is held, leased and
        # configured like any other but decodes nothing: no thread, no frames, never down.
        # It measures what owning cameras costs, apart from what analysing them costs.
        self.simulated = SIMULATE_ALL_SOURCES or urlsplit(url).scheme == "sim"
        self.loop_files = loop_files
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._sample: Sample | None = None
        self._sequence = 0
        self._next_take_at = 0.0
        self.connected = False
        self.last_frame_at = 0.0
        self.down_since: float | None = time.time()
        self.last_error = ""
        self.reconnects = 0

    # --- read side (the analytics engine) ----------------------------------------------------
    def latest(self, after_sequence: int = -1) -> Sample | None:
        """The newest decoded frame, if newer than ``after_sequence`` and the camera's
        analytics rate allows another one now.

        Every decoded frame replaces the last, and the rate is applied when the engine takes
        one, so what the engine analyses is at most one source frame old.
        """
        with self._lock:
            sample = self._sample
            if sample is None or sample.sequence <= after_sequence:
                return None
            now = time.time()
            if now < self._next_take_at:
                return None
            # Keep the cadence; after a slow spell (or at the first frame) start it afresh
            # rather than bursting to catch up.
            following = self._next_take_at + self.interval
            self._next_take_at = following if following > now else now + self.interval
        return sample

    @property
    def is_down(self) -> bool:
        return self.down_since is not None and time.time() - self.down_since >= DOWN_AFTER_SECONDS

    def start(self) -> None:
        if self.simulated:
            self.connected, self.down_since = True, None
            return
        super().start()

    def stop(self) -> None:
        self._stopping.set()

    # --- the decoding loop --------------------------------------------------------------------
    def run(self) -> None:
        backoff = BACKOFF_START_SECONDS
        while not self._stopping.is_set():
            capture = open_capture(
                self.url, open_timeout=OPEN_TIMEOUT_SECONDS, read_timeout=READ_TIMEOUT_SECONDS
            )
            if not capture.isOpened():
                self._mark_down("cannot open the stream")
                capture.release()
                self._stopping.wait(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX_SECONDS)
                continue
            self.connected = True
            self.down_since = None
            backoff = BACKOFF_START_SECONDS
            self._drain(capture)
            capture.release()
            self.connected = False
            if not self._stopping.is_set():
                self.reconnects += 1
                self._stopping.wait(0.2 if self.is_file else backoff)

    def _drain(self, capture: cv2.VideoCapture) -> None:
        native_fps = capture.get(cv2.CAP_PROP_FPS) or 0.0
        pace = 1.0 / native_fps if self.is_file and 0 < native_fps < 120 else 0.0
        while not self._stopping.is_set():
            started = time.time()
            ok, frame = capture.read()
            if not ok or frame is None:
                if self.is_file and self.loop_files and self.last_frame_at:
                    return  # the end of a test or demo file: play it again, quietly
                self._mark_down("the stream ended or stopped sending frames")
                return
            now = time.time()
            self.last_frame_at = now
            with self._lock:
                self._sequence += 1
                self._sample = Sample(frame, now, self._sequence)
            FRAME_DECODED.set()
            if pace:  # a file plays at its own speed, like a camera would
                self._stopping.wait(max(0.0, pace - (time.time() - started)))

    def _mark_down(self, reason: str) -> None:
        self.connected = False
        self.last_error = reason
        if self.down_since is None:
            self.down_since = time.time()
            logger.warning("camera %s: %s", self.camera_id, reason)


class ImageHealth:
    """Notices a black, covered or out-of-focus picture from the frames themselves."""

    def __init__(self, *, persist_samples: int = 10) -> None:
        self.persist_samples = persist_samples
        self._streak: dict[str, int] = {}
        self._sharpness_baseline: float | None = None

    def assess(self, frame: np.ndarray) -> str:
        small = cv2.resize(frame, (160, 90), interpolation=cv2.INTER_AREA)
        gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
        mean, std = float(gray.mean()), float(gray.std())
        sharpness = float(cv2.Laplacian(gray, cv2.CV_32F).var())
        if mean < 12:
            state = "black"
        elif std < 6:
            state = "covered"
        elif self._sharpness_baseline and sharpness < 0.1 * self._sharpness_baseline:
            state = "out_of_focus"
        else:
            state = "ok"
            base = self._sharpness_baseline
            self._sharpness_baseline = sharpness if base is None else 0.98 * base + 0.02 * sharpness
        # A problem counts only once it persists; a passing shadow is not tampering.
        for key in list(self._streak):
            if key != state:
                self._streak[key] = 0
        self._streak[state] = self._streak.get(state, 0) + 1
        if state != "ok" and self._streak[state] < self.persist_samples:
            return "ok"
        return state
