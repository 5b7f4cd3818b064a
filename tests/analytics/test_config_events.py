"""Configuration reaches a running engine as events: a saved rule, a camera switched off or a
new camera reach it through the Redis stream on commit, and only the camera concerned is
reloaded; with Redis away the engine polls the database instead and still applies a change.

The engine runs in this process (its real threads, the test database, the test Redis); its
cameras are simulated (``sim://``: nothing decoded), and its periodic resync is an hour away, so
a reload seen here came from an event — or, with Redis away, from polling.
"""

from __future__ import annotations

import logging

import pytest
import redis
from django.conf import settings

from analytics.models import CameraLease, Rule, Zone
from analytics.worker.engine import AnalyticsEngine
from analytics.worker.simulate import NoDetections
from cameras.models import Camera
from tests.analytics.helpers import wait_for
from tests.factories import CameraFactory
from vms import config_events

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

WHOLE_FRAME = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]
DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def start_engine():
    engines = []

    def start(**options) -> AnalyticsEngine:
        engine = AnalyticsEngine(
            scan_seconds=0.3,
            resync_seconds=3600,
            poll_seconds=0.5,
            face_detector=NoDetections(),
            plate_detector=NoDetections(),
            people_detector=NoDetections(),
            **options,
        )
        engine.start()
        engines.append(engine)
        return engine

    yield start
    for engine in engines:
        engine.stop()


def _camera_with_rule(number: int) -> Camera:
    camera = CameraFactory(source_url=f"sim://camera/{number}")
    zone = Zone.objects.create(camera=camera, name="Whole frame", points=WHOLE_FRAME)
    Rule.objects.create(
        camera=camera, name="Anyone", kind=Rule.Kind.PERSON_IN_ZONE, zone=zone, min_confidence=0.4
    )
    return camera


def _states(engine: AnalyticsEngine) -> dict:
    return {state.camera_id: state for state in engine.ownership.states()}


def _min_confidence(engine: AnalyticsEngine, camera_id: int) -> float | None:
    state = _states(engine).get(camera_id)
    return state.config.rules[0].min_confidence if state and state.config.rules else None


def test_a_saved_rule_reloads_that_camera_only_and_cameras_come_and_go_by_event(start_engine):
    cameras = [_camera_with_rule(n) for n in range(3)]
    ids = [camera.pk for camera in cameras]
    engine = start_engine()
    wait_for(lambda: engine.ownership.held() == ids, timeout=30, message="holds the cameras")
    wait_for(lambda: engine.feed.live, timeout=10, message="reads the event stream")
    before = _states(engine)
    configs_before = {camera_id: state.config for camera_id, state in before.items()}

    rule = Rule.objects.get(camera=cameras[1])
    rule.min_confidence = 0.77
    rule.save()  # committed: the event goes out

    wait_for(
        lambda: _min_confidence(engine, ids[1]) == 0.77,
        timeout=15,
        message="the engine applies the saved rule",
    )
    after = _states(engine)
    for untouched in (ids[0], ids[2]):
        assert after[untouched] is before[untouched]
        assert after[untouched].config is configs_before[untouched]  # not even rebuilt

    cameras[2].enabled = False
    cameras[2].save()
    wait_for(
        lambda: engine.ownership.held() == ids[:2],
        timeout=15,
        message="a camera switched off is let go",
    )
    assert not CameraLease.objects.filter(camera_id=ids[2]).exists()

    added = _camera_with_rule(99)
    wait_for(
        lambda: added.pk in engine.ownership.held(),
        timeout=15,
        message="a new camera is taken up",
    )
    assert _states(engine)[ids[0]] is before[ids[0]]


def test_with_redis_away_the_engine_polls_and_applies_a_change_made_meanwhile(
    start_engine, settings, caplog
):
    caplog.set_level(logging.INFO, logger="analytics.worker")
    camera = _camera_with_rule(1)
    # Neither the engine nor this process (the publisher) reaches Redis.
    settings.REDIS_URL = DEAD_REDIS
    config_events._client = None
    engine = start_engine(redis_url=DEAD_REDIS)
    wait_for(lambda: engine.ownership.held() == [camera.pk], timeout=30, message="holds it")

    rule = Rule.objects.get(camera=camera)
    rule.min_confidence = 0.66
    rule.save()  # the event is lost: Redis is away

    wait_for(
        lambda: _min_confidence(engine, camera.pk) == 0.66,
        timeout=15,
        message="the engine's polling finds the change",
    )
    assert "polling the database for changes" in caplog.text
    config_events._client = None


def test_probe_measurements_are_not_configuration(start_engine):
    camera = CameraFactory(source_url="sim://camera/1")
    client = redis.Redis.from_url(settings.REDIS_URL)
    key = config_events.config_stream_key()
    length = client.xlen(key)
    camera.status = "online"
    camera.save(update_fields=["status", "updated_at"])
    assert client.xlen(key) == length
    camera.analytics_fps = 2.0
    camera.save()
    assert client.xlen(key) == length + 1
    entry = client.xrevrange(key, count=1)[0][1]
    assert entry == {b"camera": str(camera.pk).encode(), b"what": b"camera"}
