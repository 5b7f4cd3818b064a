"""A probe that hangs is killed by its time limit in the production worker configuration, and
the worker goes on to the next task.

The worker is started with the command line of ``docker-compose.yml``'s ``worker`` service (one
pool process, so the next task needs the replaced one), on the test database and Redis. The
camera is a TCP listener that accepts and never answers. OpenCV's own timeouts are set far
beyond the task's limits, which stands for a decoder that ignores them: only Celery can end it.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from cameras.models import Camera, CameraStatus
from cameras.tasks import camera_probe
from tests.factories import CameraFactory
from tests.fixtures.worker import celery_worker

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"
SOFT_LIMIT, HARD_LIMIT = 2, 4


class SilentCamera:
    """Accepts TCP connections and never says a word; counts them."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            self.connections.append(connection)

    def close(self) -> None:
        self.server.close()
        for connection in self.connections:
            connection.close()


@pytest.fixture
def silent_camera():
    camera = SilentCamera()
    yield camera
    camera.close()


def _wait_for(condition, worker, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, worker.log()
        time.sleep(0.1)


def _compose_worker_options(**variables: str) -> list[str]:
    """The options of the compose ``worker`` command after ``celery -A vms worker``, with
    ``${NAME:-default}`` filled in from ``variables``; its node name is left to the test."""
    command = yaml.safe_load(COMPOSE.read_text())["services"]["worker"]["command"]
    assert command[:4] == ["celery", "-A", "vms", "worker"]
    options = [
        re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: variables.get(m[1], m[2]), part)
        for part in command[4:]
    ]
    if "--hostname" in options:
        at = options.index("--hostname")
        del options[at : at + 2]
    return options


def test_a_hung_probe_is_killed_by_its_time_limit_and_the_worker_serves_the_next(
    tmp_path, silent_camera, video_file
):
    # The limits come from the settings, and the process that queues a task (the scheduler)
    # sends its task's limits with it: here they are sent as VMS_PROBE_*_TIME_LIMIT would set
    # them there, and the worker is configured alike.
    assert camera_probe.time_limit == settings.CAMERA_PROBE_TIME_LIMIT_SECONDS
    assert camera_probe.soft_time_limit == settings.CAMERA_PROBE_SOFT_TIME_LIMIT_SECONDS
    limits = {"soft_time_limit": SOFT_LIMIT, "time_limit": HARD_LIMIT}
    hung = CameraFactory(source_url=f"rtsp://127.0.0.1:{silent_camera.port}/stream")
    healthy = CameraFactory(source_url=video_file)
    env = {
        "VMS_PROBE_OPEN_TIMEOUT": "300",
        "VMS_PROBE_READ_TIMEOUT": "300",
        "VMS_PROBE_SOFT_TIME_LIMIT": str(SOFT_LIMIT),
        "VMS_PROBE_TIME_LIMIT": str(HARD_LIMIT),
    }
    options = _compose_worker_options(VEIL_WORKER_CONCURRENCY="1")
    with celery_worker(options, log_path=tmp_path / "worker.log", env=env) as worker:
        result = camera_probe.apply_async((hung.pk,), **limits)
        outcome = result.get(timeout=60, propagate=False)
        assert result.state == "FAILURE", (outcome, worker.log())
        assert type(outcome).__name__ == "TimeLimitExceeded", worker.log()
        # The worker stores the failure first, then logs why.
        _wait_for(lambda: f"Hard time limit ({HARD_LIMIT}" in worker.log(), worker)

        # The pool process was replaced: the same one-process worker probes the next camera.
        after = camera_probe.apply_async((healthy.pk,), **limits).get(timeout=60)
        assert after["ok"] and after["status"] == "online", worker.log()
        assert worker.process.poll() is None

    # The killed probe was not delivered again (it would hang, and be killed, forever).
    assert len(silent_camera.connections) == 1
    hung.refresh_from_db()
    healthy.refresh_from_db()
    assert healthy.status == CameraStatus.ONLINE
    # The hung probe stored nothing; its camera stays claimed until its probe lease ends.
    assert hung.status == CameraStatus.UNKNOWN and hung.last_probe_at is None
    assert Camera.objects.get(pk=hung.pk).probe_failures == 0
