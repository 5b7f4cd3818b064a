"""Choose the detector's threshold on a *validation* set (training sources, another seed),
never on the evaluation set:

    python bench/build_anonymize_eval.py --validation --out /tmp/plates-val --images 36
    python -m privacy.detectors.training.sweep --data /tmp/plates-val [--model x.onnx]

Prints, per threshold: plates found (boxes cover >= 80 % of the plate), false plate boxes per
image, and the share of image area inside false plate boxes.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np

from privacy.detectors.plate_net import LearnedPlateDetector

THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def _overlap(a, b) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    return ix * iy / max(1, (a[2] - a[0]) * (a[3] - a[1]))


def covered(box, boxes) -> float:
    """Share of ``box`` inside the union of ``boxes``."""
    x0, y0, x1, y1 = (int(v) for v in box)
    inside = np.zeros((max(1, y1 - y0), max(1, x1 - x0)), bool)
    for b in boxes:
        inside[max(0, b[1] - y0) : max(0, b[3] - y0), max(0, b[0] - x0) : max(0, b[2] - x0)] = True
    return float(inside.mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--extent", type=float, default=0.25, help="extent threshold")
    args = parser.parse_args()
    meta = json.loads((args.data / "labels.json").read_text())
    detectors = {
        t: LearnedPlateDetector(model_path=args.model, threshold=t, extent_threshold=args.extent)
        for t in THRESHOLDS
    }
    rows = {t: [0, 0, 0, 0.0] for t in THRESHOLDS}  # found, plates, false boxes, false area
    for label in meta["images"]:
        image = cv2.imread(str(args.data / label["file"]))
        area = image.shape[0] * image.shape[1]
        for threshold, detector in detectors.items():
            found = detector.detect([image])[0]
            row = rows[threshold]
            for plate in label["plates"]:
                row[1] += 1
                row[0] += covered(plate["box"], [d.box for d in found]) >= 0.8
            for d in found:
                if not any(_overlap(d.box, p["box"]) > 0.1 for p in label["plates"]):
                    row[2] += 1
                    row[3] += d.width * d.height / area
    images = len(meta["images"])
    print(f"{images} images from {args.data}")
    for threshold, (found, plates, false, false_area) in rows.items():
        print(
            f"threshold {threshold:.1f}: plates found {found}/{plates} ({found / max(1, plates):.1%}),"
            f" false boxes/image {false / images:.2f}, false area {false_area / images:.2%}"
        )


if __name__ == "__main__":
    main()
