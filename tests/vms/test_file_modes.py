"""Files Veil keeps secrets or personal data in are owner-only: 0600 files, 0700 directories.

A real embedded start in a fresh process (SQLite in WAL mode, a generated secret key and master key) writes
the database, its WAL and shared memory, a snapshot and a clip through Django's storage, a
run log, and reports their modes; files an earlier version left readable are tightened.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from vms.files import private_tree

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import json, os, stat, sys
from pathlib import Path
import django
django.setup()
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from vms.management.supervisor import Supervisor

data = Path(settings.DATA_DIR)
call_command("migrate", verbosity=0)  # media are sealed under data keys kept in the database
with connection.cursor() as cursor:  # WAL mode: the -wal and -shm files exist while open
    cursor.execute("create table if not exists probe (x text)")
    cursor.execute("insert into probe values ('session key')")
snapshot = default_storage.save("alerts/2026/12/01/snapshot.jpg", ContentFile(b"jpeg"))
clip = default_storage.save("alerts/2026/12/01/clip.mp4", ContentFile(b"mp4"))
(data / "logs").mkdir()  # as the run command makes it; the umask decides its mode
Supervisor(env=dict(os.environ), cwd=data, log_dir=data / "logs", say=print).run_once(
    "migrate", [sys.executable, "-c", "print('ok')"]
)
paths = {
    "data dir": data,
    "secret key": data / "secret_key",
    "master key": data / "master_key",
    "database": data / "veil.sqlite3",
    "database wal": data / "veil.sqlite3-wal",
    "database shm": data / "veil.sqlite3-shm",
    "snapshot": Path(settings.MEDIA_ROOT) / snapshot,
    "clip": Path(settings.MEDIA_ROOT) / clip,
    "media dir": Path(settings.MEDIA_ROOT) / "alerts" / "2026" / "12",
    "log": data / "logs" / "migrate.log",
    "log dir": data / "logs",
}
print(json.dumps({k: oct(stat.S_IMODE(p.stat().st_mode)) for k, p in paths.items()}))
"""


def _embedded_start(data_dir: Path) -> dict[str, str]:
    # An embedded set-up: none of this test run's database, Redis or deployment settings.
    env = {k: v for k, v in os.environ.items() if not k.startswith("VMS_")}
    env.update(
        VMS_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="vms.settings",
        VMS_REDIS_URL="redis://127.0.0.1:1/0",
    )
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        # A usual login umask, not this test process's (which Veil's settings tightened).
        preexec_fn=lambda: os.umask(0o022),
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_files_an_embedded_start_creates_are_owner_only(tmp_path):
    data_dir = tmp_path / "veil-data"
    modes = _embedded_start(data_dir)
    directories = {"data dir", "media dir", "log dir"}
    assert modes == {name: "0o700" if name in directories else "0o600" for name in modes}


def test_files_left_readable_are_tightened_at_start(tmp_path):
    data_dir = tmp_path / "veil-data"
    data_dir.mkdir(mode=0o755)
    for name in ("secret_key", "veil.sqlite3"):
        (data_dir / name).write_text("x" * 40 if name == "secret_key" else "")
        (data_dir / name).chmod(0o644)
    data_dir.chmod(0o755)
    modes = _embedded_start(data_dir)
    assert modes["secret key"] == modes["database"] == "0o600"
    assert modes["data dir"] == "0o700"


def test_private_tree_tightens_everything_but_follows_no_link(tmp_path):
    root = tmp_path / "data"
    (root / "media" / "alerts").mkdir(parents=True)
    clip = root / "media" / "alerts" / "clip.mp4"
    clip.write_bytes(b"mp4")
    tool = root / "hook.sh"
    tool.write_text("#!/bin/sh\n")
    outside = tmp_path / "outside.txt"
    outside.write_text("not ours")
    for path, mode in ((clip, 0o644), (tool, 0o755), (outside, 0o644)):
        path.chmod(mode)
    for directory in (root, root / "media", root / "media" / "alerts"):
        directory.chmod(0o755)
    (root / "link").symlink_to(outside)

    private_tree(root)

    def mode(path: Path) -> int:
        return stat.S_IMODE(path.stat().st_mode)

    assert mode(clip) == 0o600 and mode(tool) == 0o700  # owner's execute bit kept
    assert {mode(d) for d in (root, root / "media", root / "media" / "alerts")} == {0o700}
    assert mode(outside) == 0o644  # a link's target is not ours
