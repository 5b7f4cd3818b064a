"""``manage.py anonymize INPUT OUTPUT``: blur faces and plates in an image or video file."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from privacy.anonymizer import MODES
from privacy.services.media import MediaAnonymizationError, media_file_anonymize


class Command(BaseCommand):
    help = (
        "Blur (or pixelate) every face and licence plate in an image (jpg, jpeg, png) or a "
        "video (mp4, avi); everything else is left as it is. OUTPUT must be the same kind as "
        "INPUT. Videos keep their frame rate and size; audio is dropped; mp4 is written as "
        "MPEG-4 Part 2, avi as Motion JPEG. On unreadable input nothing is written and an "
        "existing OUTPUT is left untouched."
    )

    def add_arguments(self, parser):
        parser.add_argument("input", type=Path, help="image or video to anonymise")
        parser.add_argument("output", type=Path, help="where to write the anonymised copy")
        parser.add_argument("--mode", choices=MODES, default="blur", help="default: blur")

    def handle(self, *args, **options):
        try:
            result = media_file_anonymize(
                input_path=options["input"], output_path=options["output"], mode=options["mode"]
            )
        except MediaAnonymizationError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Anonymised {result.kind} ({result.frames} frame(s)): {result.faces} face(s), "
            f"{result.plates} plate(s) redacted -> {options['output']}"
        )
