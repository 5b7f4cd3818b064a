"""Celery tasks of the compliance app: each calls one service."""

from celery import shared_task

from compliance.chain import audit_checkpoint_create


@shared_task(name="compliance.tasks.audit_checkpoint", ignore_result=True)
def audit_checkpoint() -> int:
    return audit_checkpoint_create().seq


@shared_task(
    name="compliance.tasks.report_generate",
    ignore_result=True,
    time_limit=1800,
    soft_time_limit=1700,
)
def report_generate(report_id: int) -> None:
    from compliance.reports.services import report_generate as generate

    generate(report_id=report_id)


@shared_task(
    name="compliance.tasks.audit_verification_run",
    ignore_result=True,
    time_limit=3600,
    soft_time_limit=3500,
)
def audit_verification_run(actor_id: int | None = None) -> None:
    from django.contrib.auth import get_user_model

    from compliance.reports.services import audit_verification_run as run

    run(actor=get_user_model().objects.filter(pk=actor_id).first() if actor_id else None)
