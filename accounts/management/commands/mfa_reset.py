"""``manage.py mfa_reset <username>``: remove a user's authenticator and recovery codes.

For the admin who lost their phone when no other admin can reset it from the user's page.
Whoever has a shell on the server is trusted; the reset is recorded as done by the system
account, and the user's sessions end.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.mfa import mfa_reset_from_shell


class Command(BaseCommand):
    help = "Remove a user's two-factor authentication (authenticator app and recovery codes)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        removed = mfa_reset_from_shell(user=user)
        self.stdout.write(
            f"Removed {removed} device(s) of {username}; they set up a new authenticator at "
            "their next log-in if their role requires one."
        )
