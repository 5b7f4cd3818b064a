"""Production configuration: the compose file, ``check --deploy``, and fail-fast settings.

No Docker engine runs here, so the compose file is checked as data; the settings are checked
by running ``manage.py`` in a child process with a production environment, as a container would.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis as redis_client
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / "deploy" / "production.env.example"
SETTINGS = ROOT / "vms" / "settings.py"

VMS_NAME = re.compile(r"\bVMS_[A-Z0-9_]+\b")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def production_env(tmp_path: Path, **overrides: str | None) -> dict[str, str]:
    """The environment of a production container; ``None`` removes a variable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VMS_")}
    env.update(
        {
            "VMS_DEPLOYMENT": "production",
            "VMS_SECRET_KEY": secrets.token_urlsafe(64),
            "VMS_MASTER_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            "VMS_DATABASE_URL": "postgres://veil:example@127.0.0.1:5432/veil",
            "VMS_REDIS_URL": "redis://127.0.0.1:6379/0",
            "VMS_ALLOWED_HOSTS": "veil.example.com",
            "VMS_CSRF_TRUSTED_ORIGINS": "https://veil.example.com",
            "VMS_DATA_DIR": str(tmp_path / "data"),
        }
    )
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_compose_names_the_production_services(compose):
    services = compose["services"]
    assert {"postgres", "redis", "web", "analytics", "worker", "scheduler"} <= set(services)
    assert "daphne" in services["web"]["command"]
    assert services["analytics"]["command"] == ["python", "manage.py", "analytics_worker"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "vms", "worker"]
    assert services["scheduler"]["command"][:4] == ["celery", "-A", "vms", "beat"]
    assert "healthcheck" in services["postgres"]
    assert any("postgres" in volume for volume in services["postgres"]["volumes"])


def test_compose_runs_celery_tasks_in_a_prefork_pool_where_time_limits_work(compose):
    command = compose["services"]["worker"]["command"]
    pool = [command[i + 1] for i, part in enumerate(command) if part in {"-P", "--pool"}]
    assert pool == ["prefork"]
    assert "--analytics" not in command  # the engine is a process of its own


def test_compose_reserves_nvidia_gpus_for_the_analytics_engine(compose):
    devices = compose["services"]["analytics"]["deploy"]["resources"]["reservations"]["devices"]
    assert {"driver": "nvidia", "count": "all", "capabilities": ["gpu"]} in devices
    assert "deploy" not in compose["services"]["worker"]  # probes need no GPU


def test_app_services_run_in_production_mode_against_postgres_and_redis(compose):
    for name in ("web", "analytics", "worker", "scheduler", "migrate"):
        environment = compose["services"][name]["environment"]
        assert environment["VMS_DEPLOYMENT"] == "production"
        assert environment["VMS_DATABASE_URL"].startswith("postgres://")
        assert environment["VMS_REDIS_URL"].startswith("redis://:${REDIS_PASSWORD")
        assert environment["VMS_REDIS_URL"].endswith("@redis:6379/0")


def test_every_vms_variable_of_the_deployment_is_read_by_settings():
    read_by_settings = set(re.findall(r"[\"'](VMS_[A-Z0-9_]+)[\"']", SETTINGS.read_text()))
    used = set(VMS_NAME.findall(COMPOSE.read_text())) | set(
        VMS_NAME.findall(ENV_EXAMPLE.read_text())
    )
    assert used, "the deployment files name no VMS_ variables"
    assert used - read_by_settings == set()


def test_env_example_holds_every_required_production_value_and_no_real_secret():
    values = dict(
        line.split("=", 1)
        for line in ENV_EXAMPLE.read_text().splitlines()
        if line and not line.startswith("#")
    )
    for name in ("VMS_SECRET_KEY", "VMS_ALLOWED_HOSTS", "VMS_CSRF_TRUSTED_ORIGINS"):
        assert name in values
    assert values["VMS_SECRET_KEY"].startswith("change-me")
    assert values["VMS_MASTER_KEY"].startswith("change-me")
    assert values["POSTGRES_PASSWORD"].startswith("change-me")
    assert values["REDIS_PASSWORD"].startswith("change-me")


def test_check_deploy_passes_with_production_settings(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "missing",
    ["VMS_SECRET_KEY", "VMS_DATABASE_URL", "VMS_REDIS_URL", "VMS_ALLOWED_HOSTS", "VMS_MASTER_KEY"],
)
def test_production_without_a_required_value_fails_naming_it(tmp_path, missing):
    result = manage("check", env=production_env(tmp_path, **{missing: None}))
    assert result.returncode != 0
    assert missing in result.stderr
    assert "missing" in result.stderr


def test_production_never_writes_a_secret_key_file(tmp_path):
    result = manage("check", env=production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "data" / "secret_key").exists()
    assert not (tmp_path / "data" / "master_key").exists()


# --- Hardening: published ports, the Redis password, no secret in the YAML ---------------------
INTERPOLATION = re.compile(r"\$\{([A-Z0-9_]+)(:?[?-][^}]*)?\}")
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|(^|_)KEY$")
APP_SERVICES = ("web", "analytics", "worker", "scheduler", "migrate")


def interpolate(value: str, **values: str) -> str:
    """What compose makes of ``value`` with these variables set (``$$`` is a literal ``$``)."""
    value = INTERPOLATION.sub(lambda m: values[m.group(1)], value)
    return value.replace("$$", "$")


def strings(node, path=""):
    """Every string in the compose file, with where it is."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from strings(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from strings(value, f"{path}[{index}]")
    elif isinstance(node, str):
        yield path, node


def test_only_web_publishes_a_port_and_on_loopback_by_default(compose):
    published = {name for name, service in compose["services"].items() if "ports" in service}
    assert published == {"web"}
    assert not any("expose" in service for service in compose["services"].values())
    [port] = compose["services"]["web"]["ports"]
    assert interpolate(port, VEIL_HTTP_PUBLISH="127.0.0.1:8000") == "127.0.0.1:8000:8000"
    assert port.startswith("${VEIL_HTTP_PUBLISH:-127.0.0.1:")


def test_redis_asks_every_client_for_the_password_from_the_env_file(compose):
    redis = compose["services"]["redis"]
    assert redis["environment"]["REDIS_PASSWORD"].startswith("${REDIS_PASSWORD:?")
    command = " ".join(redis["command"])
    assert "requirepass" in command and "$$REDIS_PASSWORD" in command
    assert "--requirepass" not in command  # never on a command line, where ps shows it
    assert "REDISCLI_AUTH" in " ".join(redis["healthcheck"]["test"])
    for name in APP_SERVICES:
        url = interpolate(
            compose["services"][name]["environment"]["VMS_REDIS_URL"], REDIS_PASSWORD="pw"
        )
        parts = urlsplit(url)
        assert (parts.scheme, parts.password, parts.hostname) == ("redis", "pw", "redis"), name


def test_no_secret_is_written_in_the_compose_file(compose):
    literal = []
    for path, value in strings(compose):
        key = path.rsplit(".", 1)[-1]
        if SECRET_NAME.search(key) and not INTERPOLATION.fullmatch(value):
            literal.append(f"{path} = {value!r}")  # a secret's value is not ${FROM_THE_ENV}
        # Interpolations hold spaces and slashes (their error messages): stand them in first.
        for url in re.findall(r"[a-z]+://\S+", INTERPOLATION.sub("FROM-THE-ENV", value)):
            password = urlsplit(url).password
            if password not in (None, "FROM-THE-ENV"):
                literal.append(f"{path}: a password in {url!r}")
    assert literal == []
    for name in APP_SERVICES:  # the key comes from the env file, never from the YAML
        assert "VMS_SECRET_KEY" not in compose["services"][name]["environment"]
        assert "VMS_MASTER_KEY" not in compose["services"][name]["environment"]
        assert compose["services"][name]["env_file"] == ["deploy/production.env"]


@pytest.mark.skipif(not shutil.which("redis-server"), reason="needs a redis-server binary")
def test_the_redis_command_really_requires_the_password(compose, tmp_path):
    """The compose file's Redis command and health check, run here as the container would."""
    from cameras.demo.processes import free_port

    port, password = free_port(), secrets.token_hex(16)
    command = interpolate(compose["services"]["redis"]["command"][2], REDIS_PASSWORD=password)
    command = command.replace("/tmp/veil-redis.conf", str(tmp_path / "redis.conf"))
    command += f" --port {port} --bind 127.0.0.1 --dir {tmp_path}"
    health = interpolate(compose["services"]["redis"]["healthcheck"]["test"][1])
    health = health.replace("redis-cli", f"redis-cli -p {port}")
    env = {**os.environ, "REDIS_PASSWORD": password}
    server = subprocess.Popen(["sh", "-c", command], env=env, stdout=subprocess.DEVNULL)
    try:
        client = redis_client.Redis(port=port, password=password)
        deadline = time.monotonic() + 20
        while True:
            try:
                assert client.ping()
                break
            except redis_client.ConnectionError:
                assert time.monotonic() < deadline, "redis did not start"
                time.sleep(0.1)
        with pytest.raises(redis_client.AuthenticationError):
            redis_client.Redis(port=port).ping()
        assert subprocess.run(["sh", "-c", health], env=env, check=False).returncode == 0
        wrong = {**env, "REDIS_PASSWORD": "wrong"}
        assert subprocess.run(["sh", "-c", health], env=wrong, check=False).returncode != 0
        assert (tmp_path / "redis.conf").stat().st_mode & 0o077 == 0  # the redis user's only
        client.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
