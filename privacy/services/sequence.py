"""Anonymising a sequence of frames (a video file): detection on some frames, tracking on all.

The detectors are the expensive part. In a file nothing is live, so the frames can be looked
at out of order: the detectors run on every ``detect_every``-th frame (and on the last one),
and each frame in between is redacted with

* every track of the stream's :class:`~privacy.tracking.StreamRedaction` (what was seen up to
  the previous detected frame, moved with its velocity and grown with the time unseen), and
* what the detectors found in the *next* detected frame, grown by the tracker's minimum
  growth (``DEFAULT_MIN_GROWTH``, 10 % of its size per side).

So a face entering the picture is redacted from the frame before the first frame it is
detected on, and a face or plate the detector misses for a moment stays redacted while held.
What can escape is an object visible on the skipped frames only — at ``detect_every`` 2,
one frame (40 ms at 25 fps) that neither neighbour shows — which a detector running on
every frame would catch only if it did not miss it there too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from privacy.anonymizer import AnonymizedFrame, Anonymizer
from privacy.detectors.base import Detection
from privacy.tracking import DEFAULT_MIN_GROWTH, StreamRedaction

DETECT_EVERY = 2


def _grown(detections: list[Detection], *, width: int, height: int) -> list[Detection]:
    grown = []
    for detection in detections:
        x1, y1, x2, y2 = detection.box
        pad_x, pad_y = (x2 - x1) * DEFAULT_MIN_GROWTH, (y2 - y1) * DEFAULT_MIN_GROWTH
        box = (
            max(0, int(x1 - pad_x)),
            max(0, int(y1 - pad_y)),
            min(width, int(np.ceil(x2 + pad_x))),
            min(height, int(np.ceil(y2 + pad_y))),
        )
        grown.append(Detection(box=box, score=0.0, label=detection.label))
    return grown


def sequence_redact(
    frames: Iterable[np.ndarray],
    anonymizer: Anonymizer,
    *,
    fps: float,
    detect_every: int = DETECT_EVERY,
    batch: int = 4,
    redaction: StreamRedaction | None = None,
) -> Iterator[AnonymizedFrame]:
    """Anonymise ``frames`` (BGR uint8, in order, ``fps`` per second), yielding each in order.

    The detectors see ``batch`` frames at a time. Raises ``AnonymizationError`` (from the
    anonymiser) when detection fails; frames already yielded were fully redacted.
    """
    if detect_every < 1:
        raise ValueError("detect_every must be at least 1")
    redaction = redaction or StreamRedaction()
    fps = fps if fps and fps > 0 else 25.0
    source = iter(frames)
    pending: list[tuple[int, np.ndarray]] = []  # (index, masked image) not yet yielded
    index, finished = 0, False
    while not finished or pending:
        while not finished and len(pending) < batch * detect_every:
            frame = next(source, None)
            if frame is None:
                finished = True
                break
            pending.append((index, anonymizer.apply_masks(frame)))
            index += 1
        if not pending:
            break
        detect_at = [
            slot
            for slot, (number, _image) in enumerate(pending)
            if number % detect_every == 0 or (finished and slot == len(pending) - 1)
        ]
        if not detect_at:
            continue  # wait for the next detected frame (only when batch < detect_every)
        ready, pending = pending[: detect_at[-1] + 1], pending[detect_at[-1] + 1 :]
        faces, plates = anonymizer.detect([ready[slot][1] for slot in detect_at])
        found = dict(zip(detect_at, zip(faces, plates, strict=True), strict=True))
        for slot, (number, image) in enumerate(ready):
            height, width = image.shape[:2]
            at = number / fps
            if slot in found:
                frame_faces, frame_plates = redaction.update(
                    *found[slot], at=at, width=width, height=height
                )
            else:
                frame_faces, frame_plates = redaction.predict(at=at, width=width, height=height)
                next_faces, next_plates = found[min(s for s in found if s > slot)]
                frame_faces = frame_faces + _grown(next_faces, width=width, height=height)
                frame_plates = frame_plates + _grown(next_plates, width=width, height=height)
            yield anonymizer.redact(image, frame_faces, frame_plates)
