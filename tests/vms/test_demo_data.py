"""The demo's rules teach what a tuned site looks like: a restricted area after hours, a line
crossing and loitering, a few alerts an hour per camera, not one a minute.

Checked by running each demo camera's stored rules (as the worker loads them) over an hour of
the demo scene's ground truth: the walking person of ``cameras.demo.scenes``, seen at the
cameras' analysis rate, at noon and at night in the site's own time zone.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from analytics.models import Rule
from analytics.rules import Observation, Person, RuleEngine
from analytics.selectors import camera_analytics_config
from cameras.demo.scenes import SceneSpec, render_scene
from vms.management.demo_data import LEGACY_DEMO_RULES, demo_seed

pytestmark = pytest.mark.django_db

ANALYSED_FPS = 5  # the cameras' default analysis rate
HOUR = 3600


@pytest.fixture(scope="module")
def walking_person() -> list[tuple[tuple[float, float, float, float], ...]]:
    """Per frame of the demo scene's loop (10 fps), the person boxes in frame fractions."""
    spec = SceneSpec()
    return [
        tuple(
            (
                b.x / spec.width,
                b.y / spec.height,
                (b.x + b.w) / spec.width,
                (b.y + b.h) / spec.height,
            )
            for b in frame.person_boxes
        )
        for frame in render_scene(spec)
    ]


def alerts_in_an_hour(camera, walking_person, *, local_hour: int) -> Counter:
    """Rule name → alerts raised over one hour starting at ``local_hour`` site time."""
    config = camera_analytics_config(camera.pk)
    names = dict(Rule.objects.filter(camera=camera).values_list("pk", "name"))
    start = datetime(2026, 12, 1, local_hour, tzinfo=ZoneInfo(camera.site.time_zone)).timestamp()
    engine = RuleEngine(config.rules, camera_id=camera.pk)
    hits: Counter = Counter()
    for step in range(HOUR * ANALYSED_FPS):
        seconds = step / ANALYSED_FPS
        boxes = walking_person[int(seconds * 10) % len(walking_person)]
        observation = Observation(
            captured_at=start + seconds, people=[Person(box=box, score=0.9) for box in boxes]
        )
        for hit in engine.observe(observation):
            hits[names.get(hit.rule_id, hit.kind)] += 1
    return hits


@pytest.fixture
def demo(tmp_path):
    return demo_seed(rtsp_port=18554, http_port=18090, data_dir=tmp_path)


def test_every_demo_camera_has_the_three_rules_and_a_reseed_keeps_them(demo, tmp_path):
    assert len(demo.cameras) == 4
    for camera in demo.cameras:
        kinds = sorted(
            Rule.objects.filter(camera=camera, enabled=True).values_list("kind", flat=True)
        )
        assert kinds == ["line_crossing", "loitering", "person_in_zone"], camera.name
        restricted = Rule.objects.get(camera=camera, kind="person_in_zone")
        assert restricted.active_from is not None and restricted.active_until is not None
    # The first demo's whole-floor rule, left by an older seed, is turned off by a new one.
    camera = demo.cameras[0]
    Rule.objects.create(
        camera=camera, name=LEGACY_DEMO_RULES[0], kind="person_in_zone", zone=restricted.zone
    )
    again = demo_seed(rtsp_port=18555, http_port=18091, data_dir=tmp_path)
    assert [c.pk for c in again.cameras] == [c.pk for c in demo.cameras]
    assert Rule.objects.filter(camera=camera).count() == 4
    assert not Rule.objects.get(camera=camera, name=LEGACY_DEMO_RULES[0]).enabled
    assert Rule.objects.filter(camera=camera, enabled=True).count() == 3


def test_a_few_alerts_an_hour_per_camera_day_and_night(demo, walking_person):
    for camera in (demo.cameras[0], demo.cameras[-1]):  # Demo HQ (London), Warehouse (Chicago)
        day = alerts_in_an_hour(camera, walking_person, local_hour=12)
        night = alerts_in_an_hour(camera, walking_person, local_hour=23)
        # Someone is in view all the time: each rule fires, then waits its cool-down.
        assert day == {"Entrance line crossed": 2, "Loitering in the waiting area": 2}, camera
        assert night == {**day, "Restricted area after hours": 2}, camera
        assert sum(night.values()) <= 6
