"""Test-wide set-up: real PostgreSQL and Redis, as configured by bin/veil-test."""

from __future__ import annotations

import pytest
from django.contrib.auth.signals import user_logged_in
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

pytest_plugins = ["tests.fixtures.streams", "tests.fixtures.worker"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _verified_test_client_login(sender, request, user, **kwargs):
    # The test client's ``login()`` and ``force_login()`` log in with a bare request (no
    # ``user``, unlike any request through a view), so django-otp never marks the session: a
    # user enrolled in MFA (the factory enrols DPOs and admins) gets a session verified with
    # their authenticator, as a real log-in with both steps would give.
    if hasattr(request, "user") or getattr(request, "session", None) is None:
        return
    device = getattr(user, "otp_device", None)
    if device is None:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        request.session[DEVICE_ID_SESSION_KEY] = device.persistent_id


user_logged_in.connect(_verified_test_client_login, dispatch_uid="veil-tests-verified-login")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """API throttling counts in the default (per-process) cache: each test starts uncounted."""
    from django.core.cache import cache

    cache.clear()
