"""People detectors.

* :class:`HogPeopleDetector` — OpenCV's HOG + linear SVM pedestrian detector, shipped with
  OpenCV; the default, CPU only.
* :class:`TorchvisionPeopleDetector` — any torchvision detection model whose weights file an
  operator puts on disk (Veil never downloads weights); batched, on CUDA when present. The
  file's path and SHA-256 are recorded in the model registry.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import cv2
import numpy as np

from privacy.detectors.base import Detection, clip_box

COCO_PERSON = 1


class HogPeopleDetector:
    label = "person"

    def __init__(self, *, max_width: int = 480, min_score: float = 0.3) -> None:
        self.max_width = max_width
        self.min_score = min_score
        self._hog = cv2.HOGDescriptor()
        self._hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())

    def detect(self, frames: list[np.ndarray]) -> list[list[Detection]]:
        return [self._detect_one(frame) for frame in frames]

    def _detect_one(self, frame: np.ndarray) -> list[Detection]:
        height, width = frame.shape[:2]
        scale = min(1.0, self.max_width / width)
        small = cv2.resize(frame, None, fx=scale, fy=scale) if scale < 1 else frame
        rects, weights = self._hog.detectMultiScale(
            small, winStride=(8, 8), padding=(8, 8), scale=1.08
        )
        found = []
        for (x, y, w, h), weight in zip(rects, np.ravel(weights), strict=False):
            # The SVM margin is unbounded; squash it into a 0..1 confidence.
            score = 1.0 - math.exp(-max(float(weight), 0.0))
            if score < self.min_score:
                continue
            box = clip_box(
                x / scale, y / scale, (x + w) / scale, (y + h) / scale, width=width, height=height
            )
            found.append(Detection(box, round(score, 3), self.label))
        return found


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class TorchvisionPeopleDetector:
    """A torchvision detection architecture with weights from a local file."""

    label = "person"

    def __init__(
        self,
        *,
        weights_path: str | Path,
        architecture: str = "fasterrcnn_mobilenet_v3_large_320_fpn",
        min_score: float = 0.5,
        device: str | None = None,
    ) -> None:
        import torch
        import torchvision

        self.weights_path = Path(weights_path)
        self.sha256 = file_sha256(self.weights_path)
        self.architecture = architecture
        self.min_score = min_score
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        builder = getattr(torchvision.models.detection, architecture)
        model = builder(weights=None, weights_backbone=None, num_classes=91)
        state = torch.load(self.weights_path, map_location="cpu", weights_only=True)
        model.load_state_dict(state)
        self.model = model.eval().to(self.device)
        self._torch = torch

    def detect(self, frames: list[np.ndarray]) -> list[list[Detection]]:
        torch = self._torch
        if not frames:
            return []
        tensors = [
            torch.from_numpy(cv2.cvtColor(f, cv2.COLOR_BGR2RGB))
            .permute(2, 0, 1)
            .float()
            .div(255)
            .to(self.device)
            for f in frames
        ]
        with torch.inference_mode():
            outputs = self.model(tensors)
        results = []
        for frame, output in zip(frames, outputs, strict=True):
            height, width = frame.shape[:2]
            found = []
            for box, label, score in zip(
                output["boxes"], output["labels"], output["scores"], strict=True
            ):
                if int(label) == COCO_PERSON and float(score) >= self.min_score:
                    x1, y1, x2, y2 = (float(v) for v in box)
                    found.append(
                        Detection(
                            clip_box(x1, y1, x2, y2, width=width, height=height),
                            float(score),
                            self.label,
                        )
                    )
            results.append(found)
        return results
