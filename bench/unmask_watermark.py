"""Un-masked playback: what serving one original segment costs — decode, watermark every frame
(OpenCV text), re-encode to H.264 fragmented MP4 (ffmpeg, pipes only) — against the segment's
own duration, at 720p and at the camera's frame rate.

    source bin/bootstrap
    python bench/unmask_watermark.py                       # 10 s of 1280x720 at 10 fps
    python bench/unmask_watermark.py --seconds 30 --fps 15 --width 1920 --height 1080

Prints wall seconds and CPU seconds (this process plus its ffmpeg children) per second of video
served, and the time to the served bytes of one segment (what a viewer waits before it plays).
The scene is synthetic (gradient, moving shapes, noise) so that H.264 has texture to encode.
Nothing asserts; figures are printed.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _frames(count: int, width: int, height: int):
    import cv2

    rng = np.random.default_rng(7)
    ramp = np.linspace(60, 190, width, dtype=np.uint8)
    base = np.repeat(ramp[None, :, None], height, axis=0).repeat(3, axis=2)
    for index in range(count):
        frame = base.copy()
        cv2.circle(frame, ((index * 17) % width, height // 2), height // 6, (40, 160, 90), -1)
        cv2.rectangle(
            frame, (width // 3, (index * 9) % height), (width // 2, height), (150, 60, 60), -1
        )
        noise = rng.integers(0, 12, size=(height, width, 1), dtype=np.uint8)
        yield cv2.add(frame, np.repeat(noise, 3, axis=2))


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--fps", type=float, default=10.0)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from privacy.watermark import encode_fragmented, watermarked_clip

    count = int(args.seconds * args.fps)
    segment = encode_fragmented(
        _frames(count, args.width, args.height), width=args.width, height=args.height, fps=args.fps
    )
    started = datetime.now(UTC) - timedelta(minutes=5)
    print(
        f"segment: {args.seconds:g} s of {args.width}x{args.height} at {args.fps:g} fps, "
        f"{len(segment) / 1e6:.2f} MB"
    )
    walls, cpus = [], []
    for _ in range(args.runs):
        cpu, wall = _cpu(), time.perf_counter()
        data, frames = watermarked_clip(
            [segment],
            width=args.width,
            height=args.height,
            fps=args.fps,
            started_at=started,
            clip_from=started,
            clip_to=started + timedelta(seconds=args.seconds),
            viewer="Gina Fleming (guard-a)",
            viewed_at=datetime.now(UTC),
        )
        walls.append(time.perf_counter() - wall)
        cpus.append(_cpu() - cpu)
        assert frames == count and data
    wall, cpu = min(walls), min(cpus)
    print(f"served: {frames} frames, {len(data) / 1e6:.2f} MB watermarked fMP4")
    print(f"wall  : {wall:6.2f} s per segment = {wall / args.seconds:5.2f} s per second of video")
    print(f"cpu   : {cpu:6.2f} s per segment = {cpu / args.seconds:5.2f} CPU-s per second of video")
    print(f"(best of {args.runs}; one viewer keeps up in real time while wall per second < 1)")


if __name__ == "__main__":
    main()
