"""Shared plumbing for the live-analytics benchmarks: a throwaway database, Redis db 13, the
demo RTSP server, a real analytics worker (``manage.py analytics_worker``), a real daphne,
and a guard with a session cookie.

    with BenchStack(database="postgres") as stack:
        stack.setup_django()                          # migrate the throwaway database
        rtsp = stack.start_rtsp({"cam1": "lobby"})    # demo scenes, served as real RTSP
        cameras = stack.create_cameras(rtsp.urls, ...)
        cookie = stack.guard_session_cookie()
        stack.start_daphne(); stack.start_worker(stats=True)

Everything started is stopped on exit, also on Ctrl-C, SIGTERM or an exception: children run
in their own process groups and are signalled by group, then killed; the database is dropped
and Redis db 13 flushed. Nothing here asserts; the scripts print figures.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from cameras.demo.processes import free_port, rtsp_server_process  # noqa: E402

POSTGRES_ADMIN = "postgres://postgres@127.0.0.1:5432"
# Another Redis db with VEIL_BENCH_REDIS_URL (benchmarks run side by side flush their own).
REDIS_URL = os.environ.get("VEIL_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
MEDIA_CACHE = Path(tempfile.gettempdir()) / "veil-bench-media"
STATS_KEY = "veil:bench:analytics-batches"
WHOLE_FRAME = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]


def clock_ticks() -> int:
    return os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process, all its threads included (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / clock_ticks()


def machine_description() -> str:
    try:
        import torch

        cuda = torch.cuda.is_available()
        device = torch.cuda.get_device_name(0) if cuda else "no CUDA (CPU inference)"
    except Exception:  # torch missing or broken: say so rather than fail the benchmark
        device = "no CUDA (torch unavailable)"
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    # Other work on the machine skews every timing here: say how busy it was.
    return f"{os.cpu_count()} CPU cores ({model or 'unknown CPU'}), {device}; load average {load}"


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited ({process.returncode}):\n{_tail(log)}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listened on port {port} within {timeout:.0f} s:\n{_tail(log)}")


def _tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class Child:
    name: str
    process: subprocess.Popen
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class BenchStack:
    """The processes and data of one benchmark run, torn down on exit whatever happens."""

    def __init__(self, *, database: str = "postgres", keep_logs: bool = False) -> None:
        self.database = database
        self.keep_logs = keep_logs
        self.token = uuid.uuid4().hex[:8]
        self.work_dir = Path(tempfile.mkdtemp(prefix="veil-bench-"))
        self.db_name = f"veil_bench_{self.token}"
        self.children: list[Child] = []
        self._servers = []
        self._db_created = False
        self.daphne_port: int | None = None
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "vms.settings",
            "VMS_DATA_DIR": str(self.work_dir / "data"),
            "VMS_REDIS_URL": REDIS_URL,
            "VMS_CELERY_QUEUE": f"veil-bench-{self.token}",
            "VMS_LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
        if database == "postgres":
            self.env["VMS_DATABASE_URL"] = f"{POSTGRES_ADMIN}/{self.db_name}"
        else:
            self.env["VMS_DATABASE_URL"] = f"sqlite:///{self.work_dir / 'data' / 'bench.sqlite3'}"

    # --- life cycle ---------------------------------------------------------------------------
    def __enter__(self) -> BenchStack:
        self._previous_sigterm = signal.signal(signal.SIGTERM, self._on_sigterm)
        try:
            (self.work_dir / "data").mkdir(parents=True)
            if self.database == "postgres":
                subprocess.run(
                    ["createdb", "-h", "127.0.0.1", "-U", "postgres", self.db_name], check=True
                )
                self._db_created = True
            self._redis().flushdb()
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        for child in reversed(self.children):
            self._stop_child(child)
        self.children.clear()
        for server in reversed(self._servers):
            with contextlib.suppress(Exception):
                server.stop()
        self._servers.clear()
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        if self._db_created:
            subprocess.run(
                ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--force", self.db_name],
                check=False,
            )
            self._db_created = False
        with contextlib.suppress(Exception):
            self._redis().flushdb()
        if self.keep_logs:
            print(f"logs kept in {self.work_dir}", file=sys.stderr)
        else:
            shutil.rmtree(self.work_dir, ignore_errors=True)
        signal.signal(signal.SIGTERM, self._previous_sigterm)

    @staticmethod
    def _on_sigterm(signum, frame) -> None:
        raise KeyboardInterrupt  # unwinds through __exit__, which stops everything

    def _redis(self):
        import redis

        return redis.Redis.from_url(REDIS_URL)

    # --- Django in this process ---------------------------------------------------------------
    def setup_django(self) -> None:
        """Point this process's Django at the throwaway database and migrate it."""
        for key in ("DJANGO_SETTINGS_MODULE", "VMS_DATA_DIR", "VMS_REDIS_URL"):
            os.environ[key] = self.env[key]
        os.environ["VMS_DATABASE_URL"] = self.env["VMS_DATABASE_URL"]
        os.environ["VMS_CELERY_QUEUE"] = self.env["VMS_CELERY_QUEUE"]
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)

    def create_cameras(
        self,
        urls: list[str],
        *,
        fps: float = 5.0,
        rule_kind: str | None = None,
        cooldown_seconds: int = 2,
        min_confidence: float = 0.3,
    ) -> list[int]:
        """One site with a camera per URL; optionally a whole-frame zone with one rule each."""
        from analytics.models import Rule, Zone
        from cameras.models import Camera, LawfulBasis, Site
        from compliance.services import acting_as

        with acting_as():
            site = Site.objects.create(name="Bench site", time_zone="UTC", country="GB")
            ids = []
            for index, url in enumerate(urls, start=1):
                camera = Camera(
                    site=site,
                    name=f"Bench camera {index}",
                    source_url=url,
                    purpose=(
                        "Measure how quickly Veil raises alerts and serves the anonymised "
                        "live feed for benchmark purposes"
                    ),
                    lawful_basis=LawfulBasis.LEGITIMATE_INTERESTS,
                    analytics_fps=fps,
                )
                camera.full_clean()
                camera.save()
                ids.append(camera.pk)
                if rule_kind:
                    zone = Zone.objects.create(
                        camera=camera, name="Whole frame", points=WHOLE_FRAME
                    )
                    Rule.objects.create(
                        camera=camera,
                        name="Anyone in view",
                        kind=rule_kind,
                        zone=zone,
                        cooldown_seconds=cooldown_seconds,
                        min_confidence=min_confidence,
                    )
        self.site_id = site.pk
        return ids

    def guard_session_cookie(self) -> str:
        """A guard assigned to the bench site, logged in: the value of its session cookie."""
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.test import Client
        from guardian.shortcuts import assign_perm

        from accounts.roles import Role
        from cameras.models import Site

        user = get_user_model().objects.create_user(username=f"bench-guard-{self.token}")
        user.groups.add(Group.objects.get(name=Role.GUARD.value))
        assign_perm("cameras.view_site", user, Site.objects.get(pk=self.site_id))
        client = Client()
        client.force_login(user)  # a real session row, as the log-in page would create
        from django.conf import settings

        return client.cookies[settings.SESSION_COOKIE_NAME].value

    # --- processes ----------------------------------------------------------------------------
    def start_rtsp(self, mounts: dict[str, str]):
        """The demo RTSP server (GStreamer, Debian's Python), each mount looping a demo scene
        (``lobby`` or ``carpark``); returns the server with ``.urls`` in mount order."""
        from cameras.demo import prepare_demo_media

        media = prepare_demo_media(MEDIA_CACHE)
        server = rtsp_server_process(
            mounts={name: media.streams[scene].frames_dir for name, scene in mounts.items()},
            port=free_port(),
            fps=media.streams["lobby"].fps,
            log_path=self.work_dir / "rtsp-server.log",
        )
        self._servers.append(server)
        server.start()
        return server

    def _spawn(self, name: str, argv: list[str], env: dict | None = None) -> Child:
        log_path = self.work_dir / f"{name}.log"
        log = open(log_path, "wb")  # noqa: SIM115 (the child keeps it; closed with the child)
        process = subprocess.Popen(
            argv,
            cwd=REPO,
            env=env or self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # our Ctrl-C is ours to handle; we stop the group
        )
        log.close()
        child = Child(name, process, log_path)
        self.children.append(child)
        return child

    def start_daphne(self, *, timeout: float = 60.0) -> Child:
        self.daphne_port = free_port()
        child = self._spawn(
            "daphne",
            [
                sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.daphne_port),
                "vms.asgi:application",
            ],
        )  # fmt: skip
        _wait_for_port(self.daphne_port, child.process, timeout, child.log_path)
        return child

    def start_worker(self, *, stats: bool = False, timeout: float = 90.0) -> Child:
        """``manage.py analytics_worker``, the analytics engine's own process."""
        env = dict(self.env)
        if stats:
            env["VMS_ANALYTICS_STATS_KEY"] = STATS_KEY
        child = self._spawn(
            "worker",
            [sys.executable, "manage.py", "analytics_worker"],
            env,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if child.process.poll() is not None:
                raise RuntimeError(f"the worker exited:\n{_tail(child.log_path)}")
            if "analytics worker" in child.log() and " started" in child.log():
                return child
            time.sleep(0.3)
        raise RuntimeError(f"the analytics worker did not start:\n{_tail(child.log_path)}")

    def wait_for_live_frames(self, camera_ids: list[int], *, timeout: float = 60.0) -> None:
        """Until the worker publishes a live frame for every camera (it has taken them all)."""
        from vms.realtime import live_last_key

        client = self._redis()
        deadline = time.monotonic() + timeout
        missing = list(camera_ids)
        while time.monotonic() < deadline:
            missing = [c for c in camera_ids if not client.exists(live_last_key(c))]
            if not missing:
                return
            time.sleep(0.3)
        worker = next((c for c in self.children if c.name == "worker"), None)
        log = _tail(worker.log_path) if worker else ""
        raise RuntimeError(f"no live frames from cameras {missing}:\n{log}")

    def batch_stats(self) -> list[dict]:
        """The per-batch records the worker pushed (``VMS_ANALYTICS_STATS_KEY``)."""
        import json

        return [json.loads(raw) for raw in self._redis().lrange(STATS_KEY, 0, -1)]

    def clear_batch_stats(self) -> None:
        self._redis().delete(STATS_KEY)

    def ws_url(self, path: str) -> str:
        return f"ws://127.0.0.1:{self.daphne_port}{path}"

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.daphne_port}"

    def _stop_child(self, child: Child) -> None:
        process = child.process
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        else:
            # The leader is gone; make sure nothing of its group lingers.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
