"""``manage.py keys_generate``: print a new random master key (for VMS_MASTER_KEY or a key file)."""

from django.core.management.base import BaseCommand

from vms.crypto import master_key_from_text, master_key_text_new


class Command(BaseCommand):
    help = (
        "Print a new random master key (32 bytes, URL-safe base64) and its key id on stderr. "
        "Nothing is stored: put it in VMS_MASTER_KEY or a key file, then run keys_rotate."
    )

    def handle(self, *args, **options):
        text = master_key_text_new()
        self.stderr.write(f"key id {master_key_from_text(text).key_id}")
        self.stdout.write(text)
