"""The live engine's frame pipeline keeps a plate redacted through frames its detector misses,
and runs the full-resolution face pass every other frame with the quick one between."""

from __future__ import annotations

import cv2
import numpy as np

from analytics.rules import RuleEngine
from analytics.worker.ingest import Sample
from analytics.worker.pipeline import FramePipeline
from cameras.demo.scenes import SceneSpec, render_scene
from privacy.anonymizer import Anonymizer
from privacy.detectors.base import Detection
from tests.fixtures.plate_ocr import plate_reading

PLATE = "VE11 DMO"
SPEC = SceneSpec(
    variant="street", parked=True, width=640, height=360, fps=5, duration_s=4, plate_text=PLATE
)


class _Scripted:
    """Returns ``boxes`` for every frame except on the calls listed in ``missed``."""

    def __init__(self, label: str, boxes, missed=()) -> None:
        self.label, self.boxes, self.missed = label, boxes, set(missed)
        self.calls = 0

    def detect(self, frames):
        found = []
        for _frame in frames:
            hit = self.calls not in self.missed
            found.append([Detection(b, 0.9, self.label) for b in self.boxes] if hit else [])
            self.calls += 1
        return found


class _State:
    """What ``FramePipeline.process`` needs of a camera (the engine's ``CameraState``)."""

    def __new__(cls, camera_id: int, anonymizer: Anonymizer):
        from analytics.worker.pipeline import CameraState

        return CameraState(
            camera_id=camera_id,
            config=None,
            stream=None,
            rules=RuleEngine([], camera_id=camera_id),
            anonymizer=anonymizer,
        )


def test_a_plate_missed_for_a_few_frames_stays_unreadable_on_the_live_feed():
    frames = list(render_scene(SPEC))
    (plate,) = {b for frame in frames for b in frame.plate_boxes}
    box = (plate.x, plate.y, plate.x + plate.w, plate.y + plate.h)
    plates = _Scripted("plate", [box], missed={4, 5, 6})  # 0.6 s at 5 fps
    faces = _Scripted("face", [])
    pipeline = FramePipeline(
        face_detector=faces, plate_detector=plates, people_detector=_Scripted("person", [])
    )
    state = _State(2, Anonymizer(face_detector=faces, plate_detector=plates))

    published = []
    for index, scene in enumerate(frames[:12]):
        sample = Sample(frame=scene.image, captured_at=1000.0 + index / SPEC.fps, sequence=index)
        published.extend(pipeline.process([(state, sample)]))

    assert len(published) == 12
    for index, analysed in enumerate(published):
        image = cv2.imdecode(np.frombuffer(analysed.jpeg, np.uint8), cv2.IMREAD_COLOR)
        assert not plate_reading(image, box, PLATE).readable, index
    # Not vacuous: unredacted, the plate was readable in some of the missed frames.
    assert any(plate_reading(frames[i].image, box, PLATE).readable for i in (4, 5, 6))
    assert len(state.clip) == 12  # the clip is cut from the same redacted frames


def test_faces_at_full_resolution_every_other_frame_quick_between():
    full, quick = _Scripted("face", []), _Scripted("face", [])
    plates = _Scripted("plate", [])
    pipeline = FramePipeline(
        face_detector=full,
        quick_face_detector=quick,
        plate_detector=plates,
        people_detector=_Scripted("person", []),
    )
    states = [
        _State(camera, Anonymizer(face_detector=full, plate_detector=plates)) for camera in (1, 2)
    ]
    image = next(iter(render_scene(SPEC))).image
    for index in range(4):
        batch = [(state, Sample(image, 1000.0 + index, index)) for state in states]
        list(pipeline.process(batch))

    # Two cameras x four frames: half full, half quick, staggered so each batch has one of each.
    assert full.calls == 4 and quick.calls == 4
    assert plates.calls == 8
