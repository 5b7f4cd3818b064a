"""``manage.py analytics_worker``: run the analytics engine, a process of its own.

It takes cameras through Redis leases (shared with any other engine process, on this machine
or another), analyses them and sends out alerts, the anonymised live feed and camera status
(see ``analytics/worker/engine.py``). It is not a Celery worker: its threads and model sessions
live as long as the process, and short tasks (camera probes) run in the Celery workers' prefork
pool where time limits work. SIGTERM or Ctrl-C stops it cleanly, giving its leases back.
"""

from __future__ import annotations

import logging
import signal
import threading

from django.core.management.base import BaseCommand, CommandError

logger = logging.getLogger("analytics.worker")


class Command(BaseCommand):
    help = "Run the analytics engine: live detection, anonymised live feed, alerts."

    def add_arguments(self, parser):
        parser.add_argument(
            "--cameras",
            type=int,
            default=None,
            help="Most cameras this process analyses (env VMS_WORKER_CAMERAS, default 16); "
            "cameras spread over every running engine process.",
        )
        parser.add_argument(
            "--simulate",
            action="store_true",
            help="Simulate every camera: held, leased and configured as usual, but nothing is "
            "decoded or analysed (measures ownership overhead at thousands of cameras).",
        )
        parser.add_argument(
            "--resync-seconds",
            type=float,
            default=300.0,
            help="How often every camera held is compared with the database, in case a "
            "configuration event was missed (default 300).",
        )

    def handle(self, *args, **options):
        from analytics.worker.engine import AnalyticsEngine

        stop = threading.Event()

        def request_stop(signum, _frame):
            logger.info("analytics worker: %s received, stopping", signal.Signals(signum).name)
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        detectors = {}
        if options["simulate"]:
            from analytics.worker.simulate import simulate_every_source

            detectors = simulate_every_source()
            logger.info("analytics worker: simulating every camera (no decode, no inference)")
        engine = AnalyticsEngine(
            capacity=options["cameras"], resync_seconds=options["resync_seconds"], **detectors
        )
        from analytics.services.assessments import ModelNotDeployableError

        try:
            engine.start()
        except ModelNotDeployableError as refusal:
            raise CommandError(f"No camera is run: {refusal}") from None
        try:
            # A timed wait, so the signal handlers run promptly in this (the main) thread.
            while not stop.wait(1.0):
                pass
        finally:
            engine.stop()
