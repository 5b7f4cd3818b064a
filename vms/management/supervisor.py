"""Start, watch and stop Veil's processes for ``manage.py veil_run``.

Each child runs in its own session (process group), so a stop signal reaches the processes it
started too (Celery's pool, the demo streams' encoders), and a Ctrl-C in the terminal reaches
only the supervisor, which then stops the children in order. On Linux each child also gets
SIGTERM if the supervisor itself dies, so nothing is left running behind a killed launcher.
Output goes to one log file per child under ``DATA_DIR/logs``; the terminal stays readable.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In a child about to exec: receive SIGTERM when the parent process dies (Linux)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _run_header(argv: list[str]) -> bytes:
    """A line that separates this run's output from earlier runs' in an appended log."""
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    return f"\n===== {started} {' '.join(argv)}\n".encode()


@dataclass
class Child:
    name: str
    argv: list[str]
    log_path: Path
    process: subprocess.Popen | None = field(default=None, repr=False)

    def log_tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class Supervisor:
    """Runs children and stops them all when one dies or a stop signal arrives."""

    def __init__(
        self, *, env: dict[str, str], cwd: Path, log_dir: Path, say: Callable[[str], None]
    ):
        self.env = env
        self.cwd = cwd
        self.log_dir = log_dir
        self.say = say
        self.children: list[Child] = []
        self.stop_requested: int | None = None

    def install_signal_handlers(self) -> None:
        def request_stop(signum, _frame):
            self.stop_requested = signum

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)

    def run_once(self, name: str, argv: list[str]) -> subprocess.CompletedProcess:
        """Run a one-shot step to completion, its output in its log; raise on failure."""
        log_path = self.log_dir / f"{name}.log"
        with log_path.open("ab") as log:
            log.write(_run_header(argv))
            log.flush()
            result = subprocess.run(
                argv,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
                check=False,
                preexec_fn=die_with_parent,
            )
            log.write(result.stdout)
        if result.returncode != 0:
            tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-25:])
            raise RuntimeError(f"{name} failed (exit {result.returncode}); {log_path}:\n{tail}")
        return result

    def start(self, name: str, argv: list[str]) -> Child:
        """Start a long-running child."""
        child = Child(name=name, argv=argv, log_path=self.log_dir / f"{name}.log")
        log = child.log_path.open("ab")
        log.write(_run_header(argv))
        log.flush()
        try:
            child.process = subprocess.Popen(
                argv,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )
        finally:
            log.close()
        self.children.append(child)
        return child

    def dead_child(self) -> Child | None:
        """The first child that has exited, if any."""
        for child in self.children:
            if child.process is not None and child.process.poll() is not None:
                return child
        return None

    def wait_for_http(self, url: str, *, timeout: float) -> bool:
        """Wait until ``url`` answers any HTTP status below 500, while every child lives."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.stop_requested is not None or self.dead_child() is not None:
                return False
            try:
                with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback URL)
                    if response.status < 500:
                        return True
            except urllib.error.HTTPError as error:
                if error.code < 500:
                    return True
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        return False

    def watch(self) -> Child | None:
        """Block until a stop signal (returns ``None``) or a child's death (returns it)."""
        while self.stop_requested is None:
            child = self.dead_child()
            if child is not None:
                return child
            time.sleep(0.5)
        return None

    def stop_all(self, *, timeout: float = 20.0) -> None:
        """SIGTERM every child's process group, newest first; SIGKILL what outlives ``timeout``."""
        running = [c for c in reversed(self.children) if c.process and c.process.poll() is None]
        for child in running:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in running:
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say(f"{child.name} did not stop in {timeout:.0f} s; killing it")
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(child.process.pid, signal.SIGKILL)
                child.process.wait()
        # Grandchildren left behind in a group whose leader already exited.
        for child in self.children:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.process.pid, signal.SIGKILL)
