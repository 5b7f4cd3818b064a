"""Camera leases in PostgreSQL, shared by two engines' ownership: each takes its fair share,
keeps it while it beats, hands cameras over when another joins, and takes over the cameras of
one whose heartbeat stopped. Real database, committed rows (the database's clock decides who
is alive); simulated cameras (``sim://``: nothing decoded)."""

from __future__ import annotations

import time

import pytest

from analytics.models import CameraLease
from analytics.worker.leases import CameraLeases, lease_owner
from analytics.worker.ownership import CameraOwnership
from analytics.worker.pipeline import FramePipeline
from analytics.worker.simulate import NoDetections
from tests.factories import CameraFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _engine(name: str, *, ttl: float = 15.0) -> CameraOwnership:
    pipeline = FramePipeline(
        face_detector=NoDetections(), plate_detector=NoDetections(), people_detector=NoDetections()
    )
    return CameraOwnership(
        leases=CameraLeases(f"test:{name}:0", ttl_seconds=ttl), pipeline=pipeline, capacity=100
    )


def _cameras(count: int) -> list[int]:
    return [CameraFactory(source_url=f"sim://camera/{n}").pk for n in range(count)]


def _owners(camera_ids) -> dict[int, str | None]:
    return {camera_id: lease_owner(camera_id) for camera_id in camera_ids}


def test_two_engines_split_the_cameras_and_each_holds_what_the_database_says():
    cameras = _cameras(6)
    first, second = _engine("first"), _engine("second")

    first.scan(resync=True)
    assert first.held() == cameras  # alone: everything

    second.scan(resync=True)  # joins: nothing is free yet
    first.scan()  # sees two workers: hands half over
    second.scan()  # takes what was handed over
    assert len(first.held()) == len(second.held()) == 3
    assert sorted(first.held() + second.held()) == cameras
    owners = _owners(cameras)
    assert all(owners[c] == "test:first:0" for c in first.held())
    assert all(owners[c] == "test:second:0" for c in second.held())

    # At rest nothing changes hands, however often they scan.
    held = (first.held(), second.held())
    for _ in range(3):
        first.scan()
        second.scan()
    assert (first.held(), second.held()) == held


def test_a_live_engines_cameras_stay_its_own():
    cameras = _cameras(4)
    first, second = _engine("first"), _engine("second")
    first.scan(resync=True)
    second.scan(resync=True)
    first.scan()
    second.scan()
    # Second tries to claim more than its share: nothing is free, first is alive.
    assert second.leases.claim(10) == []
    assert sorted(first.held() + second.held()) == cameras


def test_an_engine_that_stops_beating_has_its_cameras_taken_over():
    cameras = _cameras(4)
    dying, survivor = _engine("dying", ttl=0.5), _engine("survivor")
    dying.scan(resync=True)
    survivor.scan(resync=True)
    dying.scan()
    survivor.scan()
    assert len(dying.held()) == 2

    time.sleep(1.0)  # the dying engine's heartbeat (0.5 s) lapses: no scan renews it
    survivor.scan()
    assert survivor.held() == cameras
    assert set(_owners(cameras).values()) == {"test:survivor:0"}

    # The engine comes back: it learns it was presumed dead, stops what it held, and gets a
    # fair share again from the survivor.
    dying.leases.ttl_ms = 15_000
    dying.scan()
    assert dying.held() == []
    survivor.scan()
    dying.scan()
    assert len(dying.held()) == len(survivor.held()) == 2
    assert sorted(dying.held() + survivor.held()) == cameras


def test_a_camera_switched_off_loses_its_lease_and_its_engine_lets_it_go():
    cameras = _cameras(3)
    engine = _engine("only")
    engine.scan(resync=True)
    from cameras.models import Camera

    Camera.objects.filter(pk=cameras[0]).update(analytics_enabled=False)  # no signal: resync
    engine.scan()
    assert engine.held() == cameras  # nothing told it yet
    engine.scan(resync=True)
    assert engine.held() == cameras[1:]
    assert not CameraLease.objects.filter(camera_id=cameras[0]).exists()


def test_a_clean_shutdown_gives_every_lease_back():
    cameras = _cameras(2)
    engine = _engine("leaving")
    engine.scan(resync=True)
    engine.release_all()
    assert _owners(cameras) == dict.fromkeys(cameras)
    assert engine.held() == []
