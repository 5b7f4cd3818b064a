"""Which photographs, fonts, plate styles and seeds train the plate detector and which ones are
kept for its evaluation only, so the evaluation measures data the network never saw.

Photographs come from ``skimage.data`` (installed with scikit-image, no download)."""

from __future__ import annotations

import functools
from pathlib import Path

import cv2
import numpy as np

# The two motorcycle photographs are a stereo pair: both stay on the evaluation side.
TRAIN_PHOTOS = (
    "coffee.png", "chelsea.png", "rocket.jpg", "page.png", "brick.png", "grass.png",
    "gravel.png", "coins.png", "hubble_deep_field.jpg", "moon.png", "clock_motion.png",
    "ihc.png", "cell.png", "retina.jpg", "logo.png", "color.png",
)  # fmt: skip
EVAL_PHOTOS = (
    "astronaut.png", "camera.png", "motorcycle_left.png", "motorcycle_right.png", "text.png",
)  # fmt: skip

FONT_DIRS = (Path("/usr/share/fonts/truetype"), Path("/usr/share/fonts/opentype"))
# TrueType/OpenType files (found by name under FONT_DIRS) and OpenCV Hershey faces.
TRAIN_TTF = (
    "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSansCondensed.ttf",
    "DejaVuSansCondensed-Bold.ttf", "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf",
    "DejaVuSerif.ttf", "LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf",
    "LiberationMono-Regular.ttf", "LiberationMono-Bold.ttf", "NotoSansMono-Bold.ttf",
    "NimbusSans-Regular.otf", "NimbusSans-Bold.otf", "NimbusSansNarrow-Regular.otf",
    "NimbusSansNarrow-Bold.otf", "NimbusMonoPS-Bold.otf", "URWGothic-Demi.otf",
    "P052-Bold.otf",
)  # fmt: skip
EVAL_TTF = (
    "LiberationSansNarrow-Regular.ttf", "LiberationSansNarrow-Bold.ttf", "NotoMono-Regular.ttf",
    "URWGothic-Book.otf",
)  # fmt: skip
TRAIN_HERSHEY = (
    cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_COMPLEX,
    cv2.FONT_HERSHEY_PLAIN,
)  # fmt: skip
EVAL_HERSHEY = (cv2.FONT_HERSHEY_TRIPLEX,)

# Plate styles (``synth.STYLES``): the Brazilian Mercosur style is never trained on.
EVAL_ONLY_STYLES = ("mercosur",)

TRAIN_SEED = 1
EVAL_SEED = 20261201


@functools.cache
def photo(name: str) -> np.ndarray:
    """A photograph shipped in ``skimage/data`` (by file name) as a BGR uint8 image."""
    import skimage

    path = Path(skimage.__file__).parent / "data" / name
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise FileNotFoundError(f"{path} is missing or unreadable")
    return image


@functools.cache
def font_path(name: str) -> Path | None:
    for directory in FONT_DIRS:
        found = next(directory.rglob(name), None) if directory.is_dir() else None
        if found:
            return found
    return None


def fonts(split: str) -> list:
    """Fonts of a split: ``Path`` for TrueType/OpenType files present here, ints for Hershey."""
    ttf, hershey = (TRAIN_TTF, TRAIN_HERSHEY) if split == "train" else (EVAL_TTF, EVAL_HERSHEY)
    return [p for p in map(font_path, ttf) if p] + list(hershey)
