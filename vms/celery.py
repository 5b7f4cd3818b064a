"""The Celery application shared by the web process, workers and the scheduler.

``celery -A vms worker --analytics`` also runs the analytics engine in the worker process:
it takes cameras through Redis leases and analyses them (see ``analytics/worker``). Run such
workers with a thread pool (``-P threads``): the engine's threads and model sessions must
not be forked.
"""

import os

from celery import Celery, bootsteps
from click import Option

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vms.settings")

app = Celery("vms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.user_options["worker"].add(
    Option(
        ["--analytics"],
        is_flag=True,
        default=False,
        help="Also analyse cameras in this worker (GPU when present).",
    )
)


class AnalyticsStep(bootsteps.StartStopStep):
    """Starts and stops the analytics engine with the worker."""

    requires = {"celery.worker.components:Pool"}

    def __init__(self, parent, analytics=False, **options):
        super().__init__(parent, **options)
        self.enabled = bool(analytics) or os.environ.get("VMS_ANALYTICS_WORKER") == "1"
        self.engine = None

    def start(self, parent):
        from analytics.worker.engine import AnalyticsWorker

        self.engine = AnalyticsWorker()
        self.engine.start()

    def stop(self, parent):
        if self.engine is not None:
            self.engine.stop()
            self.engine = None


app.steps["worker"].add(AnalyticsStep)
