"""Plates of a style the cascade does not know (UK yellow, in the demo scenes) are found by the
character-row detector (the old default, kept as a peer) and blurred by the default anonymiser
(now the learned detector: ``test_plate_net.py``)."""

from __future__ import annotations

import cv2
import numpy as np

from cameras.demo.scenes import SceneSpec, render_frame, render_scene
from privacy.anonymizer import Anonymizer, default_face_detector, default_plate_detector
from privacy.detectors.plates import CharacterRowPlateDetector, HaarPlateDetector


def _covered(truth, box) -> float:
    x0, y0, x1, y1 = truth
    ix = max(0, min(x1, box[2]) - max(x0, box[0]))
    iy = max(0, min(y1, box[3]) - max(y0, box[1]))
    return ix * iy / max(1, (x1 - x0) * (y1 - y0))


def _truths(scene_frame):
    return [(b.x, b.y, b.x + b.w, b.y + b.h) for b in scene_frame.plate_boxes]


def test_character_rows_find_most_demo_plates_that_the_cascade_misses():
    spec = SceneSpec(variant="street", plate_text="VE12 CRP", seed=2)
    rows, cascade = CharacterRowPlateDetector(), HaarPlateDetector()
    total = found_rows = found_cascade = 0
    for scene_frame in render_scene(spec):
        for truth in _truths(scene_frame):
            total += 1
            found_rows += any(
                _covered(truth, d.box) > 0.9 for d in rows.detect([scene_frame.image])[0]
            )
            found_cascade += any(
                _covered(truth, d.box) > 0.9 for d in cascade.detect([scene_frame.image])[0]
            )
    assert total > 40
    # Misses are plates entering/leaving the frame or half hidden behind the walker.
    assert found_rows / total >= 0.85
    assert found_rows > found_cascade


def test_default_anonymiser_makes_a_demo_plate_unreadable():
    scene_frame = render_frame(SceneSpec(variant="street", plate_text="VE12 CRP", seed=2), 30)
    (x0, y0, x1, y1) = _truths(scene_frame)[0]
    anonymizer = Anonymizer(
        face_detector=default_face_detector(), plate_detector=default_plate_detector()
    )
    result = anonymizer.anonymize(scene_frame.image)

    def sharpness(image):
        gray = cv2.cvtColor(image[y0:y1, x0:x1], cv2.COLOR_BGR2GRAY)
        return float(cv2.Laplacian(gray, cv2.CV_32F).var())

    assert sharpness(result.image) < 0.1 * sharpness(scene_frame.image)
    # Far from any face or plate, nothing changed.
    assert np.array_equal(result.image[:40, :40], scene_frame.image[:40, :40])
