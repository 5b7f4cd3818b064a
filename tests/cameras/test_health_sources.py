"""The demo and test video sources: scenes with ground truth, and the servers that stream them."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from cameras.demo import demo_camera_sources
from cameras.demo.scenes import SceneSpec, render_frame, render_scene
from cameras.models import LawfulBasis
from cameras.validators import validate_specific_purpose

FFMPEG = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, 5000, cv2.CAP_PROP_READ_TIMEOUT_MSEC, 5000]


def _read_frames(url: str, count: int) -> list[np.ndarray]:
    capture = cv2.VideoCapture(url, cv2.CAP_FFMPEG, FFMPEG)
    try:
        assert capture.isOpened(), url
        frames = []
        for _ in range(count):
            ok, frame = capture.read()
            assert ok, f"{url} stopped after {len(frames)} frames"
            frames.append(frame)
        return frames
    finally:
        capture.release()


def test_scene_is_deterministic_and_loops():
    spec = SceneSpec(width=320, height=180, fps=5, duration_s=2)
    first = list(render_scene(spec))
    assert len(first) == 10
    assert all(
        np.array_equal(a.image, b.image) for a, b in zip(first, render_scene(spec), strict=True)
    )
    assert np.array_equal(render_frame(spec, 10).image, first[0].image)
    assert first[0].image.shape == (180, 320, 3)


def test_ground_truth_boxes_cover_the_face_and_plate():
    spec = SceneSpec()
    frames = list(render_scene(spec))
    assert all(frame.face_boxes for frame in frames)  # the walker is always in view
    assert sum(bool(frame.plate_boxes) for frame in frames) > len(frames) // 2
    for frame in frames:
        for box in frame.face_boxes + frame.plate_boxes:
            assert box.x >= 0 and box.x + box.w <= spec.width
            assert box.y >= 0 and box.y + box.h <= spec.height
    # Inside a plate box: the yellow plate with dark characters, i.e. strong contrast.
    frame = next(f for f in frames if f.plate_boxes and f.plate_boxes[0].w > 60)
    plate = cv2.cvtColor(frame.image[frame.plate_boxes[0].slices()], cv2.COLOR_BGR2GRAY)
    assert plate.max() - plate.min() > 120
    # Inside a face box: skin, detail (eyes, mouth) — not flat background.
    face = frame.image[frame.face_boxes[0].slices()]
    assert cv2.Laplacian(cv2.cvtColor(face, cv2.COLOR_BGR2GRAY), cv2.CV_64F).var() > 50


def test_demo_camera_sources_are_registrable(tmp_path):
    sources = demo_camera_sources(rtsp_port=9554, http_port=9090, data_dir=tmp_path)
    urls = [source.url for source in sources]
    assert "rtsp://127.0.0.1:9554/lobby" in urls
    assert "http://127.0.0.1:9090/carpark.mjpg" in urls
    assert f"file://{tmp_path.resolve()}/demo/loading-bay.mp4" in urls
    for source in sources:
        validate_specific_purpose(source.purpose)
        assert source.lawful_basis in LawfulBasis.values


def test_prepared_media_matches_its_truth(demo_media):
    truth = json.loads((demo_media.streams["lobby"].frames_dir / "truth.json").read_text())
    assert len(truth) == demo_media.streams["lobby"].frame_count == 100
    assert truth[50]["faces"] and truth[50]["plates"]
    assert json.loads(demo_media.video_truth.read_text())[0]["faces"]


def test_rtsp_server_keeps_serving_after_a_client_leaves(rtsp_server):
    for _ in range(2):  # connect, read, disconnect; then again
        frames = _read_frames(rtsp_server.url, 5)
        assert frames[-1].shape == (360, 640, 3)
    assert _read_frames(rtsp_server.urls["carpark"], 1)[0].shape == (360, 640, 3)


def test_mjpeg_server_serves_many_clients(mjpeg_server):
    captures = [cv2.VideoCapture(mjpeg_server.url, cv2.CAP_FFMPEG, FFMPEG) for _ in range(3)]
    try:
        for capture in captures:
            ok, frame = capture.read()
            assert ok and frame.shape == (360, 640, 3)
    finally:
        for capture in captures:
            capture.release()
    assert _read_frames(mjpeg_server.url, 3)[-1].shape == (360, 640, 3)


@pytest.mark.parametrize("path", ["/nothing.mjpg", "/carpark.txt"])
def test_mjpeg_server_answers_404_for_unknown_streams(mjpeg_server, path):
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(f"http://127.0.0.1:{mjpeg_server.port}{path}", timeout=5)
    assert error.value.code == 404
