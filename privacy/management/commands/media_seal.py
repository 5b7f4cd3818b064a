"""``manage.py media_seal``: encrypt media files stored before encryption at rest, in place."""

import os

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from privacy.storage import EncryptingStorageMixin


def _walk(storage, folder=""):
    directories, files = storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}" if folder else name
    for directory in directories:
        yield from _walk(storage, f"{folder}/{directory}" if folder else directory)


class Command(BaseCommand):
    help = (
        "Seal every media file that is still plain (stored before encryption at rest): each is "
        "written sealed under its scope's data key and swapped in for the plain one. Idempotent; "
        "local or mounted media stores."
    )

    def handle(self, *args, **options):
        storage = default_storage
        if not isinstance(storage, EncryptingStorageMixin):
            raise CommandError("the default storage does not encrypt (see STORAGES in settings)")
        sealed = 0
        for name in _walk(storage):
            if storage.is_sealed(name):
                continue
            with storage.open(name) as plain:  # a plain file opens as itself
                data = plain.read()
            # Sealed beside it under the same scope, then swapped in one rename: an interrupted
            # run leaves the plain file (sealed next time), never neither.
            partial = storage.save(f"{name}.sealing", ContentFile(data))
            os.replace(storage.path(partial), storage.path(name))
            sealed += 1
        self.stdout.write(f"Sealed {sealed} media file(s).")
