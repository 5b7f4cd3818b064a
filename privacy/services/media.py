"""Anonymising media files for operators (the `anonymize` command, the benchmark)."""

from __future__ import annotations

import contextlib
import os
import queue
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from privacy.anonymizer import AnonymizationError, Anonymizer
from privacy.services.sequence import DETECT_EVERY, sequence_redact
from privacy.video import H264Writer, VideoEncodingError

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png"}
# mp4: H.264 (ffmpeg, plays in browsers); avi: Motion JPEG.
VIDEO_EXTENSIONS = {".mp4", ".avi"}
_BATCH_SIZE = 4
Progress = Callable[[int, int], None]  # (frames done, frames declared by the file or 0)


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
    detect_every: int = DETECT_EVERY,
    progress: Progress | None = None,
) -> MediaAnonymizationResult:
    """Blur (or pixelate) faces and plates in an image or video file.

    Images: jpg, jpeg, png; videos: mp4 (written as H.264), avi (Motion JPEG); audio is
    dropped, frame rate and size kept. In videos the detectors run on every
    ``detect_every``-th frame and faces and plates are carried across frames (see
    :func:`privacy.services.sequence.sequence_redact`). ``progress(done, total)`` is called
    as video frames are written.
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
            return _video_anonymize(
                input_path,
                partial_path,
                anonymizer,
                detect_every=detect_every,
                progress=progress,
            )
        except AnonymizationError as error:
            raise MediaAnonymizationError(f"{input_path.name}: {error}") from error


def media_output_paths(*, inputs: list[Path], out_dir: Path) -> list[tuple[Path, Path]]:
    """(input, output) pairs for several inputs written under their own names in ``out_dir``
    (created if missing). Refuses an output that would replace its input, and two inputs of
    the same name."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise MediaAnonymizationError(f"{out_dir}: not a directory")
    out_dir.mkdir(parents=True, exist_ok=True)
    pairs, names = [], set()
    for source in map(Path, inputs):
        target = out_dir / source.name
        if source.name in names:
            raise MediaAnonymizationError(
                f"two inputs are named {source.name}: their outputs would collide in {out_dir}"
            )
        if source.exists() and target.exists() and source.resolve() == target.resolve():
            raise MediaAnonymizationError(
                f"{source}: the output would replace the input (choose another --out-dir)"
            )
        names.add(source.name)
        pairs.append((source, target))
    return pairs


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


def _video_anonymize(
    input_path: Path,
    partial_path: Path,
    anonymizer: Anonymizer,
    *,
    detect_every: int,
    progress: Progress | None,
):
    capture = cv2.VideoCapture(str(input_path))
    try:
        if not capture.isOpened():
            raise MediaAnonymizationError(f"{input_path.name}: unreadable or corrupt video")
        fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
        declared_frames = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        writer = _video_writer(partial_path, width=width, height=height, fps=fps)
        try:
            frames, faces, plates = _video_pipeline(
                capture,
                writer,
                anonymizer,
                fps=fps,
                detect_every=detect_every,
                progress=(lambda done: progress(done, declared_frames)) if progress else None,
            )
        except BaseException:
            _writer_abort(writer)
            raise
        _writer_close(writer)
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


def _video_writer(path: Path, *, width: int, height: int, fps: float):
    """H.264 (ffmpeg) for mp4; OpenCV's Motion JPEG for avi."""
    if path.suffix.lower() == ".mp4":
        try:
            return H264Writer(path, width=width, height=height, fps=fps)
        except VideoEncodingError as error:
            raise MediaAnonymizationError(str(error)) from error
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (width, height))
    if not writer.isOpened():
        raise MediaAnonymizationError(f"could not open a {path.suffix} video writer")
    return writer


def _writer_close(writer) -> None:
    if isinstance(writer, H264Writer):
        try:
            writer.close()
        except VideoEncodingError as error:
            raise MediaAnonymizationError(str(error)) from error
    else:
        writer.release()


def _writer_abort(writer) -> None:
    if isinstance(writer, H264Writer):
        writer.abort()
    else:
        writer.release()


_END = object()


def _video_pipeline(
    capture, writer, anonymizer: Anonymizer, *, fps: float, detect_every: int, progress
) -> tuple[int, int, int]:
    """Decode, anonymise in batches, encode; decode and encode run in their own threads
    (OpenCV's decoder, ffmpeg and onnxruntime release the GIL, so the three stages overlap).

    See :func:`sequence_redact` for which frames the detectors run on."""
    decoded: queue.Queue = queue.Queue(maxsize=_BATCH_SIZE * 4)
    encoded: queue.Queue = queue.Queue(maxsize=_BATCH_SIZE * 4)
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
            while encoded.get() is not _END:  # keep the producer from blocking
                pass

    def frames_in() -> Iterator[np.ndarray]:
        while not stop.is_set() and (frame := decoded.get()) is not _END:
            yield frame

    threads = [
        threading.Thread(target=decode, daemon=True),
        threading.Thread(target=encode, daemon=True),
    ]
    for thread in threads:
        thread.start()
    frames = faces = plates = 0
    try:
        for result in sequence_redact(
            frames_in(), anonymizer, fps=fps, detect_every=detect_every, batch=_BATCH_SIZE
        ):
            encoded.put(result.image)
            faces += len(result.faces)
            plates += len(result.plates)
            frames += 1
            if progress is not None and frames % 10 == 0:
                progress(frames)
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
    if progress is not None:
        progress(frames)
    return frames, faces, plates
