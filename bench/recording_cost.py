"""Recording's cost per camera: CPU seconds per minute of 720p video at the camera's fps, for
the analytics worker's per-frame work with and without recording (both tracks), in one run.

Run from the repository root (project venv active):

    python bench/recording_cost.py [--fps 5] [--seconds 60] [--segment 10]

Feeds ``--seconds`` of demo frames (the lobby scene, scaled to 1280x720) at ``--fps`` through
``analytics.worker.pipeline.FramePipeline.process`` — the engine's own work: masks, faces,
plates, motion, people, rules, blur, the live JPEG — first alone, then with a
:class:`analytics.worker.recorder.CameraRecorder` in continuous mode on every analysed frame:
the original track (x264 CRF 18) and the anonymised one (CRF 23), ``veryfast``, fragmented
MP4 in memory, then sealed with AES-GCM as the media store does (without the database: a
random data key). Frames are fed as fast as the machine goes, stamped at the camera's rate, so
the figures are CPU per minute of video, not wall time. CPU = this process (all threads) plus
its ``ffmpeg`` children. Prints figures only; asserts nothing.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fps", type=float, default=5.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--segment", type=float, default=10.0, help="segment length, seconds")
    args = parser.parse_args()

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vms.settings")
    django.setup()

    import cv2

    from analytics.detectors.people import HogPeopleDetector
    from analytics.rules import RuleEngine
    from analytics.worker.ingest import Sample
    from analytics.worker.pipeline import CameraState, FramePipeline
    from analytics.worker.recorder import CameraRecorder, RecordFrame
    from cameras.demo.scenes import SceneSpec, render_frame
    from privacy.anonymizer import Anonymizer, default_face_detector, default_plate_detector
    from privacy.detectors.centerface import CenterFaceDetector
    from privacy.sealed_files import EncryptingReader

    spec = SceneSpec(variant="lobby", seed=1, plate_text="VE11 DMO")
    scene = [
        cv2.resize(render_frame(spec, i).image, (1280, 720), interpolation=cv2.INTER_LINEAR)
        for i in range(0, 100)
    ]
    count = int(args.seconds * args.fps)
    pipeline = FramePipeline(
        face_detector=default_face_detector(),
        quick_face_detector=CenterFaceDetector(input_long_side=320),
        plate_detector=default_plate_detector(),
        people_detector=HogPeopleDetector(),
    )
    key = os.urandom(32)
    stored = {"segments": 0, "bytes": 0}

    def seal_and_drop(segment, camera_id):
        for video in segment.videos.values():
            sealed = EncryptingReader(io.BytesIO(video), key=key, scope="bench")
            while sealed.read(1 << 20):
                pass
            stored["segments"] += 1
            stored["bytes"] += len(video)

    def run(record: bool) -> float:
        state = CameraState(
            camera_id=1,
            config=None,
            stream=None,
            rules=RuleEngine((), camera_id=1),
            anonymizer=Anonymizer(
                mode="blur",
                privacy_masks=(((0.0, 0.0), (0.15, 0.0), (0.15, 0.2), (0.0, 0.2)),),
                face_detector=pipeline.face_detector,
                plate_detector=pipeline.plate_detector,
            ),
        )
        recorder = CameraRecorder(1, segment_seconds=args.segment, store=seal_and_drop)
        start_at = time.time()
        cpu = _cpu()
        for number in range(count):
            captured_at = start_at + number / args.fps
            sample = Sample(scene[number % len(scene)], captured_at, number)
            for frame in pipeline.process([(state, sample)]):
                if record:
                    recorder._record(  # the recorder thread's work, here, so none is dropped
                        RecordFrame(
                            captured_at=captured_at,
                            original=frame.original,
                            anonymised=frame.image,
                            alert=False,
                            mode="continuous",
                            fps=args.fps,
                            pre_roll=10,
                            post_roll=20,
                        )
                    )
        if record:
            recorder._finish_current()
            recorder._flush(final=True)
        return (_cpu() - cpu) / (args.seconds / 60)

    run(False)  # warm-up: models loaded, caches filled
    without = run(False)
    with_recording = run(True)
    minutes = args.seconds / 60
    print(f"720p (1280x720) at {args.fps:g} fps, {args.seconds:g} s of video per run")
    print(f"worker without recording: {without:7.1f} CPU s per minute of video")
    print(f"worker with recording:    {with_recording:7.1f} CPU s per minute of video")
    print(
        f"recording adds:           {with_recording - without:7.1f} CPU s per minute "
        f"({(with_recording - without) / 60 * 100:.0f} % of one core)"
    )
    print(
        f"stored: {stored['segments']} segment files, "
        f"{stored['bytes'] / minutes / 1e6:.1f} MB per minute (both tracks)"
    )


if __name__ == "__main__":
    main()
