"""Scenery around the plates: look-alikes that are not plates, cars, backgrounds, the camera's
degradations, and whole training samples.

* ``draw_distractor``: text and shapes that are not plates (signs, posters, screens, playing
  cards, book pages, hands, tables, window frames), drawn with the plates' fonts;
* ``car_shape``, ``background`` (real photographs of a split), ``degrade`` (night, low
  contrast, motion and defocus blur, noise, JPEG);
* ``training_sample``: one training crop and its plate mask.
"""

from __future__ import annotations

import cv2
import numpy as np

from privacy.detectors.training import sources
from privacy.detectors.training.synth import draw_text, occlude, paste_plate, render_plate

WORDS = (
    "OPEN", "SALE", "CAFE", "BAR", "HOTEL", "PHARMACY", "EXIT", "PARKING", "BAKERY", "PIZZA",
    "KEBAB", "BANK", "TAXI", "POLICE", "STOP", "Bus Stop", "Opening hours", "Welcome", "Menu",
    "Coffee & Tea", "Books", "Fresh Bread", "50% OFF", "No Entry", "Private", "Toilets",
    "Platform 2", "Market", "Station Road", "High Street", "Tickets", "Departures", "Gate B12",
    "Queen of Hearts", "Chapter 3", "Total 12.40", "Login", "Password", "Error 404", "Ace",
    "The quick brown fox", "jumps over", "lazy dog", "Mon-Fri 9-17", "Tel 0123 456",
)  # fmt: skip


def draw_distractor(canvas: np.ndarray, rng: np.random.Generator, split: str, *,
                    scale: float, kind: str | None = None) -> str:  # fmt: skip
    """Draw one thing that is not a plate, about ``scale`` pixels across; returns its kind."""
    kind = kind or str(rng.choice(DISTRACTORS))
    fonts = sources.fonts(split)
    font = fonts[rng.integers(len(fonts))]
    h, w = canvas.shape[:2]
    cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    light = tuple(int(c) for c in rng.integers(150, 256, 3))
    dark = tuple(int(c) for c in rng.integers(0, 90, 3))
    word = str(rng.choice(WORDS))
    if rng.random() < 0.5:
        ground, ink = light, dark
    else:
        ground, ink = dark, light
    if kind == "sign":  # a shop sign: one or two words, wide
        sw, sh = scale * rng.uniform(1, 2.5), scale * rng.uniform(0.18, 0.45)
        box = (cx - sw / 2, cy - sh / 2, cx + sw / 2, cy + sh / 2)
        _rect(canvas, box, ground)
        if rng.random() < 0.5:
            _rect(canvas, box, ink, 2)
        draw_text(canvas, word, font, _inset(box, 0.06), ink, bold=int(rng.integers(0, 3)))
    elif kind == "poster":
        pw, ph = scale * 0.7, scale
        box = (cx - pw / 2, cy - ph / 2, cx + pw / 2, cy + ph / 2)
        _rect(canvas, box, ground)
        art = (box[0] + pw * 0.1, box[1] + ph * 0.35, box[2] - pw * 0.1, box[3] - ph * 0.1)
        _rect(canvas, art, tuple(int(c) for c in rng.integers(0, 255, 3)))
        draw_text(canvas, word.upper(), font, (box[0] + pw * 0.08, box[1] + ph * 0.05,
                  box[2] - pw * 0.08, box[1] + ph * 0.3), ink, bold=1)  # fmt: skip
    elif kind == "screen":
        sw, sh = scale, scale * 0.6
        box = (cx - sw / 2, cy - sh / 2, cx + sw / 2, cy + sh / 2)
        _rect(canvas, box, (30, 30, 30))
        _rect(canvas, _inset(box, 0.04), (20, 25, 10) if rng.random() < 0.5 else (230, 230, 230))
        lines = int(rng.integers(3, 9))
        inner = _inset(box, 0.08)
        for k in range(lines):
            ly = inner[1] + (inner[3] - inner[1]) * k / lines
            text = " ".join(rng.choice(WORDS, size=2)) + f" {rng.integers(100, 999)}"
            draw_text(canvas, text, font, (inner[0], ly, inner[0] + (inner[2] - inner[0]) *
                      rng.uniform(0.4, 1.0), ly + (inner[3] - inner[1]) / lines * 0.8),
                      (80, 230, 80) if rng.random() < 0.5 else (20, 20, 20))  # fmt: skip
    elif kind == "card":  # a playing card, upright or lying at an angle
        card_w = scale * rng.uniform(0.25, 0.5)
        card = np.full((140, 100, 3), 245, np.uint8)
        red = rng.random() < 0.5
        suit_ink = (30, 30, 200) if red else (20, 20, 20)
        rank = str(rng.choice(["A", "K", "Q", "J", "10", "9", "7", "5", "2"]))
        draw_text(card, rank, font, (6, 6, 30, 30), suit_ink)
        draw_text(card, rank, font, (70, 110, 94, 134), suit_ink)
        for _ in range(int(rng.integers(1, 6))):
            c = (int(rng.integers(30, 70)), int(rng.integers(35, 105)))
            cv2.circle(card, c, 7, suit_ink, -1)
        cv2.rectangle(card, (0, 0), (99, 139), (150, 150, 150), 1)
        paste_plate(canvas, card, rng, width=card_w, centre=(cx, cy), max_angle=60)
    elif kind == "page":
        pw, ph = scale * 0.7, scale
        box = (cx - pw / 2, cy - ph / 2, cx + pw / 2, cy + ph / 2)
        _rect(canvas, box, (225, 235, 240))
        lines = int(rng.integers(6, 16))
        for k in range(lines):
            ly = box[1] + ph * (0.06 + 0.9 * k / lines)
            text = " ".join(rng.choice(WORDS, size=3)).lower()
            draw_text(canvas, text, font, (box[0] + pw * 0.06, ly, box[2] - pw * 0.06, ly + ph *
                      0.9 / lines * 0.7), (30, 30, 30))  # fmt: skip
    elif kind == "head":  # a drawn head (training has no photographs of people)
        skin = tuple(
            int(c) for c in np.clip(np.array([110, 140, 190]) * rng.uniform(0.35, 1.15), 0, 255)
        )
        hw = scale * 0.25
        centre = (int(cx), int(cy))
        cv2.ellipse(canvas, centre, (int(hw), int(hw * 1.3)), 0, 0, 360, skin, -1)
        hair = tuple(int(c) for c in rng.integers(0, 120, 3))
        cv2.ellipse(canvas, centre, (int(hw * 1.05), int(hw * 1.35)), 0, 180, 360, hair, -1)
        for side in (-1, 1):
            eye = (int(cx + side * hw * 0.4), int(cy + hw * 0.05))
            cv2.ellipse(canvas, eye, (max(1, int(hw * 0.15)), max(1, int(hw * 0.07))), 0, 0, 360,
                        (40, 40, 40), -1)  # fmt: skip
        cv2.line(canvas, (int(cx - hw * 0.3), int(cy + hw * 0.7)),
                 (int(cx + hw * 0.3), int(cy + hw * 0.7)), (60, 60, 150), max(1, int(hw / 12)))  # fmt: skip
    elif kind == "hand":
        skin = tuple(int(c) for c in np.clip(np.array([120, 150, 200]) * rng.uniform(0.4, 1.1),
                                             0, 255))  # fmt: skip
        hw = scale * 0.3
        cv2.ellipse(canvas, (int(cx), int(cy)), (int(hw / 2), int(hw * 0.6)), 0, 0, 360, skin, -1)
        for k in range(4):
            fx = cx - hw / 2 + hw * (k + 0.5) / 4
            cv2.line(canvas, (int(fx), int(cy)), (int(fx + rng.normal(0, hw * 0.1)),
                     int(cy - hw * 1.1)), skin, max(2, int(hw / 6)))  # fmt: skip
    elif kind == "table":
        wood = tuple(int(c) for c in rng.integers(20, 140, 3))
        pts = np.array([[cx - scale, cy], [cx + scale, cy], [cx + scale * 1.3, cy + scale * 0.5],
                        [cx - scale * 1.3, cy + scale * 0.5]], np.int32)  # fmt: skip
        cv2.fillPoly(canvas, [pts], wood)
        cv2.polylines(canvas, [pts], True, tuple(min(255, c + 60) for c in wood), 3)
    elif kind == "window":
        ww, wh = scale, scale * rng.uniform(0.6, 1.4)
        box = (cx - ww / 2, cy - wh / 2, cx + ww / 2, cy + wh / 2)
        _rect(canvas, box, light, 4)
        cols, rows = int(rng.integers(2, 5)), int(rng.integers(1, 4))
        for k in range(1, cols):
            x = box[0] + ww * k / cols
            cv2.line(canvas, (int(x), int(box[1])), (int(x), int(box[3])), light, 3)
        for k in range(1, rows):
            y = box[1] + wh * k / rows
            cv2.line(canvas, (int(box[0]), int(y)), (int(box[2]), int(y)), light, 3)
    return kind


DISTRACTORS = ("sign", "poster", "screen", "card", "page", "hand", "table", "window")


def _rect(canvas, box, colour, thickness: int = -1) -> None:
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    cv2.rectangle(canvas, (x0, y0), (x1, y1), colour, thickness)


def _inset(box, fraction: float):
    x0, y0, x1, y1 = box
    dx, dy = (x1 - x0) * fraction, (y1 - y0) * fraction
    return (x0 + dx, y0 + dy, x1 - dx, y1 - dy)


def car_shape(canvas: np.ndarray, rng: np.random.Generator, *, plate_width: float,
              centre: tuple[float, float]) -> None:  # fmt: skip
    """A car's rear or front, drawn around where the plate will go."""
    cx, cy = centre
    car_w = plate_width * rng.uniform(3.2, 4.5)
    body = tuple(int(c) for c in rng.integers(0, 255, 3))
    top, bottom = cy - car_w * 0.4, cy + car_w * 0.12
    _rect(canvas, (cx - car_w / 2, top + car_w * 0.15, cx + car_w / 2, bottom), body)
    _rect(canvas, (cx - car_w * 0.38, top, cx + car_w * 0.38, top + car_w * 0.17), body)
    glass = tuple(int(c) for c in rng.integers(20, 120, 3))
    _rect(canvas, (cx - car_w * 0.33, top + car_w * 0.02, cx + car_w * 0.33, top + car_w * 0.15),
          glass)  # fmt: skip
    lights = (30, 30, 220) if rng.random() < 0.5 else (230, 230, 230)
    for side in (-1, 1):
        lx = cx + side * car_w * 0.4
        _rect(canvas, (lx - car_w * 0.07, cy - car_w * 0.18, lx + car_w * 0.07, cy - car_w * 0.1),
              lights)  # fmt: skip
    _rect(canvas, (cx - car_w / 2, cy + car_w * 0.06, cx + car_w / 2, bottom), (30, 30, 30))


def background(rng: np.random.Generator, split: str, size: tuple[int, int]) -> np.ndarray:
    """A crop of a real photograph (or a plain, graded wall) scaled to ``size`` (w, h)."""
    width, height = size
    names = sources.TRAIN_PHOTOS if split == "train" else sources.EVAL_PHOTOS
    if rng.random() < 0.15:
        image = np.empty((height, width, 3), np.uint8)
        image[:] = rng.integers(0, 255, 3)
        return degrade(image, rng, strength=0.3)
    photo = sources.photo(str(rng.choice(names)))
    ph, pw = photo.shape[:2]
    zoom = rng.uniform(0.5, 1.0)
    cw, ch = max(16, int(pw * zoom)), max(16, int(ph * zoom))
    x, y = int(rng.integers(0, pw - cw + 1)), int(rng.integers(0, ph - ch + 1))
    image = cv2.resize(
        photo[y : y + ch, x : x + cw], (width, height), interpolation=cv2.INTER_LINEAR
    )
    return image[:, ::-1].copy() if rng.random() < 0.5 else image


def degrade(image: np.ndarray, rng: np.random.Generator, *, strength: float = 1.0) -> np.ndarray:
    """Camera realities: night or low contrast, colour cast, blur, noise, JPEG."""
    out = image.astype(np.float32)
    if rng.random() < 0.25 * strength:  # night
        out = out * rng.uniform(0.15, 0.45)
        out = 255 * (out / 255) ** rng.uniform(1.0, 1.6)
    elif rng.random() < 0.25 * strength:  # low contrast / haze
        mix = rng.uniform(0.3, 0.65)
        out = out * (1 - mix) + rng.uniform(80, 200) * mix
    out = out * rng.uniform(0.85, 1.15, 3)[None, None, :]
    out = np.clip(out, 0, 255).astype(np.uint8)
    if rng.random() < 0.3 * strength:  # motion blur
        length = int(rng.integers(3, 9))
        kernel = np.zeros((length, length), np.float32)
        kernel[length // 2, :] = 1 / length
        rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), rng.uniform(0, 180), 1)
        kernel = cv2.warpAffine(kernel, rot, (length, length))
        out = cv2.filter2D(out, -1, kernel / max(kernel.sum(), 1e-6))
    elif rng.random() < 0.3 * strength:  # defocus
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.5, 1.6))
    if rng.random() < 0.6 * strength:
        noise = rng.normal(0, rng.uniform(2, 12 if strength >= 1 else 5), out.shape)
        out = np.clip(out + noise, 0, 255).astype(np.uint8)
    if rng.random() < 0.6 * strength:
        quality = int(rng.integers(30, 90))
        out = cv2.imdecode(cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, quality])[1], 1)
    return out


def training_sample(
    rng: np.random.Generator, *, size: int = 256, hard: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """One training crop (BGR, size x size) at the detector's working scale, and its plate mask
    (uint8, 1 on plates including whatever stands in front of them).

    ``hard``: more look-alikes (signs and posters with capital words, drawn heads) and fewer
    plates, and a distractor drawn over a plate takes its pixels out of the mask."""
    big = size * 2  # drawn at twice the size and scaled down, as a camera frame is
    canvas = background(rng, "train", (big, big))
    mask = np.zeros((big, big), np.uint8)
    for _ in range(int(rng.integers(2, 7) if hard else rng.integers(0, 4))):
        kind = str(rng.choice(["sign", "sign", "poster", "head", "screen"])) if hard else None
        draw_distractor(canvas, rng, "train", scale=rng.uniform(40, 400), kind=kind)
    plates = int(rng.choice([0, 1, 1, 2] if hard else [0, 1, 1, 1, 2, 2, 3]))
    for _ in range(plates):
        plate, _text, _style = render_plate(rng, "train")
        width = float(np.exp(rng.uniform(np.log(28), np.log(300))))
        centre = (rng.uniform(-0.1, 1.1) * big, rng.uniform(0.05, 0.95) * big)
        if rng.random() < 0.4:
            car_shape(canvas, rng, plate_width=width, centre=centre)
        quad = paste_plate(canvas, plate, rng, width=width, centre=centre)
        cv2.fillPoly(mask, [np.round(quad).astype(np.int32)], 1)
        if rng.random() < 0.35:
            occlude(canvas, quad, rng)
    if rng.random() < 0.3:  # a sign or card over or next to the plates
        before = canvas.copy() if hard else None
        draw_distractor(canvas, rng, "train", scale=rng.uniform(40, 200))
        if hard:
            mask[np.any(before != canvas, axis=2)] = 0
    image = cv2.resize(canvas, (size, size), interpolation=cv2.INTER_AREA)
    image = degrade(image, rng)
    mask = cv2.resize(mask, (size, size), interpolation=cv2.INTER_NEAREST)
    return image, mask
