"""Web code stands apart from the engine: serving pages and sockets never loads the analytics
engine (its detectors, its threads); the channel names both use live in ``vms.realtime``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_web_application_does_not_import_the_engine():
    probe = (
        "import django, sys; django.setup(); import vms.asgi, vms.urls; "
        "print(sorted(m for m in sys.modules if m.startswith('analytics.worker')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "vms.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
