"""Veil's detectors: batched, sharing ``Detection`` and the ``Detector`` protocol."""

from analytics.detectors.base import Detection, Detector
from analytics.detectors.centerface import CenterFaceDetector
from analytics.detectors.plates import HaarPlateDetector, PlateReader, TextPlateDetector

__all__ = [
    "CenterFaceDetector",
    "Detection",
    "Detector",
    "HaarPlateDetector",
    "PlateReader",
    "TextPlateDetector",
]
