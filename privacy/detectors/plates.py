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

from privacy.detectors.base import Detection, clip_box

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


class CharacterRowPlateDetector:
    """Plate regions as rows of character-sized marks, whatever the plate's colours or style.

    The cascade knows one plate style well and misses others (UK yellow plates, small or
    angled ones). This finds what every plate has: three or more character strokes of one
    height on one line, dark on light or light on dark. It also catches other short text —
    a blurred shop sign is the safe side of the trade. About 3-5 ms per 640-px frame.
    """

    label = LABEL

    def __init__(
        self,
        *,
        input_long_side: int | None = 640,
        min_characters: float = 3.0,
        min_height: int = 6,
        max_height: int = 60,
    ) -> None:
        self.input_long_side = input_long_side
        self.min_characters = min_characters
        self.min_height = min_height
        self.max_height = max_height

    def detect(self, frames: list[np.ndarray]) -> list[list[Detection]]:
        return [self._detect_one(frame) for frame in frames]

    def _detect_one(self, frame: np.ndarray) -> list[Detection]:
        height, width = frame.shape[:2]
        scale = 1.0
        if self.input_long_side:
            scale = min(1.0, self.input_long_side / max(width, height))
        small = (
            cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            if scale < 1.0
            else frame
        )
        gray = small if small.ndim == 2 else cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
        detections = []
        for polarity in (cv2.THRESH_BINARY_INV, cv2.THRESH_BINARY):  # dark marks, then light
            binary = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, polarity, 15, 15)
            for x0, y0, x1, y1 in self._rows(binary):
                pad_x, pad_y = 0.8 * (y1 - y0), 0.35 * (y1 - y0)
                detections.append(
                    Detection(
                        box=clip_box(
                            (x0 - pad_x) / scale,
                            (y0 - pad_y) / scale,
                            (x1 + pad_x) / scale,
                            (y1 + pad_y) / scale,
                            width=width,
                            height=height,
                        ),
                        score=0.5,
                        label=LABEL,
                    )
                )
        return detections

    def _rows(self, binary: np.ndarray) -> list[tuple[float, float, float, float]]:
        _, _, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
        x, y, w, h, area = (stats[1:, i].astype(np.float64) for i in range(5))
        fill = area / np.maximum(w * h, 1)
        # Character-sized marks; touching characters merge, hence widths up to 4 heights.
        # Solid blocks (windows, panels) fill their box and are left out.
        keep = (
            (h >= self.min_height)
            & (h <= self.max_height)
            & (w >= 0.12 * h)
            & (w <= 4 * h)
            & (fill > 0.15)
            & (fill < 0.85)
        )
        marks = np.flatnonzero(keep)
        marks = marks[np.argsort(x[marks])]
        centre_y = y + h / 2
        used: set[int] = set()
        rows = []
        for position, first in enumerate(marks):
            if first in used:
                continue
            chain, last = [first], first
            for other in marks[position + 1 :]:
                gap = x[other] - (x[last] + w[last])
                if gap > 3 * h[last]:
                    break
                if (
                    other not in used
                    and gap <= 1.2 * h[last]
                    and x[other] > x[last]
                    and abs(h[other] - h[first]) <= 0.25 * h[first]
                    and abs(centre_y[other] - centre_y[first]) <= 0.25 * h[first]
                ):
                    chain.append(other)
                    last = other
            chain_arr = np.array(chain)
            x0, x1 = x[chain_arr].min(), (x[chain_arr] + w[chain_arr]).max()
            y0, y1 = y[chain_arr].min(), (y[chain_arr] + h[chain_arr]).max()
            characters = w[chain_arr].sum() / (0.55 * h[chain_arr].mean())
            if (
                len(chain) >= 2
                and characters >= self.min_characters
                and 1.8 <= (x1 - x0) / (y1 - y0) <= 9
            ):
                used.update(chain)
                rows.append((x0, y0, x1, y1))
        return rows


class UnionPlateDetector:
    """Every plate any of its detectors finds: for redaction, recall beats precision."""

    label = LABEL

    def __init__(self, *detectors) -> None:
        self.detectors = detectors

    def detect(self, frames: list[np.ndarray]) -> list[list[Detection]]:
        results: list[list[Detection]] = [[] for _ in frames]
        for detector in self.detectors:
            for found, more in zip(results, detector.detect(frames), strict=True):
                found.extend(more)
        return results


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
