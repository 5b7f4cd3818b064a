"""``manage.py keys_rotate``: re-wrap every data key and camera secret under the current
master key. No media file is rewritten."""

from django.core.management.base import BaseCommand, CommandError

from privacy.services.keys import master_key_rotate
from vms.crypto import DecryptionError, key_provider


class Command(BaseCommand):
    help = (
        "Re-wrap every data key and sealed database value under the current master key. "
        "Configure the new key as VMS_MASTER_KEY (or the key file) and the old one in "
        "VMS_MASTER_KEYS_PREVIOUS (or <key file>.previous) first; when this reports nothing left "
        "under an old key, remove the old key. Safe to run again after an interruption."
    )

    def handle(self, *args, **options):
        provider = key_provider()
        try:
            counts = master_key_rotate()
        except DecryptionError as error:
            raise CommandError(
                f"{error}. Configure the previous master key (VMS_MASTER_KEYS_PREVIOUS) and run "
                "again; what was re-wrapped so far stays re-wrapped."
            ) from error
        self.stdout.write(
            f"Re-wrapped {counts['data_keys']} data key(s) and {counts['fields']} sealed "
            f"value(s) under master key {provider.current_key_id}; "
            f"{counts['already_current']} data key(s) were already under it."
        )
