"""Synthetic licence plates and look-alike text, composited on real photographs.

Everything takes a ``numpy.random.Generator`` so a seed reproduces an image exactly, and a
``split`` ("train" or "eval") choosing fonts, photographs and styles from ``sources``.

* ``render_plate``: a frontal plate image of one national style and its text;
* ``paste_plate``: warps a plate into a canvas (size, angle, perspective) and returns its quad;
* ``occlude``: thin posts, legs and bodies in front of a plate.

Distractors, backgrounds and whole training samples: ``scenery``.
"""

from __future__ import annotations

import string
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from privacy.detectors.training import sources

LETTERS = string.ascii_uppercase
DIGITS = string.digits

# Plate styles: ground and character colours (BGR), width/height ratio, and decorations.
STYLES = {
    "uk_front": {
        "ground": (245, 245, 245),
        "ink": (20, 20, 20),
        "aspect": 4.7,
        "pattern": "LLDD LLL",
    },
    "uk_rear": {
        "ground": (30, 200, 250),
        "ink": (20, 20, 20),
        "aspect": 4.7,
        "pattern": "LLDD LLL",
    },
    "eu": {
        "ground": (240, 240, 240),
        "ink": (25, 25, 25),
        "aspect": 4.7,
        "band": "left",
        "pattern": "LL DDD LL",
    },
    "german": {
        "ground": (240, 240, 240),
        "ink": (20, 20, 20),
        "aspect": 4.7,
        "band": "left",
        "pattern": "LL-LL DDD",
        "seals": True,
    },
    "french": {
        "ground": (245, 245, 245),
        "ink": (20, 20, 20),
        "aspect": 4.7,
        "band": "both",
        "pattern": "LL-DDD-LL",
    },
    "dutch": {
        "ground": (20, 190, 245),
        "ink": (15, 15, 15),
        "aspect": 4.7,
        "band": "left",
        "pattern": "LL-DDD-L",
    },
    "italian": {
        "ground": (240, 240, 240),
        "ink": (30, 30, 30),
        "aspect": 4.7,
        "band": "both",
        "pattern": "LL DDDLL",
    },
    "swiss": {
        "ground": (250, 250, 250),
        "ink": (10, 10, 10),
        "aspect": 4.6,
        "pattern": "LL DDDDDD",
    },
    "black_silver": {
        "ground": (25, 25, 25),
        "ink": (215, 215, 215),
        "aspect": 4.5,
        "pattern": "LLL DDD",
    },
    "californian": {
        "ground": (245, 242, 240),
        "ink": (110, 30, 10),
        "aspect": 2.0,
        "top": "California",
        "top_ink": (40, 40, 200),
        "pattern": "DLLLDDD",
    },
    "us_blue": {
        "ground": (235, 215, 190),
        "ink": (90, 30, 10),
        "aspect": 2.0,
        "top": "Nevada",
        "top_ink": (90, 30, 10),
        "pattern": "DDD-LLL",
    },
    "us_yellow": {
        "ground": (80, 200, 245),
        "ink": (100, 40, 0),
        "aspect": 2.0,
        "top": "New York",
        "top_ink": (100, 40, 0),
        "pattern": "LLL-DDDD",
    },
    "us_white_green": {
        "ground": (240, 245, 240),
        "ink": (40, 110, 20),
        "aspect": 2.0,
        "top": "Vermont",
        "top_ink": (40, 110, 20),
        "pattern": "LLL DDD",
    },
    "square_uk": {
        "ground": (30, 200, 250),
        "ink": (20, 20, 20),
        "aspect": 1.55,
        "pattern": "LLDD\nLLL",
    },
    "mercosur": {
        "ground": (245, 245, 245),
        "ink": (20, 20, 20),
        "aspect": 3.1,
        "top_band": True,
        "pattern": "LLLDLDD",
    },
}


def styles(split: str) -> list[str]:
    """Plate styles of a split: evaluation adds styles never trained on."""
    if split == "train":
        return [name for name in STYLES if name not in sources.EVAL_ONLY_STYLES]
    return list(STYLES)


def plate_text(pattern: str, rng: np.random.Generator) -> str:
    """Random characters following a pattern (L letter, D digit, anything else kept)."""
    pool = {"L": LETTERS.replace("I", "").replace("O", "").replace("Q", ""), "D": DIGITS}
    return "".join(rng.choice(list(pool[c])) if c in pool else c for c in pattern)


def text_mask(text: str, font, *, height: int = 64, bold: int = 0) -> np.ndarray:
    """White text on black, cropped to the ink; ``font`` is a font file or a Hershey face."""
    if isinstance(font, Path):
        pil_font = ImageFont.truetype(str(font), height)
        left, top, right, bottom = pil_font.getbbox(text)
        image = Image.new("L", (right - left + 8, bottom - top + 8), 0)
        ImageDraw.Draw(image).text((4 - left, 4 - top), text, font=pil_font, fill=255,
                                   stroke_width=bold, stroke_fill=255)  # fmt: skip
        mask = np.asarray(image)
    else:
        scale = height / 22
        thickness = max(1, round(scale * 2)) + bold
        (width, text_height), base = cv2.getTextSize(text, font, scale, thickness)
        mask = np.zeros((text_height + base + 2 * thickness + 8, width + 2 * thickness + 8),
                        np.uint8)  # fmt: skip
        cv2.putText(mask, text, (4 + thickness, 4 + thickness + text_height), font, scale, 255,
                    thickness, cv2.LINE_AA)  # fmt: skip
    ys, xs = np.nonzero(mask > 40)
    if len(xs) == 0:
        return np.zeros((4, 4), np.uint8)
    return mask[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


def draw_text(image: np.ndarray, text: str, font, box, ink, *, bold: int = 0) -> None:
    """Fit text (one or more lines) inside box (x0, y0, x1, y1), centred, in colour ``ink``."""
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    lines = text.split("\n")
    line_h = (y1 - y0) / len(lines)
    for index, line in enumerate(lines):
        mask = text_mask(line, font, bold=bold)
        box_w, box_h = x1 - x0, line_h
        scale = min(box_w / mask.shape[1], box_h / mask.shape[0])
        w, h = max(1, int(mask.shape[1] * scale)), max(1, int(mask.shape[0] * scale))
        ly0 = int(y0 + index * line_h + (box_h - h) / 2)
        lx0 = int(x0 + (box_w - w) / 2)
        _blend_colour(image, cv2.resize(mask, (w, h), interpolation=cv2.INTER_AREA), lx0, ly0, ink)


def _blend_colour(image: np.ndarray, mask: np.ndarray, x: int, y: int, colour) -> None:
    height, width = image.shape[:2]
    mx0, my0 = max(0, -x), max(0, -y)
    x, y = max(0, x), max(0, y)
    mx1 = min(mask.shape[1], mx0 + width - x)
    my1 = min(mask.shape[0], my0 + height - y)
    if mx1 <= mx0 or my1 <= my0:
        return
    alpha = mask[my0:my1, mx0:mx1, None].astype(np.float32) / 255
    region = image[y : y + my1 - my0, x : x + mx1 - mx0]
    region[:] = (region * (1 - alpha) + np.asarray(colour, np.float32) * alpha).astype(np.uint8)


def render_plate(rng: np.random.Generator, split: str, style: str | None = None):
    """A frontal plate (BGR, 96 px high), its text, and its style name."""
    style = style or str(rng.choice(styles(split)))
    spec = STYLES[style]
    fonts = sources.fonts(split)
    font = fonts[rng.integers(len(fonts))]
    height = 96
    aspect = spec["aspect"] * rng.uniform(0.93, 1.07)
    width = int(height * aspect)
    ground = np.clip(np.asarray(spec["ground"]) + rng.normal(0, 10, 3), 0, 255)
    plate = np.empty((height, width, 3), np.uint8)
    plate[:] = ground.astype(np.uint8)
    # Lighting across the plate.
    ramp = np.linspace(1 - rng.uniform(0, 0.25), 1, width)[None, :, None]
    if rng.random() < 0.5:
        ramp = ramp[:, ::-1]
    plate = (plate * ramp).astype(np.uint8)
    text = plate_text(spec["pattern"], rng)
    left, right, top, bottom = 0.05 * width, 0.95 * width, 0.12 * height, 0.88 * height
    if spec.get("band") in ("left", "both"):
        band_w = int(0.085 * width) if aspect > 3 else int(0.12 * width)
        cv2.rectangle(plate, (0, 0), (band_w, height), (150, 50, 0), -1)
        for k in range(12):  # the ring of stars
            angle = 2 * np.pi * k / 12
            centre = (int(band_w / 2 + np.cos(angle) * band_w * 0.28),
                      int(height * 0.3 + np.sin(angle) * band_w * 0.28))  # fmt: skip
            cv2.circle(plate, centre, max(1, band_w // 16), (0, 210, 250), -1)
        draw_text(plate, str(rng.choice(list("DFINLBEPGR"))), font,
                  (band_w * 0.2, height * 0.6, band_w * 0.8, height * 0.9), (255, 255, 255))  # fmt: skip
        left = band_w + 0.03 * width
    if spec.get("band") == "both":
        cv2.rectangle(plate, (int(width * 0.915), 0), (width, height), (150, 50, 0), -1)
        right = 0.9 * width
    if spec.get("top"):
        draw_text(plate, spec["top"], font, (0.25 * width, 0.04 * height, 0.75 * width,
                  0.28 * height), spec["top_ink"])  # fmt: skip
        top = 0.3 * height
    if spec.get("top_band"):
        cv2.rectangle(plate, (0, 0), (width, int(0.2 * height)), (160, 60, 0), -1)
        draw_text(plate, "BRASIL", font, (0.35 * width, 0.02 * height, 0.65 * width,
                  0.18 * height), (255, 255, 255))  # fmt: skip
        top = 0.26 * height
    draw_text(plate, text, font, (left, top, right, bottom), spec["ink"],
              bold=int(rng.integers(0, 3)))  # fmt: skip
    if spec.get("seals"):
        centre = (int(left + (right - left) * rng.uniform(0.42, 0.5)), int(height * 0.5))
        cv2.circle(plate, centre, int(height * 0.12), (60, 60, 200), -1)
    if rng.random() < 0.8:  # border
        cv2.rectangle(plate, (1, 1), (width - 2, height - 2), spec["ink"], int(rng.integers(1, 4)))
    if rng.random() < 0.3:  # bolts
        for bx in (0.2, 0.8):
            cv2.circle(plate, (int(bx * width), int(0.1 * height)), 3, (120, 120, 120), -1)
    if rng.random() < 0.35:  # dirt
        for _ in range(int(rng.integers(3, 15))):
            c = (int(rng.integers(width)), int(rng.integers(height)))
            axes = (int(rng.integers(3, 20)), int(rng.integers(2, 10)))
            dirt = plate.copy()
            cv2.ellipse(dirt, c, axes, float(rng.uniform(0, 180)), 0, 360, (40, 60, 70), -1)
            plate = cv2.addWeighted(plate, 0.6, dirt, 0.4, 0)
    return plate, text.replace("\n", ""), style


def paste_plate(canvas: np.ndarray, plate: np.ndarray, rng: np.random.Generator, *, width: float,
                centre: tuple[float, float], max_angle: float = 12.0) -> np.ndarray:  # fmt: skip
    """Warp ``plate`` into ``canvas`` at ``width`` pixels wide around ``centre``, rotated, yawed
    and pitched a little. Returns the plate's four corners in the canvas (float32, (4, 2))."""
    ph, pw = plate.shape[:2]
    height = width * ph / pw
    angle = np.deg2rad(rng.uniform(-max_angle, max_angle))
    yaw = rng.uniform(-0.25, 0.25)  # one side shorter than the other
    pitch = rng.uniform(-0.1, 0.1)
    w2, h2 = width / 2, height / 2
    corners = np.array([
        [-w2 * (1 + pitch), -h2 * (1 - yaw)], [w2 * (1 + pitch), -h2 * (1 + yaw)],
        [w2 * (1 - pitch), h2 * (1 + yaw)], [-w2 * (1 - pitch), h2 * (1 - yaw)],
    ], np.float32)  # fmt: skip
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    quad = (corners @ rotation.T + np.asarray(centre)).astype(np.float32)
    source = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], np.float32)
    matrix = cv2.getPerspectiveTransform(source, quad)
    size = (canvas.shape[1], canvas.shape[0])
    warped = cv2.warpPerspective(plate, matrix, size, flags=cv2.INTER_AREA)
    alpha = cv2.warpPerspective(np.full((ph, pw), 255, np.uint8), matrix, size,
                                flags=cv2.INTER_LINEAR)  # fmt: skip
    a = alpha[..., None].astype(np.float32) / 255
    canvas[:] = (canvas * (1 - a) + warped * a).astype(np.uint8)
    return quad


def occlude(canvas: np.ndarray, quad: np.ndarray, rng: np.random.Generator) -> None:
    """Something in front of the plate, covering at most about a third of its width."""
    x0, y0 = quad.min(axis=0)
    x1, y1 = quad.max(axis=0)
    width, height = x1 - x0, y1 - y0
    colour = tuple(int(c) for c in rng.integers(0, 255, 3))
    kind = rng.choice(["post", "legs", "body", "branch"])
    if kind == "post":
        post_w = width * rng.uniform(0.04, 0.2)
        px = rng.uniform(x0, x1 - post_w)
        cv2.rectangle(canvas, (int(px), int(y0 - 3 * height)), (int(px + post_w), int(y1 + 3 *
                      height)), colour, -1)  # fmt: skip
    elif kind == "legs":
        leg_w = width * rng.uniform(0.07, 0.14)
        px = x0 - leg_w + rng.uniform(0, width * 0.4) if rng.random() < 0.5 else x1 - width * 0.3
        for dx in (0, leg_w * rng.uniform(1.2, 2.2)):
            pts = np.array([[px + dx, y0 - 4 * height], [px + dx + leg_w, y0 - 4 * height],
                            [px + dx + leg_w * 0.8, y1 + 2 * height],
                            [px + dx + 0.1 * leg_w, y1 + 2 * height]], np.int32)  # fmt: skip
            cv2.fillPoly(canvas, [pts], colour)
    elif kind == "body":
        side = x0 if rng.random() < 0.5 else x1
        reach = width * rng.uniform(0.1, 0.33)
        cx = side - width * 0.3 + reach if side == x0 else side + width * 0.3 - reach
        cv2.ellipse(canvas, (int(cx), int((y0 + y1) / 2)), (int(width * 0.3), int(height * 3)),
                    0, 0, 360, colour, -1)  # fmt: skip
    else:
        start = (int(rng.uniform(x0, x1)), int(y0 - height))
        end = (int(rng.uniform(x0, x1)), int(y1 + height))
        cv2.line(canvas, start, end, colour, max(1, int(height * rng.uniform(0.05, 0.2))))
