"""The Celery application shared by the web process, workers and the scheduler.

Workers run short tasks (camera probes and the like) in a prefork pool, where the time limits
set in ``vms/settings.py`` work: a hung task is killed and its process replaced. The analytics
engine is not a Celery worker; it is a process of its own (``manage.py analytics_worker``).
"""

import os

from celery import Celery
from celery.signals import after_setup_logger, after_setup_task_logger

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vms.settings")

app = Celery("vms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@after_setup_logger.connect
@after_setup_task_logger.connect
def _redact_secrets_in_logs(logger, **kwargs):
    """Celery replaces Django's log handlers in workers: put the redaction on its own."""
    from vms.logging import install_redaction

    install_redaction(logger)
