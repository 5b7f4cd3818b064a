"""Test-wide set-up: real PostgreSQL and Redis, as configured by bin/veil-test."""

from __future__ import annotations

import pytest
from django.contrib.auth.signals import user_logged_in
from django_otp import DEVICE_ID_SESSION_KEY

pytest_plugins = ["tests.fixtures.streams", "tests.fixtures.worker"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _verified_force_login(sender, request, user, **kwargs):
    # django-otp marks a session verified when the logged-in user object carries the device
    # that verified it, but only for requests with a ``user`` (the test client's
    # ``force_login`` makes one without): a factory user enrolled in MFA (``otp_device``)
    # gets a verified session, as a log-in with their authenticator would give.
    device = getattr(user, "otp_device", None)
    if device is not None and getattr(request, "session", None) is not None:
        request.session[DEVICE_ID_SESSION_KEY] = device.persistent_id


user_logged_in.connect(_verified_force_login, dispatch_uid="veil-tests-verified-force-login")
