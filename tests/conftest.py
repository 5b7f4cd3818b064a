"""Test-wide set-up: real PostgreSQL and Redis, as configured by bin/veil-test."""

from __future__ import annotations

import pytest

pytest_plugins = ["tests.fixtures.streams", "tests.fixtures.worker"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """API throttling counts in the default (per-process) cache: each test starts uncounted."""
    from django.core.cache import cache

    cache.clear()
