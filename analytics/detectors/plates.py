"""Licence-plate *region* detectors, and the separate, opt-in plate reader.

Region detection is what the anonymiser needs: where to blur. Reading the characters is
plate *recognition*, personal data processing that stays off by default; ``PlateReader`` is a
separate class that the anonymiser never uses.

* ``HaarPlateDetector``: OpenCV's ``haarcascade_russian_plate_number.xml`` (ships with
  opencv-python). Fast; finds plates with dark characters on a light ground, down to roughly
  60x20 pixels at its input size.
* ``TextPlateDetector``: rapidocr-onnxruntime's DBNet text detector, keeping only text boxes
  shaped like a plate. Slower, finds more plate styles; for files rather than live streams.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from analytics.detectors.base import Detection, clip_box

LABEL = "plate"


def plate_cascade_path() -> Path:
    """Where opencv-python keeps the plate cascade."""
    return Path(cv2.data.haarcascades) / "haarcascade_russian_plate_number.xml"


class HaarPlateDetector:
    """Plate regions from OpenCV's plate cascade, run at ``input_long_side`` for speed."""

    label = LABEL

    def __init__(
        self,
        *,
        input_long_side: int | None = 640,
        # 1.2 between pyramid levels: half the cost of 1.1 on 720p frames.
        scale_factor: float = 1.2,
        min_neighbours: int = 3,
        # Cascade boxes sit tight on the characters; grow them so the plate edge is covered.
        grow: float = 0.1,
    ) -> None:
        self._cascade = cv2.CascadeClassifier(str(plate_cascade_path()))
        if self._cascade.empty():
            raise RuntimeError(f"Could not load the plate cascade at {plate_cascade_path()}")
        self.input_long_side = input_long_side
        self.scale_factor = scale_factor
        self.min_neighbours = min_neighbours
        self.grow = grow

    def detect(self, frames: list[np.ndarray]) -> list[list[Detection]]:
        """Plate regions in each frame (the cascade has no batch mode; frames run in turn)."""
        return [self._detect_one(frame) for frame in frames]

    def _detect_one(self, frame: np.ndarray) -> list[Detection]:
        height, width = frame.shape[:2]
        gray = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        scale = 1.0
        if self.input_long_side:
            scale = min(1.0, self.input_long_side / max(width, height))
        if scale != 1.0:
            gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
        boxes = self._cascade.detectMultiScale(
            gray, scaleFactor=self.scale_factor, minNeighbors=self.min_neighbours
        )
        detections = []
        for x, y, box_width, box_height in np.asarray(boxes).reshape(-1, 4) / scale:
            pad_x, pad_y = box_width * self.grow, box_height * self.grow
            detections.append(
                Detection(
                    box=clip_box(
                        x - pad_x,
                        y - pad_y,
                        x + box_width + pad_x,
                        y + box_height + pad_y,
                        width=width,
                        height=height,
                    ),
                    score=1.0,
                    label=LABEL,
                )
            )
        return detections


def _rapidocr_engine(**kwargs):
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR(**kwargs)


class TextPlateDetector:
    """Plate regions from DBNet text detection, keeping plate-shaped boxes only.

    A box is plate-shaped when its width/height ratio is within ``aspect_range`` and it is at
    least ``min_height`` pixels tall. Only the detection stage runs; nothing is read.
    """

    label = LABEL

    def __init__(
        self,
        *,
        aspect_range: tuple[float, float] = (1.5, 8.0),
        min_height: int = 8,
        grow: float = 0.15,
    ) -> None:
        self._engine = _rapidocr_engine()
        self.aspect_range = aspect_range
        self.min_height = min_height
        self.grow = grow

    def detect(self, frames: list[np.ndarray]) -> list[list[Detection]]:
        """Plate-shaped text regions in each frame."""
        return [self._detect_one(frame) for frame in frames]

    def _detect_one(self, frame: np.ndarray) -> list[Detection]:
        height, width = frame.shape[:2]
        result, _elapsed = self._engine(frame, use_det=True, use_cls=False, use_rec=False)
        detections = []
        for polygon in result or []:
            points = np.asarray(polygon, dtype=np.float32).reshape(-1, 2)
            x1, y1 = points.min(axis=0)
            x2, y2 = points.max(axis=0)
            box_width, box_height = x2 - x1, y2 - y1
            if box_height < self.min_height:
                continue
            if not self.aspect_range[0] <= box_width / box_height <= self.aspect_range[1]:
                continue
            pad_x, pad_y = box_width * self.grow, box_height * self.grow
            detections.append(
                Detection(
                    box=clip_box(
                        x1 - pad_x, y1 - pad_y, x2 + pad_x, y2 + pad_y, width=width, height=height
                    ),
                    score=1.0,
                    label=LABEL,
                )
            )
        return detections


@dataclass(frozen=True, slots=True)
class PlateReading:
    """Text read from one plate region."""

    box: tuple[int, int, int, int]
    text: str
    score: float


class PlateReader:
    """Plate *recognition*: PP-OCR reads the characters inside given plate boxes.

    Off by default everywhere: nothing in Veil constructs one unless plate recognition is
    enabled for a camera (a later issue gates that on an approved DPIA). The anonymiser never
    uses it.
    """

    def __init__(self) -> None:
        self._engine = _rapidocr_engine()

    def read(self, frame: np.ndarray, boxes: list[tuple[int, int, int, int]]) -> list[PlateReading]:
        """The text in each box (empty string where nothing could be read)."""
        readings = []
        for box in boxes:
            x1, y1, x2, y2 = box
            crop = frame[y1:y2, x1:x2]
            text, score = "", 0.0
            if crop.size:
                result, _elapsed = self._engine(crop, use_det=False, use_cls=False, use_rec=True)
                if result:
                    text, score = str(result[0][0]), float(result[0][1])
            readings.append(PlateReading(box=box, text=text, score=score))
        return readings
