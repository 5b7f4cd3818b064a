"""Anonymising media files for operators (the `anonymize` command, the benchmark)."""

from __future__ import annotations

import contextlib
import os
import queue
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from privacy.anonymizer import AnonymizationError, Anonymizer

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png"}
VIDEO_EXTENSIONS = {".mp4", ".avi"}
# mp4: MPEG-4 Part 2 (plays in VLC, ffmpeg and most players); avi: Motion JPEG.
_VIDEO_CODECS = {".mp4": "mp4v", ".avi": "MJPG"}
_BATCH_SIZE = 4


class MediaAnonymizationError(ValueError):
    """The input could not be anonymised; nothing was written."""


@dataclass(frozen=True, slots=True)
class MediaAnonymizationResult:
    """What ``media_file_anonymize`` did."""

    kind: str
    frames: int
    faces: int
    plates: int


def media_kind(path: Path) -> str:
    """ "image" or "video" from the file name, or ``MediaAnonymizationError``."""
    extension = path.suffix.lower()
    if extension in IMAGE_EXTENSIONS:
        return "image"
    if extension in VIDEO_EXTENSIONS:
        return "video"
    supported = ", ".join(sorted(IMAGE_EXTENSIONS | VIDEO_EXTENSIONS))
    raise MediaAnonymizationError(f"{path.name}: unsupported file type (supported: {supported})")


def media_file_anonymize(
    *,
    input_path: Path,
    output_path: Path,
    mode: str = "blur",
    anonymizer: Anonymizer | None = None,
) -> MediaAnonymizationResult:
    """Blur (or pixelate) faces and plates in an image or video file.

    Images: jpg, jpeg, png; videos: mp4, avi (audio is dropped; frame rate and size kept).
    The output must be of the same kind as the input. The result is written to a temporary
    file beside ``output_path`` and renamed over it only once complete, so a failure never
    leaves a partial output nor touches an existing file at ``output_path``.
    Raises ``MediaAnonymizationError`` on unsupported, unreadable or corrupt input.
    """
    input_path, output_path = Path(input_path), Path(output_path)
    input_kind, output_kind = media_kind(input_path), media_kind(output_path)
    if input_kind != output_kind:
        raise MediaAnonymizationError(
            f"input is {'an' if input_kind == 'image' else 'a'} {input_kind}, "
            f"so the output must be one too ({output_path.name})"
        )
    if not input_path.is_file():
        raise MediaAnonymizationError(f"{input_path}: no such file")
    if not output_path.parent.is_dir():
        raise MediaAnonymizationError(f"{output_path.parent}: no such directory")
    anonymizer = anonymizer or Anonymizer(mode=mode)
    with _atomic_output(output_path) as partial_path:
        try:
            if input_kind == "image":
                return _image_anonymize(input_path, partial_path, anonymizer)
            return _video_anonymize(input_path, partial_path, anonymizer)
        except AnonymizationError as error:
            raise MediaAnonymizationError(f"{input_path.name}: {error}") from error


@contextlib.contextmanager
def _atomic_output(output_path: Path) -> Iterator[Path]:
    descriptor, name = tempfile.mkstemp(
        dir=output_path.parent, prefix=f".{output_path.stem}.", suffix=output_path.suffix
    )
    os.close(descriptor)
    partial_path = Path(name)
    try:
        yield partial_path
        os.replace(partial_path, output_path)
    finally:
        partial_path.unlink(missing_ok=True)


def _image_read(path: Path) -> np.ndarray:
    # Pillow refuses truncated files, where OpenCV would return a half-grey image.
    try:
        with Image.open(path) as image:
            image.load()
            rgb = np.asarray(image.convert("RGB"))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise MediaAnonymizationError(
            f"{path.name}: unreadable or corrupt image ({error})"
        ) from error
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)


def _image_anonymize(input_path: Path, partial_path: Path, anonymizer: Anonymizer):
    result = anonymizer.anonymize(_image_read(input_path))
    parameters = [cv2.IMWRITE_JPEG_QUALITY, 95] if partial_path.suffix.lower() != ".png" else []
    if not cv2.imwrite(str(partial_path), result.image, parameters):
        raise MediaAnonymizationError(f"could not write {partial_path.suffix} image")
    return MediaAnonymizationResult(
        kind="image", frames=1, faces=len(result.faces), plates=len(result.plates)
    )


def _video_anonymize(input_path: Path, partial_path: Path, anonymizer: Anonymizer):
    capture = cv2.VideoCapture(str(input_path))
    try:
        if not capture.isOpened():
            raise MediaAnonymizationError(f"{input_path.name}: unreadable or corrupt video")
        fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
        declared_frames = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        writer = cv2.VideoWriter(
            str(partial_path),
            cv2.VideoWriter_fourcc(*_VIDEO_CODECS[partial_path.suffix.lower()]),
            fps,
            (width, height),
        )
        if not writer.isOpened():
            raise MediaAnonymizationError(f"could not open a {partial_path.suffix} video writer")
        try:
            frames, faces, plates = _video_pipeline(capture, writer, anonymizer)
        finally:
            writer.release()
    finally:
        capture.release()
    if frames == 0:
        raise MediaAnonymizationError(f"{input_path.name}: unreadable or corrupt video (no frames)")
    if declared_frames > 0 and frames < declared_frames:
        raise MediaAnonymizationError(
            f"{input_path.name}: corrupt or truncated video "
            f"({frames} of {declared_frames} frames readable)"
        )
    return MediaAnonymizationResult(kind="video", frames=frames, faces=faces, plates=plates)


_END = object()


def _video_pipeline(capture, writer, anonymizer: Anonymizer) -> tuple[int, int, int]:
    """Decode, anonymise in batches, encode; decode and encode run in their own threads.

    OpenCV's decode/encode and onnxruntime release the GIL, so the three stages overlap.
    """
    decoded: queue.Queue = queue.Queue(maxsize=_BATCH_SIZE * 2)
    encoded: queue.Queue = queue.Queue(maxsize=_BATCH_SIZE * 2)
    stop = threading.Event()
    errors: list[BaseException] = []

    def decode() -> None:
        try:
            while not stop.is_set():
                ok, frame = capture.read()
                if not ok:
                    break
                decoded.put(frame)
        except BaseException as error:  # re-raised in the calling thread
            errors.append(error)
        finally:
            decoded.put(_END)

    def encode() -> None:
        try:
            while (image := encoded.get()) is not _END:
                writer.write(image)
        except BaseException as error:  # re-raised in the calling thread
            errors.append(error)
            stop.set()

    threads = [
        threading.Thread(target=decode, daemon=True),
        threading.Thread(target=encode, daemon=True),
    ]
    for thread in threads:
        thread.start()
    frames = faces = plates = 0
    try:
        finished = False
        while not finished and not stop.is_set():
            batch = []
            while len(batch) < _BATCH_SIZE:
                frame = decoded.get()
                if frame is _END:
                    finished = True
                    break
                batch.append(frame)
            for result in anonymizer.anonymize_batch(batch):
                encoded.put(result.image)
                faces += len(result.faces)
                plates += len(result.plates)
            frames += len(batch)
    finally:
        stop.set()
        # Unblock the decoder if it waits on a full queue, then let both threads finish.
        while threads[0].is_alive():
            with contextlib.suppress(queue.Empty):
                decoded.get(timeout=0.05)
        encoded.put(_END)
        for thread in threads:
            thread.join()
    if errors:
        raise MediaAnonymizationError(f"video processing failed: {errors[0]}") from errors[0]
    return frames, faces, plates
