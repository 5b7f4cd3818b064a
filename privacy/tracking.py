"""Temporal carry-over: what was found in recent frames stays redacted while it is likely there.

A detector misses now and then — a passer-by walks in front of a plate, motion blur, a face
half out of the frame — and a single missed frame shows the face or plate in full. So each
stream (a camera, a video file) keeps a :class:`BoxTracker` per kind (faces, plates): a small
IoU tracker that

* matches each frame's detections to its tracks (IoU of the predicted box, or the detection's
  centre close to the track's: fast small objects move more than their own size);
* follows each track's motion (a smoothed velocity of its box's centre, in pixels per second);
* holds a track for ``hold_seconds`` after its last detection, predicted forward with its
  velocity and grown on every side by ``growth_per_second`` of its size per second unseen
  (the longer it is unseen, the less sure where it is: when in doubt, redact);
* drops a track once held longer than that, or once its predicted box has left the frame.

Time is in seconds (a live camera's capture times, or a video's frame index / fps), so the
same tracker serves a 5 fps camera and a 25 fps file. :class:`StreamRedaction` pairs the face
and plate trackers of one stream; the live engine (``analytics.worker.pipeline``), alert clips
(cut from its output) and ``manage.py anonymize`` (``privacy.services.media``) all use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from privacy.detectors.base import Detection, clip_box

# A held track is a guess: say so in its score (detections keep theirs), for logs and tests.
HELD_SCORE = 0.0
DEFAULT_HOLD_SECONDS = 0.8
DEFAULT_GROWTH_PER_SECOND = 0.5
# Every held box is grown by at least this share of its size per side: a track seen once has
# no velocity yet, and one frame at 25 fps of a walking face moves it ~5-10 % of its width.
DEFAULT_MIN_GROWTH = 0.1
VELOCITY_SMOOTHING = 0.5  # weight of the newest velocity measurement
# A detection further than this many track sizes from a track's predicted centre is another
# object, however it overlaps.
MAX_CENTRE_JUMP = 1.0


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x2 - x1) * max(0.0, y2 - y1)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


@dataclass(eq=False)
class Track:
    """One object followed over frames: its last detected box, where and when it was seen."""

    box: np.ndarray  # float (x1, y1, x2, y2) as last detected
    seen_at: float
    label: str
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(2))  # centre, px/s
    hits: int = 1

    def predicted(self, at: float, growth_per_second: float, min_growth: float = 0.0) -> np.ndarray:
        """The box expected at time ``at``: moved with the velocity, grown with time unseen
        (by ``growth_per_second`` of its size per side and second, at least ``min_growth``)."""
        unseen = max(0.0, at - self.seen_at)
        shift = self.velocity * unseen
        width, height = self.box[2] - self.box[0], self.box[3] - self.box[1]
        grow = max(min_growth, growth_per_second * unseen)
        return np.array(
            [
                self.box[0] + shift[0] - width * grow,
                self.box[1] + shift[1] - height * grow,
                self.box[2] + shift[0] + width * grow,
                self.box[3] + shift[1] + height * grow,
            ]
        )

    def centre_distance(self, box: np.ndarray, at: float) -> float:
        """How far ``box``'s centre is from this track's predicted centre, in track sizes."""
        moved = self.box + np.tile(self.velocity * max(0.0, at - self.seen_at), 2)
        size = max(self.box[2] - self.box[0], self.box[3] - self.box[1], 1.0)
        delta = (box[:2] + box[2:]) / 2 - (moved[:2] + moved[2:]) / 2
        return float(np.hypot(*delta) / size)


class BoxTracker:
    """Tracks of one kind of object (faces, or plates) in one stream.

    ``update(detections, at=...)`` after running the detector on a frame; ``predict(at=...)``
    for a frame the detector did not run on. Both return what to redact in that frame: every
    detection, plus every held track's predicted, grown box (score ``HELD_SCORE``).
    """

    def __init__(
        self,
        *,
        hold_seconds: float = DEFAULT_HOLD_SECONDS,
        growth_per_second: float = DEFAULT_GROWTH_PER_SECOND,
        min_growth: float = DEFAULT_MIN_GROWTH,
        min_iou: float = 0.1,
    ) -> None:
        self.hold_seconds = hold_seconds
        self.growth_per_second = growth_per_second
        self.min_growth = min_growth
        self.min_iou = min_iou
        self.tracks: list[Track] = []
        self._last_at: float | None = None

    def reset(self) -> None:
        self.tracks.clear()
        self._last_at = None

    def update(
        self, detections: list[Detection], *, at: float, width: int, height: int
    ) -> list[Detection]:
        """Match ``detections`` (found in the frame taken at ``at``) to the tracks; return
        the detections and the held boxes of tracks not seen in this frame."""
        self._forget_if_rewound(at)
        boxes = [np.asarray(d.box, dtype=np.float64) for d in detections]
        pairs = []
        for t_index, track in enumerate(self.tracks):
            expected = track.predicted(at, 0.0)
            for d_index, box in enumerate(boxes):
                iou = _iou(expected, box)
                jump = track.centre_distance(box, at)
                if jump <= MAX_CENTRE_JUMP and (iou >= self.min_iou or jump <= 0.5):
                    pairs.append((iou - 0.1 * jump, t_index, d_index))
        matched_tracks: set[int] = set()
        matched_detections: set[int] = set()
        for _score, t_index, d_index in sorted(pairs, key=lambda pair: -pair[0]):
            if t_index in matched_tracks or d_index in matched_detections:
                continue
            matched_tracks.add(t_index)
            matched_detections.add(d_index)
            self._follow(self.tracks[t_index], boxes[d_index], at)
        unseen = [track for index, track in enumerate(self.tracks) if index not in matched_tracks]
        for d_index, detection in enumerate(detections):
            if d_index not in matched_detections:
                self.tracks.append(Track(box=boxes[d_index], seen_at=at, label=detection.label))
        self._expire(at, width=width, height=height)
        held = [track for track in unseen if any(track is kept for kept in self.tracks)]
        return list(detections) + self._held_boxes(held, at, width=width, height=height)

    def predict(self, *, at: float, width: int, height: int) -> list[Detection]:
        """What to redact in a frame the detector did not look at: every live track,
        predicted to ``at`` and grown with the time since it was last seen."""
        self._forget_if_rewound(at)
        self._expire(at, width=width, height=height)
        return self._held_boxes(self.tracks, at, width=width, height=height)

    # --- internals ------------------------------------------------------------------------
    def _follow(self, track: Track, box: np.ndarray, at: float) -> None:
        elapsed = at - track.seen_at
        if elapsed > 0:
            measured = ((box[:2] + box[2:]) / 2 - (track.box[:2] + track.box[2:]) / 2) / elapsed
            weight = VELOCITY_SMOOTHING if track.hits > 1 else 1.0
            track.velocity = weight * measured + (1 - weight) * track.velocity
        track.box, track.seen_at = box, at
        track.hits += 1

    def _expire(self, at: float, *, width: int, height: int) -> None:
        kept = []
        for track in self.tracks:
            if at - track.seen_at > self.hold_seconds:
                continue
            x1, y1, x2, y2 = track.predicted(at, self.growth_per_second)
            if x2 <= 0 or y2 <= 0 or x1 >= width or y1 >= height:
                continue  # it has left the frame
            kept.append(track)
        self.tracks = kept

    def _held_boxes(
        self, tracks: list[Track], at: float, *, width: int, height: int
    ) -> list[Detection]:
        held = []
        for track in tracks:
            predicted = track.predicted(at, self.growth_per_second, self.min_growth)
            box = clip_box(*predicted, width=width, height=height)
            if box[2] > box[0] and box[3] > box[1]:
                held.append(Detection(box=box, score=HELD_SCORE, label=track.label))
        return held

    def _forget_if_rewound(self, at: float) -> None:
        # A looped file or a camera whose clock jumped back: the old tracks mean nothing.
        if self._last_at is not None and at < self._last_at:
            self.tracks.clear()
        self._last_at = at


class StreamRedaction:
    """The face and plate trackers of one stream (a camera, a video file)."""

    def __init__(
        self,
        *,
        hold_seconds: float = DEFAULT_HOLD_SECONDS,
        growth_per_second: float = DEFAULT_GROWTH_PER_SECOND,
    ) -> None:
        self.faces = BoxTracker(hold_seconds=hold_seconds, growth_per_second=growth_per_second)
        self.plates = BoxTracker(hold_seconds=hold_seconds, growth_per_second=growth_per_second)

    def update(
        self,
        faces: list[Detection],
        plates: list[Detection],
        *,
        at: float,
        width: int,
        height: int,
    ) -> tuple[list[Detection], list[Detection]]:
        """The faces and plates to redact in a frame the detectors ran on."""
        return (
            self.faces.update(faces, at=at, width=width, height=height),
            self.plates.update(plates, at=at, width=width, height=height),
        )

    def predict(
        self, *, at: float, width: int, height: int
    ) -> tuple[list[Detection], list[Detection]]:
        """The faces and plates to redact in a frame the detectors skipped."""
        return (
            self.faces.predict(at=at, width=width, height=height),
            self.plates.predict(at=at, width=width, height=height),
        )

    def reset(self) -> None:
        self.faces.reset()
        self.plates.reset()
