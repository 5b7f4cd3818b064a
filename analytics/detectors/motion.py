"""Motion by background subtraction, one model per camera."""

from __future__ import annotations

import cv2
import numpy as np


class MotionDetector:
    """Fraction of the frame that moved, from OpenCV's MOG2 on a small grey copy."""

    def __init__(self, *, size: tuple[int, int] = (160, 90), history: int = 200) -> None:
        self.size = size
        self._model = cv2.createBackgroundSubtractorMOG2(history=history, detectShadows=False)
        self._kernel = np.ones((3, 3), np.uint8)

    def measure(self, frame: np.ndarray) -> float:
        small = cv2.resize(frame, self.size, interpolation=cv2.INTER_AREA)
        gray = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), (5, 5), 0)
        mask = self._model.apply(gray)
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, self._kernel)
        return float(np.count_nonzero(mask)) / mask.size
