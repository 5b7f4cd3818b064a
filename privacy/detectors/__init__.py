"""The anonymiser's detectors, for faces and plates: batched, sharing ``Detection`` and the
``Detector`` protocol (``privacy.detectors.base``), which analytics' people detector uses too."""

from privacy.detectors.base import Detection, Detector, clip_box
from privacy.detectors.centerface import CenterFaceDetector
from privacy.detectors.plate_net import LearnedPlateDetector, PlateModelError
from privacy.detectors.plates import (
    CharacterRowPlateDetector,
    HaarPlateDetector,
    PlateReader,
    TextPlateDetector,
    UnionPlateDetector,
)

__all__ = [
    "CenterFaceDetector",
    "CharacterRowPlateDetector",
    "Detection",
    "Detector",
    "HaarPlateDetector",
    "LearnedPlateDetector",
    "PlateModelError",
    "PlateReader",
    "TextPlateDetector",
    "UnionPlateDetector",
    "clip_box",
]
