"""Owner-only modes for the files Veil keeps: secrets and personal data at rest.

New files get them from the process umask (``FILE_UMASK`` in ``vms/settings.py``, 077) and
Django's storage (``FILE_UPLOAD_PERMISSIONS``); these helpers tighten what already exists —
files written before, or copied in: :func:`private_paths` for a few known files (the settings
call it at every start), :func:`private_tree` for whole trees (the run command calls it for
the data directory). Standard library only: the settings import it.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700


def _make_private(path: Path) -> None:
    try:
        status = path.lstat()
    except OSError:
        return  # missing (not created yet) or unreachable: nothing to tighten
    if stat.S_ISLNK(status.st_mode):
        return  # a link's target is not ours to change
    is_dir = stat.S_ISDIR(status.st_mode)
    if not (is_dir or stat.S_ISREG(status.st_mode)):
        return  # sockets, fifos
    # Keep the owner's bits (an executable stays executable for its owner); drop the rest.
    owner = stat.S_IMODE(status.st_mode) & 0o700
    wanted = PRIVATE_DIR_MODE if is_dir else (owner | PRIVATE_FILE_MODE)
    if stat.S_IMODE(status.st_mode) != wanted:
        # Not the owner (a mounted volume): left as it is; the umask still covers new files.
        with contextlib.suppress(OSError):
            path.chmod(wanted)


def private_paths(paths: Iterable[Path | str]) -> None:
    """Make each existing path owner-only (files 0600, directories 0700). Missing paths,
    links and paths this user does not own are left alone."""
    for path in paths:
        _make_private(Path(path))


def private_tree(root: Path | str) -> None:
    """Make ``root`` and everything under it owner-only, without following links."""
    root = Path(root)
    if not root.is_dir() or root.is_symlink():
        _make_private(root)
        return
    _make_private(root)
    for directory, dirnames, filenames in os.walk(root, followlinks=False):
        base = Path(directory)
        for name in (*dirnames, *filenames):
            _make_private(base / name)


def sqlite_files(database: Mapping) -> list[Path]:
    """The files of a SQLite database setting (the database, its WAL and shared memory and
    rollback journal); none for another engine or an in-memory database."""
    if database.get("ENGINE") != "django.db.backends.sqlite3":
        return []
    name = str(database.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:"):
        return []
    return [Path(name + suffix) for suffix in ("", "-wal", "-shm", "-journal")]


def secret_file(path: Path, make: Callable[[], str]) -> str:
    """The secret kept in ``path``, created by ``make()`` on first use: owner-only from the
    first instant (never readable by others for a moment), and ``O_EXCL`` so that of two
    processes starting together one writes and both read the same value."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(make() + "\n")
    return path.read_text().strip()
