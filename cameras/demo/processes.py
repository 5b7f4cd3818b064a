"""Starting and stopping the demo stream servers as child processes.

Shared by ``manage.py demo_streams`` and the test fixtures: each server prints one
``READY <url> ...`` line when it listens; :class:`ServerProcess` waits for it, and stops the
child with SIGTERM (then SIGKILL) when done. Children are asked to die with their parent, so a
killed demo never leaves a server holding its port.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

RTSP_SERVER_SCRIPT = Path(__file__).with_name("rtsp_server.py")
MJPEG_SERVER_SCRIPT = Path(__file__).with_name("mjpeg_server.py")
# Debian's interpreter: it has the GStreamer bindings (gi) that the project's venv lacks.
SYSTEM_PYTHON = os.environ.get("VMS_GST_PYTHON", "/usr/bin/python3")

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM when the parent dies (Linux)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class ServerProcess:
    """A stream server child that announces itself with a ``READY url ...`` line."""

    def __init__(self, argv: list[str], *, name: str, log_path: Path | None = None) -> None:
        self.argv = argv
        self.name = name
        self.log_path = log_path
        self.process: subprocess.Popen | None = None
        self.urls: list[str] = []
        self._log = None

    def start(self, *, timeout: float = 20.0) -> ServerProcess:
        """Start the child and wait until it is ready; raise with its log if it is not."""
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = open(self.log_path, "ab")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            self.argv,
            stdout=subprocess.PIPE,
            stderr=self._log,  # None: the parent's stderr, so the operator sees errors
            stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,  # callers fork it before starting threads
        )
        deadline = time.monotonic() + timeout
        line = b""
        assert self.process.stdout is not None
        while time.monotonic() < deadline and not line.endswith(b"\n"):
            if self.process.poll() is not None:
                break
            readable, _, _ = select.select([self.process.stdout], [], [], 0.2)
            if readable:
                chunk = os.read(self.process.stdout.fileno(), 4096)
                if not chunk:
                    break
                line += chunk
        text = line.decode(errors="replace").strip()
        if not text.startswith("READY"):
            self.stop()
            raise RuntimeError(f"{self.name} did not start: {text or 'no output'}{self.log_tail()}")
        self.urls = text.split()[1:]
        return self

    def poll(self) -> int | None:
        return self.process.poll() if self.process else None

    def stop(self, *, timeout: float = 10.0) -> int | None:
        """SIGTERM, then SIGKILL after ``timeout``; returns the exit status."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()
        if self._log:
            self._log.close()
            self._log = None
        return self.process.returncode

    def log_tail(self, lines: int = 30) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        tail = self.log_path.read_text(errors="replace").splitlines()[-lines:]
        return "\n--- " + self.name + " log ---\n" + "\n".join(tail) if tail else ""


def rtsp_server_process(
    *,
    mounts: dict[str, Path],
    port: int,
    fps: int = 10,
    host: str = "127.0.0.1",
    log_path: Path | None = None,
) -> ServerProcess:
    """The GStreamer RTSP server (run by Debian's Python) serving each JPEG directory."""
    argv = [SYSTEM_PYTHON, str(RTSP_SERVER_SCRIPT), "--host", host, "--port", str(port)]
    argv += ["--fps", str(fps)]
    for name, frames_dir in mounts.items():
        argv += ["--mount", f"{name}={frames_dir}"]
    return ServerProcess(argv, name="rtsp-server", log_path=log_path)


def mjpeg_server_process(
    *,
    streams: dict[str, Path],
    port: int,
    fps: float = 10.0,
    host: str = "127.0.0.1",
    log_path: Path | None = None,
) -> ServerProcess:
    """The MJPEG server as its own process (it can also run in-process: ``MjpegServer``)."""
    argv = [sys.executable, str(MJPEG_SERVER_SCRIPT), "--host", host, "--port", str(port)]
    argv += ["--fps", str(fps)]
    for name, frames_dir in streams.items():
        argv += ["--stream", f"{name}={frames_dir}"]
    return ServerProcess(argv, name="mjpeg-server", log_path=log_path)
