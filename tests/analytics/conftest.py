"""Real processes for the live analytics tests: an ASGI server (daphne) and analytics workers
(``python manage.py analytics_worker``), both on pytest-django's test database, the test Redis
and a Redis namespace (channel prefix) unique to this test session.

    def test_x(asgi_server, analytics_workers):
        guard = http_login(asgi_server, user)           # tests/analytics/helpers.py
        async with websocket(asgi_server, guard, "/ws/alerts/") as ws: ...
        worker = analytics_workers.start()              # blocks until the worker is ready
        worker.kill()                                   # SIGKILL, mid-stream

Everything here bounds its waits; a failed test prints the processes' logs.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connections

from cameras.demo.processes import free_port
from tests.fixtures.namespace import channel_prefix_scope
from tests.fixtures.worker import _database_url

SERVER_START_TIMEOUT = 40.0
WORKER_START_TIMEOUT = 90.0


# --- one Redis namespace per test session ---------------------------------------------------
@pytest.fixture(scope="session", autouse=True)
def channel_prefix() -> str:
    """Channel layer groups, live channels and configuration events of this session, apart
    from any other test run or developer sharing the Redis."""
    with channel_prefix_scope("veiltest") as prefix:
        yield prefix


@pytest.fixture(scope="session")
def shared_media_root(tmp_path_factory) -> Path:
    """The media directory the worker writes and the ASGI server reads."""
    return tmp_path_factory.mktemp("shared-media")


def _process_env(channel_prefix: str, media_root: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "vms.settings",
        "VMS_DATABASE_URL": _database_url(connections["default"].settings_dict),
        "VMS_REDIS_URL": settings.REDIS_URL,
        "VMS_CHANNEL_PREFIX": channel_prefix,
        "VMS_DATA_DIR": str(settings.DATA_DIR),
        "VMS_MEDIA_ROOT": str(media_root),
        "VMS_DB_CONN_MAX_AGE": "0",  # no connection outlives a request: the test DB can go
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def _stop(process: subprocess.Popen, *, timeout: float = 15.0) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


# --- the ASGI server --------------------------------------------------------------------------
@dataclass
class AsgiServer:
    url: str
    ws_url: str
    log_path: Path
    process: subprocess.Popen

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@pytest.fixture
def asgi_server(django_db_setup, channel_prefix, shared_media_root, tmp_path_factory, request):
    """``daphne vms.asgi:application`` on a free port, serving HTTP and websockets.

    One per test: a transactional test ends by flushing the database, which recreates
    content types and role groups under new ids, and a server that outlived the flush would
    answer permission checks from its stale content-type cache.
    """
    port = free_port()
    log_path = tmp_path_factory.mktemp("daphne") / "daphne.log"
    argv = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port)]
    argv += ["vms.asgi:application"]
    log = open(log_path, "wb")  # noqa: SIM115 (closed at teardown)
    process = subprocess.Popen(
        argv,
        cwd=settings.BASE_DIR,
        env=_process_env(channel_prefix, shared_media_root),
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    server = AsgiServer(
        url=f"http://127.0.0.1:{port}",
        ws_url=f"ws://127.0.0.1:{port}",
        log_path=log_path,
        process=process,
    )
    failed_before = request.session.testsfailed
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"daphne exited ({process.returncode}):\n{server.log()}")
            with contextlib.suppress(requests.ConnectionError):
                if requests.get(server.url + "/accounts/login/", timeout=5).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"daphne did not start:\n{server.log()}")
            time.sleep(0.2)
        yield server
    finally:
        _stop(process)
        log.close()
        if request.session.testsfailed > failed_before:
            sys.stderr.write(f"\n--- daphne log ({log_path}) ---\n{server.log()[-8000:]}\n")


# --- analytics workers ------------------------------------------------------------------------
@dataclass(eq=False)  # one object per process: hashable by identity
class AnalyticsWorkerProcess:
    name: str
    log_path: Path
    process: subprocess.Popen

    @property
    def pid(self) -> int:
        return self.process.pid

    def owns(self, lease_owner: str | None) -> bool:
        """Lease values are ``host:pid:nonce`` of the owning process."""
        return bool(lease_owner) and lease_owner.split(":")[1] == str(self.pid)

    def kill(self) -> None:
        """SIGKILL: no goodbye, leases left to expire."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@dataclass
class AnalyticsWorkers:
    env: dict[str, str]
    log_dir: Path
    started: list[AnalyticsWorkerProcess] = field(default_factory=list)

    def start(self, **env: str) -> AnalyticsWorkerProcess:
        """Start ``manage.py analytics_worker`` (``env`` added to the environment) and wait until
        it has started."""
        name = f"analytics{len(self.started) + 1}-{uuid.uuid4().hex[:6]}"
        log_path = self.log_dir / f"{name}.log"
        argv = [sys.executable, "manage.py", "analytics_worker"]
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                argv,
                cwd=settings.BASE_DIR,
                env={**self.env, **env},
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        worker = AnalyticsWorkerProcess(name=name, log_path=log_path, process=process)
        self.started.append(worker)
        deadline = time.monotonic() + WORKER_START_TIMEOUT
        while f"analytics worker {socket.gethostname()}:{process.pid}:" not in worker.log():
            if process.poll() is not None:
                raise RuntimeError(f"worker {name} exited ({process.returncode}):\n{worker.log()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"worker {name} did not become ready:\n{worker.log()}")
            time.sleep(0.2)
        return worker

    def stop_all(self) -> None:
        for worker in self.started:
            _stop(worker.process)


@pytest.fixture
def analytics_workers(
    transactional_db, channel_prefix, shared_media_root, tmp_path, request
) -> AnalyticsWorkers:
    """Starts analytics workers on demand; stops them (before the database is flushed)."""
    env = _process_env(
        channel_prefix,
        shared_media_root,
        VMS_INFERENCE_THREADS="1",  # two cores shared by workers, daphne and the test
    )
    workers = AnalyticsWorkers(env=env, log_dir=tmp_path)
    failed_before = request.session.testsfailed
    try:
        yield workers
    finally:
        workers.stop_all()
        if request.session.testsfailed > failed_before:
            for worker in workers.started:
                sys.stderr.write(f"\n--- {worker.name} log ---\n{worker.log()[-12000:]}\n")
