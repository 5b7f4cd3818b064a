"""Ingest: a picture that goes black, covered or out of focus, and a source that is down."""

from __future__ import annotations

import time

import cv2
import numpy as np

from analytics.worker import ingest
from analytics.worker.ingest import CameraStream, ImageHealth


def _textured(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 255, (360, 640, 3), dtype=np.uint8)


def _assess_many(health: ImageHealth, frame: np.ndarray, count: int) -> list[str]:
    return [health.assess(frame) for _ in range(count)]


def test_a_black_picture_is_reported_only_once_it_persists():
    health = ImageHealth(persist_samples=5)
    _assess_many(health, _textured(), 5)
    states = _assess_many(health, np.zeros((360, 640, 3), np.uint8), 6)
    assert states[:4] == ["ok"] * 4  # a passing shadow is not tampering
    assert states[-1] == "black"


def test_a_covered_lens_is_a_uniform_picture():
    health = ImageHealth(persist_samples=3)
    states = _assess_many(health, np.full((360, 640, 3), 120, np.uint8), 4)
    assert states[-1] == "covered"


def test_losing_focus_is_measured_against_the_camera_s_own_sharpness():
    from skimage import data

    health = ImageHealth(persist_samples=3)
    sharp = cv2.resize(cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR), (640, 360))
    _assess_many(health, sharp, 20)
    blurred = cv2.GaussianBlur(sharp, (0, 0), 6)
    assert _assess_many(health, blurred, 4)[-1] == "out_of_focus"
    # Back in focus: fine again.
    assert _assess_many(health, sharp, 4)[-1] == "ok"


def test_a_dead_source_is_down_with_a_reason_and_keeps_retrying(monkeypatch, closed_port):
    monkeypatch.setattr(ingest, "DOWN_AFTER_SECONDS", 0.5)
    monkeypatch.setattr(ingest, "BACKOFF_START_SECONDS", 0.1)
    stream = CameraStream(1, f"rtsp://127.0.0.1:{closed_port}/nothing", fps=5)
    stream.start()
    try:
        deadline = time.time() + 20
        while time.time() < deadline and not stream.is_down:
            time.sleep(0.1)
        assert stream.is_down
        assert "cannot open" in stream.last_error
        assert stream.latest() is None
    finally:
        stream.stop()
        stream.join(timeout=15)
    assert not stream.is_alive()


def test_a_file_source_is_sampled_at_the_camera_rate(tmp_path, settings):
    settings.CAMERA_FILE_ROOTS = [str(tmp_path)]  # file sources only from media directories
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25, (160, 120))
    for index in range(50):
        writer.write(np.full((120, 160, 3), index * 5, np.uint8))
    writer.release()
    stream = CameraStream(2, f"file://{path}", fps=5)
    stream.start()
    try:
        taken, last, deadline = [], -1, time.time() + 10
        while time.time() < deadline and len(taken) < 6:
            sample = stream.latest(last)
            if sample is not None:
                taken.append(sample.captured_at)
                last = sample.sequence
            time.sleep(0.01)
    finally:
        stream.stop()
        stream.join(timeout=10)
    assert len(taken) == 6
    gaps = np.diff(taken)
    # Five a second on average: no burst of back-to-back samples.
    assert gaps.min() > 0.1
