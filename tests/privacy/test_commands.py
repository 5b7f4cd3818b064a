"""``manage.py anonymize``: images and videos, and clean failures that write nothing."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from django.core.management import CommandError, call_command

from privacy.detectors import CenterFaceDetector
from tests.privacy.scenes import (
    background,
    face_found,
    face_scene,
    paste_face,
    sharpness,
    street_scene,
)

_FPS = 10


def _write_video(
    path: Path, *, frames: int = 8, fourcc: str = "mp4v"
) -> list[tuple[int, int, int, int]]:
    """A 320x240 clip with a face moving right; returns the face box of each frame."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), _FPS, (320, 240))
    boxes = []
    base = background(320, 240, seed=9)
    for index in range(frames):
        frame = base.copy()
        boxes.append(paste_face(frame, x=100 + 4 * index, y=70, face_width=80))
        writer.write(frame)
    writer.release()
    return boxes


def _read_video(path: Path) -> tuple[list[np.ndarray], float]:
    capture = cv2.VideoCapture(str(path))
    fps = capture.get(cv2.CAP_PROP_FPS)
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    return frames, fps


def _leftovers(directory: Path, *keep: Path) -> list[Path]:
    return sorted(path for path in directory.iterdir() if path not in keep)


def test_png_is_anonymised_losslessly_outside_the_redacted_boxes(tmp_path):
    frame, face, plate = street_scene()
    source, target = tmp_path / "in.png", tmp_path / "out.png"
    cv2.imwrite(str(source), frame)

    call_command("anonymize", str(source), str(target))

    result = cv2.imread(str(target))
    assert result.shape == frame.shape
    assert sharpness(result, face) < sharpness(frame, face) / 20
    assert sharpness(result, plate) < sharpness(frame, plate) / 20
    changed = np.any(result != frame, axis=2)
    assert changed.sum() > 0
    # Only the face and plate areas change (padded boxes around them; the face at y 90 is
    # padded by 0.35 of its 121 px height, so rows above 45 stay untouched).
    assert not changed[:45].any() and not changed[:, :50].any()
    assert _leftovers(tmp_path, source, target) == []


@pytest.mark.parametrize("extension", ["jpg", "jpeg"])
def test_jpeg_face_is_blurred(tmp_path, extension):
    frame, face = face_scene()
    source, target = tmp_path / f"in.{extension}", tmp_path / f"out.{extension}"
    cv2.imwrite(str(source), frame, [cv2.IMWRITE_JPEG_QUALITY, 95])

    call_command("anonymize", str(source), str(target))

    result = cv2.imread(str(target))
    original = cv2.imread(str(source))
    assert sharpness(result, face) < sharpness(original, face) / 20
    assert not face_found(CenterFaceDetector().detect([result])[0], face)
    # Away from the face only JPEG re-encoding noise remains.
    assert np.abs(result[:, :150].astype(int) - original[:, :150].astype(int)).mean() < 2


def test_pixelate_mode(tmp_path, capsys):
    frame, face = face_scene()
    source, target = tmp_path / "in.png", tmp_path / "out.png"
    cv2.imwrite(str(source), frame)

    call_command("anonymize", str(source), str(target), "--mode", "pixelate")

    result = cv2.imread(str(target))
    x1, y1, x2, y2 = face
    # Pixelation leaves flat blocks: few distinct colours in the face box.
    colours = np.unique(result[y1:y2, x1:x2].reshape(-1, 3), axis=0)
    assert len(colours) < 100
    assert "1 face(s)" in capsys.readouterr().out


@pytest.mark.parametrize(("extension", "fourcc"), [("mp4", "mp4v"), ("avi", "MJPG")])
def test_video_faces_are_blurred_in_every_frame_keeping_fps_and_size(tmp_path, extension, fourcc):
    source, target = tmp_path / f"in.{extension}", tmp_path / f"out.{extension}"
    boxes = _write_video(source, fourcc=fourcc)

    call_command("anonymize", str(source), str(target))

    originals, _ = _read_video(source)
    frames, fps = _read_video(target)
    assert len(frames) == len(boxes)
    assert fps == pytest.approx(_FPS)
    assert frames[0].shape == (240, 320, 3)
    found = CenterFaceDetector().detect(frames)
    for frame, original, box, detections in zip(frames, originals, boxes, found, strict=True):
        assert not face_found(detections, box)
        assert sharpness(frame, box) < sharpness(original, box) / 10
        # Far from the face, only codec noise.
        assert np.abs(frame[:, 260:].astype(int) - original[:, 260:].astype(int)).mean() < 4
    assert _leftovers(tmp_path, source, target) == []


def _truncated_jpeg(path: Path) -> None:
    frame, _ = face_scene()
    ok, encoded = cv2.imencode(".jpg", frame)
    path.write_bytes(encoded.tobytes()[: len(encoded) // 2])


def _text_as_mp4(path: Path) -> None:
    path.write_text("this is not a video\n" * 50)


def _truncated_mp4(path: Path) -> None:
    _write_video(path, frames=8)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _truncated_png(path: Path) -> None:
    frame, _ = face_scene()
    ok, encoded = cv2.imencode(".png", frame)
    path.write_bytes(encoded.tobytes()[: len(encoded) * 2 // 3])


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("in.jpg", _truncated_jpeg),
        ("in.png", _truncated_png),
        ("in.mp4", _text_as_mp4),
        ("in.mp4", _truncated_mp4),
    ],
)
def test_corrupt_input_fails_cleanly_and_writes_nothing(tmp_path, name, make):
    source = tmp_path / name
    make(source)
    target = tmp_path / f"out{source.suffix}"

    with pytest.raises(CommandError, match="corrupt"):
        call_command("anonymize", str(source), str(target))

    assert _leftovers(tmp_path, source) == []


def test_existing_output_is_not_touched_on_failure(tmp_path):
    source, target = tmp_path / "in.mp4", tmp_path / "out.mp4"
    _text_as_mp4(source)
    target.write_bytes(b"previous output")

    with pytest.raises(CommandError):
        call_command("anonymize", str(source), str(target))

    assert target.read_bytes() == b"previous output"
    assert _leftovers(tmp_path, source, target) == []


@pytest.mark.parametrize(
    ("source_name", "target_name", "message"),
    [
        ("in.png", "out.mp4", "must be one too"),
        ("in.mp4", "out.jpg", "must be one too"),
        ("in.gif", "out.gif", "unsupported file type"),
        ("missing.png", "out.png", "no such file"),
    ],
)
def test_wrong_kinds_and_missing_input_are_refused(tmp_path, source_name, target_name, message):
    source = tmp_path / source_name
    if source_name != "missing.png":
        source.write_bytes(b"x")

    with pytest.raises(CommandError, match=message):
        call_command("anonymize", str(source), str(tmp_path / target_name))

    assert not (tmp_path / target_name).exists()
