"""Detectors with the real shipped weights: CenterFace (onnxruntime and torch), plates."""

from __future__ import annotations

import numpy as np
import pytest

from privacy.anonymizer import default_face_detector
from privacy.detectors import (
    CenterFaceDetector,
    Detection,
    HaarPlateDetector,
    PlateReader,
    TextPlateDetector,
)
from tests.privacy.scenes import background, face_scene, paste_face, street_scene
from vms.geometry import box_iou


@pytest.fixture(scope="module")
def onnx_detector() -> CenterFaceDetector:
    return CenterFaceDetector(backend="onnxruntime")


def test_centerface_finds_the_astronaut_face(onnx_detector):
    frame, face = face_scene()

    [detections] = onnx_detector.detect([frame])

    assert onnx_detector.backend_name == "onnxruntime-cpu"
    assert len(detections) == 1
    assert isinstance(detections[0], Detection)
    assert detections[0].label == "face"
    assert detections[0].score > 0.5
    assert box_iou(detections[0].box, face) > 0.5


def test_centerface_finds_nothing_on_a_faceless_scene(onnx_detector):
    assert onnx_detector.detect([background(480, 360, seed=3)]) == [[]]


def test_centerface_batches_keep_frame_order_across_sizes(onnx_detector):
    small, small_face = face_scene()
    large = background(800, 600, seed=2)
    large_face = paste_face(large, x=500, y=300, face_width=160)
    empty = background(480, 360, seed=4)

    results = onnx_detector.detect([small, large, empty, small])

    assert [len(found) for found in results] == [1, 1, 0, 1]
    assert box_iou(results[0][0].box, small_face) > 0.5
    assert box_iou(results[1][0].box, large_face) > 0.5
    assert results[3] == results[0]


def test_centerface_torch_module_agrees_with_onnxruntime(onnx_detector):
    """The CUDA path (onnx2torch) runs here on the CPU: same boxes, same scores."""
    first, _ = face_scene()
    second = background(480, 360, seed=5)
    paste_face(second, x=60, y=40, face_width=140)
    paste_face(second, x=300, y=200, face_width=50)
    torch_detector = CenterFaceDetector(backend="torch", device="cpu")

    from_torch = torch_detector.detect([first, second])
    from_onnx = onnx_detector.detect([first, second])

    assert torch_detector.backend_name == "torch-cpu"
    assert [len(found) for found in from_torch] == [len(found) for found in from_onnx] == [1, 2]
    for torch_found, onnx_found in zip(from_torch, from_onnx, strict=True):
        for ours, theirs in zip(
            sorted(torch_found, key=lambda d: d.box),
            sorted(onnx_found, key=lambda d: d.box),
            strict=True,
        ):
            assert np.abs(np.subtract(ours.box, theirs.box)).max() <= 1
            assert ours.score == pytest.approx(theirs.score, abs=1e-3)


def test_reduced_input_size_keeps_boxes_in_frame_pixels(onnx_detector):
    frame = background(1280, 720, seed=6)
    face = paste_face(frame, x=700, y=300, face_width=120)

    assert onnx_detector.input_size(width=1280, height=720) == (768, 448, 0.6)
    [detections] = onnx_detector.detect([frame])

    assert len(detections) == 1
    assert box_iou(detections[0].box, face) > 0.5


def test_default_face_detector_is_centerface_on_cpu_here():
    detector = default_face_detector()

    assert isinstance(detector, CenterFaceDetector)
    assert detector.backend_name == "onnxruntime-cpu"


def test_haar_plate_detector_finds_the_synthetic_plate():
    frame, _face, plate = street_scene()

    [detections] = HaarPlateDetector().detect([frame])

    assert detections, "the plate was not found"
    assert all(detection.label == "plate" for detection in detections)
    assert max(box_iou(detection.box, plate) for detection in detections) > 0.3


def test_text_plate_detector_keeps_plate_shaped_text_only():
    frame, _face, plate = street_scene()

    [detections] = TextPlateDetector().detect([frame])

    assert len(detections) == 1
    assert box_iou(detections[0].box, plate) > 0.4


def test_plate_reader_is_separate_and_reads_the_crop():
    frame, _face, plate = street_scene()

    [reading] = PlateReader().read(frame, [plate])

    assert reading.box == plate
    assert reading.text.replace(" ", "") == "AB123CD"
