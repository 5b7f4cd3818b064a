"""Test scenes: the real face from ``skimage.data.astronaut()`` and a synthetic plate on a car."""

from __future__ import annotations

import cv2
import numpy as np
from skimage import data

from vms.geometry import box_iou

# The astronaut's face in skimage.data.astronaut(), (x1, y1, x2, y2), and a head crop around it.
ASTRONAUT_FACE = (181, 58, 270, 178)
_HEAD = (131, 8, 320, 228)


def background(width: int, height: int, *, seed: int = 0) -> np.ndarray:
    """A textured BGR background (high-frequency detail everywhere, no faces)."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(50, 200, size=(6, 8, 3), dtype=np.uint8)
    frame = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC).astype(np.int16)
    frame += rng.integers(-12, 13, size=frame.shape, dtype=np.int16)
    return np.clip(frame, 0, 255).astype(np.uint8)


def paste_face(frame: np.ndarray, *, x: int, y: int, face_width: int) -> tuple[int, int, int, int]:
    """Paste the astronaut's head so her face is ``face_width`` wide, its top-left at (x, y).

    Returns the face box in frame pixels.
    """
    image = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
    hx1, hy1, hx2, hy2 = _HEAD
    head = image[hy1:hy2, hx1:hx2]
    fx1, fy1, fx2, fy2 = (
        ASTRONAUT_FACE[0] - hx1,
        ASTRONAUT_FACE[1] - hy1,
        ASTRONAUT_FACE[2] - hx1,
        ASTRONAUT_FACE[3] - hy1,
    )
    scale = face_width / (fx2 - fx1)
    head = cv2.resize(head, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    top, left = round(y - fy1 * scale), round(x - fx1 * scale)
    height, width = head.shape[:2]
    # Clip the head (not the face) where it would leave the frame.
    y1, x1 = max(0, top), max(0, left)
    y2, x2 = min(frame.shape[0], top + height), min(frame.shape[1], left + width)
    frame[y1:y2, x1:x2] = head[y1 - top : y2 - top, x1 - left : x2 - left]
    return (x, y, round(x + (fx2 - fx1) * scale), round(y + (fy2 - fy1) * scale))


def draw_car_with_plate(
    frame: np.ndarray, *, x: int, y: int, text: str = "AB 123 CD"
) -> tuple[int, int, int, int]:
    """A car-like shape with a white plate and dark characters; returns the plate box."""
    cv2.rectangle(frame, (x, y), (x + 300, y + 150), (40, 40, 160), -1)
    cv2.rectangle(frame, (x + 50, y - 60), (x + 250, y), (50, 50, 170), -1)
    cv2.circle(frame, (x + 60, y + 150), 30, (20, 20, 20), -1)
    cv2.circle(frame, (x + 240, y + 150), 30, (20, 20, 20), -1)
    plate = (x + 80, y + 95, x + 220, y + 125)
    cv2.rectangle(frame, plate[:2], (plate[2] - 1, plate[3] - 1), (235, 235, 235), -1)
    cv2.rectangle(frame, plate[:2], (plate[2] - 1, plate[3] - 1), (20, 20, 20), 2)
    (text_width, text_height), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.75, 2)
    cv2.putText(
        frame,
        text,
        (x + 150 - text_width // 2, y + 110 + text_height // 2),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.75,
        (15, 15, 15),
        2,
        cv2.LINE_AA,
    )
    return plate


def face_scene() -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A 480x360 scene with one 100 px face."""
    frame = background(480, 360)
    return frame, paste_face(frame, x=200, y=110, face_width=100)


def street_scene() -> tuple[np.ndarray, tuple[int, int, int, int], tuple[int, int, int, int]]:
    """A 640x480 scene with a face and a car with a plate; returns (frame, face, plate)."""
    frame = background(640, 480, seed=1)
    face = paste_face(frame, x=90, y=90, face_width=90)
    plate = draw_car_with_plate(frame, x=300, y=260)
    return frame, face, plate


def sharpness(image: np.ndarray, box: tuple[int, int, int, int]) -> float:
    """Variance of the Laplacian inside a box: high for detail, near zero once blurred."""
    x1, y1, x2, y2 = box
    gray = cv2.cvtColor(image[y1:y2, x1:x2], cv2.COLOR_BGR2GRAY)
    return float(cv2.Laplacian(gray, cv2.CV_64F).var())


def outside_boxes(shape: tuple[int, ...], boxes: list[tuple[int, int, int, int]]) -> np.ndarray:
    """A boolean mask that is True outside every box."""
    mask = np.ones(shape[:2], dtype=bool)
    for x1, y1, x2, y2 in boxes:
        mask[y1:y2, x1:x2] = False
    return mask


def face_found(detections, face: tuple[int, int, int, int]) -> bool:
    """Whether any detection is on the face (IoU > 0.3)."""
    return any(box_iou(detection.box, face) > 0.3 for detection in detections)
