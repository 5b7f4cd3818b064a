"""Recording from the pipeline's own decode: each analysed frame, as decoded (the original
track) and as anonymised (faces and plates blurred, masks black: the track everyone watches),
is encoded into segments of ``VMS_RECORDING_SEGMENT_SECONDS`` (10 s by default) and stored
sealed (``privacy.services.recording``). No second connection to the camera.

The analysis thread only hands frames over (:meth:`CameraRecorder.offer` never blocks: when
the encoder falls behind, frames are dropped and counted); each camera's recorder thread feeds
two ``ffmpeg`` encoders that write to memory, and stores finished segments.

* ``continuous``: every segment is stored.
* ``alerts``: segments are encoded all the time but kept in memory only as long as the
  pre-roll needs them; an alert stores those that reach into its pre-roll, and every segment
  up to its post-roll (a later alert extends it). Pre-roll is thus whole segments: at least
  the camera's pre-roll seconds before the alert, at most one segment more.
* ``off``: nothing is encoded.

Frames come at the analysis rate, not always evenly; each segment is constant-rate video at
the camera's analysis fps, a frame repeated where the next came late and dropped where it came
early, so that its playing time is the wall-clock time it covers. A pause longer than
``GAP_SECONDS`` (a stream that stalled) ends the segment: the timeline shows the gap.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from django.db import close_old_connections

from cameras.models import RecordingMode
from privacy.models import RecordingTrack
from privacy.video import FragmentedH264Encoder

logger = logging.getLogger(__name__)

SEGMENT_SECONDS = float(os.environ.get("VMS_RECORDING_SEGMENT_SECONDS", "10"))
GAP_SECONDS = 2.0
# Frames waiting for the encoders before new ones are dropped: a few seconds of slack, and at
# most ~90 MB of 720p frames (both tracks) held per camera.
QUEUE_FRAMES = 16
# The original is evidence: encoded at a higher quality than the track everyone watches.
TRACK_QUALITY = {RecordingTrack.ORIGINAL: 18, RecordingTrack.ANONYMISED: 23}


@dataclass(frozen=True)
class RecordFrame:
    """One analysed frame as the recorder gets it, with the camera's settings at that time."""

    captured_at: float
    original: np.ndarray
    anonymised: np.ndarray
    alert: bool
    mode: str
    fps: float
    pre_roll: float
    post_roll: float


@dataclass
class _Segment:
    started_at: float
    fps: float
    width: int
    height: int
    encoders: dict[str, FragmentedH264Encoder]
    written: int = 0
    last_frame_at: float = 0.0
    last_images: tuple[np.ndarray, np.ndarray] | None = None
    videos: dict[str, bytes] = field(default_factory=dict)

    @property
    def ended_at(self) -> float:
        return self.started_at + self.written / self.fps


def _store_segment(segment: _Segment, camera_id: int) -> None:
    from privacy.services.recording import recording_segment_store

    for track, video in segment.videos.items():
        recording_segment_store(
            camera_id=camera_id,
            track=track,
            started_at=datetime.fromtimestamp(segment.started_at, UTC),
            ended_at=datetime.fromtimestamp(segment.ended_at, UTC),
            video=video,
            frames=segment.written,
            fps=segment.fps,
            width=segment.width,
            height=segment.height,
        )


class CameraRecorder:
    """One camera's recording: a queue, a thread and the segment being encoded."""

    def __init__(
        self,
        camera_id: int,
        *,
        segment_seconds: float | None = None,
        store: Callable[[_Segment, int], None] = _store_segment,
    ) -> None:
        self.camera_id = camera_id
        self.segment_seconds = segment_seconds or SEGMENT_SECONDS
        self._store = store
        self._queue: queue.Queue = queue.Queue(maxsize=QUEUE_FRAMES)
        self._thread: threading.Thread | None = None
        self._current: _Segment | None = None
        self._pending: list[_Segment] = []  # finished, not (yet) stored: the pre-roll
        self._windows: list[tuple[float, float]] = []  # alert pre-roll to post-roll
        self._mode = RecordingMode.OFF
        self._pre_roll = 0.0
        self.frames_dropped = 0
        self.segments_stored = 0
        # Closed for good: the analysis thread may still hold this camera's old state for a
        # frame or two after the scan thread closed it (a reopen, a lease given up).
        self._closed = False

    # --- the analysis thread's side -----------------------------------------------------------
    @property
    def active(self) -> bool:
        """Whether it has recorded (it then needs every frame, to end a segment on "off")."""
        return self._thread is not None and not self._closed

    def offer(self, frame: RecordFrame) -> None:
        """Hand a frame over; never blocks (a full queue drops it)."""
        if self._closed or (frame.mode == RecordingMode.OFF and self._thread is None):
            return
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name=f"veil-record-{self.camera_id}", daemon=True
            )
            self._thread.start()
        try:
            self._queue.put_nowait(frame)
        except queue.Full:
            self.frames_dropped += 1
            if self.frames_dropped % 100 == 1:
                logger.warning(
                    "camera %s: recording falls behind, %d frame(s) dropped",
                    self.camera_id,
                    self.frames_dropped,
                )

    def close(self, timeout: float = 30.0) -> None:
        """Finish the segment being encoded (stored if its mode wants it) and stop."""
        self._closed = True
        if self._thread is None:
            return
        try:
            self._queue.put(None, timeout=timeout)
        except queue.Full:
            logger.warning("camera %s: recording queue stuck; last segment lost", self.camera_id)
            return
        self._thread.join(timeout)
        self._thread = None

    # --- the recorder thread ------------------------------------------------------------------
    def _run(self) -> None:
        try:
            while True:
                frame = self._queue.get()
                if frame is None:
                    self._finish_current()
                    self._flush(final=True)
                    return
                try:
                    self._record(frame)
                except Exception:  # one lost segment, not the camera's recording
                    logger.exception("camera %s: recording segment lost", self.camera_id)
                    self._abort_current()
        finally:
            self._abort_current()
            close_old_connections()

    def _record(self, frame: RecordFrame) -> None:
        if frame.mode != self._mode:
            # What was recorded under the old mode is kept or not by the old mode's rule.
            self._finish_current(now=frame.captured_at)
            self._flush(final=frame.mode == RecordingMode.OFF, now=frame.captured_at)
        self._mode, self._pre_roll = frame.mode, frame.pre_roll
        if frame.mode == RecordingMode.OFF:
            return
        if frame.alert:
            self._windows.append(
                (frame.captured_at - frame.pre_roll, frame.captured_at + frame.post_roll)
            )
        height, width = frame.anonymised.shape[:2]
        current = self._current
        if current is not None and (
            (current.width, current.height, current.fps) != (width, height, frame.fps)
            or frame.captured_at - current.last_frame_at > GAP_SECONDS
        ):
            self._finish_current(now=frame.captured_at)
            current = None
        elif current is not None and frame.captured_at - current.started_at >= (
            self.segment_seconds - 0.5 / current.fps
        ):
            # The last frame stands until this one: the next segment starts where it ends.
            self._fill(current, until=frame.captured_at, images=current.last_images)
            self._finish_current(now=frame.captured_at)
            current = None
        if current is None:
            current = self._current = _Segment(
                started_at=frame.captured_at,
                fps=frame.fps,
                width=width,
                height=height,
                encoders={
                    track: FragmentedH264Encoder(width=width, height=height, fps=frame.fps, crf=crf)
                    for track, crf in TRACK_QUALITY.items()
                },
            )
        current.last_frame_at = frame.captured_at
        current.last_images = (frame.original, frame.anonymised)
        self._fill(current, until=frame.captured_at + 1 / current.fps, images=current.last_images)
        if frame.alert:
            self._flush(now=frame.captured_at)

    @staticmethod
    def _fill(segment: _Segment, *, until: float, images) -> None:
        """Constant-rate video whose playing time is wall-clock time (see the module): the
        frame is written as often as needed for the segment to reach ``until``."""
        due = int((until - segment.started_at) * segment.fps + 1e-6)
        original, anonymised = images
        for _ in range(max(0, due - segment.written)):
            segment.encoders[RecordingTrack.ORIGINAL].write(original)
            segment.encoders[RecordingTrack.ANONYMISED].write(anonymised)
            segment.written += 1

    def _finish_current(self, now: float | None = None) -> None:
        segment, self._current = self._current, None
        if segment is None:
            return
        if segment.written == 0:
            for encoder in segment.encoders.values():
                encoder.abort()
            return
        for track, encoder in segment.encoders.items():
            segment.videos[track] = encoder.finish()
        segment.encoders = {}
        self._pending.append(segment)
        self._flush(now=now if now is not None else segment.ended_at)

    def _abort_current(self) -> None:
        segment, self._current = self._current, None
        if segment is not None:
            for encoder in segment.encoders.values():
                encoder.abort()

    def _wanted(self, segment: _Segment) -> bool:
        if self._mode == RecordingMode.CONTINUOUS:
            return True
        return any(
            segment.started_at < end and segment.ended_at > start for start, end in self._windows
        )

    def _flush(self, *, now: float | None = None, final: bool = False) -> None:
        """Store the finished segments the mode wants; keep the pre-roll; drop the rest."""
        kept = []
        for segment in self._pending:
            if self._wanted(segment):
                try:
                    self._store(segment, self.camera_id)
                    self.segments_stored += 1
                except Exception:
                    logger.exception("camera %s: could not store a segment", self.camera_id)
                finally:
                    close_old_connections()
            elif not final and now is not None and segment.ended_at > now - self._pre_roll:
                kept.append(segment)
        self._pending = kept
        if now is not None:
            self._windows = [(s, e) for s, e in self._windows if e > now - self.segment_seconds]
