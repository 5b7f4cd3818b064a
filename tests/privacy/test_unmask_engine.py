"""The engine's half of a live un-mask: it learns of a live grant as a configuration event,
carries its end in the camera's configuration, and publishes the camera's original frames to
the un-mask channel only then (never to the anonymised feed, never kept as a last frame)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import redis
from django.conf import settings

from analytics.selectors.engine import camera_analytics_config
from analytics.worker.outputs import Outputs
from analytics.worker.pipeline import AnalysedFrame
from analytics.worker.redis_link import RedisLink
from privacy.services.unmask import unmask_approve, unmask_revoke
from tests.privacy.unmask_helpers import World
from vms.realtime import live_channel, live_original_channel

pytestmark = pytest.mark.django_db


def test_a_live_grant_reaches_the_engine_and_ends_with_revocation(
    django_capture_on_commit_callbacks,
):
    world = World()
    world.camera.analytics_enabled = True
    world.camera.save()
    assert camera_analytics_config(world.camera.pk).unmask_live_until is None
    before = camera_analytics_config(world.camera.pk).version

    grant = world.request(mode="live", live_minutes=5, starts_at=None, ends_at=None)
    with django_capture_on_commit_callbacks() as callbacks:
        grant = unmask_approve(actor=world.supervisor, grant_id=grant.pk)
    assert len(callbacks) == 2  # the requester's sockets, and the engine's configuration event
    config = camera_analytics_config(world.camera.pk)
    assert config.unmask_live_until == pytest.approx(grant.expires_at.timestamp())
    assert config.version != before  # a resync reconfigures the camera too
    assert camera_analytics_config(world.office.pk).unmask_live_until is None

    unmask_revoke(actor=world.dpo, grant_id=grant.pk, note="Incident over.")
    assert camera_analytics_config(world.camera.pk).unmask_live_until is None


def test_outputs_publish_originals_only_to_the_unmask_channel():
    client = redis.Redis.from_url(settings.REDIS_URL)
    outputs = Outputs(link=RedisLink(client))
    pubsub = client.pubsub()
    pubsub.subscribe(live_original_channel(990), live_channel(990))
    pubsub.get_message(timeout=1)
    pubsub.get_message(timeout=1)
    state = SimpleNamespace(
        camera_id=990, clip=[], reported_online=True, reported_at=9e18, config=None
    )
    try:
        outputs.deliver(AnalysedFrame(state, 0.0, b"anonymised", [], b"original"))
        outputs.deliver(AnalysedFrame(state, 0.0, b"anonymised", []))
        received = []
        while (message := pubsub.get_message(timeout=1)) is not None:
            received.append((message["channel"].decode(), message["data"]))
    finally:
        pubsub.close()
        outputs.shutdown()
    assert received.count((live_original_channel(990), b"original")) == 1
    assert (live_channel(990), b"original") not in received
    assert received.count((live_channel(990), b"anonymised")) == 2
    assert client.get(live_channel(990) + ":last") == b"anonymised"


def test_the_pipeline_keeps_the_original_only_while_a_live_unmask_is_open():
    import time

    import cv2
    import numpy as np

    from analytics.rules import RuleEngine
    from analytics.worker.ingest import Sample
    from analytics.worker.pipeline import CameraState, FramePipeline
    from cameras.demo.scenes import render_scene
    from privacy.anonymizer import Anonymizer
    from tests.analytics.test_pipeline_carry_over import SPEC, _Scripted

    scene = next(iter(render_scene(SPEC)))
    (plate,) = scene.plate_boxes
    box = (plate.x, plate.y, plate.x + plate.w, plate.y + plate.h)
    plates, faces = _Scripted("plate", [box]), _Scripted("face", [])
    pipeline = FramePipeline(
        face_detector=faces, plate_detector=plates, people_detector=_Scripted("person", [])
    )
    state = CameraState(
        camera_id=5,
        config=SimpleNamespace(unmask_live_until=time.time() + 60),
        stream=None,
        rules=RuleEngine([], camera_id=5),
        anonymizer=Anonymizer(face_detector=faces, plate_detector=plates),
    )

    def analysed(index):
        (frame,) = pipeline.process([(state, Sample(scene.image, 1000.0 + index, index))])
        return frame

    def plate_difference(jpeg) -> float:
        image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR).astype(np.int16)
        x1, y1, x2, y2 = box
        return float(np.abs(image[y1:y2, x1:x2] - scene.image[y1:y2, x1:x2]).mean())

    open_frame = analysed(0)
    assert open_frame.original_jpeg is not None
    # The plate as filmed (JPEG's loss aside) in the original; redacted in the anonymised one.
    original, anonymised = (
        plate_difference(open_frame.original_jpeg),
        plate_difference(open_frame.jpeg),
    )
    assert original * 2 < anonymised, (original, anonymised)

    state.config = SimpleNamespace(unmask_live_until=time.time() - 1)  # lapsed
    assert analysed(1).original_jpeg is None
