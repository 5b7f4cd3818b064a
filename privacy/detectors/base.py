"""The small interface every Veil detector shares.

Frames are OpenCV images: ``numpy.ndarray`` of shape (height, width, 3), dtype uint8, BGR.
Detectors are batched: ``detect(frames)`` takes a list of frames and returns one list of
detections per frame, in the same order. Boxes are in pixels of the frame they came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True, slots=True)
class Detection:
    """One detected object: a pixel box ``(x1, y1, x2, y2)`` (x2/y2 exclusive), score, label."""

    box: tuple[int, int, int, int]
    score: float
    label: str

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> int:
        return self.box[3] - self.box[1]


@runtime_checkable
class Detector(Protocol):
    """Anything with a batched ``detect``; the anonymiser needs nothing more."""

    label: str

    def detect(self, frames: list[np.ndarray]) -> list[list[Detection]]: ...


def clip_box(
    x1: float, y1: float, x2: float, y2: float, *, width: int, height: int
) -> tuple[int, int, int, int]:
    """Round a float box outwards to whole pixels and keep it inside a width x height frame."""
    return (
        max(0, min(width, int(np.floor(x1)))),
        max(0, min(height, int(np.floor(y1)))),
        max(0, min(width, int(np.ceil(x2)))),
        max(0, min(height, int(np.ceil(y2)))),
    )
