"""Un-masked video leaves the server only watermarked: decoded, marked, re-encoded, in memory.

A recorded original segment (H.264 MP4, decrypted a chunk at a time by the media storage) is
piped through ``ffmpeg`` to raw frames, each frame outside the grant's time range is dropped,
the viewer's name and the time are burned into every frame with OpenCV (white text on a black
band, top and bottom, so a screenshot or a phone photo carries them), and the frames are piped
back through ``ffmpeg`` to H.264 in *fragmented* MP4 (a browser plays it as it arrives). No
decoded byte touches the disk: pipes only.
"""

from __future__ import annotations

import contextlib
import subprocess
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta

import cv2
import numpy as np

from privacy.video import FragmentedH264Encoder, VideoEncodingError, ffmpeg_path

FONT = cv2.FONT_HERSHEY_SIMPLEX
WATERMARK_CRF = 23


def _fitted(text: str, width: int, scale: float, thickness: int) -> float:
    """The largest scale up to ``scale`` at which ``text`` fits in ``width`` pixels."""
    (text_width, _), _ = cv2.getTextSize(text, FONT, scale, thickness)
    return scale if text_width <= width else max(0.25, scale * width / text_width)


def _band(frame, text: str, *, top: bool, band: int, scale: float, thickness: int) -> None:
    height, width = frame.shape[:2]
    rows = slice(0, band) if top else slice(height - band, height)
    frame[rows] = 0
    scale = _fitted(text, width - 16, scale, thickness)
    baseline = band - 10 if top else height - 10
    cv2.putText(frame, text, (8, baseline), FONT, scale, (255, 255, 255), thickness, cv2.LINE_AA)


def watermark_frame(frame: np.ndarray, *, viewer: str, viewed_at: datetime, captured_at=None):
    """Burn ``UN-MASKED`` and the viewer (top band), the viewing and capture times (bottom
    band) and the viewer's name across the picture into ``frame`` in place; returns it."""
    height, width = frame.shape[:2]
    scale = max(0.4, min(1.2, width / 1100))
    thickness = max(1, int(round(scale * 2)))
    band = int(32 * scale) + 8
    _band(frame, f"UN-MASKED  {viewer}", top=True, band=band, scale=scale, thickness=thickness)
    when = f"viewed {viewed_at:%Y-%m-%d %H:%M:%S} UTC"
    if captured_at is not None:
        when += f"  captured {captured_at:%H:%M:%S.%f}"[:-3] + " UTC"
    _band(frame, when, top=False, band=band, scale=scale, thickness=thickness)
    # The name across the picture, translucent: a crop of the bands does not remove it.
    overlay = frame.copy()
    big = _fitted(viewer, width * 3 // 4, scale * 2, thickness * 2)
    cv2.putText(
        overlay, viewer, (width // 8, height // 2), FONT, big, (255, 255, 255),
        thickness * 2, cv2.LINE_AA,
    )  # fmt: skip
    cv2.addWeighted(overlay, 0.35, frame, 0.65, 0, dst=frame)
    return frame


def _feed(process: subprocess.Popen, chunks) -> None:
    try:
        for chunk in chunks:
            process.stdin.write(chunk)
    except (BrokenPipeError, OSError):
        pass
    finally:
        with contextlib.suppress(BrokenPipeError, OSError):
            process.stdin.close()


def decode_frames(chunks, *, width: int, height: int) -> Iterator[np.ndarray]:
    """BGR frames of an MP4 given as an iterable of byte chunks (decoded by ``ffmpeg``)."""
    command = [
        ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error",
        "-i", "pipe:0", "-an", "-f", "rawvideo", "-pix_fmt", "bgr24",
        "-vf", f"scale={width}:{height}", "pipe:1",
    ]  # fmt: skip
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    feeder = threading.Thread(target=_feed, args=(process, chunks), daemon=True)
    feeder.start()
    size = width * height * 3
    try:
        while True:
            data = process.stdout.read(size)
            if len(data) < size:
                break
            yield np.frombuffer(data, np.uint8).reshape(height, width, 3).copy()
    finally:
        process.stdout.close()
        if process.poll() is None:
            process.kill()
        process.wait()
        feeder.join(timeout=5)


def encode_fragmented(frames, *, width: int, height: int, fps: float) -> bytes:
    """Frames as H.264 in fragmented MP4 bytes: the recorder's encoder
    (:class:`privacy.video.FragmentedH264Encoder`), at the watermark's quality."""
    encoder = FragmentedH264Encoder(width=width, height=height, fps=fps, crf=WATERMARK_CRF)
    try:
        for frame in frames:
            encoder.write(frame)
    except BaseException:
        encoder.abort()
        raise
    if encoder.frames == 0:
        encoder.abort()
        raise VideoEncodingError("could not encode the watermarked video: no frames")
    return encoder.finish()


def watermarked_clip(
    chunks,
    *,
    width: int,
    height: int,
    fps: float,
    started_at: datetime,
    clip_from: datetime,
    clip_to: datetime,
    viewer: str,
    viewed_at: datetime,
) -> tuple[bytes, int]:
    """The segment's frames captured in ``[clip_from, clip_to)``, watermarked, as fragmented
    MP4 bytes; and how many frames it holds (0: nothing in range, no bytes)."""
    fps = fps or 10.0
    kept = 0

    def frames():
        nonlocal kept
        for index, frame in enumerate(decode_frames(chunks, width=width, height=height)):
            captured = started_at + timedelta(seconds=index / fps)
            if captured < clip_from or captured >= clip_to:
                continue
            kept += 1
            yield watermark_frame(frame, viewer=viewer, viewed_at=viewed_at, captured_at=captured)

    try:
        data = encode_fragmented(frames(), width=width, height=height, fps=fps)
    except VideoEncodingError:
        if kept == 0:
            return b"", 0
        raise
    return data, kept
