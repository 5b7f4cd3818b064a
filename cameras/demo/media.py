"""The demo cameras' media, prepared once under ``<data dir>/demo`` and reused."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import shutil
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

# Bump when the scene generator's pixels change, so prepared media is rebuilt.
GENERATOR_VERSION = 1


@dataclass(frozen=True)
class DemoStream:
    """One prepared scene: a directory of JPEG frames (``00000.jpg`` …, ``truth.json``)."""

    name: str
    frames_dir: Path
    frame_count: int
    fps: int
    width: int
    height: int

    @property
    def frame_pattern(self) -> str:
        """The frames as a printf pattern (GStreamer's multifilesrc, ffmpeg's image2)."""
        return str(self.frames_dir / "%05d.jpg")


@dataclass(frozen=True)
class DemoMedia:
    """Everything the demo cameras stream: JPEG loops for the live servers and an mp4 file."""

    root: Path
    streams: dict[str, DemoStream]
    video_file: Path
    video_truth: Path


def _scene_specs(*, width: int, height: int, fps: int, duration_s: float) -> dict[str, object]:
    from cameras.demo.scenes import SceneSpec

    common = {"width": width, "height": height, "fps": fps, "duration_s": duration_s}
    return {
        "lobby": SceneSpec(variant="lobby", plate_text="VE11 DMO", seed=1, **common),
        "carpark": SceneSpec(variant="street", plate_text="VE12 CRP", seed=2, **common),
        "loading-bay": SceneSpec(variant="street", plate_text="VE13 LDB", seed=3, **common),
    }


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    """One preparer at a time per directory (the demo command and a test run may race)."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def prepare_demo_media(
    data_dir: Path,
    *,
    width: int = 640,
    height: int = 360,
    fps: int = 10,
    duration_s: float = 10.0,
) -> DemoMedia:
    """Render the demo scenes into ``data_dir/demo``: ``lobby/`` and ``carpark/`` JPEG loops
    for the RTSP and MJPEG servers, and ``loading-bay.mp4`` (H.264) for the file camera, each
    with its ground truth. Idempotent: media already prepared with the same parameters is kept.
    """
    from cameras.demo.scenes import render_scene, write_jpeg_sequence, write_mp4

    root = Path(data_dir) / "demo"
    specs = _scene_specs(width=width, height=height, fps=fps, duration_s=duration_s)
    fingerprint = hashlib.sha256(
        json.dumps(
            {"version": GENERATOR_VERSION, "specs": {k: asdict(v) for k, v in specs.items()}},
            sort_keys=True,
        ).encode()
    ).hexdigest()[:16]
    stamp = root / ".prepared"
    video_file = root / "loading-bay.mp4"
    video_truth = root / "loading-bay.truth.json"

    with _locked(root):
        if not (stamp.exists() and stamp.read_text() == fingerprint):
            stamp.unlink(missing_ok=True)
            for name in ("lobby", "carpark"):
                partial = root / f".{name}.partial"
                shutil.rmtree(partial, ignore_errors=True)
                write_jpeg_sequence(render_scene(specs[name]), partial)
                shutil.rmtree(root / name, ignore_errors=True)
                partial.rename(root / name)
            frames = list(render_scene(specs["loading-bay"]))
            write_mp4(frames, video_file, spec=specs["loading-bay"])
            video_truth.write_text(json.dumps([frame.truth() for frame in frames]))
            stamp.write_text(fingerprint)

    streams = {
        name: DemoStream(
            name=name,
            frames_dir=root / name,
            frame_count=specs[name].frame_count,
            fps=fps,
            width=width,
            height=height,
        )
        for name in ("lobby", "carpark")
    }
    return DemoMedia(root=root, streams=streams, video_file=video_file, video_truth=video_truth)
