"""``manage.py seed_demo``: the demo sites, cameras and users (idempotent).

Prints the demo users' credentials, which are new at every run. ``--json`` prints them as one
JSON object for the run command to show in its banner.
"""

from __future__ import annotations

import json
import os

from django.conf import settings
from django.core.management.base import BaseCommand

from vms.management.demo_data import demo_seed


class Command(BaseCommand):
    help = "Create or refresh the demo sites, cameras and one user per role."

    def add_arguments(self, parser):
        parser.add_argument(
            "--rtsp-port", type=int, default=int(os.environ.get("VMS_DEMO_RTSP_PORT", "8554"))
        )
        parser.add_argument(
            "--http-port", type=int, default=int(os.environ.get("VMS_DEMO_HTTP_PORT", "8090"))
        )
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args, **options):
        result = demo_seed(
            rtsp_port=options["rtsp_port"],
            http_port=options["http_port"],
            data_dir=settings.DATA_DIR,
        )
        if options["json"]:
            payload = {
                "sites": [site.name for site in result.sites],
                "cameras": [f"{camera.site.name} / {camera.name}" for camera in result.cameras],
                "users": [vars(credential) for credential in result.credentials],
            }
            self.stdout.write(json.dumps(payload))
            return
        self.stdout.write(f"Sites: {', '.join(site.name for site in result.sites)}")
        for camera in result.cameras:
            self.stdout.write(
                f"Camera: {camera.site.name} / {camera.name} ({camera.source_url_display})"
            )
        self.stdout.write("Demo users (new passwords at every run):")
        for credential in result.credentials:
            self.stdout.write(
                f"  {credential.role:<11} {credential.username:<16} {credential.password}"
            )
