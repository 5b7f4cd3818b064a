"""The README's run command, end to end: ``manage.py veil_run`` as a user starts it.

Embedded set-up exactly as ``bin/veil-run`` gives it — SQLite and the embedded Redis, no
VMS_DATABASE_URL or VMS_REDIS_URL — with every port free and the data in a temporary directory.
The embedded Redis is killed under the running Veil, as a fault would: it is restarted.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import redis
import requests

from vms.embedded import free_tcp_port

ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT = 180

pytestmark = pytest.mark.slow


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie has exited; only its exit status is left to collect.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` right now (from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().split(")")[-1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, queue = set(), [pid]
    while queue:
        for child in children.get(queue.pop(), []):
            if child not in found:
                found.add(child)
                queue.append(child)
    return found


class RunningVeil:
    """``veil_run`` in a child process, its output collected line by line."""

    def __init__(self, tmp_path: Path):
        self.data_dir = tmp_path / "data"
        self.port = free_tcp_port()
        env = {
            k: v for k, v in os.environ.items() if k not in {"VMS_REDIS_URL", "VMS_DATABASE_URL"}
        }
        env.update(
            {
                "VMS_DATA_DIR": str(self.data_dir),
                "VMS_DEMO_RTSP_PORT": str(free_tcp_port()),
                "VMS_DEMO_HTTP_PORT": str(free_tcp_port()),
                "PYTHONUNBUFFERED": "1",
            }
        )
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "veil_run", "--port", str(self.port)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for_banner(self, timeout: float) -> str:
        """Wait for the "running at URL" line and the credentials after it; return the URL."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(r"Veil is running at (\S+)", self.output)
            if match and "Ctrl-C stops everything" in self.output:
                return match.group(1)
            if self.process.poll() is not None:
                self.reader.join(timeout=5)
                pytest.fail(f"veil_run exited with {self.process.returncode}:\n{self.output}")
            time.sleep(0.5)
        pytest.fail(f"veil_run printed no URL within {timeout} s:\n{self.output}")

    def wait_for_output(self, pattern: str, timeout: float) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(pattern, self.output)
            if match:
                return match
            if self.process.poll() is not None:
                self.reader.join(timeout=5)
                pytest.fail(f"veil_run exited with {self.process.returncode}:\n{self.output}")
            time.sleep(0.2)
        pytest.fail(f"veil_run printed no {pattern!r} within {timeout} s:\n{self.output}")

    def credentials(self) -> dict[str, tuple[str, str]]:
        found = re.findall(r"^\s+(Guard|Supervisor|DPO|Admin)\s+(\S+)\s+(\S+)$", self.output, re.M)
        return {role: (username, password) for role, username, password in found}


@pytest.fixture
def veil(tmp_path):
    running = RunningVeil(tmp_path)
    yield running
    if running.process.poll() is None:
        running.process.kill()
        running.process.wait()


def _log_in(url: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    login_url = url + "accounts/login/"
    page = session.get(login_url, timeout=30)
    assert page.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        login_url,
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": login_url},
        timeout=30,
    )
    assert response.status_code == 200, response.text[:2000]
    if "/accounts/security/enrol/" in response.url:
        _enrol_authenticator(session, response)
    return session


def _enrol_authenticator(session: requests.Session, page: requests.Response) -> None:
    """A DPO's or admin's first log-in: add the authenticator from the key the page shows
    and confirm a code computed from it, as an authenticator app would."""
    import base64
    import time as clock

    from django_otp.oath import TOTP

    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page.text).group(1).replace(" ", "")
    totp = TOTP(base64.b32decode(secret))
    totp.time = clock.time()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        page.url,
        data={"code": f"{totp.token():06d}", "csrfmiddlewaretoken": token},
        headers={"Referer": page.url},
        timeout=30,
    )
    assert 'id="recovery-codes"' in response.text, response.text[:2000]


def test_run_command_serves_veil_with_demo_data_and_stops_cleanly(veil):
    url = veil.wait_for_banner(STARTUP_TIMEOUT)
    assert url == f"http://127.0.0.1:{veil.port}/"
    credentials = veil.credentials()
    assert set(credentials) == {"Guard", "Supervisor", "DPO", "Admin"}, veil.output

    children = _descendants(veil.process.pid)
    assert len(children) >= 6  # redis, web, worker (+ pool), analytics, scheduler, demo streams

    admin = _log_in(url, *credentials["Admin"])
    cameras = admin.get(url + "cameras/", timeout=30)
    assert cameras.status_code == 200
    for name in ("Lobby entrance", "Car park", "Loading bay", "Warehouse dock"):
        assert name in cameras.text

    # The guard is assigned to Demo HQ only: the warehouse camera does not exist for them.
    guard = _log_in(url, *credentials["Guard"])
    guard_cameras = guard.get(url + "cameras/", timeout=30)
    assert guard_cameras.status_code == 200
    assert "Lobby entrance" in guard_cameras.text
    assert "Warehouse dock" not in guard_cameras.text

    _embedded_redis_dies_and_is_restarted(veil, guard, url)

    children |= _descendants(veil.process.pid)  # the restarted Redis must stop too
    veil.process.send_signal(signal.SIGTERM)
    assert veil.process.wait(timeout=60) == 0, veil.output
    veil.reader.join(timeout=5)
    assert "stopped" in veil.output
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_process_alive(pid) for pid in children):
        time.sleep(0.2)
    assert [pid for pid in children if _process_alive(pid)] == []


def _embedded_redis_dies_and_is_restarted(veil: RunningVeil, guard: requests.Session, url: str):
    """SIGKILL the embedded Redis: veil_run says so and restarts it at the same address (port
    and password), the analytics engine publishes live frames through it again on its own,
    and pages keep serving."""
    port = int(veil.wait_for_output(r"embedded Redis on 127\.0\.0\.1:(\d+)", 5).group(1))
    config = (veil.data_dir / "redis" / "redis.conf").read_text()
    password = re.search(r"^requirepass (\S+)$", config, re.M).group(1)
    (redis_pid,) = [
        pid for pid in _descendants(veil.process.pid) if "redis-server" in _cmdline(pid)
    ]
    os.kill(redis_pid, signal.SIGKILL)
    veil.wait_for_output(r"redis exited unexpectedly \(code -9\); restarting it", 30)
    veil.wait_for_output(r"redis restarted \(pid \d+\)", 30)

    client = redis.Redis(host="127.0.0.1", port=port, password=password, socket_timeout=10)
    assert client.ping()
    live = client.pubsub()
    live.psubscribe("*:live:*")
    deadline = time.monotonic() + 120  # the engine may still be loading its models
    frame = None
    while frame is None and time.monotonic() < deadline:
        frame = live.get_message(ignore_subscribe_messages=True, timeout=1.0)
    analytics_log = (veil.data_dir / "logs" / "analytics.log").read_text(errors="replace")
    assert frame is not None, f"no live frame after the restart:\n{analytics_log[-4000:]}"
    live.close()
    assert guard.get(url + "cameras/", timeout=30).status_code == 200


def test_run_command_refuses_a_port_in_use(tmp_path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {
            k: v for k, v in os.environ.items() if k not in {"VMS_REDIS_URL", "VMS_DATABASE_URL"}
        }
        env["VMS_DATA_DIR"] = str(tmp_path / "data")
        result = subprocess.run(
            [sys.executable, "manage.py", "veil_run", "--port", str(port)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode != 0
    assert f"Port {port} is in use" in result.stderr
