"""Redis goes away under a running analytics engine, and comes back.

A real Redis server of its own (the embedded one ``bin/veil-run`` uses) is killed with SIGKILL
while a real ``manage.py analytics_worker`` analyses a camera through it, then started again on
the same port. Meanwhile the engine keeps analysing (alerts are still stored) and keeps its
camera (leases live in PostgreSQL), says once that Redis is gone and once that it is back — not
once per failed call — and then publishes live frames again on its own.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

import pytest
import redis

from analytics.models import Alert, Rule, Zone
from tests.analytics.helpers import lease_owner, wait_for
from tests.factories import CameraFactory
from vms.embedded import EmbeddedRedis
from vms.realtime import live_last_key

pytestmark = [pytest.mark.worker, pytest.mark.slow]

WHOLE_FRAME = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]
START_TIMEOUT = 90.0  # the worker starts, takes the camera, publishes a first frame
LOST = "Redis is unreachable"
BACK = "Redis answers again"


@pytest.fixture
def own_redis(tmp_path):
    server = EmbeddedRedis(data_dir=tmp_path / "redis")
    server.start()
    yield server
    server.stop()


def _client(server: EmbeddedRedis) -> redis.Redis:
    return redis.Redis.from_url(server.url, socket_connect_timeout=2, socket_timeout=5)


def _problems(log: str) -> list[str]:
    """Every log line at WARNING or above."""
    return [line for line in log.splitlines() if re.search(r" (WARNING|ERROR|CRITICAL) ", line)]


def test_the_engine_rides_out_a_redis_outage_and_resumes_by_itself(
    own_redis, analytics_workers, video_file
):
    camera = CameraFactory(name="Loading bay", source_url=video_file, analytics_fps=2.0)
    zone = Zone.objects.create(camera=camera, name="Whole frame", points=WHOLE_FRAME)
    Rule.objects.create(
        camera=camera,
        name="Anyone on the dock",
        kind=Rule.Kind.PERSON_IN_ZONE,
        zone=zone,
        min_confidence=0.3,
        cooldown_seconds=2,
    )
    worker = analytics_workers.start(VMS_REDIS_URL=own_redis.url)
    client = _client(own_redis)
    wait_for(
        lambda: client.exists(live_last_key(camera.pk)) and worker.owns(lease_owner(camera.pk)),
        timeout=START_TIMEOUT,
        message=f"the worker analyses the camera:\n{worker.log()[-4000:]}",
    )
    problems_before = len(_problems(worker.log()))

    own_redis.process.kill()
    own_redis.process.wait(timeout=10)
    lost_at = time.time()
    wait_for(lambda: LOST in worker.log(), timeout=30, message="the worker notices")
    # Analysis goes on without Redis: an alert is stored from frames taken after it went.
    wait_for(
        lambda: Alert.objects.filter(
            camera=camera, occurred_at__gt=datetime.fromtimestamp(lost_at + 1, UTC)
        ).exists(),
        timeout=60,
        message=f"an alert while Redis is away:\n{worker.log()[-4000:]}",
    )
    assert worker.process.poll() is None

    own_redis.start()  # the same port and password: the worker's URL is valid again
    client = _client(own_redis)
    client.delete(live_last_key(camera.pk))  # whatever the restarted server loaded from disk
    wait_for(lambda: BACK in worker.log(), timeout=60, message="the worker sees Redis back")
    wait_for(
        lambda: client.exists(live_last_key(camera.pk)) and worker.owns(lease_owner(camera.pk)),
        timeout=30,
        message=f"the worker holds the camera and publishes again:\n{worker.log()[-4000:]}",
    )

    log = worker.log()
    assert log.count(LOST) == 1 and log.count(BACK) == 1, log[-6000:]
    assert "analytics batch failed" not in log and "analytics scan failed" not in log
    # The outage itself: the engine's line, and at most one line for the failing pushes.
    outage = _problems(log)[problems_before:]
    assert len(outage) <= 2, "\n".join(outage)
