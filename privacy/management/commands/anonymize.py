"""``manage.py anonymize INPUT OUTPUT`` or ``manage.py anonymize IN1 IN2 ... --out-dir DIR``:
blur faces and plates in image and video files."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from privacy.anonymizer import MODES
from privacy.services.media import (
    MediaAnonymizationError,
    media_file_anonymize,
    media_output_paths,
)


class ProgressBar:
    """A one-line text bar on stderr, redrawn in place (at most 5 times a second)."""

    WIDTH = 30

    def __init__(self, name: str, stream) -> None:
        self.name, self.stream = name, stream
        self.started = time.monotonic()
        self._drawn_at = 0.0
        self._drawn = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self._drawn_at < 0.2 and done < total:
            return
        self._drawn_at = now
        rate = done / max(now - self.started, 1e-6)
        if total > 0:
            share = min(1.0, done / total)
            filled = round(share * self.WIDTH)
            bar = f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {share:4.0%} {done}/{total}"
        else:
            bar = f"{done} frames"
        # ending="": Django's OutputWrapper would end each redraw with a new line.
        self.stream.write(f"\r{self.name}: {bar} frames, {rate:.1f} frames/s", ending="")
        self.stream.flush()
        self._drawn = True

    def finish(self) -> None:
        if self._drawn:
            self.stream.write("\n", ending="")
            self.stream.flush()


class Command(BaseCommand):
    help = (
        "Blur (or pixelate) every face and licence plate in images (jpg, jpeg, png) and videos "
        "(mp4, avi); everything else is left as it is. Either INPUT OUTPUT (OUTPUT the same "
        "kind as INPUT), or several inputs and --out-dir DIR (each written there under its own "
        "name). The models load once for all files. Videos keep their frame rate and size; "
        "audio is dropped; mp4 is written as H.264 (browser-playable, needs ffmpeg), avi as "
        "Motion JPEG. A file that cannot be read is reported and skipped: nothing is written "
        "for it and an existing output is left untouched; the exit status is non-zero if any "
        "file failed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "paths",
            nargs="+",
            type=Path,
            help="INPUT OUTPUT, or (with --out-dir) the inputs",
        )
        parser.add_argument(
            "--out-dir", type=Path, default=None, help="write each input's copy here"
        )
        parser.add_argument("--mode", choices=MODES, default="blur", help="default: blur")
        parser.add_argument(
            "--progress",
            action="store_true",
            default=None,
            help="show a progress bar for videos (default: when stderr is a terminal)",
        )
        parser.add_argument("--no-progress", dest="progress", action="store_false")

    def handle(self, *args, **options):
        paths, out_dir = options["paths"], options["out_dir"]
        if out_dir is None:
            if len(paths) != 2:
                raise CommandError("give INPUT OUTPUT, or several inputs and --out-dir DIR")
            jobs = [(paths[0], paths[1])]
        else:
            try:
                jobs = media_output_paths(inputs=paths, out_dir=out_dir)
            except MediaAnonymizationError as error:
                raise CommandError(str(error)) from error
        show_progress = options["progress"]
        if show_progress is None:
            show_progress = sys.stderr.isatty()

        from privacy.anonymizer import Anonymizer

        anonymizer = Anonymizer(mode=options["mode"])  # the models load once, for all files
        failures = []
        for source, target in jobs:
            bar = ProgressBar(source.name, self.stderr) if show_progress else None
            started = time.monotonic()
            try:
                result = media_file_anonymize(
                    input_path=source, output_path=target, anonymizer=anonymizer, progress=bar
                )
            except MediaAnonymizationError as error:
                if bar:
                    bar.finish()
                if len(jobs) == 1:
                    raise CommandError(str(error)) from error
                failures.append(source)
                self.stderr.write(f"FAILED {source}: {error}")
                continue
            if bar:
                bar.finish()
            self.stdout.write(
                f"Anonymised {result.kind} ({result.frames} frame(s)): {result.faces} face(s), "
                f"{result.plates} plate(s) redacted -> {target} "
                f"({time.monotonic() - started:.1f} s)"
            )
        if failures:
            raise CommandError(
                f"{len(failures)} of {len(jobs)} file(s) failed: "
                + ", ".join(str(path) for path in failures)
            )
