"""``manage.py analytics_worker --simulate``: a worker whose cameras cost no decode and no
inference, to measure ownership, leases and configuration events at thousands of cameras
(``bench/scale_workers.py``). Everything but the frames is real: the database, the leases,
the events, each camera's rules and anonymiser."""

from __future__ import annotations

from analytics.worker import ingest


class NoDetections:
    """A detector that finds nothing and loads nothing (no frame ever reaches it)."""

    def detect(self, frames):
        return [[] for _ in frames]


def simulate_every_source() -> dict:
    """Make every camera of this process simulated; returns the engine's detectors."""
    ingest.SIMULATE_ALL_SOURCES = True
    return {
        "face_detector": NoDetections(),
        "plate_detector": NoDetections(),
        "people_detector": NoDetections(),
    }
