"""``manage.py keys_destroy --camera ID --day YYYY-MM-DD --reason …``: crypto-erase a camera's
day of media (its data key is destroyed; the files become unreadable wherever copies exist)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from privacy.services.keys import data_key_destroy, media_scope


class Command(BaseCommand):
    help = (
        "Destroy the data key of one camera's day: every snapshot, clip and recording of that "
        "day becomes unreadable for good, copies and backups of the files included. Audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("--camera", type=int, required=True, help="camera id")
        parser.add_argument("--day", required=True, help="the day (UTC), YYYY-MM-DD")
        parser.add_argument("--reason", required=True, help="why (kept in the audit trail)")

    def handle(self, *args, camera, day, reason, **options):
        try:
            parsed = date.fromisoformat(day)
        except ValueError:
            raise CommandError(f"--day must be YYYY-MM-DD, not {day!r}") from None
        if not reason.strip():
            raise CommandError("--reason must say why")
        row = data_key_destroy(scope=media_scope(camera_id=camera, day=parsed), reason=reason)
        self.stdout.write(
            f"Destroyed the data key of {row.scope} at {row.destroyed_at:%Y-%m-%d %H:%M:%S} UTC."
        )
