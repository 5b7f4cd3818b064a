"""Production configuration: the compose file, ``check --deploy``, and fail-fast settings.

No Docker engine runs here, so the compose file is checked as data; the settings are checked
by running ``manage.py`` in a child process with a production environment, as a container would.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
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
        assert environment["VMS_REDIS_URL"].startswith("redis://redis:")


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
    assert values["POSTGRES_PASSWORD"].startswith("change-me")


def test_check_deploy_passes_with_production_settings(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "missing", ["VMS_SECRET_KEY", "VMS_DATABASE_URL", "VMS_REDIS_URL", "VMS_ALLOWED_HOSTS"]
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
