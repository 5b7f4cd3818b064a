"""Anonymisation quality on the labelled set in ``bench/data/anonymize_eval/``: recall (faces,
plates) and precision (what was blurred that holds neither), for the default anonymiser and,
in the same run, for the older plate detectors as peers.

    source bin/bootstrap
    python bench/anonymize_quality.py                 # ~2-3 min on one core
    python bench/anonymize_quality.py --only default  # just the default anonymiser

Figures (per configuration; all use CenterFace for faces):

* plate recall (OCR): a plate counts as redacted when PP-OCR (the recogniser that ships with
  rapidocr-onnxruntime) cannot read any three consecutive characters of its text from the
  plate's region of the output image. Counted over the plates it *can* read three characters of
  in the input ("readable"); plates it cannot read even before are listed apart.
* plate found: a plate detection covers at least 80 % of the labelled plate box.
* face recall: the redaction covers at least 90 % of the labelled face box, and CenterFace no
  longer finds a face there in the output (IoU > 0.3).
* false redaction: share of the image's pixels redacted outside every labelled face and plate
  (faces grown by 35 % per side, the anonymiser's own face padding; plates by 25 %).
* false plate boxes per image, split by what they fell on (each distractor kind, a face, or
  anything else: "background").
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from privacy.anonymizer import Anonymizer, default_face_detector  # noqa: E402

DATA = REPO / "bench" / "data" / "anonymize_eval"


def _normalise(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


class PlateOcr:
    """PP-OCR recognition only, on a crop (what an observer would try on the plate)."""

    def __init__(self) -> None:
        from rapidocr_onnxruntime import RapidOCR

        self._engine = RapidOCR()

    def read(self, image: np.ndarray, box, *, grow: float = 0.15) -> str:
        x0, y0, x1, y1 = box
        gx, gy = (x1 - x0) * grow, (y1 - y0) * grow
        h, w = image.shape[:2]
        crop = image[
            max(0, int(y0 - gy)) : min(h, int(y1 + gy)), max(0, int(x0 - gx)) : min(w, int(x1 + gx))
        ]
        if crop.size == 0:
            return ""
        result, _ = self._engine(crop, use_det=False, use_cls=False, use_rec=True)
        return _normalise(str(result[0][0])) if result else ""


def readable(read: str, truth: str) -> bool:
    """Three consecutive characters of the plate's text appear in what was read."""
    truth = _normalise(truth)
    return any(truth[k : k + 3] in read for k in range(len(truth) - 2))


def redaction_masks(shape, result) -> tuple[np.ndarray, np.ndarray]:
    """The pixels the anonymiser replaced for faces (ellipses) and for plates (rectangles)."""
    faces = np.zeros(shape[:2], np.uint8)
    plates = np.zeros(shape[:2], np.uint8)
    for k, (x0, y0, x1, y1) in enumerate(result.redacted_boxes):
        if k < len(result.faces):
            w, h = x1 - x0, y1 - y0
            cv2.ellipse(faces, (((x0 + x1 - 1) / 2, (y0 + y1 - 1) / 2), (w, h), 0), 1, -1)
        else:
            plates[y0:y1, x0:x1] = 1
    return faces, plates


def _grow(box, fraction, width, height):
    x0, y0, x1, y1 = box
    gx, gy = (x1 - x0) * fraction, (y1 - y0) * fraction
    return (
        max(0, int(x0 - gx)),
        max(0, int(y0 - gy)),
        min(width, int(x1 + gx)),
        min(height, int(y1 + gy)),
    )


def _overlap(a, b) -> float:
    """Intersection area over the area of ``a``."""
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


def _iou(a, b) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / max(1, union)


def evaluate(name: str, anonymizer: Anonymizer, images, ocr: PlateOcr, face_check) -> dict:
    stats = Counter()
    false_by_kind: Counter = Counter()
    missed: list[str] = []
    seconds = 0.0
    false_area = false_plate_area = total_area = 0.0
    for label, image, readable_before in images:
        height, width = image.shape[:2]
        started = time.process_time()
        plates_found = anonymizer.plate_detector.detect([image])[0]
        seconds += time.process_time() - started
        faces_found = anonymizer.face_detector.detect([image])[0]
        result = anonymizer.redact(image.copy(), faces_found, plates_found)
        out = result.image
        face_mask, plate_mask = redaction_masks(image.shape, result)
        mask = face_mask | plate_mask
        legit = np.zeros_like(mask)
        for face in label["faces"]:
            x0, y0, x1, y1 = _grow(face["box"], 0.35, width, height)
            legit[y0:y1, x0:x1] = 1
        for plate in label["plates"]:
            x0, y0, x1, y1 = _grow(plate["box"], 0.25, width, height)
            legit[y0:y1, x0:x1] = 1
        false_area += float((mask & (1 - legit)).sum())
        false_plate_area += float((plate_mask & (1 - legit)).sum())
        stray = [  # face detections on no labelled face
            d
            for d in faces_found
            if not any(_overlap(d.box, f["box"]) > 0.2 for f in label["faces"])
        ]
        stats["false_faces"] += len(stray)
        total_area += width * height
        for plate, was_readable in zip(label["plates"], readable_before, strict=True):
            stats["plates"] += 1
            found = covered(plate["box"], [d.box for d in plates_found]) >= 0.8
            stats["plates_found"] += found
            if not was_readable:
                stats["plates_unreadable_before"] += 1
                continue
            stats["plates_readable"] += 1
            text = ocr.read(out, plate["box"])
            if readable(text, plate["text"]):
                missed.append(f"{label['file']} {plate['style']} {plate['text']!r} read {text!r}"
                              f" w={plate['box'][2] - plate['box'][0]}"
                              f"{' occluded' if plate['occluded'] else ''} {label['condition']}")  # fmt: skip
            else:
                stats["plates_redacted"] += 1
        for face in label["faces"]:
            stats["faces"] += 1
            x0, y0, x1, y1 = face["box"]
            face_covered = mask[y0:y1, x0:x1].mean() >= 0.9
            still_found = face_check(out, face["box"])
            stats["faces_redacted"] += face_covered and not still_found
        for detection in plates_found:
            if any(_overlap(detection.box, p["box"]) > 0.1 or _overlap(p["box"], detection.box) > 0.5
                   for p in label["plates"]):  # fmt: skip
                continue
            stats["false_plates"] += 1
            kind = next(
                (
                    d["kind"]
                    for d in label["distractors"]
                    if _overlap(detection.box, d["box"]) > 0.3
                ),
                None,
            )
            if kind is None and any(
                _overlap(detection.box, f["box"]) > 0.3 for f in label["faces"]
            ):
                kind = "face"
            false_by_kind[kind or "background"] += 1
        stats["images"] += 1
    return {
        "name": name,
        "plate_recall": stats["plates_redacted"] / max(1, stats["plates_readable"]),
        "plates_readable": stats["plates_readable"],
        "plates": stats["plates"],
        "plates_found": stats["plates_found"] / max(1, stats["plates"]),
        "face_recall": stats["faces_redacted"] / max(1, stats["faces"]),
        "faces": stats["faces"],
        "false_redaction": false_area / total_area,
        "false_plate_redaction": false_plate_area / total_area,
        "false_plates_per_image": stats["false_plates"] / max(1, stats["images"]),
        "false_faces_per_image": stats["false_faces"] / max(1, stats["images"]),
        "false_by_kind": dict(false_by_kind),
        "plate_cpu_ms": 1000 * seconds / max(1, stats["images"]),
        "missed": missed,
    }


def plate_cpu_per_frame(detector, image: np.ndarray, *, runs: int = 40) -> float:
    """CPU milliseconds (all threads) per frame of ``image``'s size, after a warm-up."""
    detector.detect([image])
    started = time.process_time()
    for _ in range(runs):
        detector.detect([image])
    return 1000 * (time.process_time() - started) / runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["default", "peers"], default=None)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--verbose", action="store_true", help="list every readable plate")
    args = parser.parse_args()

    meta = json.loads((args.data / "labels.json").read_text())
    ocr = PlateOcr()
    images = []
    for label in meta["images"]:
        image = cv2.imread(str(args.data / label["file"]), cv2.IMREAD_COLOR)
        before = [readable(ocr.read(image, p["box"]), p["text"]) for p in label["plates"]]
        images.append((label, image, before))
    faces = default_face_detector()

    def face_check(out, box) -> bool:
        return any(_iou(box, d.box) > 0.3 for d in faces.detect([out])[0])

    configs = []
    if args.only != "peers":
        configs.append(("default (LearnedPlateDetector)", Anonymizer()))
    if args.only != "default":
        from privacy.detectors.plates import CharacterRowPlateDetector, HaarPlateDetector

        configs.append(("CharacterRowPlateDetector (old default)",
                        Anonymizer(face_detector=faces, plate_detector=CharacterRowPlateDetector())))  # fmt: skip
        configs.append(("HaarPlateDetector", Anonymizer(face_detector=faces,
                                                         plate_detector=HaarPlateDetector())))  # fmt: skip
    plates = sum(len(label["plates"]) for label, _, _ in images)
    faces_n = sum(len(label["faces"]) for label, _, _ in images)
    print(f"{len(images)} images ({meta['size'][0]}x{meta['size'][1]}), {plates} plates, "
          f"{faces_n} faces, from {args.data.relative_to(REPO)}")  # fmt: skip
    small = cv2.resize(images[0][1], (640, 360), interpolation=cv2.INTER_AREA)
    for name, anonymizer in configs:
        r = evaluate(name, anonymizer, images, ocr, face_check)
        print(f"\n== {r['name']}")
        print(f"plate recall (OCR, <3 chars readable): {r['plate_recall']:.1%} of "
              f"{r['plates_readable']} readable plates ({r['plates'] - r['plates_readable']} "
              f"unreadable even before)")  # fmt: skip
        print(f"plates found (boxes cover >= 80%):    {r['plates_found']:.1%} of {r['plates']}")
        print(f"face recall:                           {r['face_recall']:.1%} of {r['faces']}")
        print(
            f"false redaction (share of image area): {r['false_redaction']:.2%} "
            f"(by plate boxes {r['false_plate_redaction']:.2%}, the rest by face boxes)"
        )
        print(f"false plate boxes per image:           {r['false_plates_per_image']:.2f}  "
              f"{r['false_by_kind']}")  # fmt: skip
        print(
            f"plate detector CPU per image:          {r['plate_cpu_ms']:.1f} ms (1280x720); "
            f"{plate_cpu_per_frame(anonymizer.plate_detector, small):.1f} ms per 640x360 frame"
        )
        for line in r["missed"][: None if args.verbose else 8]:
            print(f"  readable after: {line}")


if __name__ == "__main__":
    main()
