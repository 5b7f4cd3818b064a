"""Build the labelled anonymisation evaluation set in ``bench/data/anonymize_eval/``.

    source bin/bootstrap
    python bench/build_anonymize_eval.py            # ~1 min; rewrites the JPEGs and labels.json

Deterministic (seed ``sources.EVAL_SEED``). Uses only evaluation-side sources, disjoint from the
plate detector's training (``privacy/detectors/training/sources.py``): other photographs
(the motorcycle stereo pair, the ``text`` photograph, the demo street and lobby backgrounds),
held-out fonts (Liberation Sans Narrow, Noto Mono, URW Gothic Book, Hershey Triplex), a plate
style never trained on (Brazilian Mercosur), and another seed. Faces are real: the heads of the
``astronaut`` and ``camera`` photographs, pasted at several sizes (neither photograph is used in
training).

Each 1280x720 image has 0-4 plates (50-250 px wide, angled, some crossed by a thin post, legs
or a branch covering up to about a third of the plate), 0-3 faces, and 1-4 distractors (signs,
posters, screens, playing cards, book pages, hands, tables, windows); a share of the images is
at night, in low contrast or blurred. A third of the images hold no plate at all (a card table,
a shop front) so precision is measured where there is nothing to find.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from cameras.demo.scenes import SceneSpec, _background  # noqa: E402
from privacy.detectors.training import scenery, sources, synth  # noqa: E402

OUT = REPO / "bench" / "data" / "anonymize_eval"
WIDTH, HEIGHT = 1280, 720
IMAGES = 48
# Heads (crop box in the photograph) and the face inside them (forehead to chin).
HEADS = {
    "astronaut": ("astronaut.png", (150, 12, 305, 195), (175, 55, 280, 185)),
    "cameraman": ("camera.png", (180, 85, 285, 215), (198, 112, 262, 200)),
}
CONDITIONS = ("day", "day", "day", "night", "low_contrast", "blur")


def _backdrop(rng: np.random.Generator, split: str) -> tuple[np.ndarray, str]:
    choice = rng.choice(["photo", "photo", "street", "lobby"])
    if choice == "photo":
        return scenery.background(rng, split, (WIDTH, HEIGHT)), "photo"
    image = _background(SceneSpec(width=WIDTH, height=HEIGHT, variant=str(choice)))
    return image.copy(), str(choice)


def _free(box, taken, margin: float = 8) -> bool:
    x0, y0, x1, y1 = box
    return all(
        x1 + margin < t[0] or t[2] + margin < x0 or y1 + margin < t[1] or t[3] + margin < y0
        for t in taken
    )


def _changed_box(before: np.ndarray, after: np.ndarray):
    ys, xs = np.nonzero(np.any(before != after, axis=2))
    if len(xs) == 0:
        return None
    return [int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1]


def _paste_head(canvas, rng, name, face_width, centre):
    photo_name, head_box, face_box = HEADS[name]
    photo = sources.photo(photo_name)
    x0, y0, x1, y1 = head_box
    head = photo[y0:y1, x0:x1]
    scale = face_width / (face_box[2] - face_box[0])
    head = cv2.resize(head, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    h, w = head.shape[:2]
    alpha = np.zeros((h, w), np.float32)
    cv2.ellipse(alpha, (w // 2, h // 2), (w // 2 - 1, h // 2 - 1), 0, 0, 360, 1.0, -1)
    alpha = cv2.GaussianBlur(alpha, (0, 0), max(1.0, w / 40))[..., None]
    px, py = int(centre[0] - w / 2), int(centre[1] - h / 2)
    if px < 0 or py < 0 or px + w > WIDTH or py + h > HEIGHT:
        return None
    region = canvas[py : py + h, px : px + w]
    region[:] = (region * (1 - alpha) + head * alpha).astype(np.uint8)
    fx0 = px + (face_box[0] - x0) * scale
    fy0 = py + (face_box[1] - y0) * scale
    fx1 = px + (face_box[2] - x0) * scale
    fy1 = py + (face_box[3] - y0) * scale
    return [round(fx0), round(fy0), round(fx1), round(fy1)], [px, py, px + w, py + h]


def build_image(
    index: int, rng: np.random.Generator, split: str = "eval"
) -> tuple[np.ndarray, dict]:
    """One labelled image; ``split`` "train" draws a *validation* image from the training
    sources instead (for choosing the detector's threshold without looking at the evaluation
    set): no faces there, as no training source shows a person."""
    canvas, backdrop = _backdrop(rng, split)
    with_plates = index % 3 != 2
    condition = str(rng.choice(CONDITIONS))
    taken: list = []
    plates, faces, distractors = [], [], []
    for _ in range(
        0 if split == "train" else int(rng.integers(1, 4)) if with_plates or index % 2 else 3
    ):
        name = str(rng.choice(list(HEADS)))
        face_width = float(np.exp(rng.uniform(np.log(40), np.log(200))))
        for _attempt in range(20):
            centre = (rng.uniform(0.05, 0.95) * WIDTH, rng.uniform(0.1, 0.9) * HEIGHT)
            half = face_width * 1.2
            box = (centre[0] - half, centre[1] - half * 1.2, centre[0] + half, centre[1] + half)
            if _free(box, taken):
                pasted = _paste_head(canvas, rng, name, face_width, centre)
                if pasted:
                    faces.append({"box": pasted[0], "source": name})
                    taken.append(pasted[1])
                break
    kinds = list(scenery.DISTRACTORS)
    for _ in range(int(rng.integers(1, 5)) if with_plates else 5):
        kind = str(rng.choice(kinds if with_plates else ["card", "card", "hand", "table", "sign",
                                                        "poster", "screen", "page"]))  # fmt: skip
        for _attempt in range(20):
            trial = canvas.copy()
            scenery.draw_distractor(trial, rng, split, scale=rng.uniform(60, 360), kind=kind)
            box = _changed_box(canvas, trial)
            if box and _free(box, taken):
                canvas[:] = trial
                distractors.append({"box": box, "kind": kind})
                taken.append(box)
                break
    for _ in range(int(rng.integers(1, 5)) if with_plates else 0):
        plate, text, style = synth.render_plate(rng, split)
        width = float(np.exp(rng.uniform(np.log(50), np.log(250))))
        for _attempt in range(30):
            centre = (rng.uniform(0.08, 0.92) * WIDTH, rng.uniform(0.1, 0.92) * HEIGHT)
            half = width * 0.75
            box = (
                centre[0] - half,
                centre[1] - half * 0.6,
                centre[0] + half,
                centre[1] + half * 0.6,
            )
            if not _free(box, taken):
                continue
            on_car = rng.random() < 0.5
            if on_car:
                car_box = (centre[0] - width * 2.4, centre[1] - width * 2.0,
                           centre[0] + width * 2.4, centre[1] + width * 0.7)  # fmt: skip
                if not _free(car_box, taken):
                    on_car = False
                else:
                    scenery.car_shape(canvas, rng, plate_width=width, centre=centre)
                    taken.append(car_box)
            quad = synth.paste_plate(canvas, plate, rng, width=width, centre=centre, max_angle=10)
            occluded = bool(rng.random() < 0.3)
            if occluded:
                before = canvas.copy()
                synth.occlude(canvas, quad, rng)
                # keep the occluder's share of the plate at most about a third
                inside = np.zeros((HEIGHT, WIDTH), np.uint8)
                cv2.fillPoly(inside, [np.round(quad).astype(np.int32)], 1)
                hidden = np.any(before != canvas, axis=2) & inside.astype(bool)
                if hidden.sum() > 0.36 * inside.sum():
                    canvas[:] = before
                    occluded = False
            x0, y0 = np.floor(quad.min(axis=0)).astype(int)
            x1, y1 = np.ceil(quad.max(axis=0)).astype(int)
            box = [max(0, int(x0)), max(0, int(y0)), min(WIDTH, int(x1)), min(HEIGHT, int(y1))]
            plates.append({"box": box, "quad": np.round(quad, 1).tolist(), "text": text,
                           "style": style, "occluded": occluded, "on_car": on_car})  # fmt: skip
            taken.append(box)
            break
    image = _condition(canvas, condition, rng)
    label = {"file": f"{index:03d}.jpg", "backdrop": backdrop, "condition": condition,
             "plates": plates, "faces": faces, "distractors": distractors}  # fmt: skip
    return image, label


def _condition(image: np.ndarray, condition: str, rng: np.random.Generator) -> np.ndarray:
    out = image.astype(np.float32)
    if condition == "night":
        out = 255 * (out * rng.uniform(0.25, 0.4) / 255) ** 1.2
        out += rng.normal(0, 4, out.shape)
    elif condition == "low_contrast":
        mix = rng.uniform(0.4, 0.55)
        out = out * (1 - mix) + 150 * mix
    elif condition == "blur":
        out = cv2.GaussianBlur(out, (0, 0), 1.2)
    return np.clip(out, 0, 255).astype(np.uint8)


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--validation",
        action="store_true",
        help="a validation set from the training sources (seed TRAIN_SEED + 1000) instead",
    )
    parser.add_argument("--images", type=int, default=IMAGES)
    args = parser.parse_args()
    split, seed = (
        ("train", sources.TRAIN_SEED + 1000) if args.validation else ("eval", sources.EVAL_SEED)
    )
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.jpg"):
        old.unlink()
    labels = []
    for index in range(args.images):
        rng = np.random.default_rng([seed, index])
        image, label = build_image(index, rng, split)
        cv2.imwrite(str(out / label["file"]), image, [cv2.IMWRITE_JPEG_QUALITY, 88])
        labels.append(label)
    meta = {
        "about": "Veil anonymisation evaluation set; built by bench/build_anonymize_eval.py",
        "size": [WIDTH, HEIGHT],
        "images": labels,
    }
    (out / "labels.json").write_text(json.dumps(meta, indent=1))
    plates = sum(len(x["plates"]) for x in labels)
    faces = sum(len(x["faces"]) for x in labels)
    size = sum(p.stat().st_size for p in out.iterdir()) / 1e6
    print(f"{len(labels)} images, {plates} plates, {faces} faces, {size:.1f} MB in {out}")


if __name__ == "__main__":
    main()
