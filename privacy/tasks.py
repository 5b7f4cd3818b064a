"""Celery tasks of the privacy app: each calls one service."""

from celery import shared_task

from privacy.services.retention import retention_purge as retention_purge_service
from privacy.services.unmask import unmask_grants_expire as unmask_grants_expire_service


@shared_task(name="privacy.tasks.retention_purge", ignore_result=True)
def retention_purge() -> dict:
    summary = retention_purge_service()
    return {"run": str(summary.run), "items": summary.items, "keys": summary.keys_destroyed}


@shared_task(name="privacy.tasks.unmask_grants_expire", ignore_result=True)
def unmask_grants_expire() -> int:
    return unmask_grants_expire_service()
