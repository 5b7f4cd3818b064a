"""The run command's supervisor with real processes: a foundation (the embedded Redis) that
dies is restarted in place, one that keeps dying ends the run, and a child that dies ends it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from vms.management.supervisor import RESTART_LIMIT, Supervisor

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


@pytest.fixture
def supervisor(tmp_path):
    said: list[str] = []
    supervisor = Supervisor(env={}, cwd=tmp_path, log_dir=tmp_path, say=said.append)
    supervisor.said = said
    yield supervisor
    supervisor.stop_all(timeout=5)


def _sleeper() -> subprocess.Popen:
    return subprocess.Popen(SLEEPER, start_new_session=True)


def test_a_foundation_that_dies_is_restarted_and_stopped_after_the_children(supervisor, tmp_path):
    first = _sleeper()
    redis = supervisor.supervise_foundation(
        "redis", first, log_path=tmp_path / "redis.log", restart=_sleeper
    )
    web = supervisor.start("web", SLEEPER)

    first.kill()
    first.wait()
    assert supervisor.dead_child() is None  # restarted, so nothing ends the run
    assert redis.process is not first and redis.process.poll() is None
    assert any(
        "redis exited unexpectedly (code -9); restarting it" in line for line in supervisor.said
    )

    supervisor.stop_all(timeout=5)
    assert web.process.poll() is not None and redis.process.poll() is not None


def test_a_foundation_that_keeps_dying_ends_the_run_naming_it(supervisor, tmp_path):
    def crashing() -> subprocess.Popen:
        process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
        process.wait()
        return process

    redis = supervisor.supervise_foundation(
        "redis", crashing(), log_path=tmp_path / "redis.log", restart=crashing
    )
    supervisor.start("web", SLEEPER)

    dead = None
    for _ in range(RESTART_LIMIT + 1):
        dead = supervisor.dead_child()
        if dead is not None:
            break
    assert dead is redis
    assert len(redis.restarted_at) == RESTART_LIMIT
    assert f"after {RESTART_LIMIT} restarts" in supervisor.said[-1]
    assert supervisor.dead_child() is redis  # it stays given up


def test_a_child_that_dies_ends_the_run(supervisor):
    web = supervisor.start("web", [sys.executable, "-c", "raise SystemExit(2)"])
    web.process.wait()
    assert supervisor.dead_child() is web
    assert web.process.returncode == 2
