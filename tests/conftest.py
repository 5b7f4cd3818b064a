"""Test-wide set-up: real PostgreSQL and Redis, as configured by bin/veil-test."""

from __future__ import annotations

import pytest

pytest_plugins = ["tests.fixtures.streams", "tests.fixtures.worker"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
