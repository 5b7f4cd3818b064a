"""Anonymisation throughput and face recall: Veil against the ``deface`` command.

Run from the repository root (project venv active):

    python bench/anonymize_throughput.py [--frames 150] [--images 200] [--steps] [--work-dir DIR]

1. Builds a 1280x720, 25 fps H.264 clip with moving faces (the real face from
   ``skimage.data.astronaut()``) at several sizes and a moving car with a plate.
2. Runs the ``deface`` CLI on it (its defaults: CenterFace at full resolution, threshold 0.2,
   libx264 output) and Veil's ``anonymize`` path end to end (decode -> faces and plates on
   every other frame, tracked between -> blur -> H.264 via ffmpeg), in the same run, and
   prints the CPU time of each (children included: ffmpeg), the ratio, frames/s, the load
   average, the faces hidden in each output frame and the frames where PP-OCR reads the plate.
   ``--steps`` repeats Veil in other schedules (what each step bought).
3. Builds a labelled set of 1280x720 images with known face boxes (24-300 px, varied positions,
   some blurred, noisy, darker or brighter) and prints the face recall of deface's detector at
   deface's defaults and of Veil's detector. A face counts as found when a detection overlaps
   its box with IoU >= 0.4 (recall by "detection centre inside the box" is printed too).

Prints figures only; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from skimage import data

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vms.geometry import box_iou  # after the path is set

WIDTH, HEIGHT, FPS = 1280, 720, 25
# The astronaut's face inside skimage.data.astronaut() (x1, y1, x2, y2), and a crop around it.
FACE_BOX = (181, 58, 270, 178)
CROP = (131, 8, 320, 228)


def astronaut_face_crop() -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """The head crop (BGR) and the face box inside it, in crop pixels."""
    image = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
    x1, y1, x2, y2 = CROP
    face = (FACE_BOX[0] - x1, FACE_BOX[1] - y1, FACE_BOX[2] - x1, FACE_BOX[3] - y1)
    return image[y1:y2, x1:x2].copy(), face


def background(rng: np.random.Generator) -> np.ndarray:
    """A smooth, textured street-ish background."""
    small = rng.integers(40, 200, size=(9, 16, 3), dtype=np.uint8)
    frame = cv2.resize(small, (WIDTH, HEIGHT), interpolation=cv2.INTER_CUBIC)
    noise = rng.normal(0, 6, size=frame.shape)
    return np.clip(frame + noise, 0, 255).astype(np.uint8)


def paste_face(frame, head, face_box, *, face_width: int, x: int, y: int):
    """Paste the head so the face is ``face_width`` wide with its top-left at (x, y)."""
    scale = face_width / (face_box[2] - face_box[0])
    resized = cv2.resize(head, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    top, left = int(round(y - face_box[1] * scale)), int(round(x - face_box[0] * scale))
    height, width = resized.shape[:2]
    fy1, fx1 = max(0, top), max(0, left)
    fy2, fx2 = min(frame.shape[0], top + height), min(frame.shape[1], left + width)
    frame[fy1:fy2, fx1:fx2] = resized[fy1 - top : fy2 - top, fx1 - left : fx2 - left]
    return (
        x,
        y,
        x + (face_box[2] - face_box[0]) * scale,
        y + (face_box[3] - face_box[1]) * scale,
    )


def draw_car(frame, *, x: int, y: int, plate_text: str = "VE 1234 L") -> None:
    cv2.rectangle(frame, (x, y), (x + 420, y + 200), (40, 40, 150), -1)
    cv2.rectangle(frame, (x + 60, y - 80), (x + 360, y), (50, 50, 160), -1)
    cv2.circle(frame, (x + 80, y + 200), 45, (20, 20, 20), -1)
    cv2.circle(frame, (x + 340, y + 200), 45, (20, 20, 20), -1)
    px, py, pw, ph = x + 110, y + 120, 200, 44
    cv2.rectangle(frame, (px, py), (px + pw, py + ph), (235, 235, 235), -1)
    cv2.rectangle(frame, (px, py), (px + pw, py + ph), (20, 20, 20), 2)
    cv2.putText(
        frame,
        plate_text,
        (px + 12, py + 32),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.95,
        (15, 15, 15),
        2,
        cv2.LINE_AA,
    )


def build_clip(path: Path, *, frames: int) -> list[dict]:
    """The clip as H.264 (libx264, yuv420p, like a camera's or a phone's recording); returns
    each frame's face and plate boxes (x1, y1, x2, y2)."""
    from privacy.video import H264Writer

    rng = np.random.default_rng(1)
    head, face_box = astronaut_face_crop()
    base = background(rng)
    truth = []
    with H264Writer(path, width=WIDTH, height=HEIGHT, fps=FPS, crf=18) as writer:
        for index in range(frames):
            frame = base.copy()
            car_x, car_y = 700 - index * 2, 420
            draw_car(frame, x=car_x, y=car_y)
            faces = []
            for size, (x0, y0), (dx, dy) in (
                (40, (60, 80), (3, 1)),
                (90, (300, 200), (2, -1)),
                (160, (900, 60), (-2, 1)),
                (260, (80, 380), (1, 0)),
            ):
                faces.append(
                    paste_face(
                        frame, head, face_box, face_width=size, x=x0 + dx * index, y=y0 + dy * index
                    )
                )
            plate = (car_x + 110, car_y + 120, car_x + 310, car_y + 164)
            truth.append({"faces": faces, "plates": [plate]})
            writer.write(frame)
    return truth


def read_frames(path: Path) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    return frames


def _detail(image: np.ndarray, box) -> float:
    x1, y1, x2, y2 = (int(round(v)) for v in box)
    x1, y1 = max(0, x1), max(0, y1)
    grey = cv2.cvtColor(image[y1:y2, x1:x2], cv2.COLOR_BGR2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_32F).var())


def video_face_recall(originals, outputs, truth) -> tuple[int, int]:
    """(face boxes whose detail fell under 15 % of the input's, face boxes) over all frames."""
    hidden = total = 0
    for original, output, frame_truth in zip(originals, outputs, truth, strict=False):
        for box in frame_truth["faces"]:
            total += 1
            hidden += _detail(output, box) < 0.15 * _detail(original, box)
    return hidden, total


def readable_plate_frames(frames, truth, text: str) -> int:
    """Frames where PP-OCR reads three consecutive plate characters at the plate's box."""
    from tests.fixtures.plate_ocr import plate_reading

    return sum(
        any(plate_reading(frame, plate, text).readable for plate in frame_truth["plates"])
        for frame, frame_truth in zip(frames, truth, strict=False)
    )


def labelled_set(count: int) -> list[tuple[np.ndarray, list[tuple[float, float, float, float]]]]:
    rng = np.random.default_rng(7)
    head, face_box = astronaut_face_crop()
    samples = []
    for _ in range(count):
        frame = background(rng)
        boxes = []
        for _face in range(int(rng.integers(1, 3))):
            size = int(np.exp(rng.uniform(np.log(24), np.log(300))))
            face_height = size * (face_box[3] - face_box[1]) / (face_box[2] - face_box[0])
            x = int(rng.uniform(0, WIDTH - size))
            y = int(rng.uniform(0, HEIGHT - face_height))
            candidate = (x, y, x + size, y + face_height)
            if any(box_iou(candidate, box) > 0 or _overlaps(candidate, box) for box in boxes):
                continue
            boxes.append(paste_face(frame, head, face_box, face_width=size, x=x, y=y))
        variant = rng.integers(0, 5)
        if variant == 1:
            frame = cv2.GaussianBlur(frame, (0, 0), 1.5)
        elif variant == 2:
            frame = np.clip(frame + rng.normal(0, 12, frame.shape), 0, 255).astype(np.uint8)
        elif variant == 3:
            frame = cv2.convertScaleAbs(frame, alpha=0.5, beta=0)
        elif variant == 4:
            frame = cv2.convertScaleAbs(frame, alpha=1.2, beta=40)
        samples.append((frame, boxes))
    return samples


def _overlaps(a, b) -> bool:
    margin = 0.4 * max(a[2] - a[0], b[2] - b[0])
    return not (
        a[2] + margin < b[0] or b[2] + margin < a[0] or a[3] + margin < b[1] or b[3] + margin < a[1]
    )


def recall(samples, detect) -> tuple[float, float, dict[str, tuple[int, int]]]:
    """Recall by IoU >= 0.4 and by centre-in-box; per-size buckets for the IoU figure."""
    found_iou = found_centre = total = 0
    buckets: dict[str, list[int]] = {"24-48": [0, 0], "48-96": [0, 0], "96-300": [0, 0]}
    for frame, boxes in samples:
        detections = detect(frame)
        for box in boxes:
            total += 1
            hit = any(box_iou(box, d) >= 0.4 for d in detections)
            centre = any(
                box[0] <= (d[0] + d[2]) / 2 <= box[2] and box[1] <= (d[1] + d[3]) / 2 <= box[3]
                for d in detections
            )
            found_iou += hit
            found_centre += centre
            width = box[2] - box[0]
            key = "24-48" if width < 48 else "48-96" if width < 96 else "96-300"
            buckets[key][0] += hit
            buckets[key][1] += 1
    return found_iou / total, found_centre / total, {k: (v[0], v[1]) for k, v in buckets.items()}


def _cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _cpu_all() -> float:
    """This process (all threads) and its finished children (ffmpeg encoders)."""
    return _cpu_seconds(resource.RUSAGE_SELF) + _cpu_seconds(resource.RUSAGE_CHILDREN)


def _loads() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f} (1 min) / {five:.1f} (5 min)"


def run_veil(clip: Path, out: Path, *, face_side: int | None, detect_every: int):
    """Veil end to end (detector loading included); returns (result, wall s, CPU s)."""
    from privacy.anonymizer import Anonymizer, default_plate_detector
    from privacy.detectors.centerface import CenterFaceDetector
    from privacy.services.media import media_file_anonymize

    cpu_before, started = _cpu_all(), time.perf_counter()
    face = CenterFaceDetector(input_long_side=face_side) if face_side else None
    anonymizer = Anonymizer(face_detector=face, plate_detector=default_plate_detector())
    result = media_file_anonymize(
        input_path=clip, output_path=out, anonymizer=anonymizer, detect_every=detect_every
    )
    return result, anonymizer, time.perf_counter() - started, _cpu_all() - cpu_before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=150)
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--work-dir", type=Path, default=None)
    parser.add_argument(
        "--steps", action="store_true", help="also run Veil step by step (what each step bought)"
    )
    args = parser.parse_args()

    import django
    import torch

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vms.settings")
    django.setup()  # privacy.services imports models

    from privacy.services.sequence import DETECT_EVERY

    work = args.work_dir or Path(tempfile.mkdtemp(prefix="veil-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    clip = work / "clip.mp4"
    truth = build_clip(clip, frames=args.frames)
    originals = read_frames(clip)
    plate_text = "VE 1234 L"
    print(f"CPU cores: {os.cpu_count()}; CUDA available: {torch.cuda.is_available()}")
    print(
        f"clip: {clip} ({WIDTH}x{HEIGHT}, {args.frames} frames, H.264; 4 faces 40-260 px, "
        f"a plate 200 px)"
    )
    print(f"load average before: {_loads()} (the CPU may be shared: wall figures vary)")

    deface = shutil.which("deface") or str(Path(sys.executable).with_name("deface"))
    cpu_before = _cpu_seconds(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [deface, str(clip), "-o", str(work / "deface.mp4")], check=True, capture_output=True
    )
    deface_seconds = time.perf_counter() - started
    deface_cpu = _cpu_seconds(resource.RUSAGE_CHILDREN) - cpu_before
    deface_hidden, faces_total = video_face_recall(
        originals, read_frames(work / "deface.mp4"), truth
    )
    print(
        f"deface CLI (defaults: full resolution, libx264 out): {deface_seconds:6.1f} s wall, "
        f"CPU {deface_cpu / args.frames * 1000:6.1f} ms/frame; faces hidden in "
        f"{deface_hidden}/{faces_total} face-frames ({deface_hidden / faces_total:.3f})"
    )

    result, anonymizer, veil_seconds, veil_cpu = run_veil(
        clip, work / "veil.mp4", face_side=None, detect_every=DETECT_EVERY
    )
    veil_frames = read_frames(work / "veil.mp4")
    veil_hidden, _ = video_face_recall(originals, veil_frames, truth)
    backend = getattr(anonymizer.face_detector, "backend_name", "?")
    print(
        f"Veil anonymize (defaults: {backend}, faces at long side "
        f"{anonymizer.face_detector.input_long_side}, detection every {DETECT_EVERY} frames "
        f"+ tracking, H.264 out): {veil_seconds:6.1f} s wall, CPU "
        f"{veil_cpu / result.frames * 1000:6.1f} ms/frame; faces hidden in "
        f"{veil_hidden}/{faces_total} ({veil_hidden / faces_total:.3f}); plate readable "
        f"(PP-OCR, 3 characters) in {readable_plate_frames(veil_frames, truth, plate_text)}"
        f"/{len(veil_frames)} frames (input: "
        f"{readable_plate_frames(originals, truth, plate_text)})"
    )
    print(f"load average after: {_loads()}")
    print(f"ratio deface / Veil, CPU time: {deface_cpu / veil_cpu:.1f}x")
    print(f"ratio Veil / deface, frames/s (wall clock): {deface_seconds / veil_seconds:.1f}x")
    print(f"CUDA used by Veil: {backend.endswith('cuda')}")

    if args.steps:
        print("step by step (Veil CPU ms/frame; faces hidden; plate-readable frames):")
        for label, face_side, every in (
            ("every frame, faces at 768 (the previous schedule)", 768, 1),
            ("every 2nd frame + tracking + look-ahead, faces at 768", 768, 2),
            ("every 2nd frame + tracking + look-ahead, faces at 640", 640, 2),
            ("every 3rd frame + tracking + look-ahead, faces at 768", 768, 3),
        ):
            out = work / f"veil-{face_side}-{every}.mp4"
            step, _, _, cpu = run_veil(clip, out, face_side=face_side, detect_every=every)
            frames = read_frames(out)
            hidden, _ = video_face_recall(originals, frames, truth)
            readable = readable_plate_frames(frames, truth, plate_text)
            print(
                f"  {label}: CPU {cpu / step.frames * 1000:6.1f} ms/frame "
                f"(deface / Veil {deface_cpu / cpu:4.1f}x); faces hidden {hidden}/{faces_total};"
                f" plate readable in {readable} frames"
            )
        print(f"load average after the steps: {_loads()}")
    if args.images <= 0:
        return
    samples = labelled_set(args.images)
    faces = sum(len(boxes) for _, boxes in samples)
    print(f"labelled set: {len(samples)} images 1280x720, {faces} faces 24-300 px wide")
    from deface.centerface import CenterFace

    deface_net = CenterFace(in_shape=None, backend="onnxrt")

    def deface_detect(frame):
        # deface feeds RGB frames (imageio) to CenterFace at full resolution, threshold 0.2.
        dets, _ = deface_net(frame[:, :, ::-1].copy(), threshold=0.2)
        return [tuple(d[:4]) for d in dets]

    veil_net = anonymizer.face_detector

    def veil_detect(frame):
        return [d.box for d in veil_net.detect([frame])[0]]

    veil_name = (
        f"Veil (long side {veil_net.input_long_side}, threshold {veil_net.threshold}, "
        f"{veil_net.small_face_threshold} under {veil_net.small_face_pixels} px)"
    )
    for name, detect in (
        ("deface (full res, 0.2)", deface_detect),
        (veil_name, veil_detect),
    ):
        by_iou, by_centre, buckets = recall(samples, detect)
        sizes = "  ".join(f"{k}px {hit}/{n}" for k, (hit, n) in buckets.items())
        print(
            f"face recall {name}: IoU>=0.4 {by_iou:.3f}  centre-in-box {by_centre:.3f}  [{sizes}]"
        )


if __name__ == "__main__":
    main()
