"""Camera tests' set-up: the test site's camera network is allowed, as a deployment lists its
own (``VMS_CAMERA_ALLOWED_NETWORKS``); the factories' cameras live in 10.0.0.0/8."""

from __future__ import annotations

import pytest

CAMERA_NETWORK = "10.0.0.0/8"


@pytest.fixture(autouse=True)
def _camera_network_allowed(settings):
    settings.CAMERA_ALLOWED_NETWORKS = [*settings.CAMERA_ALLOWED_NETWORKS, CAMERA_NETWORK]
