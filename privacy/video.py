"""Browser-playable video: H.264 in MP4, written by the system ``ffmpeg``.

OpenCV's own writer only offers MPEG-4 Part 2 (``mp4v``) in an MP4, which no browser plays.
:class:`H264Writer` pipes raw BGR frames to ``ffmpeg`` (libx264, yuv420p, ``+faststart`` so
a browser starts playing before the whole file is in); odd frame sizes are padded by one
black row or column (yuv420p needs even dimensions). Alert clips
(``analytics.worker.outputs.encode_clip``) and ``manage.py anonymize`` use it.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import numpy as np

DEFAULT_CRF = 23
# veryfast: about a third of "medium"'s CPU for a file ~10 % larger at the same quality.
DEFAULT_PRESET = "veryfast"


class VideoEncodingError(RuntimeError):
    """The video could not be encoded (ffmpeg missing or failing); nothing usable was written."""


def ffmpeg_path() -> str:
    """The ``ffmpeg`` executable, or a ``VideoEncodingError`` that says how to install it."""
    path = shutil.which("ffmpeg")
    if path is None:
        raise VideoEncodingError(
            "ffmpeg is not installed, and H.264 video needs it: install the 'ffmpeg' package "
            "(Debian/Ubuntu: apt-get install ffmpeg; bin/bootstrap and the Docker image do)"
        )
    return path


class H264Writer:
    """Writes BGR uint8 frames of one size to ``path`` as H.264/MP4. Use as a context manager
    (or call :meth:`close`); on an error in the block, ffmpeg is stopped and the file removed."""

    def __init__(
        self,
        path: Path,
        *,
        width: int,
        height: int,
        fps: float,
        crf: int = DEFAULT_CRF,
        preset: str = DEFAULT_PRESET,
        threads: int = 0,
    ) -> None:
        self.path = Path(path)
        self.width, self.height = int(width), int(height)
        if self.width < 2 or self.height < 2:
            raise VideoEncodingError(f"cannot encode {width}x{height} video")
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close/abort)
        command = [
            ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{self.width}x{self.height}",
            "-r", f"{fps:.6g}", "-i", "-",
            "-an", "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2",
            "-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p",
            "-threads", str(threads), "-movflags", "+faststart", "-f", "mp4", str(self.path),
        ]  # fmt: skip
        self._process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._stderr
        )
        self.frames = 0

    def write(self, frame: np.ndarray) -> None:
        if frame.shape != (self.height, self.width, 3) or frame.dtype != np.uint8:
            raise VideoEncodingError(
                f"frame of shape {frame.shape} in a {self.width}x{self.height} video"
            )
        try:
            self._process.stdin.write(np.ascontiguousarray(frame).data)
        except (BrokenPipeError, OSError) as error:
            raise VideoEncodingError(f"ffmpeg stopped: {self._error_text()}") from error
        self.frames += 1

    def close(self) -> None:
        """Finish the file; raises ``VideoEncodingError`` if ffmpeg failed."""
        try:
            if self._process.stdin and not self._process.stdin.closed:
                self._process.stdin.close()
        except (BrokenPipeError, OSError):
            pass
        code = self._process.wait()
        message = self._error_text()
        self._stderr.close()
        if code != 0:
            raise VideoEncodingError(f"ffmpeg failed (exit {code}): {message}")

    def abort(self) -> None:
        """Stop ffmpeg and remove what it wrote."""
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        if not self._stderr.closed:
            self._stderr.close()
        self.path.unlink(missing_ok=True)

    def _error_text(self) -> str:
        if self._stderr.closed:
            return ""
        self._stderr.seek(0)
        text = self._stderr.read().decode(errors="replace").strip()
        return text[-2000:] or "no message"

    def __enter__(self) -> H264Writer:
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()


def h264_bytes(frames: list[np.ndarray], *, fps: float, **options) -> bytes:
    """Frames of one size as an H.264/MP4 file's bytes (``options``: see :class:`H264Writer`)."""
    height, width = frames[0].shape[:2]
    with tempfile.TemporaryDirectory(prefix="veil-video-") as directory:
        path = Path(directory) / "clip.mp4"
        with H264Writer(path, width=width, height=height, fps=fps, **options) as writer:
            for frame in frames:
                writer.write(frame)
        return path.read_bytes()


# Fragmented MP4 (a moov first, then self-contained fragments, each from a keyframe) can be
# written to a pipe — nothing touches the disk before the sealed store — and browsers play it
# through Media Source Extensions one file after another. No B-frames, so each file's
# timestamps start at zero and the player lines files up by their start times alone.
FRAGMENTED_MP4 = ["-movflags", "frag_keyframe+empty_moov+default_base_moof", "-f", "mp4"]


class FragmentedH264Encoder:
    """Encodes BGR frames of one size to H.264 fragmented MP4 held in memory: frames go to
    ``ffmpeg``'s stdin, the file comes back on its stdout (drained by a thread, so a full pipe
    never blocks the writer). :meth:`finish` returns the file's bytes."""

    def __init__(
        self,
        *,
        width: int,
        height: int,
        fps: float,
        crf: int = DEFAULT_CRF,
        preset: str = DEFAULT_PRESET,
        threads: int = 2,
        keyframe_seconds: float = 2.0,
    ) -> None:
        self.width, self.height = int(width), int(height)
        if self.width < 2 or self.height < 2:
            raise VideoEncodingError(f"cannot encode {width}x{height} video")
        gop = max(1, round(fps * keyframe_seconds))
        command = [
            ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error",
            "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{self.width}x{self.height}",
            "-r", f"{fps:.6g}", "-i", "-",
            "-an", "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2",
            "-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p",
            "-profile:v", "high", "-bf", "0", "-g", str(gop), "-keyint_min", str(gop),
            "-threads", str(threads), *FRAGMENTED_MP4, "pipe:1",
        ]  # fmt: skip
        self._process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self._output: list[bytes] = []
        self._errors: list[bytes] = []
        self._drains = [
            threading.Thread(target=self._drain, args=(stream, sink), daemon=True)
            for stream, sink in (
                (self._process.stdout, self._output),
                (self._process.stderr, self._errors),
            )
        ]
        for thread in self._drains:
            thread.start()
        self.frames = 0

    @staticmethod
    def _drain(stream, sink: list[bytes]) -> None:
        for chunk in iter(lambda: stream.read(65536), b""):
            sink.append(chunk)

    def write(self, frame: np.ndarray) -> None:
        if frame.shape != (self.height, self.width, 3) or frame.dtype != np.uint8:
            raise VideoEncodingError(
                f"frame of shape {frame.shape} in a {self.width}x{self.height} video"
            )
        try:
            self._process.stdin.write(np.ascontiguousarray(frame).data)
        except (BrokenPipeError, OSError) as error:
            raise VideoEncodingError(f"ffmpeg stopped: {self._error_text()}") from error
        self.frames += 1

    def finish(self) -> bytes:
        """The whole file; raises ``VideoEncodingError`` if ffmpeg failed."""
        with contextlib.suppress(BrokenPipeError, OSError):
            self._process.stdin.close()
        code = self._process.wait()
        for thread in self._drains:
            thread.join()
        if code != 0:
            raise VideoEncodingError(f"ffmpeg failed (exit {code}): {self._error_text()}")
        return b"".join(self._output)

    def abort(self) -> None:
        """Stop ffmpeg and drop what it produced."""
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        for thread in self._drains:
            thread.join()
        self._output.clear()

    def _error_text(self) -> str:
        return b"".join(self._errors).decode(errors="replace").strip()[-2000:] or "no message"
