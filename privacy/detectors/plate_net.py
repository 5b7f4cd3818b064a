"""Veil's learned licence-plate *region* detector (the anonymiser's default for plates).

A small fully convolutional network (``privacy/detectors/training/model.py``) trained on
synthetic plates of many national styles, angled, blurred, dirty, at night and partly hidden,
composited on real photographs next to look-alike text that is not a plate (shop signs, posters,
screens, playing cards, book pages). It paints a plate probability map at a quarter of its input
resolution; connected regions above ``threshold`` become boxes. The weights ship in the
repository (``weights/plates.onnx``), with the training recipe next to the model.

Frames are scaled so their longest side is ``input_long_side`` (never enlarged), padded to a
multiple of 16, and run one at a time on onnxruntime (cheaper per frame on a CPU than a batch).

Loading fails closed: a missing or unreadable weights file raises ``PlateModelError`` at
construction, so no anonymiser is ever built without its plate detector.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from privacy.detectors.base import Detection, clip_box

LABEL = "plate"
STRIDE = 4
MULTIPLE = 16
DEFAULT_INPUT_LONG_SIDE = 640
DEFAULT_THRESHOLD = 0.8
DEFAULT_EXTENT_THRESHOLD = 0.4
HALF_SCALE_THRESHOLD = 0.99


def plate_model_path() -> Path:
    """The shipped weights, next to this module."""
    return Path(__file__).resolve().parent / "weights" / "plates.onnx"


class PlateModelError(RuntimeError):
    """The plate network could not be loaded: no anonymiser may run without it."""


class LearnedPlateDetector:
    """Plate regions from Veil's plate network.

    ``threshold``: a region of the map is a plate when its peak probability reaches it;
    ``extent_threshold``: the region is every connected cell above this lower value (so the
    box reaches the plate's faint ends and corners). ``grow``: boxes are grown by this share of
    their size per side (the map is coarse; the anonymiser adds its own padding on top).
    """

    label = LABEL

    def __init__(
        self,
        *,
        model_path: Path | str | None = None,
        input_long_side: int | None = DEFAULT_INPUT_LONG_SIDE,
        threshold: float = DEFAULT_THRESHOLD,
        extent_threshold: float = DEFAULT_EXTENT_THRESHOLD,
        min_width: int = 12,
        min_aspect: float = 1.0,
        half_scale: bool = True,
        grow: float = 0.05,
        threads: int | None = None,
    ) -> None:
        import onnxruntime

        path = Path(model_path) if model_path else plate_model_path()
        if not path.is_file():
            raise PlateModelError(f"plate detector weights are missing: {path}")
        onnxruntime.set_default_logger_severity(3)
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        threads = threads or int(os.environ.get("VMS_INFERENCE_THREADS", "0")) or None
        if threads:
            options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self._session = onnxruntime.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
            self._input = self._session.get_inputs()[0].name
            probe = self._session.run(None, {self._input: np.zeros((1, 3, 32, 32), np.float32)})
        except Exception as error:
            raise PlateModelError(
                f"plate detector weights are unreadable: {path}: {error}"
            ) from error
        if len(probe) != 1 or probe[0].shape != (1, 1, 32 // STRIDE, 32 // STRIDE):
            raise PlateModelError(f"{path} is not a plate map network (output {probe[0].shape})")
        self.model_path = path
        self.input_long_side = input_long_side
        self.threshold = threshold
        self.extent_threshold = min(extent_threshold, threshold)
        self.min_width = min_width
        self.min_aspect = min_aspect
        self.half_scale = half_scale
        self.grow = grow

    def input_size(
        self, *, width: int, height: int, long_side: int | None = None
    ) -> tuple[int, int, float]:
        """Network input (width, height), multiples of 16, and the frame -> input scale."""
        scale = 1.0
        long_side = long_side or self.input_long_side
        if long_side:
            scale = min(1.0, long_side / max(width, height))
        return (
            int(np.ceil(width * scale / MULTIPLE) * MULTIPLE),
            int(np.ceil(height * scale / MULTIPLE) * MULTIPLE),
            scale,
        )

    def probability_map(
        self, frame: np.ndarray, *, long_side: int | None = None
    ) -> tuple[np.ndarray, float, float]:
        """The plate probability map of one frame, and frame pixels per map cell (x, y)."""
        height, width = frame.shape[:2]
        net_width, net_height, scale = self.input_size(
            width=width, height=height, long_side=long_side
        )
        scaled_width, scaled_height = round(width * scale), round(height * scale)
        if frame.ndim == 2:
            frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
        if scale != 1.0:
            frame = cv2.resize(frame, (scaled_width, scaled_height), interpolation=cv2.INTER_AREA)
        frame = cv2.copyMakeBorder(
            frame, 0, net_height - scaled_height, 0, net_width - scaled_width,
            cv2.BORDER_REPLICATE,
        )  # fmt: skip
        blob = frame[:, :, ::-1].transpose(2, 0, 1)[None].astype(np.float32) / 255
        (logits,) = self._session.run(None, {self._input: blob})
        probability = 0.5 + 0.5 * np.tanh(0.5 * logits[0, 0])  # the logistic, without overflow
        return probability, STRIDE * width / scaled_width, STRIDE * height / scaled_height

    def detect(self, frames: list[np.ndarray]) -> list[list[Detection]]:
        """Plate regions in each frame."""
        return [self._detect_one(frame) for frame in frames]

    def _detect_one(self, frame: np.ndarray) -> list[Detection]:
        boxes = []
        full, *half = self._long_sides(frame)
        boxes.extend(self._boxes(frame, full, self.threshold))
        for long_side in half:  # large plates only, and surer: signs look like plates there
            boxes.extend(self._boxes(frame, long_side, HALF_SCALE_THRESHOLD, min_width=40))
        return [Detection(box=box, score=score, label=LABEL) for box, score in _merge_rows(boxes)]

    def _long_sides(self, frame: np.ndarray) -> list[int]:
        """The network sees the frame at ``input_long_side`` and at half of it, where plates
        wider than it learned best (over ~100 px at the input) come back into its range, for a
        quarter more work."""
        full = min(max(frame.shape[:2]), self.input_long_side or max(frame.shape[:2]))
        return [full] + ([full // 2] if self.half_scale and full >= 256 else [])

    def _boxes(
        self, frame: np.ndarray, long_side: int, threshold: float, min_width: int = 0
    ) -> list:
        height, width = frame.shape[:2]
        probability, cell_x, cell_y = self.probability_map(frame, long_side=long_side)
        count, labels, stats, _ = cv2.connectedComponentsWithStats(
            (probability >= self.extent_threshold).astype(np.uint8), connectivity=8
        )
        boxes = []
        for component in range(1, count):
            x, y, w, h, _cells = stats[component]
            # Plates are wider than tall, and at least 25 px wide at 640 px (50 px at 720p):
            # narrower or upright regions are texture, hair, a playing card's corner.
            if w * STRIDE < max(self.min_width, min_width) or w < self.min_aspect * h:
                continue
            score = float(
                probability[y : y + h, x : x + w][labels[y : y + h, x : x + w] == component].max()
            )
            if score < threshold:
                continue
            pad_x, pad_y = w * cell_x * self.grow, h * cell_y * self.grow
            box = clip_box(
                x * cell_x - pad_x,
                y * cell_y - pad_y,
                (x + w) * cell_x + pad_x,
                (y + h) * cell_y + pad_y,
                width=width,
                height=height,
            )
            if box[2] > box[0] and box[3] > box[1]:
                boxes.append((box, score))
        return boxes


def _merge_rows(boxes):
    """Join boxes side by side on one row (a plate split by a post or a leg into two regions),
    so the whole plate, occluder included, is redacted as one."""
    boxes = list(boxes)
    merged = True
    while merged:
        merged = False
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                (a, sa), (b, sb) = boxes[i], boxes[j]
                height = min(a[3] - a[1], b[3] - b[1])
                overlap_y = min(a[3], b[3]) - max(a[1], b[1])
                gap_x = max(a[0], b[0]) - min(a[2], b[2])
                if overlap_y >= 0.5 * height and gap_x <= max(a[3] - a[1], b[3] - b[1]):
                    union = (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))
                    boxes[i] = (union, max(sa, sb))
                    del boxes[j]
                    merged = True
                    break
            if merged:
                break
    return boxes
