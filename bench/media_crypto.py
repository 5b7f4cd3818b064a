"""Encryption at rest: MB/s to seal and to open media on this machine, against writing and
reading the same bytes as plain files (the peer). (The purge at volume: bench/retention_purge.py.)

    source bin/bootstrap
    python bench/media_crypto.py                 # 64 MB of media in 4 MB files; ~10 s
                                                 # (PostgreSQL throwaway db; ~1-2 min per 100k)

Sealing and opening go through ``privacy.sealed_files`` exactly as the media storage does
(64 KiB AES-256-GCM chunks), to and from files in a temporary directory; the page cache is
not dropped, so both sides read from memory. Nothing asserts; figures are printed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _rate(megabytes: float, seconds: float) -> str:
    return f"{megabytes / seconds:8.1f} MB/s"


def crypto_rates(total_mb: int, file_mb: int) -> None:
    from privacy.sealed_files import DecryptingReader, EncryptingReader

    key = os.urandom(32)
    payload = os.urandom(file_mb * 1024 * 1024)
    files = max(1, total_mb // file_mb)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        for n in range(files):
            (root / f"plain-{n}").write_bytes(payload)
        plain_write = time.perf_counter() - start
        start = time.perf_counter()
        for n in range(files):
            with (root / f"plain-{n}").open("rb") as handle:
                while handle.read(1 << 20):
                    pass
        plain_read = time.perf_counter() - start
        start = time.perf_counter()
        for n in range(files):
            with (
                (root / f"plain-{n}").open("rb") as source,
                (root / f"sealed-{n}").open("wb") as target,
            ):
                reader = EncryptingReader(source, key=key, scope="camera:1:2026-12-01")
                while chunk := reader.read(1 << 20):
                    target.write(chunk)
        seal = time.perf_counter() - start
        start = time.perf_counter()
        for n in range(files):
            with (root / f"sealed-{n}").open("rb") as handle:
                reader = DecryptingReader(handle, key_for_scope=lambda _scope: key)
                while reader.read(1 << 20):
                    pass
        unseal = time.perf_counter() - start
        overhead = (root / "sealed-0").stat().st_size / len(payload) - 1
    mb = files * file_mb
    print(f"media: {files} file(s) of {file_mb} MB, {mb} MB in all")
    print(f"  plain write {_rate(mb, plain_write)}   seal (encrypt + write) {_rate(mb, seal)}")
    print(f"  plain read  {_rate(mb, plain_read)}   open (read + decrypt)  {_rate(mb, unseal)}")
    print(f"  size overhead {overhead * 100:.3f} % (16-byte tag per 64 KiB chunk + header)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total-mb", type=int, default=64)
    parser.add_argument("--file-mb", type=int, default=4)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPU(s)")
    crypto_rates(args.total_mb, args.file_mb)


if __name__ == "__main__":
    main()
