"""Probing a camera source: can it be opened, does it give a picture, and what is it like.

:func:`probe_source` opens a URL with OpenCV's FFmpeg backend under open and read timeouts
(:func:`cameras.sources.open_capture`), decodes one frame and reports the stream's resolution,
frame rate and codec. It never raises for a bad source and never puts credentials in its
messages, so its result can be stored and shown as it is; for a file it says only that it could not be read
(never whether it exists, nor its path). A source the deployment's rules refuse
(:func:`cameras.validators.validate_camera_source`, checked again at every probe) is not
opened. It knows nothing of the database: :mod:`cameras.services.health` records it.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

import cv2
from django.core.exceptions import ValidationError

from cameras.sources import open_capture, redact_source_url
from cameras.validators import validate_camera_source

STATUS_ONLINE = "online"
STATUS_OFFLINE = "offline"
STATUS_ERROR = "error"

# FourCC tags FFmpeg reports, by the codec name Veil shows.
CODEC_NAMES = {
    "avc1": "h264", "h264": "h264", "x264": "h264", "avc3": "h264",
    "hev1": "hevc", "hvc1": "hevc", "hevc": "hevc", "h265": "hevc",
    "mjpg": "mjpeg", "mjpa": "mjpeg", "jpeg": "mjpeg",
    "mp4v": "mpeg4", "fmp4": "mpeg4", "xvid": "mpeg4",
    "vp80": "vp8", "vp90": "vp9", "av01": "av1",
}  # fmt: skip

# One message for every way a file source fails (missing, unreadable, not video, refused), so
# that probes reveal nothing of the server's file system.
FILE_UNREADABLE = "The file could not be read as video"

# MJPEG over HTTP carries no timing: FFmpeg assumes 25 fps, so the rate is measured instead.
MJPEG_RATE_SAMPLE_FRAMES = 6


@dataclass(frozen=True)
class ProbeResult:
    """What one probe found. ``message`` is safe to store and show (no credentials)."""

    ok: bool
    status: str  # "online" | "offline" | "error"
    message: str
    width: int | None = None
    height: int | None = None
    frame_rate: float | None = None
    codec: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def codec_name(fourcc: float | int) -> str:
    """OpenCV's ``CAP_PROP_FOURCC`` as a codec name: ``h264``, ``mjpeg`` …"""
    value = int(fourcc)
    if value <= 0:
        return ""
    tag = value.to_bytes(4, "little").decode("ascii", errors="replace").strip("\x00 ").lower()
    return CODEC_NAMES.get(tag, tag)


def _offline(message: str) -> ProbeResult:
    return ProbeResult(ok=False, status=STATUS_OFFLINE, message=message)


def _error(message: str) -> ProbeResult:
    return ProbeResult(ok=False, status=STATUS_ERROR, message=message)


def probe_source(url: str, *, open_timeout: float, read_timeout: float) -> ProbeResult:
    """Open ``url`` (rtsp, rtsps, http(s) MJPEG, file), read a frame, and describe the stream.

    * ``online``: a frame was decoded; resolution, frame rate and codec are filled in.
    * ``offline``: nothing answered (refused, timed out, not found), or the host name does
      not resolve.
    * ``error``: something answered but gave no decodable picture; a file that cannot be
      read as video; a source the deployment's rules refuse.
    """
    shown = redact_source_url(url)
    scheme = urlsplit(url).scheme.lower()
    try:
        validate_camera_source(url, opening=True)
    except ValidationError as refusal:
        reason = " ".join(refusal.messages)
        if refusal.code == "source_unresolved":
            return _offline(reason)
        if refusal.code == "source_refused":
            return _error(f"Refused by this deployment's camera source rules. {reason}")
        return _error(reason)

    capture = open_capture(url, open_timeout=open_timeout, read_timeout=read_timeout)
    try:
        if not capture.isOpened():
            if scheme == "file":
                return _error(FILE_UNREADABLE)
            return _offline(
                f"Could not connect to {shown} within {open_timeout:g} s "
                "(refused, unreachable, not found or not a video stream)"
            )
        ok, frame = capture.read()
        if not ok or frame is None or frame.size == 0:
            if scheme == "file":
                return _error(FILE_UNREADABLE)
            return _error(f"Connected to {shown} but could not decode a frame")
        height, width = frame.shape[:2]
        codec = codec_name(capture.get(cv2.CAP_PROP_FOURCC))
        frame_rate = capture.get(cv2.CAP_PROP_FPS) or None
        if codec == "mjpeg" and scheme in {"http", "https"}:
            frame_rate = _measured_frame_rate(capture) or frame_rate
        return ProbeResult(
            ok=True,
            status=STATUS_ONLINE,
            message=f"Receiving {width}×{height} {codec or 'video'}",
            width=int(width),
            height=int(height),
            frame_rate=round(float(frame_rate), 2) if frame_rate else None,
            codec=codec,
        )
    except cv2.error as exc:  # decoder failures surface as exceptions in some builds
        if scheme == "file":
            return _error(FILE_UNREADABLE)
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else "decoder error"
        return _error(f"Failed reading {shown}: {redact_source_url(first_line)}")
    finally:
        capture.release()


def _measured_frame_rate(capture: cv2.VideoCapture) -> float | None:
    """Frames per second from the arrival of a few frames (for streams without timing)."""
    started = None
    for count in range(MJPEG_RATE_SAMPLE_FRAMES):
        if not capture.grab():
            return None
        if count == 0:
            started = time.monotonic()  # the first frame may have waited in a buffer
    elapsed = time.monotonic() - started if started is not None else 0.0
    return (MJPEG_RATE_SAMPLE_FRAMES - 1) / elapsed if elapsed > 0 else None
