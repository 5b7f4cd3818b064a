"""Demo and test video sources: generated scenes served as real RTSP, MJPEG and file cameras.

The contract other parts of Veil rely on (the run command's seed, the tests):

* :class:`DemoSource` and :func:`demo_camera_sources` — the demo cameras and their URLs;
* :func:`prepare_demo_media` — renders their media under ``<data dir>/demo`` (cached);
* ``python manage.py demo_streams`` — serves them until stopped.
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass

from cameras.demo.media import DemoMedia, DemoStream, prepare_demo_media

__all__ = [
    "DemoMedia",
    "DemoSource",
    "DemoStream",
    "demo_camera_sources",
    "prepare_demo_media",
]


@dataclass(frozen=True)
class DemoSource:
    """A demo camera as the seed registers it."""

    name: str
    url: str
    purpose: str
    lawful_basis: str


def demo_camera_sources(
    *, rtsp_port: int = 8554, http_port: int = 8090, data_dir: pathlib.Path | None = None
) -> list[DemoSource]:
    """The demo cameras: one RTSP, one HTTP MJPEG and one file source, each with a specific
    purpose and a lawful basis. The live ones are served by ``manage.py demo_streams``."""
    from cameras.models import LawfulBasis  # here, so the media tools work without Django

    if data_dir is None:
        from django.conf import settings

        data_dir = settings.DATA_DIR
    video_file = pathlib.Path(data_dir).resolve() / "demo" / "loading-bay.mp4"
    basis = LawfulBasis.LEGITIMATE_INTERESTS.value
    return [
        DemoSource(
            name="Lobby entrance",
            url=f"rtsp://127.0.0.1:{rtsp_port}/lobby",
            purpose=(
                "Detect people entering the lobby outside opening hours and record evidence "
                "for incident investigation"
            ),
            lawful_basis=basis,
        ),
        DemoSource(
            name="Car park",
            url=f"http://127.0.0.1:{http_port}/carpark.mjpg",
            purpose=(
                "Record vehicles entering and leaving the staff car park to investigate "
                "damage and theft reported by staff"
            ),
            lawful_basis=basis,
        ),
        DemoSource(
            name="Loading bay",
            url=f"file://{video_file}",
            purpose=(
                "Detect people entering the loading bay outside delivery hours and record "
                "evidence for incident investigation"
            ),
            lawful_basis=basis,
        ),
    ]
