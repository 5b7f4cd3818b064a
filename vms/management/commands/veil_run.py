"""``manage.py veil_run``: bring the whole of Veil up on this machine, in the foreground.

Order matters: settings read ``VMS_REDIS_URL`` at import, so the embedded Redis starts first
and every later step runs as a child process with that URL in its environment.

    embedded Redis (unless VMS_REDIS_URL is set) → migrate → collectstatic → demo streams →
    seed_demo → web (daphne) + worker (celery, prefork) + analytics (manage.py
    analytics_worker) + scheduler (celery beat) → wait for the URL

Ctrl-C or SIGTERM stops every child; a child that dies on its own stops the rest, and the
command exits non-zero naming it. The embedded Redis is supervised too: if it dies it is
restarted at the same URL and the others reconnect (see ``vms/management/supervisor.py``).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import get_commands
from django.core.management.base import BaseCommand, CommandError
from django.urls import NoReverseMatch, reverse

from vms.embedded import EmbeddedRedis, port_is_free
from vms.files import private_tree
from vms.management.supervisor import Supervisor, die_with_parent


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    try:
        return int(value) if value else default
    except ValueError as error:
        raise CommandError(f"{name} must be a whole number, not {value!r}.") from error


def _executable(name: str) -> str:
    """A console script of this Python environment, else one on PATH."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise CommandError(f"{name} is not installed in this environment.")
    return found


def _restart_redis(embedded_redis: EmbeddedRedis) -> subprocess.Popen:
    embedded_redis.start(preexec_fn=die_with_parent)
    return embedded_redis.process


def _readiness_path() -> str:
    """A page that answers without a login once Django serves requests: the login page."""
    try:
        return reverse("accounts:login").lstrip("/")
    except NoReverseMatch:
        return reverse("admin:login").lstrip("/")


class Command(BaseCommand):
    help = (
        "Run Veil: Redis, migrations, demo data, web server, worker, analytics engine and "
        "scheduler."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--port",
            type=int,
            default=_env_int("VMS_PORT", 8000),
            help="HTTP port of the web server (env VMS_PORT, default 8000).",
        )
        parser.add_argument(
            "--bind",
            default=os.environ.get("VMS_BIND_ADDRESS", "127.0.0.1"),
            help="Address the web server listens on (env VMS_BIND_ADDRESS, default 127.0.0.1).",
        )
        parser.add_argument(
            "--no-demo",
            action="store_true",
            help="Do not start the demo streams nor seed the demo site, cameras and users.",
        )
        parser.add_argument(
            "--no-analytics",
            dest="analytics",
            action="store_false",
            default=os.environ.get("VMS_RUN_ANALYTICS", "1") != "0",
            help="Do not start the analytics worker (live detection, anonymised live feed, "
            "alerts); env VMS_RUN_ANALYTICS=0.",
        )
        parser.add_argument(
            "--startup-timeout",
            type=float,
            default=float(os.environ.get("VMS_STARTUP_TIMEOUT", "120")),
            help="Seconds to wait for the web server to answer.",
        )

    def say(self, message: str, style=None) -> None:
        self.stdout.write((style or (lambda text: text))(f"veil: {message}"))
        self.stdout.flush()

    def handle(self, *args, **options):
        port, bind = options["port"], options["bind"]
        demo = not options["no_demo"]
        rtsp_port = _env_int("VMS_DEMO_RTSP_PORT", 8554)
        http_port = _env_int("VMS_DEMO_HTTP_PORT", 8090)
        if not port_is_free(port, bind):
            raise CommandError(f"Port {port} is in use; choose another with --port or VMS_PORT.")

        data_dir = Path(settings.DATA_DIR)
        log_dir = data_dir / "logs"
        log_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Secrets and personal data at rest are owner-only: tighten what an earlier version
        # (or a copy) left readable; new files get it from the umask the settings set.
        private_tree(data_dir)
        private_tree(settings.MEDIA_ROOT)
        env = dict(os.environ)
        env.update({"VMS_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"})
        supervisor = Supervisor(env=env, cwd=Path(settings.BASE_DIR), log_dir=log_dir, say=self.say)
        supervisor.install_signal_handlers()

        embedded_redis = None
        exit_code = 0
        try:
            if not os.environ.get("VMS_REDIS_URL"):
                embedded_redis = EmbeddedRedis(
                    data_dir=data_dir / "redis", port=_env_int("VMS_EMBEDDED_REDIS_PORT", 0) or None
                )
                env["VMS_REDIS_URL"] = embedded_redis.start(preexec_fn=die_with_parent)
                supervisor.supervise_foundation(
                    "redis",
                    embedded_redis.process,
                    log_path=embedded_redis.log_path,
                    restart=functools.partial(_restart_redis, embedded_redis),
                )
                self.say(
                    f"embedded Redis on 127.0.0.1:{embedded_redis.port} (data in {data_dir / 'redis'})"
                )
            else:
                self.say("using the Redis at VMS_REDIS_URL")
            exit_code = self._run(
                supervisor,
                port=port,
                bind=bind,
                demo=demo,
                rtsp_port=rtsp_port,
                http_port=http_port,
                log_dir=log_dir,
                startup_timeout=options["startup_timeout"],
                analytics=options["analytics"],
            )
        except RuntimeError as error:
            self.say(str(error), self.style.ERROR)
            exit_code = 1
        finally:
            if supervisor.children:
                self.say("stopping")
            supervisor.stop_all()
            if embedded_redis is not None:
                embedded_redis.stop()
        if exit_code:
            sys.exit(exit_code)
        self.say("stopped")

    def _run(
        self,
        supervisor: Supervisor,
        *,
        port: int,
        bind: str,
        demo: bool,
        rtsp_port: int,
        http_port: int,
        log_dir: Path,
        startup_timeout: float,
        analytics: bool,
    ) -> int:
        python = sys.executable
        manage = [python, "manage.py"]

        self.say("applying migrations")
        supervisor.run_once("migrate", [*manage, "migrate", "--noinput"])
        self.say("collecting static files")
        supervisor.run_once("collectstatic", [*manage, "collectstatic", "--noinput"])

        credentials: list[dict] = []
        if demo:
            if "demo_streams" in get_commands():
                supervisor.start(
                    "demo-streams",
                    [
                        *manage,
                        "demo_streams",
                        "--rtsp-port",
                        str(rtsp_port),
                        "--http-port",
                        str(http_port),
                    ],
                )
                self.say(f"demo streams: RTSP on port {rtsp_port}, HTTP on port {http_port}")
            else:
                self.say(
                    "the demo_streams command is not available: demo cameras will be offline",
                    self.style.WARNING,
                )
            self.say("seeding the demo site, cameras and users")
            seeded = supervisor.run_once(
                "seed-demo",
                [
                    *manage,
                    "seed_demo",
                    "--json",
                    "--rtsp-port",
                    str(rtsp_port),
                    "--http-port",
                    str(http_port),
                ],
            )
            credentials = json.loads(seeded.stdout.decode().strip().splitlines()[-1])["users"]

        beat_schedule = Path(supervisor.env["VMS_DATA_DIR"]) / "celerybeat-schedule"
        concurrency = str(_env_int("VMS_WORKER_CONCURRENCY", 2))
        supervisor.start(
            "web", [_executable("daphne"), "-b", bind, "-p", str(port), "vms.asgi:application"]
        )
        # Probes and other short tasks: a prefork pool, where the time limits in settings work.
        supervisor.start(
            "worker",
            [
                _executable("celery"),
                "-A",
                "vms",
                "worker",
                "--pool",
                "prefork",
                "--loglevel",
                "INFO",
                "--concurrency",
                concurrency,
                "--hostname",
                "veil-worker@%h",
            ],
        )
        if analytics:
            # The analytics engine: a process of its own (cameras through Redis leases).
            supervisor.start("analytics", [*manage, "analytics_worker"])
        supervisor.start(
            "scheduler",
            [
                _executable("celery"),
                "-A",
                "vms",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(beat_schedule),
            ],
        )

        host = "127.0.0.1" if bind in {"0.0.0.0", "::", ""} else bind  # noqa: S104
        url = f"http://{host}:{port}/"
        if not supervisor.wait_for_http(url + _readiness_path(), timeout=startup_timeout):
            return self._report_failure(supervisor, url)

        self._banner(url, credentials, log_dir)
        dead = supervisor.watch()
        if dead is not None:
            return self._report_failure(supervisor, url)
        return 0

    def _report_failure(self, supervisor: Supervisor, url: str) -> int:
        if supervisor.stop_requested is not None:
            return 0
        dead = supervisor.dead_child()
        if dead is None:
            self.say(f"{url} did not answer in time", self.style.ERROR)
            return 1
        self.say(
            f"{dead.name} exited unexpectedly (code {dead.process.returncode}); "
            f"last lines of {dead.log_path}:",
            self.style.ERROR,
        )
        self.stdout.write(dead.log_tail())
        return 1

    def _banner(self, url: str, credentials: list[dict], log_dir: Path) -> None:
        self.stdout.write("")
        self.say(f"Veil is running at {url}", self.style.SUCCESS)
        if credentials:
            self.stdout.write("  demo users (passwords are new at every start):")
            for user in credentials:
                self.stdout.write(
                    f"    {user['role']:<11} {user['username']:<16} {user['password']}"
                )
            self.stdout.write(
                "  DPO and Admin set up two-factor authentication (an authenticator app) "
                "at their first log-in."
            )
        self.stdout.write(f"  logs: {log_dir}")
        self.stdout.write("  Ctrl-C stops everything.")
        self.stdout.flush()
