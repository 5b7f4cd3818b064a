"""Deterministic synthetic camera scenes with ground truth, for the demo and the tests.

A scene is a looping clip of a street or lobby: a background with mild sensor noise and a slow
lighting drift, a walking person-like figure whose head is a real photographed face (the
astronaut from ``skimage.data``), and a car-like shape with a licence plate crossing the frame.
Every frame comes with the boxes of the face and the plate in it, so privacy tests can measure
whether exactly those pixels were blurred.

The same parameters always give the same pixels: all motion is a function of the frame index,
and the noise comes from a generator seeded by the scene's seed and the frame index. Motion and
lighting are periodic over the clip, so a looped clip has no visible jump.
"""

from __future__ import annotations

import functools
import json
import math
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np

# The astronaut photograph (512×512 RGB): the head including hair, and the face (forehead to
# chin) inside it, in the photograph's own pixel coordinates (x0, y0, x1, y1). Checked by eye
# and against OpenCV's frontal-face Haar cascade, which finds the face at (177, 66)-(272, 161).
ASTRONAUT_HEAD = (150, 12, 305, 195)
ASTRONAUT_FACE = (175, 55, 280, 185)

VARIANTS = ("lobby", "street")
DEFAULT_PLATE_TEXT = "VE11 DMO"


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in frame pixels: left, top, width, height."""

    x: int
    y: int
    w: int
    h: int

    @property
    def area(self) -> int:
        return self.w * self.h

    def slices(self) -> tuple[slice, slice]:
        """Row and column slices, for ``image[box.slices()]``."""
        return slice(self.y, self.y + self.h), slice(self.x, self.x + self.w)


@dataclass(frozen=True)
class SceneSpec:
    """What to render. The defaults are the demo cameras' 640×360, 10 fps, 10 s loop."""

    width: int = 640
    height: int = 360
    fps: int = 10
    duration_s: float = 10.0
    variant: str = "lobby"
    plate_text: str = DEFAULT_PLATE_TEXT
    seed: int = 0
    # A parked car (the pedestrian walks in front of its plate twice per loop) instead of one
    # driving across.
    parked: bool = False

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, not {self.variant!r}")
        if self.width < 160 or self.height < 90 or self.fps < 1 or self.duration_s <= 0:
            raise ValueError("a scene needs at least 160×90 pixels, 1 fps and a duration")

    @property
    def frame_count(self) -> int:
        return max(1, round(self.fps * self.duration_s))


@dataclass(frozen=True)
class SceneFrame:
    """One rendered frame (BGR, uint8) and where the personal data in it is."""

    index: int
    image: np.ndarray = field(repr=False, compare=False)
    face_boxes: tuple[Box, ...]
    plate_boxes: tuple[Box, ...]
    person_boxes: tuple[Box, ...]
    vehicle_boxes: tuple[Box, ...]

    def truth(self) -> dict:
        """The ground truth as plain data (JSON-ready)."""
        return {
            "index": self.index,
            "faces": [asdict(b) for b in self.face_boxes],
            "plates": [asdict(b) for b in self.plate_boxes],
            "people": [asdict(b) for b in self.person_boxes],
            "vehicles": [asdict(b) for b in self.vehicle_boxes],
        }


@functools.cache
def _astronaut_head() -> tuple[np.ndarray, np.ndarray, tuple[float, float, float, float]]:
    """The head crop (BGR), its soft elliptical alpha mask, and the face box in the crop as
    fractions of the crop's width and height."""
    import skimage.data

    photo = cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)
    x0, y0, x1, y1 = ASTRONAUT_HEAD
    head = np.ascontiguousarray(photo[y0:y1, x0:x1])
    h, w = head.shape[:2]
    mask = np.zeros((h, w), np.float32)
    cv2.ellipse(mask, (w // 2, h // 2), (w // 2 - 2, h // 2 - 2), 0, 0, 360, 1.0, -1)
    mask = cv2.GaussianBlur(mask, (0, 0), 3)
    fx0, fy0, fx1, fy1 = ASTRONAUT_FACE
    face = ((fx0 - x0) / w, (fy0 - y0) / h, (fx1 - x0) / w, (fy1 - y0) / h)
    return head, mask, face


def _clip(x0: float, y0: float, x1: float, y1: float, spec: SceneSpec) -> Box | None:
    """The part of a box inside the frame, or None when less than a quarter of it shows."""
    full = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    cx0, cy0 = max(0, round(x0)), max(0, round(y0))
    cx1, cy1 = min(spec.width, round(x1)), min(spec.height, round(y1))
    if cx1 <= cx0 or cy1 <= cy0 or full == 0 or (cx1 - cx0) * (cy1 - cy0) < full / 4:
        return None
    return Box(cx0, cy0, cx1 - cx0, cy1 - cy0)


def _blend(frame: np.ndarray, patch: np.ndarray, alpha: np.ndarray, x: int, y: int) -> None:
    """Alpha-blend ``patch`` onto ``frame`` at (x, y), clipped to the frame."""
    fh, fw = frame.shape[:2]
    ph, pw = patch.shape[:2]
    fx0, fy0, fx1, fy1 = max(0, x), max(0, y), min(fw, x + pw), min(fh, y + ph)
    if fx1 <= fx0 or fy1 <= fy0:
        return
    px0, py0 = fx0 - x, fy0 - y
    region = frame[fy0:fy1, fx0:fx1].astype(np.float32)
    a = alpha[py0 : py0 + fy1 - fy0, px0 : px0 + fx1 - fx0, None]
    src = patch[py0 : py0 + fy1 - fy0, px0 : px0 + fx1 - fx0].astype(np.float32)
    frame[fy0:fy1, fx0:fx1] = (region * (1 - a) + src * a).astype(np.uint8)


@functools.lru_cache(maxsize=8)
def _background(spec: SceneSpec) -> np.ndarray:
    """The static scene behind the moving things (lighting and noise are added per frame)."""
    w, h = spec.width, spec.height
    bg = np.zeros((h, w, 3), np.uint8)
    horizon = int(h * 0.55)
    if spec.variant == "lobby":
        bg[:horizon] = (178, 190, 196)  # wall
        for i, y in enumerate(range(horizon, h)):  # floor, lighter towards the camera
            bg[y] = np.array((120, 132, 140)) + 50 * i / max(1, h - horizon)
        for k in range(4):  # doors and a reception desk
            x = int(w * (0.08 + 0.24 * k))
            cv2.rectangle(bg, (x, int(h * 0.18)), (x + w // 10, horizon), (92, 110, 128), -1)
            cv2.rectangle(bg, (x, int(h * 0.18)), (x + w // 10, horizon), (60, 70, 80), 2)
        cv2.rectangle(
            bg, (int(w * 0.70), horizon - h // 8), (int(w * 0.95), horizon), (70, 90, 110), -1
        )
        cv2.line(bg, (0, horizon), (w, horizon), (90, 100, 110), 2)
    else:
        bg[: int(h * 0.25)] = (215, 190, 160)  # sky
        bg[int(h * 0.25) : horizon] = (150, 150, 160)  # building
        for k in range(0, w, max(24, w // 16)):  # windows
            for y in range(int(h * 0.29), horizon - 12, max(18, h // 16)):
                cv2.rectangle(bg, (k + 6, y), (k + 6 + w // 30, y + h // 30), (110, 90, 70), -1)
        bg[horizon:] = (95, 98, 100)  # road
        for k in range(0, w, w // 8):  # lane markings
            cv2.line(bg, (k, int(h * 0.80)), (k + w // 16, int(h * 0.80)), (230, 230, 230), 2)
        cv2.line(bg, (0, horizon), (w, horizon), (170, 175, 180), 3)  # kerb
    return bg


def _draw_person(frame: np.ndarray, t: float, spec: SceneSpec) -> tuple[Box | None, Box | None]:
    """A figure walking back and forth, nearer (bigger) on the way back. Returns the person and
    face boxes."""
    w, h = spec.width, spec.height
    phase = (math.cos(2 * math.pi * t) + 1) / 2  # 1 → 0 → 1 over the loop: ping-pong
    depth = 0.5 + 0.5 * math.sin(math.pi * t)  # far at the ends, near in the middle
    height = h * (0.45 + 0.40 * depth)
    feet_y = h * (0.70 + 0.26 * depth)
    cx = w * (0.15 + 0.55 * (1 - phase))
    head_h = height * 0.20
    head_img, head_mask, face_frac = _astronaut_head()
    head_w = head_h * head_img.shape[1] / head_img.shape[0]
    top = feet_y - height
    stride = math.sin(2 * math.pi * t * spec.duration_s * 1.2)  # legs swing ~1.2 steps/s

    shoulder_y, hip_y = top + head_h * 1.05, top + height * 0.55
    half = height * 0.11
    coat = (60, 70, 150) if spec.variant == "lobby" else (120, 60, 40)
    lw = max(2, int(height * 0.06))
    for sign in (-1, 1):  # legs and arms, swinging opposite
        foot = (int(cx + sign * stride * height * 0.12), int(feet_y))
        cv2.line(frame, (int(cx + sign * half * 0.4), int(hip_y)), foot, (40, 40, 50), lw)
        hand = (int(cx + sign * half * 1.2 - sign * stride * height * 0.08), int(hip_y))
        cv2.line(frame, (int(cx + sign * half), int(shoulder_y + lw)), hand, coat, lw)
    cv2.rectangle(
        frame, (int(cx - half), int(shoulder_y)), (int(cx + half), int(hip_y + lw)), coat, -1
    )

    size = (max(4, round(head_w)), max(4, round(head_h)))
    head = cv2.resize(head_img, size, interpolation=cv2.INTER_AREA)
    mask = cv2.resize(head_mask, size, interpolation=cv2.INTER_AREA)
    hx, hy = round(cx - size[0] / 2), round(top)
    _blend(frame, head, mask, hx, hy)
    fx0, fy0, fx1, fy1 = face_frac
    face = _clip(
        hx + fx0 * size[0], hy + fy0 * size[1], hx + fx1 * size[0], hy + fy1 * size[1], spec
    )
    person = _clip(
        cx - max(half * 1.3, head_w / 2, height * 0.12),
        top,
        cx + max(half * 1.3, head_w / 2, height * 0.12),
        feet_y + lw,
        spec,
    )
    return person, face


def _draw_car(frame: np.ndarray, t: float, spec: SceneSpec) -> tuple[Box | None, Box | None]:
    """A car seen from behind, driving across once per loop (or parked). Returns the car and
    plate boxes."""
    w, h = spec.width, spec.height
    car_w, car_h = w * 0.30, h * 0.30
    # Parked: its plate in the middle of the pedestrian's path.
    x0 = w * 0.28 if spec.parked else -car_w + (w + 2 * car_w) * t - car_w / 2
    y1 = h * 0.93
    y0 = y1 - car_h
    body = (40, 40, 170) if spec.variant == "street" else (150, 110, 40)
    roof = (int(x0 + car_w * 0.15), int(y0)), (int(x0 + car_w * 0.85), int(y0 + car_h * 0.45))
    cv2.rectangle(frame, *roof, body, -1)
    cv2.rectangle(
        frame, (roof[0][0] + 6, roof[0][1] + 6), (roof[1][0] - 6, roof[1][1] - 2), (80, 60, 50), -1
    )
    cv2.rectangle(
        frame, (int(x0), int(y0 + car_h * 0.42)), (int(x0 + car_w), int(y1 - car_h * 0.1)), body, -1
    )
    for wx in (x0 + car_w * 0.08, x0 + car_w * 0.78):  # wheels and rear lights
        cv2.rectangle(
            frame,
            (int(wx), int(y1 - car_h * 0.12)),
            (int(wx + car_w * 0.14), int(y1)),
            (20, 20, 20),
            -1,
        )
        cv2.rectangle(
            frame,
            (int(wx), int(y0 + car_h * 0.5)),
            (int(wx + car_w * 0.14), int(y0 + car_h * 0.6)),
            (30, 30, 230),
            -1,
        )

    # UK rear plate: black characters on yellow, 520×111 mm — kept at that aspect ratio.
    plate_w = car_w * 0.46
    plate_h = plate_w * 111 / 520
    px0 = x0 + (car_w - plate_w) / 2
    py0 = y0 + car_h * 0.62
    p0, p1 = (round(px0), round(py0)), (round(px0 + plate_w), round(py0 + plate_h))
    cv2.rectangle(frame, p0, p1, (40, 215, 250), -1)
    cv2.rectangle(frame, p0, p1, (20, 20, 20), 1)
    font = cv2.FONT_HERSHEY_SIMPLEX
    thickness = max(1, round(plate_h / 12))
    (tw, th), _ = cv2.getTextSize(spec.plate_text, font, 1.0, thickness)
    scale = min((plate_w * 0.88) / tw, (plate_h * 0.70) / th)
    (tw, th), _ = cv2.getTextSize(spec.plate_text, font, scale, thickness)
    origin = (round(px0 + (plate_w - tw) / 2), round(py0 + (plate_h + th) / 2))
    cv2.putText(frame, spec.plate_text, origin, font, scale, (15, 15, 15), thickness, cv2.LINE_AA)
    car = _clip(x0, y0, x0 + car_w, y1, spec)
    plate = _clip(px0, py0, px0 + plate_w, py0 + plate_h, spec)
    return car, plate


def render_frame(spec: SceneSpec, index: int) -> SceneFrame:
    """Frame ``index`` of the scene (indices wrap around the loop)."""
    index %= spec.frame_count
    t = index / spec.frame_count  # 0 ≤ t < 1 over the loop
    frame = _background(spec).copy()
    car, plate = _draw_car(frame, t, spec)
    person, face = _draw_person(frame, t, spec)  # in front of the car
    if person is not None and plate is not None:
        plate = _visible_plate(plate, person)

    # Lighting drifts ±8% over the loop (clouds, lamps); sensor noise σ≈3 grey levels.
    gain = 1.0 + 0.08 * math.sin(2 * math.pi * t)
    rng = np.random.default_rng([spec.seed, index])
    noise = rng.normal(0.0, 3.0, frame.shape).astype(np.float32)
    image = np.clip(frame.astype(np.float32) * gain + noise, 0, 255).astype(np.uint8)
    return SceneFrame(
        index=index,
        image=image,
        face_boxes=tuple(b for b in (face,) if b),
        plate_boxes=tuple(b for b in (plate,) if b),
        person_boxes=tuple(b for b in (person,) if b),
        vehicle_boxes=tuple(b for b in (car,) if b),
    )


def _visible_plate(plate: Box, person: Box) -> Box | None:
    """The plate box stays in the truth unless the person hides most of it."""
    ix = max(0, min(plate.x + plate.w, person.x + person.w) - max(plate.x, person.x))
    iy = max(0, min(plate.y + plate.h, person.y + person.h) - max(plate.y, person.y))
    return None if ix * iy > plate.area * 0.75 else plate


def render_scene(spec: SceneSpec | None = None, **params) -> Iterator[SceneFrame]:
    """Every frame of one loop of the scene, in order. ``params`` build a :class:`SceneSpec`."""
    spec = spec or SceneSpec(**params)
    for index in range(spec.frame_count):
        yield render_frame(spec, index)


def write_jpeg_sequence(frames: Iterable[SceneFrame], directory: Path, *, quality: int = 85) -> int:
    """Write frames as ``directory/00000.jpg`` … and the ground truth as ``truth.json``.
    Returns the number of frames written."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    truth = []
    for frame in frames:
        ok, data = cv2.imencode(".jpg", frame.image, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if not ok:
            raise RuntimeError(f"could not encode frame {frame.index} as JPEG")
        (directory / f"{frame.index:05d}.jpg").write_bytes(data.tobytes())
        truth.append(frame.truth())
    (directory / "truth.json").write_text(json.dumps(truth))
    return len(truth)


def write_mp4(frames: Iterable[SceneFrame], path: Path, *, spec: SceneSpec, crf: int = 23) -> Path:
    """Encode frames as H.264 (libx264, yuv420p, a key frame every second) with ffmpeg.
    The file appears only when complete."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise RuntimeError("ffmpeg is not installed (Debian package 'ffmpeg')")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".mp4", delete=False) as tmp:
        partial = Path(tmp.name)
    command = [
        ffmpeg, "-loglevel", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{spec.width}x{spec.height}",
        "-r", str(spec.fps), "-i", "-",
        "-c:v", "libx264", "-preset", "veryfast", "-crf", str(crf), "-pix_fmt", "yuv420p",
        "-g", str(spec.fps), "-movflags", "+faststart", str(partial),
    ]  # fmt: skip
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert process.stdin is not None
        for frame in frames:
            process.stdin.write(frame.image.tobytes())
        process.stdin.close()
        error = process.stderr.read().decode(errors="replace") if process.stderr else ""
        if process.wait() != 0:
            raise RuntimeError(f"ffmpeg failed encoding {path.name}: {error.strip()}")
        partial.replace(path)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        partial.unlink(missing_ok=True)
    return path
