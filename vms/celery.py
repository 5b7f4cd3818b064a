"""The Celery application shared by the web process, workers and the scheduler.

Workers run short tasks (camera probes and the like) in a prefork pool, where the time limits
set in ``vms/settings.py`` work: a hung task is killed and its process replaced. The analytics
engine is not a Celery worker; it is a process of its own (``manage.py analytics_worker``).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vms.settings")

app = Celery("vms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
