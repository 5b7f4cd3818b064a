"""``manage.py anonymize IN1 IN2 ... --out-dir DIR``, and the H.264 it writes."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import cv2
import pytest
from django.core.management import CommandError, call_command

from privacy.video import H264Writer, VideoEncodingError
from tests.privacy.scenes import face_scene
from tests.privacy.test_commands import _read_video, _write_video


def _probe(path: Path) -> dict:
    output = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
        check=True,
        capture_output=True,
    ).stdout
    return json.loads(output)


def _moov_before_mdat(path: Path) -> bool:
    """faststart: the index (moov) comes before the media data, so playback starts early."""
    data = path.read_bytes()
    offset, order = 0, []
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset : offset + 4], "big")
        order.append(data[offset + 4 : offset + 8])
        if size < 8:
            break
        offset += size
    return b"moov" in order and b"mdat" in order and order.index(b"moov") < order.index(b"mdat")


def test_mp4_output_is_browser_playable_h264(tmp_path):
    source, target = tmp_path / "in.mp4", tmp_path / "out.mp4"
    _write_video(source, frames=12)

    call_command("anonymize", str(source), str(target))

    (stream,) = _probe(target)["streams"]
    assert stream["codec_name"] == "h264"
    assert stream["pix_fmt"] == "yuv420p"
    assert (stream["width"], stream["height"]) == (320, 240)
    assert _moov_before_mdat(target)
    frames, _fps = _read_video(target)
    assert len(frames) == 12


def test_odd_sized_frames_are_padded_to_even_dimensions(tmp_path):
    """yuv420p needs even sizes: a 321x241 camera gets one black row and column."""
    frame = cv2.resize(face_scene()[0], (321, 241))
    target = tmp_path / "odd.mp4"
    with H264Writer(target, width=321, height=241, fps=10) as writer:
        for _ in range(4):
            writer.write(frame)

    (stream,) = _probe(target)["streams"]
    assert (stream["width"], stream["height"]) == (322, 242)
    assert stream["codec_name"] == "h264" and stream["pix_fmt"] == "yuv420p"


def test_without_ffmpeg_the_error_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no ffmpeg on it
    with pytest.raises(VideoEncodingError, match="apt-get install ffmpeg"):
        H264Writer(tmp_path / "x.mp4", width=32, height=32, fps=5)


def test_several_files_into_a_directory_with_a_summary_line_each(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    video, image = inputs / "walk.mp4", inputs / "still.png"
    _write_video(video, frames=30)
    cv2.imwrite(str(image), face_scene()[0])
    out, err = io.StringIO(), io.StringIO()

    call_command(
        "anonymize",
        str(video),
        str(image),
        "--out-dir",
        str(tmp_path / "out"),
        "--progress",
        stdout=out,
        stderr=err,
    )

    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["still.png", "walk.mp4"]
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 2
    assert "video (30 frame(s))" in lines[0] and "walk.mp4" in lines[0]
    assert "image (1 frame(s))" in lines[1] and "still.png" in lines[1]
    # The bar is redrawn in place and ends full.
    bar = err.getvalue()
    assert bar.startswith("\rwalk.mp4: [")
    assert "100% 30/30 frames" in bar.rsplit("\r", 1)[-1]  # the last redraw: complete
    assert bar.count("\n") == 1 and bar.endswith("\n")  # one line, redrawn in place


def test_a_bad_file_is_reported_the_others_are_written_and_the_exit_fails(tmp_path):
    good, bad = tmp_path / "good.mp4", tmp_path / "bad.mp4"
    _write_video(good, frames=6)
    bad.write_text("this is not a video\n" * 50)
    out, err = io.StringIO(), io.StringIO()
    target = tmp_path / "out"

    with pytest.raises(CommandError, match="1 of 2 file"):
        call_command(
            "anonymize", str(bad), str(good), "--out-dir", str(target), stdout=out, stderr=err
        )

    assert [p.name for p in target.iterdir()] == ["good.mp4"]  # nothing partial for bad.mp4
    assert "FAILED" in err.getvalue() and "corrupt" in err.getvalue()
    assert "good.mp4" in out.getvalue()


def test_an_output_that_would_replace_its_input_is_refused(tmp_path):
    source = tmp_path / "in.mp4"
    _write_video(source, frames=4)
    before = source.read_bytes()

    with pytest.raises(CommandError, match="replace the input"):
        call_command("anonymize", str(source), "--out-dir", str(tmp_path))

    assert source.read_bytes() == before


def test_without_out_dir_exactly_input_and_output(tmp_path):
    with pytest.raises(CommandError, match="--out-dir"):
        call_command("anonymize", str(tmp_path / "a.mp4"), str(tmp_path / "b.mp4"), "c.mp4")
