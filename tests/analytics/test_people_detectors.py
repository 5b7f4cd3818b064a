"""People detectors: OpenCV's HOG by default; a torchvision model from an operator's file."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from analytics.detectors.people import HogPeopleDetector, TorchvisionPeopleDetector


def test_hog_detector_returns_boxes_inside_the_frame_per_frame():
    frames = [np.full((360, 640, 3), 128, np.uint8), np.zeros((240, 320, 3), np.uint8)]
    results = HogPeopleDetector().detect(frames)
    assert len(results) == 2
    for frame, found in zip(frames, results, strict=True):
        for detection in found:
            x1, y1, x2, y2 = detection.box
            assert 0 <= x1 < x2 <= frame.shape[1] and 0 <= y1 < y2 <= frame.shape[0]


def test_torchvision_model_loads_from_an_operator_file_and_records_its_hash(tmp_path):
    torch = pytest.importorskip("torch")
    import torchvision

    # An operator's weights file: here an untrained model of the default architecture, saved
    # the way torchvision's published weights are (a state dict).
    model = torchvision.models.detection.fasterrcnn_mobilenet_v3_large_320_fpn(
        weights=None, weights_backbone=None, num_classes=91
    )
    path = tmp_path / "people.pth"
    torch.save(model.state_dict(), path)

    detector = TorchvisionPeopleDetector(weights_path=path, min_score=0.0, device="cpu")

    assert detector.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    frames = [np.random.default_rng(0).integers(0, 255, (240, 320, 3), dtype=np.uint8)] * 2
    results = detector.detect(frames)
    assert len(results) == 2
    assert all(d.label == "person" for found in results for d in found)


def test_a_wrong_weights_file_is_refused(tmp_path):
    pytest.importorskip("torch")
    path = tmp_path / "broken.pth"
    path.write_bytes(b"not a model")
    with pytest.raises(Exception):  # noqa: B017 - torch raises several kinds for a bad file
        TorchvisionPeopleDetector(weights_path=path, device="cpu")
