"""Start, watch and stop Veil's processes for ``manage.py veil_run``.

Each child runs in its own session (process group), so a stop signal reaches the processes it
started too (Celery's pool, the demo streams' encoders), and a Ctrl-C in the terminal reaches
only the supervisor, which then stops the children in order. On Linux each child also gets
SIGTERM if the supervisor itself dies, so nothing is left running behind a killed launcher.
Output goes to one log file per child under ``DATA_DIR/logs``; the terminal stays readable.

What the children stand on (the embedded Redis) is supervised too, as a *foundation*: when it
dies it is restarted in place — same port, same password, so every child's URL stays valid and
each reconnects on its own — up to :data:`RESTART_LIMIT` times in :data:`RESTART_WINDOW_SECONDS`;
past that the run stops, naming it. Foundations stop last, after every child.
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
RESTART_LIMIT = 5
RESTART_WINDOW_SECONDS = 60.0


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
    # A foundation's way to start again (None: a death ends the run), and its restart times.
    restart: Callable[[], subprocess.Popen] | None = field(default=None, repr=False)
    restarted_at: list[float] = field(default_factory=list, repr=False)
    gave_up: bool = False

    def log_tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class Supervisor:
    """Runs children and stops them all when one dies or a stop signal arrives; restarts a
    foundation that dies."""

    def __init__(
        self, *, env: dict[str, str], cwd: Path, log_dir: Path, say: Callable[[str], None]
    ):
        self.env = env
        self.cwd = cwd
        self.log_dir = log_dir
        self.say = say
        self.children: list[Child] = []
        self.foundations: list[Child] = []
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

    def supervise_foundation(
        self,
        name: str,
        process: subprocess.Popen,
        *,
        log_path: Path,
        restart: Callable[[], subprocess.Popen],
    ) -> Child:
        """Watch a process started elsewhere that the children need (the embedded Redis):
        ``restart`` starts it again, in place, when it dies."""
        child = Child(name=name, argv=list(map(str, process.args)), log_path=log_path)
        child.process, child.restart = process, restart
        self.foundations.append(child)
        return child

    def dead_child(self) -> Child | None:
        """The first process that has exited and is not restarted, if any. A foundation that
        died is restarted here (within its limit), so only one that cannot be is returned."""
        for child in [*self.foundations, *self.children]:
            if child.process is None or child.process.poll() is None:
                continue
            if not self._restart(child):
                return child
        return None

    def _restart(self, child: Child) -> bool:
        """Start a dead foundation again; False for a plain child, or once restarts failed or
        came too often (the run then stops, naming it)."""
        if child.restart is None or child.gave_up:
            return False
        now = time.monotonic()
        child.restarted_at = [t for t in child.restarted_at if now - t < RESTART_WINDOW_SECONDS]
        code = child.process.returncode
        if len(child.restarted_at) >= RESTART_LIMIT:
            child.gave_up = True
            self.say(
                f"{child.name} exited (code {code}) after {RESTART_LIMIT} restarts within "
                f"{RESTART_WINDOW_SECONDS:.0f} s; not restarting it again"
            )
            return False
        self.say(f"{child.name} exited unexpectedly (code {code}); restarting it")
        child.restarted_at.append(now)
        try:
            child.process = child.restart()
        except (OSError, RuntimeError) as error:
            child.gave_up = True
            self.say(f"{child.name} could not be restarted: {error}")
            return False
        self.say(f"{child.name} restarted (pid {child.process.pid}); the others reconnect to it")
        return True

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
        """Stop every child, then the foundations they stood on."""
        self._stop_group(self.children, timeout=timeout)
        self._stop_group(self.foundations, timeout=timeout)

    def _stop_group(self, children: list[Child], *, timeout: float) -> None:
        """SIGTERM every child's process group, newest first; SIGKILL what outlives ``timeout``."""
        running = [c for c in reversed(children) if c.process and c.process.poll() is None]
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
        for child in children:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.process.pid, signal.SIGKILL)
