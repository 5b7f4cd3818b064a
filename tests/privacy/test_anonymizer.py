"""The anonymiser on real faces and synthetic plates: blurred where found, untouched elsewhere."""

from __future__ import annotations

import numpy as np
import pytest

from privacy.anonymizer import AnonymizationError, Anonymizer, default_face_detector
from privacy.detectors import CenterFaceDetector, Detection, HaarPlateDetector
from tests.privacy.scenes import (
    background,
    face_scene,
    outside_boxes,
    paste_face,
    sharpness,
    street_scene,
)


@pytest.mark.parametrize("mode", ["blur", "pixelate"])
def test_face_is_made_unrecognisable_and_nothing_else_changes(mode):
    frame, face = face_scene()
    original = frame.copy()

    result = Anonymizer(mode=mode).anonymize(frame)

    assert np.array_equal(frame, original), "the input frame is not modified"
    assert len(result.faces) == 1
    if mode == "blur":
        assert sharpness(result.image, face) < sharpness(original, face) / 20
    else:
        # Pixelation leaves a few flat blocks across the face.
        x1, y1, x2, y2 = face
        assert len(np.unique(result.image[y1:y2, x1:x2].reshape(-1, 3), axis=0)) < 100
    assert default_face_detector().detect([result.image]) == [[]]
    untouched = outside_boxes(frame.shape, result.redacted_boxes)
    assert np.array_equal(result.image[untouched], original[untouched])
    # The padded box covers the whole detected face.
    x1, y1, x2, y2 = result.redacted_boxes[0]
    fx1, fy1, fx2, fy2 = result.faces[0].box
    assert x1 <= fx1 and y1 <= fy1 and x2 >= fx2 and y2 >= fy2


def test_plate_and_face_in_a_street_scene_are_both_redacted():
    frame, face, plate = street_scene()

    result = Anonymizer().anonymize(frame)

    assert len(result.faces) == 1
    assert len(result.plates) >= 1
    assert sharpness(result.image, plate) < sharpness(frame, plate) / 20
    assert sharpness(result.image, face) < sharpness(frame, face) / 20
    assert HaarPlateDetector().detect([result.image]) == [[]]
    untouched = outside_boxes(frame.shape, result.redacted_boxes)
    assert np.array_equal(result.image[untouched], frame[untouched])


def test_privacy_masks_are_black_before_detection():
    frame, face = face_scene()
    height, width = frame.shape[:2]
    # A mask over the whole face: blacked out, so there is nothing left to detect there.
    x1, y1, x2, y2 = face
    mask = [
        (x1 / width, y1 / height),
        (x2 / width, y1 / height),
        (x2 / width, y2 / height),
        (x1 / width, y2 / height),
    ]
    corner = [(0.0, 0.0), (0.25, 0.0), (0.0, 0.25)]

    result = Anonymizer(privacy_masks=[mask, corner]).anonymize(frame)

    assert not result.image[y1 + 1 : y2 - 1, x1 + 1 : x2 - 1].any()
    assert not result.image[0:20, 0:20].any()
    assert result.faces == []
    # Far from the masks the frame is as it was.
    assert np.array_equal(result.image[300:, 400:], frame[300:, 400:])


def test_batches_give_one_result_per_frame_in_order():
    face_frame, _ = face_scene()
    street_frame, _, _ = street_scene()

    results = Anonymizer().anonymize_batch([street_frame, face_frame])

    assert [len(result.faces) for result in results] == [1, 1]
    assert results[0].image.shape == street_frame.shape
    assert results[1].image.shape == face_frame.shape
    assert results[0].plates and not results[1].plates


class _BrokenDetector:
    label = "face"

    def detect(self, frames):
        raise RuntimeError("inference failed")


class _WrongCountDetector:
    label = "face"

    def detect(self, frames):
        return []


@pytest.mark.parametrize("detector", [_BrokenDetector(), _WrongCountDetector()])
def test_fails_closed_when_a_detector_fails(detector):
    frame, _ = face_scene()

    with pytest.raises(AnonymizationError):
        Anonymizer(face_detector=detector).anonymize(frame)
    with pytest.raises(AnonymizationError):
        Anonymizer(plate_detector=detector).anonymize_batch([frame, frame])


def test_detections_outside_the_frame_are_clipped():
    class _EdgeFaces:
        label = "face"

        def detect(self, frames):
            return [[Detection(box=(0, 0, 40, 40), score=1.0, label="face")] for _ in frames]

    frame, _ = face_scene()

    result = Anonymizer(face_detector=_EdgeFaces(), face_padding=0.25).anonymize(frame)

    assert result.redacted_boxes == [(0, 0, 50, 50)]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"mode": "smudge"},
        {"privacy_masks": [[(0, 0), (1, 1)]]},
        {"privacy_masks": [[(0, 0), (2, 0), (0, 1)]]},
    ],
)
def test_invalid_settings_are_refused(kwargs):
    with pytest.raises(ValueError):
        Anonymizer(face_detector=CenterFaceDetector(), **kwargs)


@pytest.mark.parametrize("edge", ["bottom", "right"])
def test_a_face_cut_by_the_frame_edge_is_blurred_into_its_corners(edge):
    """The blurred ellipse is the whole padded face's, cut by the frame like the face, not
    the ellipse of the cut box (which left the visible face's corners sharp)."""
    frame = background(480, 360, seed=4)
    x, y = (180, 200) if edge == "bottom" else (400, 100)
    fx1, fy1, fx2, fy2 = paste_face(frame, x=x, y=y, face_width=120)
    visible = (fx1, fy1, min(fx2, 480), min(fy2, 360))
    original = frame.copy()

    result = Anonymizer().anonymize(frame)

    assert result.faces, "the detector finds the cut face"
    vx1, vy1, vx2, vy2 = visible
    corners = (
        [(vx1, vy2 - 12), (vx2 - 12, vy2 - 12)]
        if edge == "bottom"
        else [
            (vx2 - 12, vy1),
            (vx2 - 12, vy2 - 12),
        ]
    )
    for cx, cy in corners:
        corner = (cx, cy, cx + 12, cy + 12)
        assert sharpness(result.image, corner) < sharpness(original, corner) / 5, corner
