"""Temporal carry-over: a face or plate the detector misses for a moment stays redacted."""

from __future__ import annotations

from privacy.detectors.base import Detection
from privacy.tracking import HELD_SCORE, BoxTracker, StreamRedaction

W, H, FPS = 640, 360, 10


def _box(x: float, y: float = 100, w: float = 60, h: float = 40) -> tuple[int, int, int, int]:
    return (round(x), round(y), round(x + w), round(y + h))


def _det(box, label="plate") -> Detection:
    return Detection(box=box, score=0.9, label=label)


def _covers(outer, inner) -> bool:
    return (
        outer[0] <= inner[0]
        and outer[1] <= inner[1]
        and outer[2] >= inner[2]
        and (outer[3] >= inner[3])
    )


def test_missed_frames_are_filled_along_the_motion():
    """A plate moving 8 px per frame, detected for 6 frames then missed for 4 (a passer-by):
    each missed frame redacts a box that covers where the plate really is."""
    tracker = BoxTracker(hold_seconds=0.8)
    for index in range(6):
        out = tracker.update([_det(_box(100 + 8 * index))], at=index / FPS, width=W, height=H)
        assert [d.box for d in out] == [_box(100 + 8 * index)]
    for index in range(6, 10):
        out = tracker.update([], at=index / FPS, width=W, height=H)
        assert len(out) == 1 and out[0].score == HELD_SCORE and out[0].label == "plate"
        assert _covers(out[0].box, _box(100 + 8 * index)), (index, out[0].box)
    # Seen again: the track continues (one box, the detection's), nothing is duplicated.
    out = tracker.update([_det(_box(100 + 8 * 10))], at=1.0, width=W, height=H)
    assert [d.box for d in out] == [_box(180)]
    assert len(tracker.tracks) == 1


def test_held_boxes_grow_with_time_unseen():
    tracker = BoxTracker(hold_seconds=1.0, growth_per_second=0.5)
    tracker.update([_det(_box(300))], at=0.0, width=W, height=H)
    widths = [
        (lambda b: b[2] - b[0])(tracker.update([], at=t, width=W, height=H)[0].box)
        for t in (0.2, 0.4, 0.8)
    ]
    assert widths[0] < widths[1] < widths[2]
    assert widths[2] >= 60 * (1 + 2 * 0.5 * 0.8) - 1


def test_tracks_expire_after_the_hold():
    tracker = BoxTracker(hold_seconds=0.5)
    tracker.update([_det(_box(300))], at=0.0, width=W, height=H)
    assert tracker.update([], at=0.5, width=W, height=H)
    assert tracker.update([], at=0.6, width=W, height=H) == []
    assert tracker.tracks == []


def test_a_track_leaving_the_frame_is_dropped():
    tracker = BoxTracker(hold_seconds=5.0, growth_per_second=0.0)
    for index in range(3):  # 40 px per frame to the right, near the right edge
        tracker.update([_det(_box(520 + 40 * index))], at=index / FPS, width=W, height=H)
    assert tracker.update([], at=0.25, width=W, height=H)  # at x 620: partly inside, held
    assert tracker.update([], at=0.35, width=W, height=H) == []  # at x 660: gone


def test_two_objects_keep_their_own_tracks():
    tracker = BoxTracker()
    for index in range(4):
        tracker.update(
            [_det(_box(100 + 10 * index)), _det(_box(400 - 10 * index))],
            at=index / FPS,
            width=W,
            height=H,
        )
    assert len(tracker.tracks) == 2
    out = tracker.update([_det(_box(140))], at=0.4, width=W, height=H)  # the second is missed
    held = [d for d in out if d.score == HELD_SCORE]
    assert len(held) == 1 and _covers(held[0].box, _box(360))


def test_predict_covers_frames_the_detector_skipped():
    """Detection every other frame: in between, every track is predicted to that frame."""
    redaction = StreamRedaction()
    for index in range(0, 8, 2):
        redaction.update(
            [_det(_box(200 + 6 * index), "face")], [], at=index / 25, width=W, height=H
        )
        faces, plates = redaction.predict(at=(index + 1) / 25, width=W, height=H)
        assert plates == [] and len(faces) == 1
        assert _covers(faces[0].box, _box(200 + 6 * (index + 1)))


def test_time_going_backwards_starts_afresh():
    tracker = BoxTracker()
    tracker.update([_det(_box(100))], at=5.0, width=W, height=H)
    assert tracker.update([], at=0.0, width=W, height=H) == []
