"""The live engine's CPU per frame: what one 640x360 camera frame costs the analytics worker.

Run from the repository root (project venv active):

    python bench/pipeline_cost.py [--cameras 8] [--frames 20]

Runs ``analytics.worker.pipeline.FramePipeline.process`` — the engine's own per-batch work:
privacy masks, faces, plates, motion, people (HOG), rules, temporal carry-over, blur, JPEG —
on batches of ``--cameras`` demo frames (the lobby and car-park scenes, 640x360, as the demo
RTSP cameras send them), with the real detectors, in this process, without decoding, Redis or
the database. Prints the CPU time (this process, all threads) per frame for:

* the previous schedule: faces at full resolution and people on every frame;
* the current one (``FULL_FACE_EVERY``, ``QUICK_FACE_LONG_SIDE``, ``PEOPLE_EVERY`` in
  ``analytics/worker/pipeline.py``);

and what 8 cameras at 5 fps need of the machine at that cost. Run ``bench/alert_latency.py``
for the whole engine (decode, RTSP, alerts, websocket); this isolates the part the schedule
changes, and is steadier than it on a shared machine. Prints figures only; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cameras", type=int, default=8)
    parser.add_argument("--frames", type=int, default=20, help="batches per schedule")
    args = parser.parse_args()

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vms.settings")
    django.setup()

    from analytics.detectors.people import HogPeopleDetector
    from analytics.rules import RuleEngine
    from analytics.worker import pipeline as pipeline_module
    from analytics.worker.ingest import Sample
    from analytics.worker.pipeline import CameraState, FramePipeline
    from cameras.demo.scenes import SceneSpec, render_frame
    from privacy.anonymizer import Anonymizer, default_face_detector, default_plate_detector
    from privacy.detectors.centerface import CenterFaceDetector

    schedule = (
        pipeline_module.FULL_FACE_EVERY,
        pipeline_module.QUICK_FACE_LONG_SIDE,
        pipeline_module.PEOPLE_EVERY,
    )
    # The engine's detectors (``FramePipeline.load_detectors`` without the model registry).
    face, plates, people = default_face_detector(), default_plate_detector(), HogPeopleDetector()
    quick_face = CenterFaceDetector(input_long_side=schedule[1])

    specs = [
        SceneSpec(variant="lobby", seed=1, plate_text="VE11 DMO"),
        SceneSpec(variant="street", seed=2, plate_text="VE12 CRP"),
    ]
    frames = [[render_frame(spec, i).image for i in range(0, 100, 2)] for spec in specs]

    def measure(full_every: int, people_every: int, quick: bool) -> float:
        pipeline_module.FULL_FACE_EVERY = full_every
        pipeline_module.PEOPLE_EVERY = people_every
        pipeline = FramePipeline(
            face_detector=face,
            quick_face_detector=quick_face if quick else face,
            plate_detector=plates,
            people_detector=people,
        )
        states = []
        for camera in range(1, args.cameras + 1):
            anonymizer = Anonymizer(
                face_detector=pipeline.face_detector, plate_detector=pipeline.plate_detector
            )
            states.append(
                CameraState(
                    camera_id=camera,
                    config=None,
                    stream=None,
                    rules=RuleEngine([], camera_id=camera),
                    anonymizer=anonymizer,
                )
            )

        def batch(number: int):
            return [
                (
                    state,
                    Sample(
                        frames[index % 2][(number + 3 * index) % len(frames[0])],
                        1000.0 + number / 5,
                        number,
                    ),
                )
                for index, state in enumerate(states)
            ]

        for number in range(2):  # warm-up (first runs allocate)
            list(pipeline.process(batch(number)))
        before = _cpu()
        for number in range(2, 2 + args.frames):
            list(pipeline.process(batch(number)))
        return (_cpu() - before) / (args.frames * args.cameras)

    print(f"load average before: {os.getloadavg()[0]:.1f} / {os.getloadavg()[1]:.1f}")
    previous = measure(1, 1, quick=False)
    current = measure(schedule[0], schedule[2], quick=True)
    for label, cost in (
        ("previous schedule (full faces and people every frame)", previous),
        (
            f"current (full faces every {schedule[0]}, quick at {schedule[1]} between; "
            f"people every {schedule[2]})",
            current,
        ),
    ):
        print(
            f"{label}: CPU {cost * 1000:6.1f} ms/frame -> 8 cameras x 5 fps need "
            f"{cost * 40:4.2f} cores"
        )
    print(f"load average after: {os.getloadavg()[0]:.1f} / {os.getloadavg()[1]:.1f}")


if __name__ == "__main__":
    main()
