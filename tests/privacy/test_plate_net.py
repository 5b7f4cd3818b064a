"""Veil's learned plate detector (the anonymiser's default) with its shipped weights, on images
built from evaluation-side sources only (photographs, fonts, a plate style and a seed never
used in training: ``privacy/detectors/training/sources.py``)."""

from __future__ import annotations

import re

import cv2
import numpy as np
import pytest

from cameras.demo.scenes import SceneSpec, render_scene
from privacy.anonymizer import Anonymizer, default_face_detector, default_plate_detector
from privacy.detectors import LearnedPlateDetector, PlateModelError
from privacy.detectors.training import scenery, synth

SEED = 4242  # not the training seed
STYLES = ("uk_rear", "german", "californian", "french", "mercosur", "dutch")


def _covered(truth, box) -> float:
    x0, y0, x1, y1 = truth
    ix = max(0, min(x1, box[2]) - max(x0, box[0]))
    iy = max(0, min(y1, box[3]) - max(y0, box[1]))
    return ix * iy / max(1, (x1 - x0) * (y1 - y0))


def _plate_scene(rng, *, widths, occlude_first: bool = False):
    """A 1280x720 evaluation-side photograph with plates of six styles in a row."""
    canvas = scenery.background(rng, "eval", (1280, 720))
    plates = []
    for k, (style, width) in enumerate(zip(STYLES, widths, strict=True)):
        plate, text, _ = synth.render_plate(rng, "eval", style)
        centre = (110 + (k % 3) * 420, 200 + (k // 3) * 320)
        quad = synth.paste_plate(canvas, plate, rng, width=width, centre=centre, max_angle=8)
        if occlude_first and k == 0:  # a thin post across the first plate
            x0, y0 = quad.min(axis=0)
            x1, y1 = quad.max(axis=0)
            post = int(x0 + (x1 - x0) * 0.45)
            cv2.rectangle(canvas, (post, int(y0) - 80), (post + int((x1 - x0) * 0.15), int(y1) + 80),
                          (60, 60, 60), -1)  # fmt: skip
        x0, y0 = np.floor(quad.min(axis=0)).astype(int)
        x1, y1 = np.ceil(quad.max(axis=0)).astype(int)
        plates.append(((int(x0), int(y0), int(x1), int(y1)), text))
    return canvas, plates


@pytest.fixture(scope="module")
def detector():
    return default_plate_detector()


def test_the_default_plate_detector_is_the_learned_one(detector):
    assert isinstance(detector, LearnedPlateDetector)
    assert detector.model_path.stat().st_size < 5_000_000


def test_plates_of_many_styles_are_found_small_large_and_behind_a_post(detector):
    rng = np.random.default_rng(SEED)
    image, plates = _plate_scene(rng, widths=(140, 60, 90, 230, 120, 55), occlude_first=True)

    [detections] = detector.detect([image])

    for (box, text), style in zip(plates, STYLES, strict=True):
        assert any(_covered(box, d.box) >= 0.8 for d in detections), f"{style} {text} missed"
    assert all(d.label == "plate" for d in detections)


def _boxes_on_a_wall(detector, kinds) -> list[int]:
    """False plate boxes in ten seeded scenes of look-alikes drawn on a plain wall."""
    counts = []
    for seed in range(SEED + 1, SEED + 11):
        rng = np.random.default_rng(seed)
        image = np.full((720, 1280, 3), rng.integers(60, 200, 3), np.uint8)
        for kind in kinds:
            scenery.draw_distractor(
                image, rng, "eval", scale=float(rng.uniform(120, 320)), kind=kind
            )
        counts.append(len(detector.detect([image])[0]))
    return counts


def test_shop_signs_screens_posters_and_pages_are_mostly_left_alone(detector):
    counts = _boxes_on_a_wall(detector, ("sign", "screen", "poster", "sign", "page", "window"))

    # Measured: 7 stray boxes over 10 scenes of 6 look-alikes each (most of them on large signs
    # seen at half scale, which finds large plates); bench/anonymize_quality.py prints the
    # same per distractor kind on the evaluation set. Precision is the weak side (issue 8).
    assert sum(counts) <= 8
    assert max(counts) <= 2


@pytest.mark.xfail(reason="playing cards' corner indices still draw plate boxes (issue 8)")
def test_a_card_table_is_left_alone(detector):
    kinds = ("table", "card", "card", "card", "hand", "card", "hand", "card")
    assert sum(_boxes_on_a_wall(detector, kinds)) == 0


def test_the_anonymiser_leaves_no_three_plate_characters_readable():
    from rapidocr_onnxruntime import RapidOCR

    ocr = RapidOCR()
    rng = np.random.default_rng(SEED + 2)
    image, plates = _plate_scene(rng, widths=(180, 150, 110, 240, 160, 130))
    result = Anonymizer(face_detector=default_face_detector()).anonymize(image)

    def reads(picture, box, text) -> bool:
        x0, y0, x1, y1 = box
        crop = picture[max(0, y0 - 6) : y1 + 6, max(0, x0 - 12) : x1 + 12]
        found, _ = ocr(crop, use_det=False, use_cls=False, use_rec=True)
        read = re.sub(r"[^A-Z0-9]", "", str(found[0][0]).upper()) if found else ""
        truth = re.sub(r"[^A-Z0-9]", "", text)
        return any(truth[k : k + 3] in read for k in range(len(truth) - 2))

    readable_before = [reads(image, box, text) for box, text in plates]
    assert sum(readable_before) >= 4, "the test scene must hold readable plates"
    assert not any(reads(result.image, box, text) for box, text in plates)


def _visible_share(plate, person, spec) -> float:
    """Share of the demo plate (full size 0.138 x frame width, 520:111) left visible by the
    frame edge and the walker's box."""
    full_w = spec.width * 0.30 * 0.46
    full_area = full_w * full_w * 111 / 520
    hidden = 0
    if person is not None:
        ix = max(0, min(plate.x + plate.w, person.x + person.w) - max(plate.x, person.x))
        iy = max(0, min(plate.y + plate.h, person.y + person.h) - max(plate.y, person.y))
        hidden = ix * iy
    return (plate.area - hidden) / full_area


@pytest.mark.parametrize("variant", ["street", "lobby"])
def test_demo_plates_are_found_on_every_frame_where_two_thirds_show(detector, variant):
    spec = SceneSpec(variant=variant, plate_text="VE12 CRP", seed=3)
    checked = 0
    for frame in render_scene(spec):
        person = frame.person_boxes[0] if frame.person_boxes else None
        for plate in frame.plate_boxes:
            if _visible_share(plate, person, spec) < 2 / 3:
                continue
            checked += 1
            truth = (plate.x, plate.y, plate.x + plate.w, plate.y + plate.h)
            [detections] = detector.detect([frame.image])
            assert any(_covered(truth, d.box) >= 0.6 for d in detections), f"frame {frame.index}"
    assert checked > 40


def test_missing_or_corrupt_weights_fail_closed(tmp_path, monkeypatch):
    with pytest.raises(PlateModelError, match="missing"):
        LearnedPlateDetector(model_path=tmp_path / "plates.onnx")
    corrupt = tmp_path / "corrupt.onnx"
    corrupt.write_bytes(b"\x08\x07not a network" * 100)
    with pytest.raises(PlateModelError, match="unreadable"):
        LearnedPlateDetector(model_path=corrupt)

    # The default anonymiser cannot be built without them either.
    monkeypatch.setattr(
        "privacy.detectors.plate_net.plate_model_path", lambda: tmp_path / "plates.onnx"
    )
    default_plate_detector.cache_clear()
    try:
        with pytest.raises(PlateModelError):
            Anonymizer(face_detector=default_face_detector())
    finally:
        default_plate_detector.cache_clear()
