"""Celery tasks of the compliance app: each calls one service."""

from celery import shared_task

from compliance.chain import audit_checkpoint_create


@shared_task(name="compliance.tasks.audit_checkpoint", ignore_result=True)
def audit_checkpoint() -> int:
    return audit_checkpoint_create().seq
